import {
  DataType,
  OBJECT_GRAPH_KEY,
  copyBytes,
  crc32c,
  dtypeFromName,
  dtypeSize,
  encodeMessage,
  encodeStringTensor,
  maskCrc,
  type TrackableObjectGraph,
} from '@savedkeras/proto';
import { concatBytes } from './bytes.js';
import { writeSSTable } from './sstable-writer.js';

/**
 * Writes a TensorBundle checkpoint as TensorFlow's BundleWriter does (format reference §8):
 * tensors back to back in their shard, a crc32c per tensor, an index SSTable with the header
 * under key "". The project generates its own small SavedModels with it; it is not tuned for
 * large models (everything is built in memory).
 */
export interface BundleTensor {
  key: string;
  /** DataType enum value or numpy-style name (`float32`). */
  dtype: number | string;
  shape: readonly number[];
  /**
   * Element values, row-major: numbers (or bigints for int64/uint64); float16/bfloat16 as their
   * 16-bit patterns; booleans or 0/1 for bool; strings (UTF-8 encoded) or bytes for string.
   */
  values?: ArrayLike<number | bigint | boolean> | readonly (string | Uint8Array)[];
  /** Element bytes as stored, little-endian, for fixed-size dtypes (instead of `values`). */
  bytes?: Uint8Array;
  /** Data shard to put the tensor in; default: tensors are spread over the shards in turn. */
  shard?: number;
}

export interface BundleWriteOptions {
  numShards?: number;
  /** Stored as the `_CHECKPOINTABLE_OBJECT_GRAPH` string scalar in shard 0 (a message object, or its bytes). */
  objectGraph?: TrackableObjectGraph | Record<string, unknown> | Uint8Array;
  /** Bundle prefix; default `variables/variables`. */
  prefix?: string;
  /** Write as a big-endian machine would (header endianness BIG, data swapped). */
  bigEndian?: boolean;
  /** SSTable data block size (default 256 KiB); small values give multi-block indexes. */
  blockSize?: number;
}

const utf8 = new TextEncoder();

/** Returns the files of the bundle keyed by path: `<prefix>.index` and every `<prefix>.data-*` shard. */
export function writeTensorBundle(tensors: readonly BundleTensor[], options: BundleWriteOptions = {}): Map<string, Uint8Array> {
  const numShards = options.numShards ?? 1;
  const prefix = options.prefix ?? 'variables/variables';
  const bigEndian = options.bigEndian ?? false;
  if (!Number.isInteger(numShards) || numShards < 1) throw new Error(`numShards must be a positive integer, got ${numShards}`);

  const all: BundleTensor[] = [...tensors];
  if (options.objectGraph !== undefined) {
    const g = options.objectGraph;
    const bytes = g instanceof Uint8Array ? g : encodeMessage('TrackableObjectGraph', g);
    all.push({ key: OBJECT_GRAPH_KEY, dtype: DataType.STRING, shape: [], values: [bytes], shard: 0 });
  }

  const shards: Uint8Array[][] = Array.from({ length: numShards }, () => []);
  const shardSizes = new Array<number>(numShards).fill(0);
  const entries: { key: string; value: Uint8Array }[] = [];
  const seen = new Set<string>();
  all.forEach((t, i) => {
    if (t.key === '') throw new Error('the empty key is reserved for the bundle header');
    if (seen.has(t.key)) throw new Error(`duplicate tensor key ${t.key}`);
    seen.add(t.key);
    const dtype = typeof t.dtype === 'number' ? t.dtype : dtypeFromName(t.dtype);
    if (dtype === undefined) throw new Error(`unknown dtype ${String(t.dtype)} for ${t.key}`);
    const shard = t.shard ?? i % numShards;
    if (!Number.isInteger(shard) || shard < 0 || shard >= numShards) throw new Error(`tensor ${t.key}: shard ${shard} out of range`);
    const { bytes, crc } = encodeTensor(t, dtype, bigEndian);
    const entry = {
      dtype,
      shape: { dim: t.shape.map((size) => ({ size })) },
      shardId: shard,
      offset: shardSizes[shard],
      size: bytes.length,
      crc32c: maskCrc(crc),
    };
    shards[shard].push(bytes);
    shardSizes[shard] += bytes.length;
    entries.push({ key: t.key, value: encodeMessage('BundleEntryProto', entry) });
  });
  const header = encodeMessage('BundleHeaderProto', { numShards, endianness: bigEndian ? 1 : 0, version: { producer: 1 } });
  entries.push({ key: '', value: header });

  const files = new Map<string, Uint8Array>();
  files.set(`${prefix}.index`, writeSSTable(entries, { blockSize: options.blockSize }));
  const pad = (n: number) => String(n).padStart(5, '0');
  shards.forEach((parts, s) => files.set(`${prefix}.data-${pad(s)}-of-${pad(numShards)}`, concatBytes(parts)));
  return files;
}

function encodeTensor(t: BundleTensor, dtype: number, bigEndian: boolean): { bytes: Uint8Array; crc: number } {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (dtype === DataType.STRING) {
    if (!t.values) throw new Error(`string tensor ${t.key} needs values`);
    const values = Array.from(t.values as ArrayLike<string | Uint8Array>, (v) => (typeof v === 'string' ? utf8.encode(v) : v));
    if (values.length !== count) throw new Error(`tensor ${t.key}: ${values.length} values for shape [${t.shape.join(', ')}]`);
    return encodeStringTensor(values, bigEndian);
  }
  const size = dtypeSize(dtype);
  if (size === undefined) throw new Error(`tensor ${t.key}: cannot write dtype ${dtype}`);
  let bytes: Uint8Array;
  if (t.bytes) {
    bytes = copyBytes(t.bytes);
  } else if (t.values) {
    bytes = fixedBytes(dtype, t.values as ArrayLike<number | bigint | boolean>);
  } else {
    throw new Error(`tensor ${t.key} needs values or bytes`);
  }
  if (bytes.length !== count * size) throw new Error(`tensor ${t.key}: ${bytes.length} bytes for shape [${t.shape.join(', ')}]`);
  // Complex numbers swap per component, like their typed arrays.
  const unit = dtype === DataType.COMPLEX64 ? 4 : dtype === DataType.COMPLEX128 ? 8 : size;
  if (bigEndian && unit > 1) for (let i = 0; i < bytes.length; i += unit) bytes.subarray(i, i + unit).reverse();
  return { bytes, crc: crc32c(bytes) };
}

/** Little-endian element bytes (the host is little-endian on every platform tfjs runs on). */
function fixedBytes(dtype: number, values: ArrayLike<number | bigint | boolean>): Uint8Array {
  const n = values.length;
  const num = (i: number) => Number(values[i]);
  const big = (i: number) => (typeof values[i] === 'bigint' ? (values[i] as bigint) : BigInt(Math.trunc(Number(values[i]))));
  let arr: ArrayBufferView;
  switch (dtype) {
    case DataType.FLOAT: case DataType.COMPLEX64: arr = Float32Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.DOUBLE: case DataType.COMPLEX128: arr = Float64Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.INT32: case DataType.QINT32: arr = Int32Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.UINT32: arr = Uint32Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.INT16: case DataType.QINT16: arr = Int16Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.UINT16: case DataType.QUINT16: case DataType.HALF: case DataType.BFLOAT16:
      arr = Uint16Array.from({ length: n }, (_, i) => num(i));
      break;
    case DataType.INT8: case DataType.QINT8: arr = Int8Array.from({ length: n }, (_, i) => num(i)); break;
    case DataType.INT64: arr = BigInt64Array.from({ length: n }, (_, i) => big(i)); break;
    case DataType.UINT64: arr = BigUint64Array.from({ length: n }, (_, i) => big(i)); break;
    default: arr = Uint8Array.from({ length: n }, (_, i) => num(i)); // uint8, quint8, bool, float8 kinds
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}
