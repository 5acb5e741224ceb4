import {
  asSourceError,
  checkRange,
  LimitError,
  missing,
  safeRelativePath,
  SourceIOError,
  type ModelSource,
} from '@savedkeras/common';

/**
 * The parts of the File System Access API used here. A real FileSystemDirectoryHandle (from
 * showDirectoryPicker(), a drop's getAsFileSystemHandle() or navigator.storage.getDirectory())
 * fits it.
 */
export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  getDirectoryHandle(name: string): Promise<DirectoryHandleLike>;
  getFileHandle(name: string): Promise<FileHandleLike>;
}
export interface FileHandleLike {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<Blob>;
}
type AnyHandle = DirectoryHandleLike | FileHandleLike;

const MAX_LIST_FILES = 100_000;
const MAX_LIST_DEPTH = 32;

/**
 * A SavedModel folder granted through the File System Access API. Paths are walked one segment at
 * a time through the handle, so nothing outside the granted folder can be named; readRange slices
 * the File, reading only the bytes asked for.
 */
export class DirectoryHandleSource implements ModelSource {
  readonly description: string;

  constructor(private readonly handle: DirectoryHandleLike) {
    this.description = `folder ${handle.name || '(granted)'}`;
  }

  /**
   * The source for `handle`, or for its one sub-folder holding saved_model.pb when the user
   * granted the parent folder.
   */
  static async open(handle: DirectoryHandleLike): Promise<DirectoryHandleSource> {
    const direct = new DirectoryHandleSource(handle);
    if ((await direct.size('saved_model.pb')) !== undefined) return direct;
    const found: DirectoryHandleLike[] = [];
    for await (const child of children(handle)) {
      if (child.kind !== 'directory') continue;
      if ((await new DirectoryHandleSource(child).size('saved_model.pb')) !== undefined) found.push(child);
    }
    if (found.length > 1) {
      throw new SourceIOError(`folder ${handle.name} holds ${found.length} SavedModels: ${found.map((f) => f.name).sort().join(', ')}`, {
        hint: 'choose one SavedModel folder',
      });
    }
    return found.length === 1 ? new DirectoryHandleSource(found[0]) : direct;
  }

  async read(path: string): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const file = await this.fileAt(rel);
    if (file === undefined) throw missing(this.description, rel);
    return sliceBytes(rel, file, 0, file.size);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const file = await this.fileAt(rel);
    if (file === undefined) throw missing(this.description, rel);
    checkRange(rel, file.size, offset, length);
    return sliceBytes(rel, file, offset, length);
  }

  async size(path: string): Promise<number | undefined> {
    const rel = safeRelativePath(path);
    return (await this.fileAt(rel))?.size;
  }

  async list(dir = ''): Promise<string[]> {
    let start: DirectoryHandleLike = this.handle;
    const base = dir === '' ? '' : safeRelativePath(dir);
    if (base !== '') {
      for (const seg of base.split('/')) {
        const next = await lookup(() => start.getDirectoryHandle(seg), base);
        if (!next) return [];
        start = next;
      }
    }
    const out: string[] = [];
    await collect(start, base, out, 0);
    return out.sort();
  }

  /** The File at `rel`, or undefined when a segment is missing or not of the right kind. */
  private async fileAt(rel: string): Promise<Blob | undefined> {
    const segs = rel.split('/');
    let dir: DirectoryHandleLike = this.handle;
    for (const seg of segs.slice(0, -1)) {
      const next = await lookup(() => dir.getDirectoryHandle(seg), rel);
      if (!next) return undefined;
      dir = next;
    }
    const fh = await lookup(() => dir.getFileHandle(segs[segs.length - 1]), rel);
    if (!fh) return undefined;
    try {
      return await fh.getFile();
    } catch (e) {
      throw asSourceError(e, rel);
    }
  }
}

/** Runs a handle lookup; NotFoundError / TypeMismatchError (a file where a folder is, or back) mean "absent". */
async function lookup<T>(f: () => Promise<T>, rel: string): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    const name = (e as { name?: string })?.name;
    if (name === 'NotFoundError' || name === 'TypeMismatchError') return undefined;
    throw asSourceError(e, rel);
  }
}

async function* children(dir: DirectoryHandleLike): AsyncGenerator<AnyHandle> {
  const values = (dir as unknown as { values?: () => AsyncIterable<AnyHandle> }).values;
  if (typeof values !== 'function') return;
  yield* values.call(dir);
}

async function collect(dir: DirectoryHandleLike, prefix: string, out: string[], depth: number): Promise<void> {
  if (depth > MAX_LIST_DEPTH) throw new LimitError(`folder nests deeper than ${MAX_LIST_DEPTH} levels at ${prefix}`);
  for await (const child of children(dir)) {
    const path = prefix === '' ? child.name : `${prefix}/${child.name}`;
    if (child.kind === 'file') {
      if (out.length >= MAX_LIST_FILES) throw new LimitError(`folder holds more than ${MAX_LIST_FILES} files`);
      out.push(path);
    } else {
      await collect(child, path, out, depth + 1);
    }
  }
}

async function sliceBytes(rel: string, file: Blob, offset: number, length: number): Promise<Uint8Array> {
  let buf: ArrayBuffer;
  try {
    buf = await file.slice(offset, offset + length).arrayBuffer();
  } catch (e) {
    throw asSourceError(e, rel);
  }
  if (buf.byteLength !== length) {
    throw new SourceIOError(`read ${buf.byteLength} of ${length} bytes`, { file: rel, hint: 'the file changed while it was read' });
  }
  return new Uint8Array(buf);
}
