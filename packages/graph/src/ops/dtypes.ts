import type { DataType as TfjsDtype } from '@tensorflow/tfjs-core';
import { DataType } from '@savedkeras/proto';

/**
 * TensorFlow DataType -> the tfjs dtype that carries it. tfjs has only float32, int32, bool, string and
 * complex64, so:
 *  - every integer type (int8..int64, uint8..uint64) is carried as int32: int64 values beyond +-2^31 and
 *    uint32/uint64 values beyond 2^31 do not survive (kernels that care, like Bitcast, say so);
 *  - float64 / float16 / bfloat16 are carried as float32.
 * resource and variant are not tensor dtypes; they map to their own names so that a kernel asked to
 * make a tensor of them fails loudly.
 */
export function tfjsDtype(tfType: number): TfjsDtype | 'resource' | 'variant' | 'invalid' {
  const base = tfType > 100 ? tfType - 100 : tfType;
  switch (base) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.HALF: case DataType.BFLOAT16:
      return 'float32';
    case DataType.INT32: case DataType.INT64: case DataType.INT16: case DataType.INT8:
    case DataType.UINT8: case DataType.UINT16: case DataType.UINT32: case DataType.UINT64:
    case DataType.QINT8: case DataType.QUINT8: case DataType.QINT32: case DataType.QINT16: case DataType.QUINT16:
      return 'int32';
    case DataType.BOOL:
      return 'bool';
    case DataType.STRING:
      return 'string';
    case DataType.COMPLEX64: case DataType.COMPLEX128:
      return 'complex64';
    case DataType.RESOURCE:
      return 'resource';
    case DataType.VARIANT:
      return 'variant';
    default:
      return 'invalid';
  }
}

/** Type names as TensorFlow's op registrations spell them (`a: float`, `T: type = DT_INT32`). */
const TF_TYPE_BY_NAME: Readonly<Record<string, number>> = {
  float: DataType.FLOAT, double: DataType.DOUBLE, int32: DataType.INT32, uint8: DataType.UINT8,
  int16: DataType.INT16, int8: DataType.INT8, string: DataType.STRING, complex64: DataType.COMPLEX64,
  int64: DataType.INT64, bool: DataType.BOOL, bfloat16: DataType.BFLOAT16, uint16: DataType.UINT16,
  complex128: DataType.COMPLEX128, half: DataType.HALF, resource: DataType.RESOURCE, variant: DataType.VARIANT,
  uint32: DataType.UINT32, uint64: DataType.UINT64,
};

/** Parses `DT_INT32` or `int32` to the enum value. */
export function tfTypeFromName(name: string): number | undefined {
  const n = name.startsWith('DT_') ? name.slice(3).toLowerCase() : name;
  return TF_TYPE_BY_NAME[n];
}

/** Integer TF types narrower than 32 bits, with how a value wraps into them (casts honour these). */
export function wrapInteger(tfType: number, v: number): number {
  switch (tfType) {
    case DataType.UINT8: return v & 0xff;
    case DataType.INT8: return (v << 24) >> 24;
    case DataType.UINT16: return v & 0xffff;
    case DataType.INT16: return (v << 16) >> 16;
    default: return v;
  }
}
