import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/math_ops.cc (REGISTER_OP inputs, outputs, attr defaults).

const unary: OpSpec = { in: ['x: T'], out: ['y: T'], attr: ['T: type'] };
const binary: OpSpec = { in: ['x: T', 'y: T'], out: ['z: T'], attr: ['T: type'] };
const compare: OpSpec = { in: ['x: T', 'y: T'], out: ['z: bool'], attr: ['T: type'] };
const equality: OpSpec = {
  in: ['x: T', 'y: T'], out: ['z: bool'], attr: ['T: type', 'incompatible_shape_error: bool = true'],
};
const predicate: OpSpec = { in: ['x: T'], out: ['y: bool'], attr: ['T: type'] };
const reduce = (t = 'T'): OpSpec => ({
  in: [`input: ${t}`, 'reduction_indices: Tidx'],
  out: [`output: ${t}`],
  attr: ['keep_dims: bool = false', ...(t === 'T' ? ['T: type'] : []), 'Tidx: {int32, int64} = DT_INT32'],
});
const argReduce: OpSpec = {
  in: ['input: T', 'dimension: Tidx'], out: ['output: output_type'],
  attr: ['T: type', 'Tidx: {int32, int64} = DT_INT32', 'output_type: {int32, int64} = DT_INT64'],
};
const scan: OpSpec = {
  in: ['x: T', 'axis: Tidx'], out: ['out: T'],
  attr: ['exclusive: bool = false', 'reverse: bool = false', 'T: type', 'Tidx: {int32, int64} = DT_INT32'],
};
const batchMatMul: OpSpec = {
  in: ['x: T', 'y: T'], out: ['output: T'],
  attr: ['T: type', 'adj_x: bool = false', 'adj_y: bool = false', 'grad_x: bool = false', 'grad_y: bool = false'],
};

const UNARY = [
  'Abs', 'Neg', 'Reciprocal', 'Inv', 'Square', 'Sqrt', 'Rsqrt', 'Exp', 'Expm1', 'Log', 'Log1p', 'Sin', 'Cos',
  'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Tanh', 'Asinh', 'Acosh', 'Atanh', 'Sigmoid', 'Sign', 'Floor',
  'Ceil', 'Round', 'Rint', 'Erf', 'Erfc', 'Softsign',
];
const BINARY = [
  'Add', 'AddV2', 'Sub', 'Mul', 'Div', 'RealDiv', 'FloorDiv', 'FloorMod', 'TruncateDiv', 'TruncateMod', 'Mod',
  'Maximum', 'Minimum', 'Pow', 'SquaredDifference', 'DivNoNan', 'MulNoNan', 'Xdivy', 'Xlogy',
];

// bitwise_ops.cc
const INTS = 'T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}';
const bitwiseBinary: OpSpec = { in: ['x: T', 'y: T'], out: ['z: T'], attr: [INTS] };

export const MATH_OP_DEFS: OpDef[] = defs({
  BitwiseAnd: bitwiseBinary, BitwiseOr: bitwiseBinary, BitwiseXor: bitwiseBinary, LeftShift: bitwiseBinary, RightShift: bitwiseBinary,
  Invert: { in: ['x: T'], out: ['y: T'], attr: [INTS] },
  PopulationCount: { in: ['x: T'], out: ['y: uint8'], attr: [INTS] },
  ...Object.fromEntries(UNARY.map((n) => [n, unary])),
  ...Object.fromEntries(BINARY.map((n) => [n, binary])),
  Atan2: { in: ['y: T', 'x: T'], out: ['z: T'], attr: ['T: type'] },
  Less: compare, LessEqual: compare, Greater: compare, GreaterEqual: compare,
  Equal: equality, NotEqual: equality,
  IsNan: predicate, IsInf: predicate, IsFinite: predicate,
  LogicalNot: { in: ['x: bool'], out: ['y: bool'] },
  LogicalAnd: { in: ['x: bool', 'y: bool'], out: ['z: bool'] },
  LogicalOr: { in: ['x: bool', 'y: bool'], out: ['z: bool'] },
  AddN: { in: ['inputs: N * T'], out: ['sum: T'], attr: ['N: int >= 1', 'T: type'] },
  MatMul: {
    in: ['a: T', 'b: T'], out: ['product: T'],
    attr: ['transpose_a: bool = false', 'transpose_b: bool = false', 'T: type', 'grad_a: bool = false', 'grad_b: bool = false'],
  },
  BatchMatMul: batchMatMul,
  BatchMatMulV2: batchMatMul,
  BatchMatMulV3: {
    in: ['x: Ta', 'y: Tb'], out: ['output: Tout'],
    attr: ['Ta: type', 'Tb: type', 'Tout: type', 'adj_x: bool = false', 'adj_y: bool = false',
      'grad_x: bool = false', 'grad_y: bool = false'],
  },
  Sum: reduce(), Mean: reduce(), Prod: reduce(), Max: reduce(), Min: reduce(), EuclideanNorm: reduce(),
  All: reduce('bool'), Any: reduce('bool'),
  ArgMax: argReduce, ArgMin: argReduce,
  Cumsum: scan, Cumprod: scan,
  Cast: { in: ['x: SrcT'], out: ['y: DstT'], attr: ['SrcT: type', 'DstT: type', 'Truncate: bool = false'] },
  Range: {
    in: ['start: Tidx', 'limit: Tidx', 'delta: Tidx'], out: ['output: Tidx'],
    attr: ['Tidx: {bfloat16, half, float, double, int8, int16, int32, int64, uint16, uint32} = DT_INT32'],
  },
  LinSpace: {
    in: ['start: T', 'stop: T', 'num: Tidx'], out: ['output: T'],
    attr: ['T: {bfloat16, float, double}', 'Tidx: {int32, int64} = DT_INT32'],
  },
  Bincount: { in: ['arr: int32', 'size: int32', 'weights: T'], out: ['bins: T'], attr: ['T: type'] },
  DenseBincount: {
    in: ['input: Tidx', 'size: Tidx', 'weights: T'], out: ['output: T'],
    attr: ['Tidx: {int32, int64}', 'T: type', 'binary_output: bool = false'],
  },
  RaggedBincount: {
    in: ['splits: int64', 'values: Tidx', 'size: Tidx', 'weights: T'], out: ['output: T'],
    attr: ['Tidx: {int32, int64}', 'T: {int32, int64, float, double}', 'binary_output: bool = false'],
  },
  ClipByValue: { in: ['t: T', 'clip_value_min: T', 'clip_value_max: T'], out: ['output: T'], attr: ['T: type'] },
  Bucketize: { in: ['input: T'], out: ['output: int32'], attr: ['T: {int32, int64, float, double}', 'boundaries: list(float)'] },
  Select: { in: ['condition: bool', 't: T', 'e: T'], out: ['output: T'], attr: ['T: type'] },
  SelectV2: { in: ['condition: bool', 't: T', 'e: T'], out: ['output: T'], attr: ['T: type'] },
});
