import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_LIMITS, FormatError, LimitError, UnsupportedFeatureError, type Limits } from '@savedkeras/common';
import { DataType, dtypeName, dtypeSize, type TensorProto } from '@savedkeras/proto';
import { tfjsDtype } from './dtypes.js';
import { STRING_ELEMENT_OVERHEAD } from '../executor/output-bounds.js';

/**
 * Decodes a TensorProto (Const values, attr tensors) into a tfjs tensor, with the dtype mapping of
 * dtypes.ts (int64 -> int32 saturating at +-2^31, float64/half -> float32). Values come either from tensor_content
 * (little-endian bytes) or from the typed *_val fields, where fewer values than elements means
 * "repeat the last value" (TensorFlow's convention for splat constants).
 */
export function tensorFromProto(p: TensorProto, where: string, limits: Limits = DEFAULT_LIMITS): tf.Tensor {
  const shape = p.tensorShape?.unknownRank ? undefined : (p.tensorShape?.dim ?? []).map((d) => Number(d.size));
  if (shape === undefined) throw new FormatError('constant tensor has unknown rank', { node: where });
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new FormatError(`constant tensor has invalid dimension ${d}`, { node: where });
    size *= d;
  }
  if (size > limits.maxTensorElements) {
    throw new LimitError(`constant tensor of shape [${shape}] is larger than the element limit`, { node: where });
  }
  // Without tensor_content the values are a few *_val entries repeated over the shape: nothing in
  // the file bounds the size, so the computed-tensor limit does.
  if ((p.tensorContent?.length ?? 0) === 0 && size > limits.maxComputedTensorElements) {
    throw new LimitError(`constant tensor of shape [${shape}] repeats its values over more than limits.maxComputedTensorElements (${limits.maxComputedTensorElements}) elements`, { node: where });
  }
  const dtype = tfjsDtype(p.dtype);
  if (dtype === 'string') {
    const vals = p.stringVal ?? [];
    // Every element is a JS object of its own: a splat of 2^28 strings is tens of GiB, not 1.
    if (size * (STRING_ELEMENT_OVERHEAD + 8) > limits.maxLiveBytes) {
      throw new LimitError(`string constant of shape [${shape}] (${size} elements) needs more than limits.maxLiveBytes (${limits.maxLiveBytes}) bytes`, { node: where });
    }
    if (vals.length > size || (vals.length === 0 && size > 0)) {
      throw new FormatError(`string constant has ${vals.length} values for ${size} elements`, { node: where });
    }
    const out: Uint8Array[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = vals[Math.min(i, vals.length - 1)]!;
    return tf.tensor(out, shape, 'string');
  }
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new UnsupportedFeatureError(`constant tensors of dtype ${dtypeName(p.dtype)} are not supported`, { node: where });
  }
  const content = p.tensorContent ?? new Uint8Array(0);
  const values = dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  if (content.length > 0) {
    const es = dtypeSize(p.dtype) ?? 0;
    if (content.length !== es * size) {
      throw new FormatError(`constant tensor_content has ${content.length} bytes, expected ${es * size} for shape [${shape}] of ${dtypeName(p.dtype)}`, { node: where });
    }
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    for (let i = 0; i < size; i++) values[i] = readScalar(view, p.dtype, i * es);
  } else {
    const vals = typedVals(p);
    if (vals.length > size) throw new FormatError(`constant has ${vals.length} values for ${size} elements`, { node: where });
    if (vals.length === 0) values.fill(0);
    else for (let i = 0; i < size; i++) values[i] = vals[Math.min(i, vals.length - 1)]!;
  }
  return tf.tensor(values, shape, dtype);
}

function typedVals(p: TensorProto): number[] {
  switch (p.dtype) {
    case DataType.FLOAT: return p.floatVal ?? [];
    case DataType.DOUBLE: return p.doubleVal ?? [];
    case DataType.INT64: return (p.int64Val ?? []).map((x) => saturate(Number(x)));
    case DataType.UINT64: return (p.uint64Val ?? []).map((x) => saturate(Number(x)));
    case DataType.UINT32: return p.uint32Val ?? [];
    case DataType.BOOL: return (p.boolVal ?? []).map((b) => (b ? 1 : 0));
    case DataType.HALF: case DataType.BFLOAT16: return (p.halfVal ?? []).map((h) => (p.dtype === DataType.HALF ? halfToFloat(h) : bf16ToFloat(h)));
    default: return p.intVal ?? [];
  }
}

function readScalar(v: DataView, dt: number, o: number): number {
  switch (dt) {
    case DataType.FLOAT: return v.getFloat32(o, true);
    case DataType.DOUBLE: return v.getFloat64(o, true);
    case DataType.INT32: case DataType.QINT32: return v.getInt32(o, true);
    case DataType.UINT32: return v.getUint32(o, true) | 0;
    case DataType.INT64: return saturate(Number(v.getBigInt64(o, true)));
    case DataType.UINT64: return saturate(Number(v.getBigUint64(o, true)));
    case DataType.INT16: case DataType.QINT16: return v.getInt16(o, true);
    case DataType.UINT16: case DataType.QUINT16: return v.getUint16(o, true);
    case DataType.INT8: case DataType.QINT8: return v.getInt8(o);
    case DataType.UINT8: case DataType.QUINT8: case DataType.BOOL: return v.getUint8(o);
    case DataType.HALF: return halfToFloat(v.getUint16(o, true));
    case DataType.BFLOAT16: return bf16ToFloat(v.getUint16(o, true));
    default: return 0;
  }
}

/** int64 values outside int32 saturate (so int64 max stays "the largest value") rather than wrap. */
export function saturate(x: number): number {
  return x > 2147483647 ? 2147483647 : x < -2147483648 ? -2147483648 : x;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function bf16ToFloat(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, (h & 0xffff) << 16);
  return buf.getFloat32(0);
}
