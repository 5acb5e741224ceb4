import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, Value } from '../../kernel.js';
import { wrapInteger } from '../dtypes.js';
import { axisOf, bad, broadcastMap, castTo, checkedSize, intsOf, scalarOf, stringsOf, tensorAt, tensorsFrom, shareData } from './util.js';

type Unary = (x: tf.Tensor) => tf.Tensor;
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const unary = (fn: Unary): Kernel => (inputs, _attrs, ctx) => [fn(tensorAt(inputs, 0, ctx))];
const binary = (fn: Binary): Kernel => (inputs, _attrs, ctx) => [fn(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx))];

/** Integer division rounding toward zero (TF's Div / RealDiv / TruncateDiv on integer types). */
function truncDiv(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.dtype !== 'int32') return tf.div(a, b);
  return tf.tidy(() => tf.cast(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32')), 'int32'));
}

/**
 * FloorDiv: floats are floor(a / b) in float32, as TF computes them. tfjs-backend-cpu 4.22's FloorDiv
 * returns int32 for float32 inputs (1e10 wraps to 1410065408, NaN and inf become 0).
 */
function floorDiv(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.dtype !== 'float32') return tf.floorDiv(a, b);
  return tf.tidy(() => tf.floor(tf.div(a, b)));
}

/** Remainder with the sign of the dividend (C fmod; TF's Mod / TruncateMod). */
function truncMod(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(a, tf.mul(truncDiv(a, b), b)));
}

/** String tensors: tfjs kernels cannot add or compare them, so do it in JS with broadcasting. */
function jsBinary(inputs: Value[], ctx: KernelContext, fn: (a: string, b: string) => string | boolean, outDtype: 'string' | 'bool'): tf.Tensor {
  const a = tensorAt(inputs, 0, ctx);
  const b = tensorAt(inputs, 1, ctx);
  const { out, shape } = broadcastMap([stringsOf(a), stringsOf(b)], [a.shape, b.shape], fn, ctx);
  if (outDtype === 'bool') return tf.tensor(out.map((x) => (x ? 1 : 0)), shape, 'bool');
  return tf.tensor(out as string[], shape, 'string');
}

const add: Kernel = (inputs, _attrs, ctx) => {
  const a = tensorAt(inputs, 0, ctx);
  if (a.dtype === 'string') return [jsBinary(inputs, ctx, (x, y) => x + y, 'string')];
  return [tf.add(a, tensorAt(inputs, 1, ctx))];
};

const equality = (negate: boolean): Kernel => (inputs, _attrs, ctx) => {
  const a = tensorAt(inputs, 0, ctx);
  const b = tensorAt(inputs, 1, ctx);
  if (a.dtype === 'string' || b.dtype === 'string') return [jsBinary(inputs, ctx, (x, y) => (x === y) !== negate, 'bool')];
  return [negate ? tf.notEqual(a, b) : tf.equal(a, b)];
};

/** Reduction axes from a scalar or vector tensor, normalized and de-duplicated. */
function reductionAxes(x: tf.Tensor, axes: tf.Tensor, ctx: KernelContext): number[] {
  return [...new Set(intsOf(axes).map((a) => axisOf(a, x.rank, ctx)))];
}

const reduce = (fn: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): Kernel => (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axes = reductionAxes(x, tensorAt(inputs, 1, ctx), ctx);
  const keep = attrs.bool('keep_dims', false);
  if (axes.length === 0) return [shareData(x)];
  return [fn(x, axes, keep)];
};

/** Mean keeps the input dtype (integer means truncate toward zero, as TF does). */
const mean = reduce((x, axes, keep) => {
  if (x.dtype === 'float32') return tf.mean(x, axes, keep);
  return tf.tidy(() => tf.cast(tf.mean(tf.cast(x, 'float32'), axes, keep), x.dtype));
});

const argReduce = (fn: (x: tf.Tensor, axis: number) => tf.Tensor): Kernel => (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 1, ctx), ctx, 'dimension'), x.rank, ctx);
  return [fn(x, axis)];
};

const scan = (fn: typeof tf.cumsum): Kernel => (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 1, ctx), ctx, 'axis'), x.rank, ctx);
  return [fn(x, axis, attrs.bool('exclusive', false), attrs.bool('reverse', false))];
};

const matMul: Kernel = (inputs, attrs, ctx) => [
  tf.matMul(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), attrs.bool('transpose_a', false), attrs.bool('transpose_b', false)),
];

const batchMatMul: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const y = tensorAt(inputs, 1, ctx);
  const out = tf.matMul(x, y, attrs.bool('adj_x', false), attrs.bool('adj_y', false));
  if (attrs.has('Tout') && out.dtype !== attrs.dtype('Tout')) {
    const cast = tf.cast(out, attrs.dtype('Tout') as tf.DataType);
    out.dispose();
    return [cast];
  }
  return [out];
};

/**
 * Cast with TF semantics: float -> int truncates toward zero, anything -> bool is `!= 0`, narrow
 * integer targets (uint8, int8, int16, uint16) wrap. int64 / uint32 / uint64 targets are carried as
 * int32 (see dtypes.ts).
 */
const cast: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const dst = attrs.dtype('DstT') as tf.DataType;
  const dstType = attrs.tfType('DstT') ?? 0;
  if (x.dtype === 'string' || dst === 'string') {
    if (x.dtype === dst) return [shareData(x)];
    throw bad(ctx, `Cast between ${x.dtype} and ${dst} is not a TensorFlow cast`);
  }
  if (dst === 'bool') return [tf.notEqual(x, tf.scalar(0, x.dtype))];
  const out = castTo(x, dst);
  if (dst === 'int32' && wrapInteger(dstType, 257) !== 257) {
    const vals = Int32Array.from(out.dataSync() as Int32Array, (v) => wrapInteger(dstType, v));
    out.dispose();
    return [tf.tensor(vals, x.shape, 'int32')];
  }
  return [out];
};

const range: Kernel = (inputs, attrs, ctx) => {
  const start = scalarOf(tensorAt(inputs, 0, ctx), ctx, 'start');
  const limit = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'limit');
  const delta = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'delta');
  if (delta === 0) throw bad(ctx, 'Range delta must not be 0');
  const dtype = attrs.dtype('Tidx', 'int32') as 'float32' | 'int32';
  checkedSize([Math.max(0, Math.ceil((limit - start) / delta))], ctx);
  return [tf.range(start, limit, delta, dtype)];
};

const linSpace: Kernel = (inputs, _attrs, ctx) => {
  const num = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num');
  checkedSize([num], ctx);
  return [tf.linspace(scalarOf(tensorAt(inputs, 0, ctx), ctx, 'start'), scalarOf(tensorAt(inputs, 1, ctx), ctx, 'stop'), num)];
};

/**
 * Bincount (1-D arr) and DenseBincount (1-D or 2-D input, per-row counts): values outside [0, size)
 * are ignored; weights (same shape as the input, or empty) replace the count of 1; binary_output
 * counts presence only.
 */
function bincount(input: tf.Tensor, size: number, weights: tf.Tensor, binary: boolean, outDtype: tf.DataType, ctx: KernelContext): tf.Tensor {
  if (input.rank > 2 || input.rank === 0) throw bad(ctx, `bincount input must be 1-D or 2-D, got rank ${input.rank}`);
  if (size < 0) throw bad(ctx, `bincount size must be non-negative, got ${size}`);
  const hasWeights = weights.size > 0;
  if (hasWeights && weights.size !== input.size) throw bad(ctx, `weights shape [${weights.shape}] does not match input [${input.shape}]`);
  const rows = input.rank === 2 ? input.shape[0]! : 1;
  const cols = input.rank === 2 ? input.shape[1]! : input.size;
  checkedSize([rows, size], ctx);
  const vals = input.dataSync();
  const w = hasWeights ? weights.dataSync() : undefined;
  const out = new Float64Array(rows * size);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = vals[i]!;
      if (v < 0 || v >= size) continue;
      const o = r * size + v;
      out[o] = binary ? 1 : out[o]! + (w ? w[i]! : 1);
    }
  }
  const shape = input.rank === 2 ? [rows, size] : [size];
  return tf.tensor(Array.from(out), shape, outDtype);
}

const bincountKernel: Kernel = (inputs, attrs, ctx) => {
  const arr = tensorAt(inputs, 0, ctx);
  if (arr.rank !== 1) throw bad(ctx, 'Bincount arr must be 1-D');
  const size = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'size');
  return [bincount(arr, size, tensorAt(inputs, 2, ctx), false, attrs.dtype('T') as tf.DataType, ctx)];
};

const denseBincount: Kernel = (inputs, attrs, ctx) => {
  const size = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'size');
  return [bincount(tensorAt(inputs, 0, ctx), size, tensorAt(inputs, 2, ctx), attrs.bool('binary_output', false), attrs.dtype('T') as tf.DataType, ctx)];
};

/**
 * RaggedBincount (Keras TextVectorization / CategoryEncoding multi_hot, count, tf_idf exports): per-row
 * counts of a ragged batch given by row splits; values >= size are ignored, negative ones refused (TF).
 */
const raggedBincount: Kernel = (inputs, attrs, ctx) => {
  const splits = intsOf(tensorAt(inputs, 0, ctx));
  const values = tensorAt(inputs, 1, ctx);
  const size = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'size');
  const weights = tensorAt(inputs, 3, ctx);
  const binary = attrs.bool('binary_output', false);
  if (size < 0) throw bad(ctx, `size must be non-negative, got ${size}`);
  if (values.rank !== 1) throw bad(ctx, `values must be 1-D, got shape [${values.shape}]`);
  if (splits.length === 0 || splits[0] !== 0 || splits[splits.length - 1] !== values.size || splits.some((v, i) => i > 0 && v < splits[i - 1]!)) {
    throw bad(ctx, `splits [${splits.slice(0, 8)}${splits.length > 8 ? ', ...' : ''}] must rise from 0 to the ${values.size} values`);
  }
  const hasWeights = weights.size > 0;
  if (hasWeights && weights.size !== values.size) throw bad(ctx, `weights shape [${weights.shape}] does not match values [${values.shape}]`);
  const rows = splits.length - 1;
  const out = new Float64Array(checkedSize([rows, size], ctx));
  const vals = values.dataSync();
  const w = hasWeights ? weights.dataSync() : undefined;
  for (let r = 0; r < rows; r++) {
    for (let i = splits[r]!; i < splits[r + 1]!; i++) {
      const v = vals[i]!;
      if (v < 0) throw bad(ctx, `values must be non-negative, got ${v}`);
      if (v >= size) continue;
      const o = r * size + v;
      out[o] = binary ? 1 : out[o]! + (w ? w[i]! : 1);
    }
  }
  return [tf.tensor(Array.from(out), [rows, size], attrs.dtype('T') as tf.DataType)];
};

/** Select (v1): a vector condition picks whole rows of t/e; otherwise shapes must match. SelectV2 broadcasts. */
function select(cond: tf.Tensor, t: tf.Tensor, e: tf.Tensor, v1: boolean, ctx: KernelContext): tf.Tensor {
  let c = cond;
  if (v1 && cond.rank === 1 && t.rank > 1) {
    c = tf.reshape(cond, [cond.shape[0]!, ...new Array(t.rank - 1).fill(1)]);
  }
  try {
    if (t.dtype === 'string') {
      const { out, shape } = broadcastMap<string | number | boolean, string>(
        [Array.from(c.dataSync()), stringsOf(t), stringsOf(e)],
        [c.shape, t.shape, e.shape],
        (k, a, b) => (k ? (a as string) : (b as string)),
        ctx,
      );
      return tf.tensor(out, shape, 'string');
    }
    return tf.where(c as tf.Tensor, t, e);
  } finally {
    if (c !== cond) c.dispose();
  }
}

const addN: Kernel = (inputs, attrs, ctx) => {
  const xs = tensorsFrom(inputs, 0, attrs.int('N', inputs.length), ctx);
  return [xs.length === 1 ? shareData(xs[0]!) : tf.addN(xs)];
};

/** Bucketize (Keras Discretization): the number of boundaries <= x. */
const bucketize: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const b = attrs.floats('boundaries');
  for (let i = 1; i < b.length; i++) if (b[i]! < b[i - 1]!) throw bad(ctx, 'Bucketize boundaries must be sorted');
  const vals = x.dataSync() as ArrayLike<number>;
  const out = new Int32Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid]! <= vals[i]!) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return [tf.tensor(out, x.shape, 'int32')];
};

export const MATH_KERNELS: Record<string, Kernel> = {
  Abs: unary(tf.abs), Neg: unary(tf.neg), Reciprocal: unary(tf.reciprocal), Inv: unary(tf.reciprocal),
  Square: unary(tf.square), Sqrt: unary(tf.sqrt), Rsqrt: unary(tf.rsqrt), Exp: unary(tf.exp), Expm1: unary(tf.expm1),
  Log: unary(tf.log), Log1p: unary(tf.log1p), Sin: unary(tf.sin), Cos: unary(tf.cos), Tan: unary(tf.tan),
  Asin: unary(tf.asin), Acos: unary(tf.acos), Atan: unary(tf.atan), Sinh: unary(tf.sinh), Cosh: unary(tf.cosh),
  Tanh: unary(tf.tanh), Asinh: unary(tf.asinh), Acosh: unary(tf.acosh), Atanh: unary(tf.atanh), Sigmoid: unary(tf.sigmoid),
  Sign: unary(tf.sign), Floor: unary(tf.floor), Ceil: unary(tf.ceil), Round: unary(tf.round), Rint: unary(tf.round),
  Erf: unary(tf.erf), Erfc: unary((x) => tf.tidy(() => tf.sub(1, tf.erf(x)))),
  Softsign: unary((x) => tf.tidy(() => tf.div(x, tf.add(1, tf.abs(x))))),
  IsNan: unary(tf.isNaN), IsInf: unary(tf.isInf), IsFinite: unary(tf.isFinite),
  LogicalNot: unary(tf.logicalNot),

  Add: add, AddV2: add, Sub: binary(tf.sub), Mul: binary(tf.mul),
  Div: binary(truncDiv), RealDiv: binary(truncDiv), TruncateDiv: binary(truncDiv), FloorDiv: binary(floorDiv),
  FloorMod: binary(tf.mod), TruncateMod: binary(truncMod), Mod: binary(truncMod),
  Maximum: binary(tf.maximum), Minimum: binary(tf.minimum), Pow: binary(tf.pow), SquaredDifference: binary(tf.squaredDifference),
  DivNoNan: binary(tf.divNoNan),
  MulNoNan: binary((x, y) => tf.tidy(() => tf.where(tf.equal(y, 0), tf.zerosLike(tf.mul(x, y)), tf.mul(x, y)))),
  Xdivy: binary((x, y) => tf.tidy(() => tf.where(tf.equal(x, 0), tf.zerosLike(tf.div(x, y)), tf.div(x, y)))),
  Xlogy: binary((x, y) => tf.tidy(() => tf.where(tf.equal(x, 0), tf.zerosLike(tf.mul(x, tf.log(y))), tf.mul(x, tf.log(y))))),
  Atan2: binary(tf.atan2),
  Less: binary(tf.less), LessEqual: binary(tf.lessEqual), Greater: binary(tf.greater), GreaterEqual: binary(tf.greaterEqual),
  Equal: equality(false), NotEqual: equality(true),
  LogicalAnd: binary(tf.logicalAnd), LogicalOr: binary(tf.logicalOr),
  AddN: addN,

  MatMul: matMul, BatchMatMul: batchMatMul, BatchMatMulV2: batchMatMul, BatchMatMulV3: batchMatMul,

  Sum: reduce((x, a, k) => tf.sum(x, a, k)), Mean: mean, Prod: reduce((x, a, k) => tf.prod(x, a, k)),
  Max: reduce((x, a, k) => tf.max(x, a, k)), Min: reduce((x, a, k) => tf.min(x, a, k)),
  EuclideanNorm: reduce((x, a, k) => tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), a, k)))),
  All: reduce((x, a, k) => tf.all(x, a, k)), Any: reduce((x, a, k) => tf.any(x, a, k)),
  ArgMax: argReduce((x, a) => tf.argMax(x, a)), ArgMin: argReduce((x, a) => tf.argMin(x, a)),
  Cumsum: scan(tf.cumsum), Cumprod: scan(tf.cumprod),

  Cast: cast,
  Range: range,
  LinSpace: linSpace,
  Bincount: bincountKernel,
  DenseBincount: denseBincount,
  RaggedBincount: raggedBincount,
  Bucketize: bucketize,
  ClipByValue: (inputs, _attrs, ctx) => [
    tf.tidy(() => tf.minimum(tf.maximum(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx)), tensorAt(inputs, 2, ctx))),
  ],
  Select: (inputs, _attrs, ctx) => [select(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), true, ctx)],
  SelectV2: (inputs, _attrs, ctx) => [select(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), false, ctx)],
};
