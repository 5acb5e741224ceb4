import { FormatError, LimitError, UnsupportedFeatureError, resolveLimits, type Limits } from '@savedkeras/common';
import { DataType, dtypeName, dtypeSize } from './dtypes.js';
import type { TensorProto, TensorShapeProto } from './types.js';

/**
 * Tensor values as typed arrays, shared by the checkpoint reader (bundle bytes) and the TensorProto
 * decoder (Const nodes). Strings stay bytes: TensorFlow strings are arbitrary byte sequences.
 */
export type TensorData =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array | Uint8Array[];

export interface TensorValues {
  /** numpy-style name: float32, int64, string, bool, float16, … (dtypeName). */
  dtype: string;
  shape: number[];
  /**
   * float32/float64: Float32Array/Float64Array; (q)int8/16/32 and (q)uint8/16/32: the matching typed
   * array; int64/uint64: BigInt64Array/BigUint64Array; bool: Uint8Array of 0/1; float16/bfloat16:
   * the raw bit patterns as Uint16Array, or Float32Array with `widenHalf`; complex64/complex128:
   * Float32Array/Float64Array of interleaved (re, im); float8 kinds: raw Uint8Array;
   * string (and variant): one Uint8Array per element.
   */
  values: TensorData;
}

export interface ValueOptions {
  /** float16/bfloat16 as Float32Array instead of their Uint16Array bit patterns. */
  widenHalf?: boolean;
}

type TypedCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData & { length: number }; BYTES_PER_ELEMENT: number };

/** Typed array class per fixed-size dtype (qint* hold the same ints, complex the interleaved parts). */
const CTORS: Record<number, TypedCtor> = {
  [DataType.FLOAT]: Float32Array as unknown as TypedCtor,
  [DataType.DOUBLE]: Float64Array as unknown as TypedCtor,
  [DataType.INT32]: Int32Array as unknown as TypedCtor,
  [DataType.UINT8]: Uint8Array as unknown as TypedCtor,
  [DataType.INT16]: Int16Array as unknown as TypedCtor,
  [DataType.INT8]: Int8Array as unknown as TypedCtor,
  [DataType.COMPLEX64]: Float32Array as unknown as TypedCtor,
  [DataType.INT64]: BigInt64Array as unknown as TypedCtor,
  [DataType.BOOL]: Uint8Array as unknown as TypedCtor,
  [DataType.QINT8]: Int8Array as unknown as TypedCtor,
  [DataType.QUINT8]: Uint8Array as unknown as TypedCtor,
  [DataType.QINT32]: Int32Array as unknown as TypedCtor,
  [DataType.BFLOAT16]: Uint16Array as unknown as TypedCtor,
  [DataType.QINT16]: Int16Array as unknown as TypedCtor,
  [DataType.QUINT16]: Uint16Array as unknown as TypedCtor,
  [DataType.UINT16]: Uint16Array as unknown as TypedCtor,
  [DataType.COMPLEX128]: Float64Array as unknown as TypedCtor,
  [DataType.HALF]: Uint16Array as unknown as TypedCtor,
  [DataType.UINT32]: Uint32Array as unknown as TypedCtor,
  [DataType.UINT64]: BigUint64Array as unknown as TypedCtor,
  [DataType.FLOAT8_E5M2]: Uint8Array as unknown as TypedCtor,
  [DataType.FLOAT8_E4M3FN]: Uint8Array as unknown as TypedCtor,
  [DataType.FLOAT8_E4M3FNUZ]: Uint8Array as unknown as TypedCtor,
  [DataType.FLOAT8_E4M3B11FNUZ]: Uint8Array as unknown as TypedCtor,
  [DataType.FLOAT8_E5M2FNUZ]: Uint8Array as unknown as TypedCtor,
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function baseDtype(dt: number): number {
  return dt > 100 ? dt - 100 : dt;
}

/** Element count of `shape`, refusing negative or non-integer dims and counts above `maxElements`. */
export function elementCount(shape: readonly number[], maxElements: number, where: { file?: string; node?: string; offset?: number } = {}): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`tensor shape [${shape.join(', ')}] has an invalid dimension ${d}`, where);
    n *= d;
    if (n > maxElements) {
      throw new LimitError(`tensor shape [${shape.join(', ')}] has more than ${maxElements} elements (limits.maxTensorElements)`, where);
    }
  }
  return n;
}

/** Dimension sizes of a TensorShapeProto; unknown rank or unknown (-1) dims are refused. */
export function shapeDims(shape: TensorShapeProto | null | undefined, where: { file?: string; node?: string; offset?: number } = {}): number[] {
  if (!shape) return [];
  if (shape.unknownRank) throw new FormatError('a stored tensor has unknown rank', where);
  return shape.dim.map((d) => {
    const s = Number(d.size);
    if (!Number.isSafeInteger(s) || s < 0) throw new FormatError(`a stored tensor has dimension ${int64Text(s)}`, where);
    return s;
  });
}

/**
 * Typed values over `bytes` holding `count` fixed-size elements of `dtype` in the given byte order.
 * Returns a view when the bytes are aligned and in host order, otherwise a copy (never modifies `bytes`).
 */
export function valuesFromBytes(
  dtype: number,
  bytes: Uint8Array,
  count: number,
  options: ValueOptions & { bigEndian?: boolean; file?: string; node?: string } = {},
): TensorData {
  const dt = baseDtype(dtype);
  const size = dtypeSize(dt);
  const Ctor = CTORS[dt];
  if (size === undefined || Ctor === undefined) {
    throw new UnsupportedFeatureError(`tensors of dtype ${dtypeName(dtype)} cannot be read as numbers`, { file: options.file, node: options.node });
  }
  if (bytes.length !== count * size) {
    throw new FormatError(`${dtypeName(dtype)} tensor of ${count} elements needs ${count * size} bytes, has ${bytes.length}`, {
      file: options.file,
      node: options.node,
    });
  }
  // Complex numbers swap per component.
  const unit = Ctor.BYTES_PER_ELEMENT;
  const swap = unit > 1 && (options.bigEndian ?? false) === HOST_LITTLE_ENDIAN;
  let b = bytes;
  if (swap) {
    b = copyBytes(bytes);
    for (let i = 0; i < b.length; i += unit) b.subarray(i, i + unit).reverse();
  } else if (b.byteOffset % unit !== 0) {
    b = copyBytes(bytes);
  }
  const values = new Ctor(b.buffer, b.byteOffset, b.length / unit);
  if (options.widenHalf && (dt === DataType.HALF || dt === DataType.BFLOAT16)) {
    return widenHalf(values as Uint16Array, dt === DataType.BFLOAT16);
  }
  return values;
}

/**
 * A fresh, 0-aligned copy. Not `bytes.slice()`: a Node Buffer (what fs reads and protobufjs
 * decodes in Node) returns a view from slice, so the copy would stay unaligned and share memory.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** float16 (IEEE binary16) or bfloat16 bit patterns to float32. */
export function widenHalf(bits: Uint16Array | ArrayLike<number>, bfloat16: boolean): Float32Array {
  const out = new Float32Array(bits.length);
  if (bfloat16) {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) u[i] = (bits[i] & 0xffff) << 16;
    return out;
  }
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i] & 0xffff);
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export interface TensorProtoOptions extends ValueOptions {
  /** Where the tensor comes from, for messages (`saved_model.pb`). */
  file?: string;
  /** The node or function that holds it. */
  node?: string;
  limits?: Partial<Limits>;
}

/**
 * Values of a TensorProto (a Const's `value` attr, a signature default, a numpy StructuredValue):
 * `tensor_content` when non-empty (little-endian, §12), else the typed field of the dtype, filled
 * by TensorFlow's rule: the first n values, the last value repeated when fewer, zeros when none.
 */
export function decodeTensorProto(tp: TensorProto, options: TensorProtoOptions = {}): TensorValues {
  const where = { file: options.file, node: options.node };
  const limits = resolveLimits(options.limits);
  const dt = baseDtype(tp.dtype);
  const shape = shapeDims(tp.tensorShape, where);
  const n = elementCount(shape, limits.maxTensorElements, where);
  const result = (values: TensorData): TensorValues => ({ dtype: dtypeName(dt), shape, values });

  if (dt === DataType.STRING) {
    if (tp.tensorContent && tp.tensorContent.length > 0) {
      throw new UnsupportedFeatureError('a string TensorProto uses tensor_content', where);
    }
    return result(fill<Uint8Array>(tp.stringVal ?? [], n, new Uint8Array(0)));
  }
  if (dt === DataType.RESOURCE || dt === DataType.VARIANT || dt === DataType.INVALID) {
    throw new UnsupportedFeatureError(`TensorProto of dtype ${dtypeName(dt)} has no plain values`, where);
  }
  const size = dtypeSize(dt);
  if (size === undefined || CTORS[dt] === undefined) {
    throw new UnsupportedFeatureError(`TensorProto of dtype ${dtypeName(dt)} is not supported`, where);
  }
  if (tp.tensorContent && tp.tensorContent.length > 0) {
    if (tp.tensorContent.length !== n * size) {
      throw new FormatError(
        `${dtypeName(dt)} TensorProto of shape [${shape.join(', ')}] has ${tp.tensorContent.length} content bytes, needs ${n * size}`,
        where,
      );
    }
    return result(valuesFromBytes(dt, tp.tensorContent, n, { ...options, bigEndian: false }));
  }

  switch (dt) {
    case DataType.FLOAT:
      return result(Float32Array.from(fill(tp.floatVal ?? [], n, 0)));
    case DataType.DOUBLE:
      return result(Float64Array.from(fill(tp.doubleVal ?? [], n, 0)));
    case DataType.INT32: case DataType.QINT32:
      return result(Int32Array.from(fill(tp.intVal ?? [], n, 0)));
    case DataType.INT16: case DataType.QINT16:
      return result(Int16Array.from(fill(tp.intVal ?? [], n, 0)));
    case DataType.INT8: case DataType.QINT8:
      return result(Int8Array.from(fill(tp.intVal ?? [], n, 0)));
    case DataType.UINT8: case DataType.QUINT8:
      return result(Uint8Array.from(fill(tp.intVal ?? [], n, 0)));
    case DataType.UINT16: case DataType.QUINT16:
      return result(Uint16Array.from(fill(tp.intVal ?? [], n, 0)));
    case DataType.UINT32:
      return result(Uint32Array.from(fill(tp.uint32Val ?? [], n, 0)));
    case DataType.INT64:
      return result(BigInt64Array.from(fill(tp.int64Val ?? [], n, 0), (v) => toBigInt(v, -(2n ** 63n), 2n ** 63n - 1n)));
    case DataType.UINT64:
      return result(BigUint64Array.from(fill(tp.uint64Val ?? [], n, 0), (v) => toBigInt(v, 0n, 2n ** 64n - 1n)));
    case DataType.BOOL:
      return result(Uint8Array.from(fill(tp.boolVal ?? [], n, false), (b) => (b ? 1 : 0)));
    case DataType.HALF: case DataType.BFLOAT16: {
      const bits = Uint16Array.from(fill(tp.halfVal ?? [], n, 0));
      return result(options.widenHalf ? widenHalf(bits, dt === DataType.BFLOAT16) : bits);
    }
    case DataType.COMPLEX64:
      return result(Float32Array.from(fillPairs(tp.scomplexVal ?? [], n)));
    case DataType.COMPLEX128:
      return result(Float64Array.from(fillPairs(tp.dcomplexVal ?? [], n)));
    default:
      // float8 kinds: one byte per element in float8_val.
      return result(Uint8Array.from(fill(Array.from(tp.float8Val ?? []), n, 0)));
  }
}

/** TensorFlow's fill rule (tensor.cc FromProtoField). */
function fill<T>(src: ArrayLike<T>, n: number, zero: T): T[] {
  const out = new Array<T>(n);
  const m = Math.min(src.length, n);
  for (let i = 0; i < m; i++) out[i] = src[i];
  const last = src.length > 0 ? src[m - 1] : zero;
  for (let i = m; i < n; i++) out[i] = last;
  return out;
}

/** The fill rule over (re, im) pairs. */
function fillPairs(src: ArrayLike<number>, n: number): number[] {
  const pairs = Math.floor(src.length / 2);
  const out = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    const j = pairs === 0 ? -1 : Math.min(i, pairs - 1);
    out[2 * i] = j < 0 ? 0 : src[2 * j];
    out[2 * i + 1] = j < 0 ? 0 : src[2 * j + 1];
  }
  return out;
}

/**
 * protobufjs hands int64 fields over as JS numbers (messages.ts), exact only up to 2^53: a value
 * near the int64 ends (e.g. INT64_MAX) arrives rounded, so it is clamped back into range.
 */
function toBigInt(v: number | bigint, min: bigint, max: bigint): bigint {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  return b < min ? min : b > max ? max : b;
}

/**
 * A 64-bit field decoded to a number, for messages: past 2^53 the number is not the stored value
 * (9223372036854775807 decodes as 9223372036854776000), so it is named by its magnitude instead.
 */
export function int64Text(v: number): string {
  if (Number.isSafeInteger(v) || !Number.isFinite(v)) return String(v);
  return v > 0 ? 'past 2^53' : 'below -2^53';
}
