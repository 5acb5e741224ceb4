import { closeSync, fstatSync, lstatSync, openSync, promises as fsp, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import * as nodePath from 'node:path';
import {
  asSourceError,
  checkRange,
  LimitError,
  MissingFileError,
  missing,
  PathEscapeError,
  safeRelativePath,
  type ModelSource,
} from '@savedkeras/common';

/** Deepest folder nesting `list()` walks; a SavedModel is two levels deep (assets/ may nest a little). */
const MAX_LIST_DEPTH = 32;
/** Most files `list()` returns; a SavedModel has a handful, a huge folder is almost surely the wrong one. */
const MAX_LIST_FILES = 100_000;
/** Most folder entries (files, folders, links) `list()` looks at. */
const MAX_LIST_ENTRIES = 1_000_000;

/**
 * A model folder on the local disk. Every path goes through safeRelativePath, and is then checked
 * again after following symlinks, so neither `..` nor a symlink can reach outside the folder.
 * readRange reads exactly the bytes asked for (a 2 GiB shard is never read whole).
 */
export class NodeFileSource implements ModelSource {
  readonly description: string;
  /** The folder as given, made absolute. */
  readonly root: string;
  private realRoot: Promise<string> | null = null;
  /**
   * Checked real paths by relative path. A checkpoint is read one tensor range at a time; without
   * this every range would pay realpath again. Only existing files are cached (a missing one may appear).
   */
  private readonly realPaths = new Map<string, string>();
  /**
   * Real paths of the folders files were found in, by relative path (`variables`): a file in a known folder
   * costs one lstat instead of a realpath walk of every component of its path (a dozen system calls).
   */
  private readonly realDirs = new Map<string, string>();

  /** Set when `dir` named a file (a `.keras`, `.h5`, `model.json`): its name; the root is then its folder. */
  readonly file?: string;

  constructor(dir: string) {
    const abs = nodePath.resolve(dir);
    // A file given where a folder is expected is kept as `file` so the format can be recognised (detectModelFormat).
    if (isFileSync(abs)) {
      this.root = nodePath.dirname(abs);
      this.file = nodePath.basename(abs);
    } else {
      this.root = abs;
    }
    this.description = this.root;
  }

  /**
   * Throws MissingFileError when the folder itself is absent or not a folder. Loaders call it
   * first so the message says "folder not found" instead of "no saved_model.pb".
   */
  async assertFolder(): Promise<void> {
    let st: Stats;
    try {
      st = await fsp.stat(this.root);
    } catch (e) {
      if (isNotFound(e)) {
        throw new MissingFileError(`model folder not found: ${this.root}`, {
          hint: 'pass the folder that model.save() / tf.saved_model.save() wrote (it holds saved_model.pb)',
        });
      }
      throw asSourceError(e, this.root);
    }
    if (!st.isDirectory()) {
      throw new MissingFileError(`${this.root} is a file, not a SavedModel folder`, {
        hint: 'pass the folder that holds saved_model.pb, not a file inside it',
      });
    }
  }

  async read(path: string): Promise<Uint8Array> {
    const { rel, real } = await this.resolveExisting(path);
    const small = readSmallSync(real, rel, this.description, (size) => (size <= SYNC_READ_BYTES ? { offset: 0, target: new Uint8Array(size) } : undefined));
    if (small) return small;
    const handle = await open(real, rel);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notAFile(this.description, rel);
      // Checked before allocating: a Uint8Array cannot exceed this anyway, and a clear error beats a RangeError.
      if (st.size > MAX_WHOLE_READ) {
        throw new LimitError(`${st.size} bytes is too large to read whole`, { file: rel });
      }
      return await readExactly(handle, rel, 0, st.size);
    } catch (e) {
      throw asSourceError(e, rel);
    } finally {
      await handle.close();
    }
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const { rel, real } = await this.resolveExisting(path);
    if (length <= SYNC_READ_BYTES) {
      return readSmallSync(real, rel, this.description, (size) => (checkRange(rel, size, offset, length), { offset, target: new Uint8Array(length) }))!;
    }
    const handle = await open(real, rel);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notAFile(this.description, rel);
      checkRange(rel, st.size, offset, length);
      return await readExactly(handle, rel, offset, length);
    } catch (e) {
      throw asSourceError(e, rel);
    } finally {
      await handle.close();
    }
  }

  /**
   * readRange into the caller's buffer: `target.length` bytes from `offset`, read by the OS straight
   * into `target` (the checkpoint reader passes a tensor's own buffer or a reused scratch buffer).
   */
  async readRangeInto(path: string, offset: number, target: Uint8Array): Promise<void> {
    const { rel, real } = await this.resolveExisting(path);
    if (target.length <= SYNC_READ_BYTES) {
      readSmallSync(real, rel, this.description, (size) => (checkRange(rel, size, offset, target.length), { offset, target }));
      return;
    }
    const handle = await open(real, rel);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notAFile(this.description, rel);
      checkRange(rel, st.size, offset, target.length);
      await readExactlyInto(handle, rel, offset, target);
    } catch (e) {
      throw asSourceError(e, rel);
    } finally {
      await handle.close();
    }
  }

  async size(path: string): Promise<number | undefined> {
    const r = await this.resolve(path);
    if (!r.real) return undefined;
    // Just looked up (not a symlink): its lstat is the file's own stat.
    if (r.stat) return r.stat.isFile() ? r.stat.size : undefined;
    try {
      const st = statSync(r.real);
      return st.isFile() ? st.size : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw asSourceError(e, r.rel);
    }
  }

  /** Files under `dir` (recursive), `/`-separated and relative to the model root, sorted. Symlinks leaving the folder are skipped. */
  async list(dir = ''): Promise<string[] | undefined> {
    const start = dir === '' ? '' : safeRelativePath(dir, 'folder');
    const realRoot = await this.getRealRoot();
    if (realRoot === undefined) return undefined;
    const out: string[] = [];
    // Each real folder is walked once: symlinks back to a folder above (or to itself) form cycles,
    // and two such links per level would make the walk exponential.
    const visited = new Set<string>();
    let seen = 0;
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > MAX_LIST_DEPTH) return;
      let realDir: string;
      try {
        realDir = await fsp.realpath(nodePath.join(this.root, rel));
      } catch {
        return;
      }
      if (visited.has(realDir)) return;
      visited.add(realDir);
      let entries: string[];
      try {
        entries = await fsp.readdir(nodePath.join(this.root, rel));
      } catch (e) {
        if (isNotFound(e) || code(e) === 'ENOTDIR') return;
        throw asSourceError(e, rel === '' ? '.' : rel);
      }
      seen += entries.length;
      if (seen > MAX_LIST_ENTRIES) {
        throw new LimitError(`more than ${MAX_LIST_ENTRIES} entries under ${this.description}`, {
          hint: 'point at the SavedModel folder itself, not a folder above it',
        });
      }
      for (const name of entries.sort()) {
        const childRel = rel === '' ? name : `${rel}/${name}`;
        let real: string;
        try {
          real = await fsp.realpath(nodePath.join(this.root, childRel));
        } catch {
          continue; // dangling symlink
        }
        if (!isInside(realRoot, real)) continue;
        const st = await fsp.stat(real);
        if (st.isDirectory()) await walk(childRel, depth + 1);
        else if (st.isFile()) {
          if (out.length >= MAX_LIST_FILES) {
            throw new LimitError(`more than ${MAX_LIST_FILES} files under ${this.description}`, {
              hint: 'point at the SavedModel folder itself, not a folder above it',
            });
          }
          out.push(childRel);
        }
      }
    };
    await walk(start, 0);
    return out;
  }

  private getRealRoot(): Promise<string | undefined> {
    this.realRoot ??= (async () => realpathSync.native(this.root))();
    return this.realRoot.catch((e) => {
      this.realRoot = null; // the folder may appear later (example writes it)
      if (isNotFound(e)) return undefined;
      throw asSourceError(e, this.root);
    });
  }

  /**
   * The checked relative path and, when the file exists, its real path. Throws PathEscapeError for
   * `..`, absolute paths, and symlinks whose target lies outside the model folder.
   */
  private async resolve(path: string): Promise<{ rel: string; real: string | undefined; stat?: Stats }> {
    const rel = safeRelativePath(path, 'path');
    const cached = this.realPaths.get(rel);
    if (cached !== undefined) return { rel, real: cached };
    const realRoot = await this.getRealRoot();
    if (realRoot === undefined) return { rel, real: undefined };
    let real: string;
    let stat: Stats | undefined;
    try {
      // The real folder (each folder once per source), then the file itself: a file that is no symlink is
      // there under its own name; a symlink is followed to its end (realpath).
      const slash = rel.lastIndexOf('/');
      const dir = slash < 0 ? '' : rel.slice(0, slash);
      const inDir = childPath(this.realFolder(realRoot, dir), rel.slice(slash + 1));
      const st = lstatSync(inDir);
      if (st.isSymbolicLink()) real = realpathSync.native(inDir);
      else {
        real = inDir;
        stat = st;
      }
    } catch (e) {
      if (isNotFound(e) || code(e) === 'ENOTDIR') return { rel, real: undefined };
      throw asSourceError(e, rel);
    }
    if (!isInside(realRoot, real)) {
      throw new PathEscapeError(`${JSON.stringify(rel)} is a symlink to ${real}, outside the model folder`, {
        file: rel,
        hint: 'savedkeras reads only files inside the model folder; copy the file in instead of linking it',
      });
    }
    this.realPaths.set(rel, real);
    return { rel, real, stat };
  }

  /**
   * The real path of the folder `dir` (relative, '' the root), kept per source: from the real root, one lstat
   * per component that is no symlink, a realpath from a component that is. Throws what fs throws (ENOENT, ENOTDIR).
   */
  private realFolder(realRoot: string, dir: string): string {
    if (dir === '') return realRoot;
    const known = this.realDirs.get(dir);
    if (known !== undefined) return known;
    const slash = dir.lastIndexOf('/');
    const inParent = childPath(this.realFolder(realRoot, slash < 0 ? '' : dir.slice(0, slash)), dir.slice(slash + 1));
    const st = lstatSync(inParent);
    let real: string;
    if (st.isSymbolicLink()) real = realpathSync.native(inParent);
    else if (st.isDirectory()) real = inParent;
    else throw Object.assign(new Error(`not a folder: ${inParent}`), { code: 'ENOTDIR' });
    this.realDirs.set(dir, real);
    return real;
  }

  private async resolveExisting(path: string): Promise<{ rel: string; real: string }> {
    const r = await this.resolve(path);
    if (r.real === undefined) throw missing(this.description, r.rel);
    return { rel: r.rel, real: r.real };
  }
}

/**
 * Reads up to this size are done with synchronous fs calls: a few microseconds each from the page
 * cache, where every async call is a round trip through libuv's thread pool (a load makes dozens of
 * small reads: saved_model.pb parts, the index, one range per tensor). Larger reads stay async.
 */
const SYNC_READ_BYTES = 1 << 20;

/**
 * open + fstat + read + close, synchronously. `plan(size)` checks the range against the file's
 * size and names where the bytes go, or returns undefined to read nothing (then undefined is returned).
 */
function readSmallSync(
  real: string,
  rel: string,
  description: string,
  plan: (size: number) => { offset: number; target: Uint8Array } | undefined,
): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (e) {
    throw asSourceError(e, rel);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notAFile(description, rel);
    const p = plan(st.size);
    if (!p) return undefined;
    const { offset, target } = p;
    let done = 0;
    while (done < target.length) {
      const n = readSync(fd, target, done, target.length - done, offset + done);
      if (n === 0) checkRange(rel, offset + done, offset, target.length); // always throws: the file ended early
      done += n;
    }
    return target;
  } catch (e) {
    throw asSourceError(e, rel);
  } finally {
    closeSync(fd);
  }
}

/** Largest file `read()` returns whole (Node's Buffer limit is about this; shards are read by range). */
const MAX_WHOLE_READ = 2 ** 31 - 1;

async function open(real: string, rel: string): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(real, 'r');
  } catch (e) {
    throw asSourceError(e, rel);
  }
}

/** Reads exactly `length` bytes at `offset`; a file that shrinks meanwhile is a FormatError via checkRange. */
async function readExactly(handle: fsp.FileHandle, rel: string, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  await readExactlyInto(handle, rel, offset, buf);
  return buf;
}

async function readExactlyInto(handle: fsp.FileHandle, rel: string, offset: number, target: Uint8Array): Promise<void> {
  const length = target.length;
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(target, done, length - done, offset + done);
    if (bytesRead === 0) checkRange(rel, offset + done, offset, length); // always throws: the file ended early
    done += bytesRead;
  }
}

function isFileSync(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * `name` (one segment of a path safeRelativePath checked: no separator, not `.` or `..`) in the real folder `dir`:
 * path.join's answer without its normalizing pass, which a small model's load paid once per file.
 */
function childPath(dir: string, name: string): string {
  return dir.endsWith(nodePath.sep) ? dir + name : dir + nodePath.sep + name;
}

function isInside(root: string, p: string): boolean {
  // Both are real paths (realpath, or a real folder joined with a checked name): normalized and absolute, so one
  // that starts with the root and a separator is inside it. path.relative (two path.resolve calls) answers the
  // rest; it was ~5 % of a small model's near-cold load, where every file is looked up once.
  if (p.startsWith(root) && (p.length === root.length || p[root.length] === nodePath.sep || root.endsWith(nodePath.sep))) return true;
  const r = nodePath.relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(r));
}

function notAFile(description: string, rel: string): MissingFileError {
  return new MissingFileError(`is a folder, not a file, in ${description}`, { file: rel });
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function isNotFound(e: unknown): boolean {
  return code(e) === 'ENOENT';
}
