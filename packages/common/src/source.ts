import { FormatError, MissingFileError, SavedKerasError, SourceIOError } from './errors.js';
import { safeRelativePath } from './paths.js';

/**
 * Where a model's files come from: a folder on disk, a base URL, a dropped folder, a zip in
 * memory. Paths are relative to the model root, `/`-separated (`variables/variables.index`).
 * Implementations must refuse paths that leave the root (see safeRelativePath).
 */
export interface ModelSource {
  /** A short human-readable name for messages (the folder or URL). */
  readonly description: string;
  /** The whole file. Rejects with MissingFileError when it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /** `length` bytes from `offset`. Rejects with FormatError when the range passes the end. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: `target.length` bytes from `offset` written into `target` (no allocation, no copy),
   * for sources that can (a file on disk). Same errors as readRange. Checkpoint readers use it
   * where present to fill a tensor's own buffer or a reused scratch buffer.
   */
  readRangeInto?(path: string, offset: number, target: Uint8Array): Promise<void>;
  /** File size in bytes, or undefined when the file does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Relative paths of the files under `dir` (recursive), where the source can list; else undefined. */
  list?(dir?: string): Promise<string[] | undefined>;
  /**
   * Set when the user pointed at one file (a `.keras`, `.h5` or `model.json`) rather than a model
   * folder: its path relative to this source, which is then the folder holding it.
   */
  readonly file?: string;
}

/**
 * The part of `source` under the folder `prefix` (`1` in a TF Serving layout `model/1/...`), as a
 * source of its own: paths stay relative to the new root and cannot leave it.
 */
export class SubfolderSource implements ModelSource {
  readonly description: string;
  private readonly prefix: string;
  /** Present exactly when the parent offers it (readers test for the method to pick the no-copy path). */
  readonly readRangeInto?: (path: string, offset: number, target: Uint8Array) => Promise<void>;

  constructor(
    private readonly parent: ModelSource,
    prefix: string,
  ) {
    this.prefix = safeRelativePath(prefix, 'folder').replace(/\/?$/, '/');
    this.description = `${parent.description.replace(/\/$/, '')}/${this.prefix.slice(0, -1)}`;
    if (parent.readRangeInto) {
      const into = parent.readRangeInto.bind(parent);
      this.readRangeInto = async (path, offset, target) => into(this.prefix + safeRelativePath(path), offset, target);
    }
  }

  async read(path: string): Promise<Uint8Array> {
    return this.parent.read(this.prefix + safeRelativePath(path));
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.parent.readRange(this.prefix + safeRelativePath(path), offset, length);
  }

  async size(path: string): Promise<number | undefined> {
    return this.parent.size(this.prefix + safeRelativePath(path));
  }

  async list(dir = ''): Promise<string[] | undefined> {
    if (!this.parent.list) return undefined;
    const files = await this.parent.list(this.prefix + (dir === '' ? '' : safeRelativePath(dir, 'folder')));
    return files?.filter((f) => f.startsWith(this.prefix)).map((f) => f.slice(this.prefix.length));
  }
}

export interface ProgressEvent {
  /** What is happening: 'read', 'decode', 'weights', 'build'. */
  stage: string;
  loadedBytes: number;
  totalBytes: number;
  /** 0..1 over the whole load. */
  fraction: number;
}
export type ProgressCallback = (p: ProgressEvent) => void;

export async function exists(source: ModelSource, path: string): Promise<boolean> {
  return (await source.size(path)) !== undefined;
}

/** A source held entirely in memory: tests, zips, fuzzing. */
export class MemorySource implements ModelSource {
  readonly description: string;
  private readonly files: Map<string, Uint8Array>;

  constructor(files: Map<string, Uint8Array> | Record<string, Uint8Array>, description = 'memory') {
    this.files = files instanceof Map ? new Map(files) : new Map(Object.entries(files));
    this.description = description;
  }

  async read(path: string): Promise<Uint8Array> {
    const f = this.files.get(path);
    if (!f) throw missing(this.description, path);
    return f;
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const f = await this.read(path);
    checkRange(path, f.length, offset, length);
    return f.subarray(offset, offset + length);
  }

  async size(path: string): Promise<number | undefined> {
    return this.files.get(path)?.length;
  }

  async list(dir = ''): Promise<string[]> {
    const prefix = dir === '' ? '' : dir.replace(/\/?$/, '/');
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** The files, for writers and fuzzers. */
  entries(): Map<string, Uint8Array> {
    return new Map(this.files);
  }
}


export function missing(description: string, path: string): MissingFileError {
  return new MissingFileError(`file not found in ${description}`, {
    file: path,
    hint: 'a SavedModel folder holds saved_model.pb and variables/; check the path points at that folder',
  });
}

export function checkRange(path: string, fileSize: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > fileSize) {
    throw new FormatError(`byte range [${offset}, ${offset}+${length}) passes the end of the file (${fileSize} bytes)`, {
      file: path,
      offset,
      hint: 'the file is truncated or the index that points into it is corrupt',
    });
  }
}

/** Wraps a lower-level failure (fs, fetch) as an IO error naming the file, keeping typed errors as they are. */
export function asSourceError(e: unknown, path: string): SavedKerasError {
  if (e instanceof SavedKerasError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new SourceIOError(`could not read: ${msg}`, { file: path, cause: e });
}

/**
 * Source routers turn a string (path, file:// or http(s):// URL) into a ModelSource, as tf.io
 * routers do. Runtime packages (backend-node, backend-web) register theirs on import.
 */
export type SourceRouter = (url: string) => ModelSource | undefined;
const routers: SourceRouter[] = [];

export function registerSourceRouter(router: SourceRouter): void {
  if (!routers.includes(router)) routers.push(router);
}

export function resolveSource(from: string | ModelSource): ModelSource {
  if (typeof from !== 'string') return from;
  for (const r of routers) {
    const s = r(from);
    if (s) return s;
  }
  throw new SavedKerasError('IO', `no source can open ${JSON.stringify(from)}`, {
    hint: "import '@savedkeras/backend-node' (paths, file://) or '@savedkeras/backend-web' (http(s)://) first, or pass a ModelSource",
  });
}
