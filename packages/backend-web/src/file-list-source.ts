import {
  asSourceError,
  checkRange,
  missing,
  safeRelativePath,
  SourceIOError,
  type ModelSource,
} from '@savedkeras/common';

/** A file with the path it had inside the picked or dropped folder (`top/variables/variables.index`). */
export interface FileWithPath {
  path: string;
  file: File;
}

export interface FileListSourceOptions {
  /**
   * Folder inside the picked one that holds saved_model.pb, when it holds several SavedModels
   * (as listed by the error that asks for it). Default: found automatically.
   */
  root?: string;
}

const MODEL_FILES = ['saved_model.pb', 'saved_model.pbtxt'];

/**
 * A SavedModel picked with `<input type=file webkitdirectory>` or dropped on the page.
 *
 * Files are keyed by their path inside the chosen folder (webkitRelativePath, or the path from a
 * DataTransfer entry) with the folder that holds saved_model.pb made the root: picking the model
 * folder itself or its parent gives the same `saved_model.pb`, `variables/...` keys. Files outside
 * that folder are left out. readRange slices the File, so only the bytes asked for are read.
 */
export class FileListSource implements ModelSource {
  readonly description: string;
  /** Where saved_model.pb was found, relative to what the user chose ('' when at its top). */
  readonly root: string;
  private readonly files = new Map<string, File>();
  /** Set when one file alone was chosen (a `.keras` or `.h5` model file): its path; its format is told from its bytes. */
  readonly file?: string;

  constructor(files: FileList | ArrayLike<File> | Iterable<File> | FileWithPath[], options: FileListSourceOptions = {}) {
    const withPaths = toPaths(files);
    if (withPaths.length === 0) {
      throw new SourceIOError('no files were chosen', { hint: 'pick or drop the SavedModel folder (the one holding saved_model.pb)' });
    }
    const root = options.root !== undefined ? trimSlashes(options.root) : findRoot(withPaths.map((f) => f.path));
    this.root = root;
    const prefix = root === '' ? '' : `${root}/`;
    for (const { path, file } of withPaths) {
      if (!path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      if (!this.files.has(rel)) this.files.set(rel, file);
    }
    this.description = `chosen folder ${root === '' ? topFolderName(withPaths) : root}`;
    if (withPaths.length === 1 && !MODEL_FILES.includes(withPaths[0]!.path.slice(withPaths[0]!.path.lastIndexOf('/') + 1))) {
      this.file = [...this.files.keys()][0];
      this.description = `chosen file ${withPaths[0]!.path}`;
    }
  }

  async read(path: string): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const file = this.fileAt(rel);
    return this.slice(rel, file, 0, file.size);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const file = this.fileAt(rel);
    checkRange(rel, file.size, offset, length);
    return this.slice(rel, file, offset, length);
  }

  async size(path: string): Promise<number | undefined> {
    return this.files.get(safeRelativePath(path))?.size;
  }

  async list(dir = ''): Promise<string[]> {
    const prefix = dir === '' ? '' : `${safeRelativePath(dir)}/`;
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Total bytes of the files in the model folder (for a progress bar). */
  get totalBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.size;
    return n;
  }

  private fileAt(rel: string): File {
    const f = this.files.get(rel);
    if (!f) throw missing(this.description, rel);
    return f;
  }

  private async slice(rel: string, file: File, offset: number, length: number): Promise<Uint8Array> {
    let buf: ArrayBuffer;
    try {
      buf = await file.slice(offset, offset + length).arrayBuffer();
    } catch (e) {
      // NotReadableError: the file changed or was moved after it was picked.
      throw asSourceError(e, rel);
    }
    if (buf.byteLength !== length) {
      throw new SourceIOError(`read ${buf.byteLength} of ${length} bytes`, {
        file: rel,
        hint: 'the file changed on disk after it was picked; pick the folder again',
      });
    }
    return new Uint8Array(buf);
  }
}

function toPaths(files: FileList | ArrayLike<File> | Iterable<File> | FileWithPath[]): FileWithPath[] {
  const list: unknown[] = Array.from(files as ArrayLike<unknown>);
  return list.map((item) => {
    if (isFileWithPath(item)) return { path: cleanPath(item.path), file: item.file };
    const file = item as File;
    // webkitRelativePath is '' for files picked without webkitdirectory: they sit at the root.
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
    return { path: cleanPath(rel ? rel : file.name), file };
  });
}

function isFileWithPath(x: unknown): x is FileWithPath {
  return typeof x === 'object' && x !== null && 'file' in x && 'path' in x && typeof (x as FileWithPath).path === 'string';
}

/** Entry paths start with '/' (`/model/saved_model.pb`); the rest is checked like any model path. */
function cleanPath(p: string): string {
  return safeRelativePath(p.replace(/^\/+/, ''), 'chosen file path');
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

/**
 * The folder holding saved_model.pb, shallowest first. Without one, the top folder every file
 * shares (so reads report `saved_model.pb` missing, not `model/saved_model.pb`).
 */
export function findRoot(paths: string[]): string {
  const dirs = paths
    .filter((p) => MODEL_FILES.includes(p.slice(p.lastIndexOf('/') + 1)))
    .map((p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : ''));
  const unique = [...new Set(dirs)];
  if (unique.length > 0) {
    const depth = (d: string) => (d === '' ? 0 : d.split('/').length);
    const least = Math.min(...unique.map(depth));
    const shallowest = unique.filter((d) => depth(d) === least).sort();
    if (shallowest.length > 1) {
      throw new SourceIOError(`the chosen folder holds ${shallowest.length} SavedModels: ${shallowest.join(', ')}`, {
        hint: 'choose one SavedModel folder (or pass { root } naming one of these)',
      });
    }
    return shallowest[0];
  }
  const tops = new Set(paths.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const [only] = tops;
  return tops.size === 1 && only !== '' ? only : '';
}

function topFolderName(files: FileWithPath[]): string {
  const first = files[0].path;
  return first.includes('/') ? first.slice(0, first.indexOf('/')) : '(files)';
}
