/// <reference path="./jsfive.d.ts" />
import * as jsfive from 'jsfive';
import { Unzlib } from 'fflate';
import { FormatError, LimitError, UnsupportedFeatureError, type Limits } from '@savedkeras/common';

/** One numeric dataset read out of an HDF5 file, as the typed array tfjs takes. */
export interface H5Array {
  /** Path inside the HDF5 file. */
  path: string;
  /** The HDF5 dtype: float16/32/64, int8..64, uint8..64, bool. */
  dtype: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

const DTYPES: Record<string, { name: string; bytes: number }> = {
  f2: { name: 'float16', bytes: 2 }, f4: { name: 'float32', bytes: 4 }, f8: { name: 'float64', bytes: 8 },
  i1: { name: 'int8', bytes: 1 }, i2: { name: 'int16', bytes: 2 }, i4: { name: 'int32', bytes: 4 }, i8: { name: 'int64', bytes: 8 },
  u1: { name: 'uint8', bytes: 1 }, u2: { name: 'uint16', bytes: 2 }, u4: { name: 'uint32', bytes: 4 }, u8: { name: 'uint64', bytes: 8 },
  b1: { name: 'bool', bytes: 1 },
};

/** Most group levels walked below one path (Keras nests layers a few levels deep; a cycle of links would not end). */
const MAX_GROUP_DEPTH = 32;
/** Most groups one walk visits (Keras writes a few per layer). */
const MAX_GROUPS = 100_000;
/** Compressed bytes handed to the streaming inflater at a time: one push inflates to at most ~264 KB (deflate's 1032:1). */
const INFLATE_SLICE = 256;

/** The chunked dataset being read (set around each jsfive read, which is synchronous): what one chunk may inflate to. */
let chunkRead: { file: string; path: string; maxBytes: number } | undefined;

/**
 * HDF5's gzip filter, bounded: jsfive's own inflates a chunk to whatever it holds (pako, all at
 * once), so a chunk of a few KB could inflate to gigabytes. Here the compressed bytes are inflated
 * a slice at a time and refused as soon as the output passes what the chunk's shape holds.
 */
function boundedZlib(buf: ArrayBuffer): ArrayBuffer {
  const read = chunkRead;
  if (!read) throw new FormatError('HDF5 chunk inflated outside a bounded dataset read');
  const out = new Uint8Array(read.maxBytes);
  let n = 0;
  const z = new Unzlib((data) => {
    if (n + data.length > read.maxBytes) {
      throw new FormatError(`a gzip chunk inflates past the ${read.maxBytes} bytes its chunk shape holds (a decompression bomb)`, {
        file: read.file,
        node: read.path,
        hint: 'the file is corrupt or crafted',
      });
    }
    out.set(data, n);
    n += data.length;
  });
  const input = new Uint8Array(buf);
  if (input.length === 0) z.push(input, true);
  for (let i = 0; i < input.length; i += INFLATE_SLICE) z.push(input.subarray(i, i + INFLATE_SLICE), i + INFLATE_SLICE >= input.length);
  return out.buffer.slice(0, n);
}
jsfive.Filters.set(1, boundedZlib);

/**
 * What one file's variable-length values (HDF5 strings of attributes) may cost, by the file's
 * buffer: jsfive decodes each element from the global heap object it names, and copies a heap
 * collection whole the first time an element names it. Nothing stops many elements of 16 bytes
 * naming one large object, or many collections overlapping: a 1 MB file could decode to terabytes.
 * Honest files decode each heap object once, from collections that do not overlap: at most twice
 * the file's bytes, which is the budget.
 */
interface VlenBudget {
  used: number;
  readonly max: number;
  readonly file: string;
  node: string;
}
const vlenBudgets = new WeakMap<ArrayBuffer, VlenBudget>();

interface VlenReader {
  fh: ArrayBuffer;
  _global_heaps: Record<string, unknown>;
  _vlen_size_and_data(buf: ArrayBuffer, offset: number): [number, ArrayBuffer];
}

/** Wraps jsfive's variable-length reader (a DataObjects method) once, charging each read to its file's budget before it runs. */
function boundVlenReads(proto: VlenReader | null): void {
  if (!proto || typeof proto._vlen_size_and_data !== 'function' || (proto as unknown as { __bounded?: boolean }).__bounded) return;
  const read = proto._vlen_size_and_data;
  Object.defineProperty(proto, '__bounded', { value: true });
  proto._vlen_size_and_data = function (this: VlenReader, buf: ArrayBuffer, offset: number): [number, ArrayBuffer] {
    const budget = vlenBudgets.get(this.fh);
    if (!budget) return read.call(this, buf, offset);
    const over = (what: string) =>
      new FormatError(`HDF5 variable-length values ${what} more than twice the ${this.fh.byteLength}-byte file (heap objects named many times)`, {
        file: budget.file,
        node: budget.node,
        hint: 'the file is corrupt or crafted',
      });
    const view = new DataView(buf);
    const collection = view.getUint32(offset + 4, true) + view.getUint32(offset + 8, true) * 2 ** 32;
    if (!(collection in this._global_heaps) && collection + 16 <= this.fh.byteLength) {
      const fh = new DataView(this.fh);
      const size = fh.getUint32(collection + 8, true) + fh.getUint32(collection + 12, true) * 2 ** 32;
      budget.used += Math.min(size, this.fh.byteLength - collection);
      if (budget.used > budget.max) throw over('copy heap collections of');
    }
    const out = read.call(this, buf, offset);
    budget.used += out[1]?.byteLength ?? 0;
    if (budget.used > budget.max) throw over('decode to');
    return out;
  };
}

/** jsfive's parsed object header of a dataset (not part of its typed API; read defensively). */
interface DataObjectsLike {
  _get_chunk_params(): void;
  _chunks: number[] | null;
  _chunk_dims: number | null;
  _chunk_address: number | null;
  readonly filter_pipeline: Array<Map<string, unknown>> | null;
}

/**
 * A read-only HDF5 file held in memory, read with jsfive (pure JavaScript, the same in Node and the
 * browser). Every jsfive failure is a FormatError naming the file and the path inside it; dataset
 * sizes are checked against the limits and the file size before jsfive materializes any values.
 */
export class H5File {
  private readonly root: jsfive.File;

  constructor(
    bytes: Uint8Array,
    /** The file's name in messages: `model.weights.h5`, or the .h5 file itself. */
    readonly fileName: string,
    private readonly limits: Limits,
  ) {
    const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    this.byteLength = bytes.byteLength;
    this.buffer = buffer;
    this.root = this.guard('/', () => new jsfive.File(buffer, fileName));
    const objects = (this.root as unknown as { _dataobjects?: object })._dataobjects;
    boundVlenReads(objects ? (Object.getPrototypeOf(objects) as VlenReader) : null);
    vlenBudgets.set(buffer, (this.vlen = { used: 0, max: 2 * buffer.byteLength + 2 ** 20, file: fileName, node: '/' }));
  }

  private readonly vlen: VlenBudget;

  readonly byteLength: number;
  private readonly buffer: ArrayBuffer;

  private guard<T>(path: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FormatError || e instanceof LimitError || e instanceof UnsupportedFeatureError) throw e;
      throw new FormatError(`not a readable HDF5 file: ${(e as Error)?.message ?? String(e)}`, {
        file: this.fileName,
        node: path,
        hint: 'the file is truncated or corrupt; save it again with Keras',
        cause: e,
      });
    }
  }

  /** Objects already found by path: jsfive parses a group's links each time it builds the group, so
   * walking from the root on every lookup made a model with hundreds of layers (DenseNet121: 33 s)
   * quadratic in its layer count. The file is read-only: a path always names the same object. */
  private readonly nodes = new Map<string, jsfive.Group | jsfive.Dataset | null>();
  private readonly childNames = new WeakMap<jsfive.Group, Set<string>>();

  private node(path: string): jsfive.Group | jsfive.Dataset | null {
    if (path.split('/').length > MAX_GROUP_DEPTH) throw new LimitError(`HDF5 path nested deeper than ${MAX_GROUP_DEPTH}`, { file: this.fileName, node: path });
    return this.guard(path, () => {
      // Walk down by child names: jsfive throws on a missing path, and a missing group is a normal answer here.
      let node: jsfive.Group | jsfive.Dataset = this.root;
      let at = '';
      for (const part of path.split('/').filter((p) => p !== '')) {
        at = at === '' ? part : `${at}/${part}`;
        let next = this.nodes.get(at);
        if (next === undefined) {
          next = null;
          if (node instanceof jsfive.Group) {
            let names = this.childNames.get(node);
            if (!names) this.childNames.set(node, (names = new Set(node.keys)));
            if (names.has(part)) next = node.get(part) ?? null;
          }
          this.nodes.set(at, next);
        }
        if (!next) return null;
        node = next;
      }
      return node;
    });
  }

  isGroup(path: string): boolean {
    const n = this.node(path);
    return n instanceof jsfive.Group;
  }

  isDataset(path: string): boolean {
    return this.node(path) instanceof jsfive.Dataset;
  }

  /** Child names of a group (sorted), or undefined when `path` is not a group. */
  keys(path: string): string[] | undefined {
    const n = this.node(path);
    if (!(n instanceof jsfive.Group)) return undefined;
    // Natural order: Keras numbers variables 0, 1, ..., 10 (a string sort would put 10 after 1).
    return this.guard(path, () => [...n.keys].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The attributes of a group or dataset ({} when absent). */
  attrs(path: string): Record<string, unknown> {
    const n = this.node(path);
    if (!n) return {};
    this.vlen.node = path;
    return this.guard(path, () => n.attrs ?? {});
  }

  /** A string attribute (HDF5 strings come back as text; byte strings are decoded as UTF-8). */
  stringAttr(path: string, name: string): string | undefined {
    const v = this.attrs(path)[name];
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return new TextDecoder().decode(v);
    return undefined;
  }

  /** A list-of-strings attribute (`weight_names`, `layer_names`); [] when absent or empty. */
  stringListAttr(path: string, name: string): string[] {
    const v = this.attrs(path)[name];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : [v];
    return list.filter((x) => typeof x === 'string' || x instanceof Uint8Array).map((x) => (typeof x === 'string' ? x : new TextDecoder().decode(x as Uint8Array)));
  }

  /** Shape and dtype of a dataset without reading its values. */
  describe(path: string): { dtype: string; shape: number[] } {
    const n = this.node(path);
    if (!(n instanceof jsfive.Dataset)) throw new FormatError('expected a dataset here', { file: this.fileName, node: path });
    return this.guard(path, () => {
      const dt = n.dtype;
      const code = typeof dt === 'string' ? dt.replace(/^[<>|=]/, '') : undefined;
      const known = code ? DTYPES[code] : undefined;
      if (!known) {
        throw new UnsupportedFeatureError(`dataset has dtype ${JSON.stringify(dt)}, not a number type a Keras weight has`, { file: this.fileName, node: path });
      }
      const shape = n.shape ?? [];
      for (const d of shape) {
        if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`dataset has a bad dimension ${d}`, { file: this.fileName, node: path });
      }
      return { dtype: known.name, shape: [...shape] };
    });
  }

  /**
   * A numeric dataset's values: float types as Float32Array (tfjs computes in float32), integer
   * and bool types as Int32Array. The element count is checked against the limits and against
   * what the file's bytes can hold (Keras writes uncompressed datasets) before any value is read.
   */
  read(path: string): H5Array {
    const { dtype, shape } = this.describe(path);
    const count = shape.reduce((a, b) => a * b, 1);
    const itemBytes = DTYPES[Object.keys(DTYPES).find((k) => DTYPES[k]!.name === dtype)!]!.bytes;
    if (count > this.limits.maxTensorElements) {
      throw new LimitError(`dataset [${shape.join(', ')}] has ${count} elements, above the limit of ${this.limits.maxTensorElements}`, { file: this.fileName, node: path });
    }
    // Compressed chunks could expand past the file size; Keras never compresses, so a dataset
    // claiming far more bytes than the file holds is refused before jsfive allocates it.
    if (count * itemBytes > this.byteLength * 64 + 1024) {
      throw new FormatError(`dataset [${shape.join(', ')}] of ${dtype} claims ${count * itemBytes} bytes, more than the ${this.byteLength}-byte file can hold`, {
        file: this.fileName,
        node: path,
        hint: 'the file is corrupt',
      });
    }
    const raw = this.value(path, shape, itemBytes);
    if (!raw || raw.length !== count) {
      throw new FormatError(`dataset holds ${raw?.length ?? 0} values, its shape [${shape.join(', ')}] says ${count}`, { file: this.fileName, node: path });
    }
    const isFloat = dtype.startsWith('float');
    const values = isFloat ? new Float32Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const x = raw[i];
      values[i] = typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : Number(x);
    }
    return { path, dtype, shape, values };
  }

  /**
   * A dataset's values as little-endian bytes of its stored dtype (what `inspect` hashes). jsfive
   * hands out numbers; they are written back in the stored type, so the bytes equal the stored ones
   * (float16 included: every float16 value is exact as a number; only NaN payloads are not kept).
   */
  readRaw(path: string): Uint8Array {
    const { dtype, shape } = this.describe(path);
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > this.limits.maxTensorElements || count > this.byteLength * 8 + 1024) {
      throw new LimitError(`dataset [${shape.join(', ')}] is larger than the file can hold`, { file: this.fileName, node: path });
    }
    const itemBytes = DTYPES[Object.keys(DTYPES).find((k) => DTYPES[k]!.name === dtype)!]!.bytes;
    const raw = this.value(path, shape, itemBytes);
    const n = raw.length;
    const num = (i: number) => Number(raw[i]);
    const big = (i: number) => (typeof raw[i] === 'bigint' ? (raw[i] as bigint) : BigInt(Math.trunc(Number(raw[i]))));
    let out: ArrayBufferView;
    switch (dtype) {
      case 'float64': out = Float64Array.from({ length: n }, (_, i) => num(i)); break;
      case 'float32': out = Float32Array.from({ length: n }, (_, i) => num(i)); break;
      case 'int64': out = BigInt64Array.from({ length: n }, (_, i) => big(i)); break;
      case 'uint64': out = BigUint64Array.from({ length: n }, (_, i) => big(i)); break;
      case 'int32': out = Int32Array.from({ length: n }, (_, i) => num(i)); break;
      case 'uint32': out = Uint32Array.from({ length: n }, (_, i) => num(i)); break;
      case 'int16': out = Int16Array.from({ length: n }, (_, i) => num(i)); break;
      case 'uint16': out = Uint16Array.from({ length: n }, (_, i) => num(i)); break;
      case 'int8': out = Int8Array.from({ length: n }, (_, i) => num(i)); break;
      case 'float16': out = Uint16Array.from({ length: n }, (_, i) => float16Bits(num(i))); break;
      default: out = Uint8Array.from({ length: n }, (_, i) => num(i)); // uint8, bool
    }
    // Typed arrays are in the platform's byte order; every platform tfjs runs on is little-endian.
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * A dataset's values from jsfive, once its chunk index (if it is chunked) was walked and bounded:
   * jsfive trusts the index (a chunk shape of 2^31 elements loops 2^31 times per chunk; a B-tree whose
   * nodes share children or list one chunk many times repeats the work; a chunk may inflate to any
   * size), so the index is checked first and each chunk's inflation is capped at its shape's bytes.
   */
  private value(path: string, shape: number[], itemBytes: number): ArrayLike<number | bigint | string | boolean> {
    const n = this.node(path) as jsfive.Dataset;
    const chunkBytes = this.checkChunks(path, n, shape, itemBytes);
    chunkRead = { file: this.fileName, path, maxBytes: chunkBytes + 4 }; // + a fletcher32 checksum left on by a reordered pipeline
    try {
      return this.guard(path, () => n.value);
    } finally {
      chunkRead = undefined;
    }
  }

  /**
   * Walks a chunked dataset's chunk B-tree (HDF5 spec III.A.1, version 1, node type 1) the way
   * jsfive will, and refuses what would make its read unbounded or silently wrong: a chunk shape
   * of another rank, with a zero dimension, or whose padded grid holds far more bytes than the
   * file could; a node that is not a chunk node, is reached twice or lies outside the file; a chunk
   * off the grid, outside the dataset, listed twice (overlapping chunks) or missing; chunk bytes
   * outside the file. Returns the bytes one chunk holds (0 when the dataset is not chunked).
   */
  private checkChunks(path: string, n: jsfive.Dataset, shape: number[], itemBytes: number): number {
    const bad = (what: string) => new FormatError(`chunked dataset: ${what}`, { file: this.fileName, node: path, hint: 'the file is corrupt or crafted' });
    const dobj = (n as unknown as { _dataobjects?: DataObjectsLike })._dataobjects;
    if (!dobj || typeof dobj._get_chunk_params !== 'function') return 0;
    this.guard(path, () => dobj._get_chunk_params());
    const chunks = dobj._chunks;
    if (!chunks) return 0;
    const chunk = Array.from(chunks, Number);
    if (chunk.length !== shape.length || dobj._chunk_dims !== shape.length + 1) throw bad(`chunk shape [${chunk.join(', ')}] does not match the dataset's rank ${shape.length}`);
    if (chunk.some((c) => !Number.isSafeInteger(c) || c < 1)) throw bad(`chunk shape [${chunk.join(', ')}] has a dimension below 1`);
    const chunkElements = chunk.reduce((a, b) => a * b, 1);
    const grid = shape.map((d, i) => Math.ceil(d / chunk[i]!));
    const chunkCount = grid.reduce((a, b) => a * b, 1);
    const padded = chunkCount * chunkElements * itemBytes;
    if (chunkElements * itemBytes > 2 ** 32 - 1 || padded > this.byteLength * 64 + 2 ** 20 || chunkCount * chunkElements > this.limits.maxTensorElements) {
      throw bad(`chunk shape [${chunk.join(', ')}] over [${shape.join(', ')}] makes ${chunkCount} chunks of ${chunkElements * itemBytes} bytes, more than the ${this.byteLength}-byte file can hold`);
    }
    if (chunkCount === 0) return chunkElements * itemBytes;
    const filtered = (dobj.filter_pipeline?.length ?? 0) > 0;
    const chunkBytes = chunkElements * itemBytes;
    const view = new DataView(this.buffer);
    const size = this.byteLength;
    const u64 = (at: number) => view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    const rank = shape.length;
    const entryBytes = 8 + 8 * (rank + 1) + 8;
    const seenNodes = new Set<number>();
    const seenChunks = new Set<string>();
    const root = Number(dobj._chunk_address);
    const stack: Array<[number, number | null]> = [[root, null]];
    while (stack.length > 0) {
      const [at, level] = stack.pop()!;
      if (!Number.isSafeInteger(at) || at < 0 || at + 24 > size) throw bad(`a chunk index node at ${at} lies outside the ${size}-byte file`);
      if (seenNodes.has(at)) throw bad(`the chunk index reaches the node at ${at} twice`);
      seenNodes.add(at);
      if (seenNodes.size > 2 * chunkCount + 64) throw bad(`the chunk index has more nodes than ${chunkCount} chunks need`);
      const sig = String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
      const type = view.getUint8(at + 4);
      const nodeLevel = view.getUint8(at + 5);
      const entries = view.getUint16(at + 6, true);
      if (sig !== 'TREE' || type !== 1) throw bad(`the node at ${at} is not a chunk index node`);
      if (level !== null && nodeLevel !== level) throw bad(`the node at ${at} has level ${nodeLevel}, its parent says ${level}`);
      if (at + 24 + entries * entryBytes > size) throw bad(`the node at ${at} lists ${entries} entries past the end of the file`);
      for (let e = 0; e < entries; e++) {
        const key = at + 24 + e * entryBytes;
        const child = u64(key + 8 + 8 * (rank + 1));
        if (nodeLevel > 0) {
          stack.push([child, nodeLevel - 1]);
          continue;
        }
        const stored = view.getUint32(key, true);
        const offset: number[] = [];
        for (let d = 0; d < rank; d++) offset.push(u64(key + 8 + 8 * d));
        if (offset.some((o, d) => o % chunk[d]! !== 0 || o >= shape[d]!)) throw bad(`a chunk at [${offset.join(', ')}] is off the [${chunk.join(', ')}] grid or outside [${shape.join(', ')}]`);
        const id = offset.join(',');
        if (seenChunks.has(id)) throw bad(`the chunk at [${offset.join(', ')}] is listed twice (overlapping chunks)`);
        seenChunks.add(id);
        const bytes = filtered ? stored : chunkBytes;
        if (!Number.isSafeInteger(child) || child + bytes > size) throw bad(`the chunk at [${offset.join(', ')}] has its ${bytes} bytes outside the ${size}-byte file`);
      }
    }
    if (seenChunks.size !== chunkCount) throw bad(`${chunkCount - seenChunks.size} of its ${chunkCount} chunks are missing from the chunk index`);
    return chunkBytes;
  }

  /** Every dataset path under `path` (depth-first, children sorted), bounded in depth; a group reached twice (hard links, a cycle) is refused. */
  datasetsUnder(path: string, depth = 0, seen = new Set<number>()): string[] {
    if (depth > MAX_GROUP_DEPTH) throw new LimitError(`HDF5 groups nested deeper than ${MAX_GROUP_DEPTH}`, { file: this.fileName, node: path });
    const keys = this.keys(path);
    if (!keys) return this.isDataset(path) ? [path] : [];
    this.enter(path, seen);
    const out: string[] = [];
    for (const k of keys) out.push(...this.datasetsUnder(path === '' ? k : `${path}/${k}`, depth + 1, seen));
    return out;
  }

  /**
   * Marks the group at `path` as walked. HDF5 hard links can make a group its own descendant, or
   * list one group under many names: a walk would then never end, or grow exponentially. Keras
   * links every object once, so a second visit is refused.
   */
  enter(path: string, seen: Set<number>): void {
    const n = this.node(path) as { _dataobjects?: { offset?: unknown } } | null;
    const address = n?._dataobjects?.offset;
    if (typeof address !== 'number') return;
    if (seen.has(address)) {
      throw new FormatError('HDF5 group is linked more than once (a cycle of hard links, or a shared group)', { file: this.fileName, node: path, hint: 'the file is corrupt or crafted' });
    }
    seen.add(address);
    if (seen.size > MAX_GROUPS) throw new LimitError(`more than ${MAX_GROUPS} HDF5 groups walked`, { file: this.fileName, node: path });
  }
}

/**
 * The IEEE 754 half-precision bits of a number (round to nearest even): exact for every value
 * that came from a float16, which is what jsfive decodes float16 datasets to. NaN becomes the
 * quiet NaN 0x7e00 (jsfive does not keep payloads).
 */
export function float16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // rounds to infinity
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (1024 rounds up into the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return e > 15 ? sign | 0x7c00 : sign | ((e + 15) << 10) | m;
}

function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}
