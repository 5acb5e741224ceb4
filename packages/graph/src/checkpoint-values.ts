import * as tf from '@tensorflow/tfjs-core';
import { FormatError, UnsupportedFeatureError } from '@savedkeras/common';
import { halfToFloat, saturate } from './ops/tensor-proto.js';

/** A crc-verified checkpoint value (what @savedkeras/proto's Checkpoint reads return). */
export interface StoredTensor {
  /** numpy-style dtype name: float32, int64, string, bool, float16, ... */
  dtype: string;
  shape: number[];
  /** Typed array of the dtype (BigInt64Array for int64, Uint16Array bit patterns for float16 unless widened), Uint8Array[] for strings. */
  values: ArrayLike<number> | ArrayLike<bigint> | Uint8Array[];
}

const INT_TYPES = new Set(['int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'qint8', 'quint8', 'qint16', 'quint16', 'qint32']);

/**
 * A checkpoint tensor as the tfjs tensor that carries its dtype (ops/dtypes.ts rules): integer
 * types as int32 (int64/uint64 saturating at +-2^31), float64/float16/bfloat16 as float32.
 */
export function storedToTensor(t: StoredTensor, where: string): tf.Tensor {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.values.length !== size) {
    throw new FormatError(`checkpoint tensor has ${t.values.length} values for shape [${t.shape}]`, { node: where });
  }
  const v = t.values;
  switch (t.dtype) {
    case 'float32':
      return tf.tensor(v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>), t.shape, 'float32');
    case 'float64':
      return tf.tensor(Float32Array.from(v as ArrayLike<number>), t.shape, 'float32');
    case 'float16':
    case 'bfloat16': {
      if (v instanceof Float32Array) return tf.tensor(v, t.shape, 'float32');
      const bits = v as ArrayLike<number>;
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = t.dtype === 'float16' ? halfToFloat(bits[i]!) : bf16(bits[i]!);
      return tf.tensor(out, t.shape, 'float32');
    }
    case 'int64':
    case 'uint64': {
      const big = v as ArrayLike<bigint>;
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = saturate(Number(big[i]));
      return tf.tensor(out, t.shape, 'int32');
    }
    case 'bool':
      return tf.tensor(Uint8Array.from(v as ArrayLike<number>), t.shape, 'bool');
    case 'string':
      return tf.tensor(v as Uint8Array[], t.shape, 'string');
    default:
      if (INT_TYPES.has(t.dtype)) {
        const src = v as ArrayLike<number>;
        const out = new Int32Array(size);
        for (let i = 0; i < size; i++) out[i] = saturate(src[i]!);
        return tf.tensor(out, t.shape, 'int32');
      }
      throw new UnsupportedFeatureError(`checkpoint tensors of dtype ${t.dtype} are not supported`, { node: where });
  }
}

function bf16(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, (h & 0xffff) << 16);
  return buf.getFloat32(0);
}

/** Values of a stored tensor as JS keys of a lookup table: strings (UTF-8) or numbers. */
export function storedKeys(t: StoredTensor): (string | number)[] {
  if (t.dtype === 'string') {
    const dec = new TextDecoder();
    return (t.values as Uint8Array[]).map((b) => dec.decode(b));
  }
  return Array.from(t.values as ArrayLike<number | bigint>, (x) => Number(x));
}
