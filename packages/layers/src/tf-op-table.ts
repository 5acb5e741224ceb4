import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { UnsupportedFeatureError } from '@savedkeras/common';
import { geluApproximate, geluExact } from './activations.js';
import { tfjsCamelCase, tfjsDtype } from './keras-objects.js';
import { broadcastShapes, normAxis, product, reducedShape } from './shape-utils.js';

/**
 * The TensorFlow functions a Keras `TFOpLambda` layer may record (its config `function`, the
 * `tf_export` name without `tf.`), mapped onto tfjs-core ops.
 *
 * Each entry lists the function's Python parameters in signature order: the first is the layer's
 * input (one tensor, or a list of tensors for `concat`/`stack`/`add_n`), the others arrive by name
 * in the recorded call kwargs (Keras turns positional arguments after the first into keyword
 * arguments). Tensor arguments may also be constants (`y: 2.0`), converted with the input's dtype.
 */

/** Arguments of one op call, over tensors (run) or shapes (computeOutputShape). */
export interface OpArgs<T> {
  /** The first argument: the layer's single input. */
  first(): T;
  /** The first argument as a list of inputs (list ops). */
  list(): T[];
  /** A tensor argument: an input the kwargs point at, or a constant. */
  tensor(name: string, dtype?: tf.DataType): T;
  has(name: string): boolean;
  /** A non-tensor argument (Python value); `def` when absent or None. Several names = aliases. */
  value<V>(name: string | string[], def: V): V;
}

export interface TfOp {
  /** Python parameter names, first = the input. */
  params: readonly string[];
  /** The first parameter is a list of tensors. */
  list?: boolean;
  run(a: OpArgs<tf.Tensor>): tf.Tensor | tf.Tensor[];
  shape(a: OpArgs<Shape>): Shape | Shape[];
  /** Output dtype when it is not the input's. */
  outDtype?(a: OpArgs<Shape>): tf.DataType;
}

type T = tf.Tensor;

function unary(fn: (x: T) => T, param = 'x'): TfOp {
  return { params: [param], run: (a) => fn(a.first()), shape: (a) => a.first() };
}

function binary(fn: (x: T, y: T) => T, outDtype?: tf.DataType): TfOp {
  return {
    params: ['x', 'y'],
    run: (a) => fn(a.first(), a.tensor('y')),
    shape: (a) => broadcastShapes(a.first(), a.tensor('y')),
    ...(outDtype ? { outDtype: () => outDtype } : {}),
  };
}

type AxisArg = number | number[] | null;
const axisOf = <U>(a: OpArgs<U>, names: string[] = ['axis']): AxisArg => a.value<AxisArg>(names, null);

function reduction(fn: (x: T, axis: AxisArg, keep: boolean) => T, v1 = false): TfOp {
  const axisNames = v1 ? ['axis', 'reduction_indices'] : ['axis'];
  const keepNames = v1 ? ['keepdims', 'keep_dims'] : ['keepdims'];
  return {
    params: v1 ? ['input_tensor', 'axis', 'keepdims', 'name', 'reduction_indices', 'keep_dims'] : ['input_tensor', 'axis', 'keepdims', 'name'],
    run: (a) => fn(a.first(), axisOf(a, axisNames), a.value(keepNames, false)),
    shape: (a) => reducedShape(a.first(), axisOf(a, axisNames), a.value(keepNames, false)),
  };
}

const axisList = (axis: AxisArg): number[] | undefined => (axis == null ? undefined : Array.isArray(axis) ? axis : [axis]);

/** TF true division: integers are divided as floats. */
function trueDiv(x: T, y: T): T {
  if (x.dtype === 'int32' || y.dtype === 'int32' || x.dtype === 'bool') return tf.div(tf.cast(x, 'float32'), tf.cast(y, 'float32'));
  return tf.div(x, y);
}

function floorDiv(x: T, y: T): T {
  return x.dtype === 'int32' && y.dtype === 'int32' ? tf.floorDiv(x, y) : tf.floor(tf.div(x, y));
}

/** softmax / log_softmax along any axis (tfjs' kernels take the last axis only). */
function softmaxAlong(x: T, axis: number, log: boolean): T {
  const a = normAxis(axis, x.rank);
  if (a === x.rank - 1) return log ? tf.logSoftmax(x) : tf.softmax(x);
  const shifted = tf.sub(x, tf.logSumExp(x, a, true));
  return log ? shifted : tf.exp(shifted);
}

function softsign(x: T): T {
  return tf.div(x, tf.add(1, tf.abs(x)));
}

function broadcastAll(ts: T[]): T[] {
  let shape: Shape = [];
  for (const t of ts) shape = broadcastShapes(shape, t.shape);
  return ts.map((t) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape as number[])));
}

/** tf.reshape's static shape: one -1 is inferred when every input dim is known. */
function reshapeShape(input: Shape, target: number[]): Shape {
  const out: Shape = target.map((d) => (d === -1 ? null : d));
  const unknownAt = target.indexOf(-1);
  if (unknownAt >= 0 && input.every((d) => d != null)) {
    const known = product(target.filter((d) => d !== -1));
    out[unknownAt] = known === 0 ? 0 : product(input as number[]) / known;
  }
  return out;
}

function squeezeShape(s: Shape, axis: AxisArg): Shape {
  const axes = axisList(axis)?.map((a) => normAxis(a, s.length));
  return s.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
}

function concatShape(shapes: Shape[], axis: number): Shape {
  if (shapes.length === 0) throw new RangeError('concat of an empty list');
  const a = normAxis(axis, shapes[0].length);
  const out = [...shapes[0]];
  let total: number | null = 0;
  for (const s of shapes) total = total == null || s[a] == null ? null : total + (s[a] as number);
  out[a] = total;
  return out;
}

function matmulShape(a: Shape, b: Shape, ta: boolean, tb: boolean): Shape {
  const rows = ta ? a[a.length - 1] : a[a.length - 2];
  const cols = tb ? b[b.length - 2] : b[b.length - 1];
  return [...broadcastShapes(a.slice(0, -2), b.slice(0, -2)), rows, cols];
}

function gatherShape(params: Shape, indices: Shape, axis: number, batchDims: number): Shape {
  const ax = normAxis(axis, params.length);
  const bd = batchDims < 0 ? batchDims + indices.length : batchDims;
  return [...params.slice(0, ax), ...indices.slice(bd), ...params.slice(ax + 1)];
}

function l2Normalize(x: T, axis: AxisArg, eps: number): T {
  const sq = tf.sum(tf.square(x), axisList(axis), true);
  return tf.mul(x, tf.rsqrt(tf.maximum(sq, eps)));
}

function castTo(x: T, dtype: unknown): T {
  return tf.cast(x, tfjsDtype(dtype, x.dtype));
}

function padOp(x: T, paddings: [number, number][], mode: string, value: number): T {
  const m = mode.toUpperCase();
  if (m === 'CONSTANT') return tf.pad(x, paddings, value);
  if (m === 'REFLECT' || m === 'SYMMETRIC') return tf.mirrorPad(x, paddings, m === 'REFLECT' ? 'reflect' : 'symmetric');
  throw new UnsupportedFeatureError(`tf.pad mode "${mode}" is not supported`);
}

function whereOp(a: OpArgs<T>): T {
  if (!a.has('x') || !a.has('y')) {
    throw new UnsupportedFeatureError('tf.where with only a condition (index output) is not supported by TFOpLambda');
  }
  const cond = a.first();
  const x = a.tensor('x');
  const y = a.tensor('y', x.dtype);
  const [c, xb, yb] = broadcastAll([cond.dtype === 'bool' ? cond : tf.cast(cond, 'bool'), x, y]);
  return tf.where(c, xb, yb);
}

const unaryMath: Record<string, (x: T) => T> = {
  abs: tf.abs,
  negative: tf.neg,
  exp: tf.exp,
  log: tf.log,
  sqrt: tf.sqrt,
  rsqrt: tf.rsqrt,
  square: tf.square,
  sin: tf.sin,
  cos: tf.cos,
  tan: tf.tan,
  asin: tf.asin,
  acos: tf.acos,
  atan: tf.atan,
  sinh: tf.sinh,
  cosh: tf.cosh,
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  erf: tf.erf,
  floor: tf.floor,
  ceil: tf.ceil,
  round: tf.round,
  sign: tf.sign,
  reciprocal: tf.reciprocal,
  log1p: tf.log1p,
  expm1: tf.expm1,
  log_sigmoid: tf.logSigmoid,
  softplus: tf.softplus,
  softsign,
  logical_not: tf.logicalNot,
  is_nan: tf.isNaN,
  is_inf: tf.isInf,
  is_finite: tf.isFinite,
};

const binaryMath: Record<string, (x: T, y: T) => T> = {
  add: tf.add,
  subtract: tf.sub,
  multiply: tf.mul,
  truediv: trueDiv,
  divide: trueDiv,
  floordiv: floorDiv,
  floormod: tf.mod,
  mod: tf.mod,
  maximum: tf.maximum,
  minimum: tf.minimum,
  pow: tf.pow,
  squared_difference: tf.squaredDifference,
  divide_no_nan: tf.divNoNan,
  multiply_no_nan: (x, y) => tf.where(tf.equal(y, 0), tf.zerosLike(tf.mul(x, y)), tf.mul(x, y)),
  atan2: tf.atan2,
};

const comparisons: Record<string, (x: T, y: T) => T> = {
  greater: tf.greater,
  greater_equal: tf.greaterEqual,
  less: tf.less,
  less_equal: tf.lessEqual,
  equal: tf.equal,
  not_equal: tf.notEqual,
  logical_and: tf.logicalAnd,
  logical_or: tf.logicalOr,
  logical_xor: tf.logicalXor,
};

const reductions: Record<string, (x: T, axis: AxisArg, keep: boolean) => T> = {
  reduce_mean: (x, ax, k) => tf.mean(x, axisList(ax), k),
  reduce_sum: (x, ax, k) => tf.sum(x, axisList(ax), k),
  reduce_max: (x, ax, k) => tf.max(x, axisList(ax), k),
  reduce_min: (x, ax, k) => tf.min(x, axisList(ax), k),
  reduce_prod: (x, ax, k) => tf.prod(x, axisList(ax), k),
  reduce_any: (x, ax, k) => tf.any(x, axisList(ax), k),
  reduce_all: (x, ax, k) => tf.all(x, axisList(ax), k),
  reduce_logsumexp: (x, ax, k) => tf.logSumExp(x, axisList(ax), k),
  reduce_variance: (x, ax, k) => tf.moments(x, axisList(ax), k).variance,
  reduce_std: (x, ax, k) => tf.sqrt(tf.moments(x, axisList(ax), k).variance),
  reduce_euclidean_norm: (x, ax, k) => tf.sqrt(tf.sum(tf.square(x), axisList(ax), k)),
};

function argReduce(fn: (x: T, axis: number) => T, v1 = false): TfOp {
  const axisNames = v1 ? ['axis', 'dimension'] : ['axis'];
  return {
    params: v1 ? ['input', 'axis', 'name', 'dimension', 'output_type'] : ['input', 'axis', 'output_type', 'name'],
    run: (a) => fn(a.first(), a.value(axisNames, 0)),
    shape: (a) => reducedShape(a.first(), a.value(axisNames, 0), false),
    outDtype: () => 'int32',
  };
}

const activationOps: Record<string, TfOp> = {
  relu: unary(tf.relu, 'features'),
  relu6: unary(tf.relu6, 'features'),
  elu: unary(tf.elu, 'features'),
  selu: unary(tf.selu, 'features'),
  softplus: unary(tf.softplus, 'features'),
  softsign: unary(softsign, 'features'),
  sigmoid: unary(tf.sigmoid, 'x'),
  tanh: unary(tf.tanh, 'x'),
  leaky_relu: {
    params: ['features', 'alpha'],
    run: (a) => tf.leakyRelu(a.first(), a.value('alpha', 0.2)),
    shape: (a) => a.first(),
  },
  gelu: {
    params: ['features', 'approximate'],
    run: (a) => (a.value('approximate', false) ? geluApproximate(a.first()) : geluExact(a.first())),
    shape: (a) => a.first(),
  },
  silu: {
    params: ['features', 'beta'],
    run: (a) => tf.mul(a.first(), tf.sigmoid(tf.mul(a.first(), a.value('beta', 1.0)))),
    shape: (a) => a.first(),
  },
  softmax: {
    params: ['logits', 'axis'],
    run: (a) => softmaxAlong(a.first(), a.value('axis', -1), false),
    shape: (a) => a.first(),
  },
  log_softmax: {
    params: ['logits', 'axis'],
    run: (a) => softmaxAlong(a.first(), a.value('axis', -1), true),
    shape: (a) => a.first(),
  },
  l2_normalize: {
    params: ['x', 'axis', 'epsilon', 'name', 'dim'],
    run: (a) => l2Normalize(a.first(), axisOf(a, ['axis', 'dim']), a.value('epsilon', 1e-12)),
    shape: (a) => a.first(),
  },
  bias_add: {
    params: ['value', 'bias', 'data_format'],
    run: (a) => tf.add(a.first(), a.tensor('bias')),
    shape: (a) => a.first(),
  },
};

const transposeOp = (v1: boolean): TfOp => ({
  params: v1 ? ['a', 'perm', 'name', 'conjugate'] : ['a', 'perm', 'conjugate', 'name'],
  run: (a) => tf.transpose(a.first(), a.value<number[] | undefined>('perm', undefined)),
  shape: (a) => {
    const s = a.first();
    const perm = a.value<number[] | null>('perm', null) ?? s.map((_, i) => s.length - 1 - i);
    return perm.map((p) => s[normAxis(p, s.length, 'perm entry')]);
  },
});

const squeezeOp = (v1: boolean): TfOp => ({
  params: v1 ? ['input', 'axis', 'name', 'squeeze_dims'] : ['input', 'axis', 'name'],
  run: (a) => tf.squeeze(a.first(), axisList(axisOf(a, ['axis', 'squeeze_dims']))),
  shape: (a) => squeezeShape(a.first(), axisOf(a, ['axis', 'squeeze_dims'])),
});

const expandDimsOp = (v1: boolean): TfOp => ({
  params: v1 ? ['input', 'axis', 'name', 'dim'] : ['input', 'axis', 'name'],
  run: (a) => tf.expandDims(a.first(), a.value(['axis', 'dim'], 0)),
  shape: (a) => {
    const s = [...a.first()];
    s.splice(normAxis(a.value(['axis', 'dim'], 0), s.length + 1), 0, 1);
    return s;
  },
});

const gatherOp = (v1: boolean): TfOp => ({
  params: v1 ? ['params', 'indices', 'validate_indices', 'name', 'axis', 'batch_dims'] : ['params', 'indices', 'validate_indices', 'axis', 'batch_dims', 'name'],
  run: (a) => {
    const idx = a.tensor('indices', 'int32');
    return tf.gather(a.first(), idx.dtype === 'int32' ? idx : tf.cast(idx, 'int32'), a.value('axis', 0), a.value('batch_dims', 0));
  },
  shape: (a) => gatherShape(a.first(), a.tensor('indices'), a.value('axis', 0), a.value('batch_dims', 0)),
});

const structural: Record<string, TfOp> = {
  reshape: {
    params: ['tensor', 'shape', 'name'],
    run: (a) => tf.reshape(a.first(), a.value<number[]>('shape', [])),
    shape: (a) => reshapeShape(a.first(), a.value<number[]>('shape', [])),
  },
  expand_dims: expandDimsOp(false),
  'compat.v1.expand_dims': expandDimsOp(true),
  squeeze: squeezeOp(false),
  'compat.v1.squeeze': squeezeOp(true),
  transpose: transposeOp(false),
  'compat.v1.transpose': transposeOp(true),
  concat: {
    params: ['values', 'axis', 'name'],
    list: true,
    run: (a) => tf.concat(a.list(), a.value('axis', 0)),
    shape: (a) => concatShape(a.list(), a.value('axis', 0)),
  },
  stack: {
    params: ['values', 'axis', 'name'],
    list: true,
    run: (a) => tf.stack(a.list(), a.value('axis', 0)),
    shape: (a) => {
      const l = a.list();
      const s = [...l[0]];
      s.splice(normAxis(a.value('axis', 0), s.length + 1), 0, l.length);
      return s;
    },
  },
  unstack: {
    params: ['value', 'num', 'axis', 'name'],
    run: (a) => tf.unstack(a.first(), a.value('axis', 0)),
    shape: (a) => {
      const s = a.first();
      const ax = normAxis(a.value('axis', 0), s.length);
      const n = a.value<number | null>('num', null) ?? s[ax];
      if (n == null) throw new UnsupportedFeatureError('tf.unstack over an axis of unknown size');
      const rest = s.filter((_, i) => i !== ax);
      return Array.from({ length: n }, () => [...rest]);
    },
  },
  split: {
    params: ['value', 'num_or_size_splits', 'axis', 'num', 'name'],
    run: (a) => tf.split(a.first(), a.value<number | number[]>('num_or_size_splits', 1), a.value('axis', 0)),
    shape: (a) => {
      const s = a.first();
      const ax = normAxis(a.value('axis', 0), s.length);
      const spec = a.value<number | number[]>('num_or_size_splits', 1);
      const sizes: (number | null)[] = Array.isArray(spec)
        ? spec
        : Array.from({ length: spec }, () => (s[ax] == null ? null : (s[ax] as number) / spec));
      if (Array.isArray(spec) && spec.includes(-1) && s[ax] != null) {
        const known = spec.filter((d) => d !== -1).reduce((p, d) => p + d, 0);
        sizes[spec.indexOf(-1)] = (s[ax] as number) - known;
      } else if (Array.isArray(spec) && spec.includes(-1)) {
        sizes[spec.indexOf(-1)] = null;
      }
      return sizes.map((n) => s.map((d, i) => (i === ax ? n : d)));
    },
  },
  tile: {
    params: ['input', 'multiples', 'name'],
    run: (a) => tf.tile(a.first(), a.value<number[]>('multiples', [])),
    shape: (a) => {
      const m = a.value<number[]>('multiples', []);
      return a.first().map((d, i) => (d == null ? null : d * m[i]));
    },
  },
  broadcast_to: {
    params: ['input', 'shape', 'name'],
    run: (a) => tf.broadcastTo(a.first(), a.value<number[]>('shape', [])),
    shape: (a) => a.value<number[]>('shape', []),
  },
  cast: {
    params: ['x', 'dtype', 'name'],
    run: (a) => castTo(a.first(), a.value('dtype', 'float32')),
    shape: (a) => a.first(),
    outDtype: (a) => tfjsDtype(a.value('dtype', 'float32')),
  },
  identity: unary((x) => x, 'input'),
  stop_gradient: unary((x) => x, 'input'),
  ones_like: {
    params: ['input', 'dtype', 'name'],
    run: (a) => (a.has('dtype') ? tf.ones(a.first().shape, tfjsDtype(a.value('dtype', null))) : tf.onesLike(a.first())),
    shape: (a) => a.first(),
  },
  zeros_like: {
    params: ['input', 'dtype', 'name'],
    run: (a) => (a.has('dtype') ? tf.zeros(a.first().shape, tfjsDtype(a.value('dtype', null))) : tf.zerosLike(a.first())),
    shape: (a) => a.first(),
  },
  shape: {
    params: ['input', 'out_type', 'name'],
    run: (a) => tf.tensor1d(a.first().shape, 'int32'),
    shape: (a) => [a.first().length],
    outDtype: () => 'int32',
  },
  gather: gatherOp(false),
  'compat.v1.gather': gatherOp(true),
  clip_by_value: {
    params: ['t', 'clip_value_min', 'clip_value_max', 'name'],
    run: (a) => tf.minimum(tf.maximum(a.first(), a.tensor('clip_value_min')), a.tensor('clip_value_max')),
    shape: (a) => a.first(),
  },
  where: {
    params: ['condition', 'x', 'y', 'name'],
    run: whereOp,
    shape: (a) => broadcastShapes(broadcastShapes(a.first(), a.tensor('x')), a.tensor('y')),
  },
  one_hot: {
    params: ['indices', 'depth', 'on_value', 'off_value', 'axis', 'dtype', 'name'],
    run: (a) => {
      const axis = a.value<number>('axis', -1);
      if (axis !== -1 && axis !== a.first().rank) throw new UnsupportedFeatureError(`tf.one_hot with axis=${axis} is not supported`);
      const x = a.first();
      return tf.oneHot(x.dtype === 'int32' ? x : tf.cast(x, 'int32'), a.value('depth', 0), a.value('on_value', 1), a.value('off_value', 0), tfjsDtype(a.value('dtype', 'float32')));
    },
    shape: (a) => [...a.first(), a.value('depth', null)],
    outDtype: (a) => tfjsDtype(a.value('dtype', 'float32')),
  },
  pad: {
    params: ['tensor', 'paddings', 'mode', 'constant_values', 'name'],
    run: (a) => padOp(a.first(), a.value<[number, number][]>('paddings', []), a.value('mode', 'CONSTANT'), a.value('constant_values', 0)),
    shape: (a) => {
      const p = a.value<[number, number][]>('paddings', []);
      return a.first().map((d, i) => (d == null ? null : d + p[i][0] + p[i][1]));
    },
  },
  reverse: {
    params: ['tensor', 'axis', 'name'],
    run: (a) => tf.reverse(a.first(), a.value<number[]>('axis', [])),
    shape: (a) => a.first(),
  },
  'math.cumsum': {
    params: ['x', 'axis', 'exclusive', 'reverse', 'name'],
    run: (a) => tf.cumsum(a.first(), a.value('axis', 0), a.value('exclusive', false), a.value('reverse', false)),
    shape: (a) => a.first(),
  },
  'math.cumprod': {
    params: ['x', 'axis', 'exclusive', 'reverse', 'name'],
    run: (a) => tf.cumprod(a.first(), a.value('axis', 0), a.value('exclusive', false), a.value('reverse', false)),
    shape: (a) => a.first(),
  },
  'math.add_n': {
    params: ['inputs', 'name'],
    list: true,
    run: (a) => tf.addN(a.list()),
    shape: (a) => a.list().reduce((s, t) => broadcastShapes(s, t)),
  },
  'linalg.matmul': {
    params: ['a', 'b', 'transpose_a', 'transpose_b', 'adjoint_a', 'adjoint_b', 'a_is_sparse', 'b_is_sparse', 'output_type', 'name'],
    run: (a) =>
      tf.matMul(
        a.first(),
        a.tensor('b'),
        a.value('transpose_a', false) || a.value('adjoint_a', false),
        a.value('transpose_b', false) || a.value('adjoint_b', false),
      ),
    shape: (a) =>
      matmulShape(a.first(), a.tensor('b'), a.value('transpose_a', false) || a.value('adjoint_a', false), a.value('transpose_b', false) || a.value('adjoint_b', false)),
  },
  norm: {
    params: ['tensor', 'ord', 'axis', 'keepdims', 'name'],
    run: (a) => tf.norm(a.first(), a.value<'euclidean' | 'fro' | number>('ord', 'euclidean'), a.value<number | number[] | null>('axis', null) ?? undefined, a.value('keepdims', false)),
    shape: (a) => reducedShape(a.first(), a.value<AxisArg>('axis', null), a.value('keepdims', false)),
  },
  'nn.depth_to_space': {
    params: ['input', 'block_size', 'data_format', 'name'],
    run: (a) => depthSpace(a.first(), a.value('block_size', 0), String(a.value('data_format', 'NHWC')), 'toSpace'),
    shape: (a) => depthSpaceShape(a.first(), a.value('block_size', 0), String(a.value('data_format', 'NHWC')), 'toSpace'),
  },
  'nn.space_to_depth': {
    params: ['input', 'block_size', 'data_format', 'name'],
    run: (a) => depthSpace(a.first(), a.value('block_size', 0), String(a.value('data_format', 'NHWC')), 'toDepth'),
    shape: (a) => depthSpaceShape(a.first(), a.value('block_size', 0), String(a.value('data_format', 'NHWC')), 'toDepth'),
  },
  'image.resize': {
    params: ['images', 'size', 'method', 'preserve_aspect_ratio', 'antialias', 'name'],
    run: (a) => {
      const size = a.value<[number, number]>('size', [0, 0]);
      const method = String(a.value('method', 'bilinear'));
      if (a.value('preserve_aspect_ratio', false) || a.value('antialias', false)) {
        throw new UnsupportedFeatureError('tf.image.resize with preserve_aspect_ratio or antialias is not supported');
      }
      if (method === 'bilinear') return tf.image.resizeBilinear(a.first() as tf.Tensor4D, size, false, true);
      if (method === 'nearest') return tf.image.resizeNearestNeighbor(a.first() as tf.Tensor4D, size, false, true);
      throw new UnsupportedFeatureError(`tf.image.resize method "${method}" is not supported`);
    },
    shape: (a) => {
      const s = a.first();
      const size = a.value<[number, number]>('size', [0, 0]);
      return [...s.slice(0, -3), size[0], size[1], s[s.length - 1]];
    },
  },
};

function depthSpaceArgs(block: number, format: string): void {
  if (!Number.isInteger(block) || block < 2) throw new RangeError(`block_size must be an integer >= 2, got ${block}`);
  if (format !== 'NHWC' && format !== 'NCHW') throw new UnsupportedFeatureError(`data_format "${format}" is not supported (NHWC or NCHW)`);
}

/**
 * tf.nn.depth_to_space / space_to_depth (TF's DepthToSpace / SpaceToDepth): NHWC
 * out[b, h*bs + i, w*bs + j, c] = in[b, h, w, (i*bs + j)*C_out + c]; NCHW is the same with channels first.
 */
function depthSpace(x: T, block: number, format: string, dir: 'toSpace' | 'toDepth'): T {
  depthSpaceArgs(block, format);
  if (x.rank !== 4) throw new RangeError(`depth_to_space / space_to_depth need a 4-D input, got shape [${x.shape}]`);
  const nhwc = format === 'NHWC' ? x : tf.transpose(x, [0, 2, 3, 1]);
  const [n, h, w, c] = nhwc.shape as [number, number, number, number];
  let y: T;
  if (dir === 'toSpace') {
    if (c % (block * block) !== 0) throw new RangeError(`depth ${c} is not divisible by block_size^2 (${block * block})`);
    y = tf.reshape(tf.transpose(tf.reshape(nhwc, [n, h, w, block, block, c / (block * block)]), [0, 1, 3, 2, 4, 5]), [n, h * block, w * block, c / (block * block)]);
  } else {
    if (h % block !== 0 || w % block !== 0) throw new RangeError(`height ${h} and width ${w} must be divisible by block_size ${block}`);
    y = tf.reshape(tf.transpose(tf.reshape(nhwc, [n, h / block, block, w / block, block, c]), [0, 1, 3, 2, 4, 5]), [n, h / block, w / block, block * block * c]);
  }
  return format === 'NHWC' ? y : tf.transpose(y, [0, 3, 1, 2]);
}

function depthSpaceShape(s: Shape, block: number, format: string, dir: 'toSpace' | 'toDepth'): Shape {
  depthSpaceArgs(block, format);
  const [n, h, w, c] = format === 'NHWC' ? s : [s[0], s[2], s[3], s[1]];
  const mul = (d: number | null | undefined, k: number) => (d == null ? null : d * k);
  const div = (d: number | null | undefined, k: number) => (d == null ? null : d / k);
  const out = dir === 'toSpace'
    ? [n ?? null, mul(h, block), mul(w, block), div(c, block * block)]
    : [n ?? null, div(h, block), div(w, block), mul(c, block * block)];
  return format === 'NHWC' ? out : [out[0]!, out[3]!, out[1]!, out[2]!];
}

/** name -> op, with the usual export aliases of each TF function. */
function buildTable(): Map<string, TfOp> {
  const t = new Map<string, TfOp>();
  const add = (names: string[], op: TfOp) => names.forEach((n) => t.set(n, op));
  for (const [n, fn] of Object.entries(unaryMath)) add([`math.${n}`, n], unary(fn));
  add(['math.negative', 'negative'], unary(tf.neg));
  for (const [n, fn] of Object.entries(binaryMath)) add([`math.${n}`, n], binary(fn));
  add(['__operators__.add'], binary(tf.add));
  add(['realdiv', 'math.realdiv'], binary(trueDiv));
  for (const [n, fn] of Object.entries(comparisons)) add([`math.${n}`, n], binary(fn, 'bool'));
  add(['__operators__.eq'], binary(tf.equal, 'bool'));
  add(['__operators__.ne'], binary(tf.notEqual, 'bool'));
  for (const [n, fn] of Object.entries(reductions)) {
    add([`math.${n}`, n], reduction(fn));
    add([`compat.v1.${n}`, `compat.v1.math.${n}`], reduction(fn, true));
  }
  add(['math.argmax', 'argmax'], argReduce((x, ax) => tf.argMax(x, ax)));
  add(['math.argmin', 'argmin'], argReduce((x, ax) => tf.argMin(x, ax)));
  add(['compat.v1.argmax', 'compat.v1.math.argmax'], argReduce((x, ax) => tf.argMax(x, ax), true));
  add(['compat.v1.argmin', 'compat.v1.math.argmin'], argReduce((x, ax) => tf.argMin(x, ax), true));
  for (const [n, op] of Object.entries(activationOps)) add([`nn.${n}`, `math.${n}`, n], op);
  add(['nn.swish'], activationOps['silu']);
  add(['math.sigmoid', 'nn.sigmoid', 'sigmoid'], unary(tf.sigmoid));
  add(['math.tanh', 'nn.tanh', 'tanh'], unary(tf.tanh));
  for (const [n, op] of Object.entries(structural)) add([n], op);
  add(['linalg.norm'], structural['norm']);
  add(['matmul'], structural['linalg.matmul']);
  add(['cumsum'], structural['math.cumsum']);
  add(['add_n'], structural['math.add_n']);
  add(['clip_by_value', 'compat.v1.clip_by_value'], structural['clip_by_value']);
  add(['compat.v1.reshape'], structural['reshape']);
  add(['compat.v1.concat'], structural['concat']);
  add(['compat.v1.depth_to_space', 'compat.v1.nn.depth_to_space', 'depth_to_space'], structural['nn.depth_to_space']);
  add(['compat.v1.space_to_depth', 'compat.v1.nn.space_to_depth', 'space_to_depth'], structural['nn.space_to_depth']);
  return t;
}

let table: Map<string, TfOp> | undefined;
let camelIndex: Map<string, string> | undefined;

/**
 * The op for a recorded function name. Configs that went through tfjs' pythonic-to-TypeScript
 * conversion carry camelCased string values (`math.reduceMean`, `Operators_.add`); both forms
 * are accepted.
 */
export function lookupTfOp(name: string): { name: string; op: TfOp } | undefined {
  table ??= buildTable();
  if (!camelIndex) {
    camelIndex = new Map();
    for (const k of table.keys()) {
      const c = tfjsCamelCase(k);
      if (c !== k && !table.has(c)) camelIndex.set(c, k);
    }
  }
  const direct = table.get(name);
  if (direct) return { name, op: direct };
  const canonical = camelIndex.get(name);
  return canonical ? { name: canonical, op: table.get(canonical)! } : undefined;
}

/** Every supported function name with its Python parameters (first = the layer input). */
export function tfOpSignatures(): Record<string, readonly string[]> {
  table ??= buildTable();
  const out: Record<string, readonly string[]> = {};
  for (const [k, op] of [...table.entries()].sort(([a], [b]) => a.localeCompare(b))) out[k] = op.params;
  return out;
}
