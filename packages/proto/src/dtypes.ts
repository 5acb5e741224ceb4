/** TensorFlow DataType enum values (types.proto) and what a loader needs to know of each. */
export const DataType = {
  INVALID: 0, FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, STRING: 7, COMPLEX64: 8,
  INT64: 9, BOOL: 10, QINT8: 11, QUINT8: 12, QINT32: 13, BFLOAT16: 14, QINT16: 15, QUINT16: 16,
  UINT16: 17, COMPLEX128: 18, HALF: 19, RESOURCE: 20, VARIANT: 21, UINT32: 22, UINT64: 23,
  FLOAT8_E5M2: 24, FLOAT8_E4M3FN: 25, FLOAT8_E4M3FNUZ: 26, FLOAT8_E4M3B11FNUZ: 27, FLOAT8_E5M2FNUZ: 28,
  INT4: 29, UINT4: 30,
} as const;

const NAMES: Record<number, string> = {
  0: 'invalid', 1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string',
  8: 'complex64', 9: 'int64', 10: 'bool', 11: 'qint8', 12: 'quint8', 13: 'qint32', 14: 'bfloat16',
  15: 'qint16', 16: 'quint16', 17: 'uint16', 18: 'complex128', 19: 'float16', 20: 'resource',
  21: 'variant', 22: 'uint32', 23: 'uint64', 24: 'float8_e5m2', 25: 'float8_e4m3fn', 26: 'float8_e4m3fnuz',
  27: 'float8_e4m3b11fnuz', 28: 'float8_e5m2fnuz', 29: 'int4', 30: 'uint4',
};

/** Bytes per element of fixed-size dtypes; undefined for string, variant, resource and unknown. */
const SIZES: Record<number, number> = {
  1: 4, 2: 8, 3: 4, 4: 1, 5: 2, 6: 1, 8: 8, 9: 8, 10: 1, 11: 1, 12: 1, 13: 4, 14: 2, 15: 2, 16: 2,
  17: 2, 18: 16, 19: 2, 22: 4, 23: 8, 24: 1, 25: 1, 26: 1, 27: 1, 28: 1,
};

/** The numpy-style name TensorFlow prints (`float32`); `_ref` dtypes (value + 100) map to their base. */
export function dtypeName(dt: number): string {
  const base = dt > 100 ? dt - 100 : dt;
  return NAMES[base] ?? `dtype(${dt})`;
}

export function dtypeSize(dt: number): number | undefined {
  return SIZES[dt > 100 ? dt - 100 : dt];
}

export function dtypeFromName(name: string): number | undefined {
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return Number(k);
  if (name === 'float') return DataType.FLOAT;
  if (name === 'half') return DataType.HALF;
  if (name === 'double') return DataType.DOUBLE;
  return undefined;
}
