import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, broadcastShapes, checkedSize, intsOf, tensorAt, tensorsFrom } from './util.js';

/**
 * The ops TensorFlow's gradient functions emit, found in saved training steps (a custom `train`
 * tf.function computing GradientTape gradients): tensorflow/core/ops/nn_grad / math_grad definitions,
 * kernels in relu_op_functor.h, cwise_ops_gradients.h, xent_op.h, bias_op.cc, dynamic_stitch_op.cc.
 */
const binary = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Kernel => (inputs, _attrs, ctx) =>
  [fn(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx))];

/** BroadcastGradientArgs: the axes each operand was broadcast along (to sum its gradient over). */
const broadcastGradientArgs: Kernel = (inputs, _attrs, ctx) => {
  const s0 = intsOf(tensorAt(inputs, 0, ctx));
  const s1 = intsOf(tensorAt(inputs, 1, ctx));
  if (!broadcastShapes(s0, s1)) throw bad(ctx, `shapes [${s0}] and [${s1}] are not broadcast-compatible`);
  const rank = Math.max(s0.length, s1.length);
  const a = [...new Array(rank - s0.length).fill(1), ...s0];
  const b = [...new Array(rank - s1.length).fill(1), ...s1];
  const r0: number[] = [];
  const r1: number[] = [];
  // every dimension of size 1 (padded ones included) is summed over, also where both sides are 1 (TF's BCast)
  for (let i = 0; i < rank; i++) {
    if (a[i] === 1) r0.push(i);
    if (b[i] === 1) r1.push(i);
  }
  return [tf.tensor1d(r0, 'int32'), tf.tensor1d(r1, 'int32')];
};

/** BiasAddGrad: the gradient summed over every dimension but the channel one. */
const biasAddGrad: Kernel = (inputs, attrs, ctx) => {
  const g = tensorAt(inputs, 0, ctx);
  if (g.rank < 2) throw bad(ctx, `out_backprop must be at least 2-D, got [${g.shape}]`);
  const channel = attrs.str('data_format', 'NHWC') === 'NCHW' ? 1 : g.rank - 1;
  const axes = g.shape.map((_, i) => i).filter((i) => i !== channel);
  return [tf.sum(g, axes)];
};

/** Softmax cross-entropy on logits [batch, classes] (labels broadcast): loss [batch] and d loss / d logits. */
function xent(logits: tf.Tensor, labels: tf.Tensor, ctx: KernelContext): tf.Tensor[] {
  const shape = broadcastShapes(logits.shape, labels.shape);
  if (!shape || shape.length !== 2) throw bad(ctx, `logits [${logits.shape}] and labels [${labels.shape}] must broadcast to a 2-D shape`);
  const x = tf.broadcastTo(logits, shape);
  const y = tf.broadcastTo(labels, shape);
  const shifted = tf.sub(x, tf.max(x, 1, true));
  const logSum = tf.log(tf.sum(tf.exp(shifted), 1, true));
  const loss = tf.sum(tf.mul(y, tf.sub(logSum, shifted)), 1);
  const backprop = tf.sub(tf.exp(tf.sub(shifted, logSum)), y);
  return [loss, backprop];
}

const softmaxXent: Kernel = (inputs, _attrs, ctx) => xent(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), ctx);

const sparseSoftmaxXent: Kernel = (inputs, _attrs, ctx) => {
  const logits = tensorAt(inputs, 0, ctx);
  const labels = tensorAt(inputs, 1, ctx);
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw bad(ctx, `logits must be [batch, classes] and labels [batch], got [${logits.shape}] and [${labels.shape}]`);
  }
  const classes = logits.shape[1]!;
  const idx = intsOf(labels);
  const badLabel = idx.find((l) => l < 0 || l >= classes);
  // TF's CPU kernel refuses out-of-range labels (its GPU kernel writes NaN)
  if (badLabel !== undefined) throw bad(ctx, `label ${badLabel} is out of range [0, ${classes})`);
  return xent(logits, tf.oneHot(tf.tensor1d(idx, 'int32'), classes), ctx);
};

/** DynamicStitch / ParallelDynamicStitch: merged[indices[m][i]] = data[m][i, ...] (later writes win). */
const dynamicStitch: Kernel = (inputs, attrs, ctx) => {
  const n = attrs.int('N', inputs.length / 2);
  const indices = tensorsFrom(inputs, 0, n, ctx);
  const data = tensorsFrom(inputs, n, n, ctx);
  let first = -1;
  const idx = indices.map(intsOf);
  for (const l of idx) for (const v of l) first = Math.max(first, v);
  const count = first + 1;
  const inner = data[0]!.shape.slice(indices[0]!.rank);
  // the output's size comes from index values: checked against the limits before allocating
  const slice = checkedSize([count, ...inner], ctx) / Math.max(count, 1);
  // every dtype keeps its own (bool data is 1 byte a value; strings go through stringsByIndex)
  const dtype = data[0]!.dtype;
  const out = dtype === 'int32' ? new Int32Array(count * slice) : dtype === 'bool' ? new Uint8Array(count * slice) : new Float32Array(count * slice);
  idx.forEach((list, m) => {
    const d = data[m]!;
    const want = [...indices[m]!.shape, ...inner];
    if (d.rank !== want.length || d.shape.some((s, i) => s !== want[i])) throw bad(ctx, `data[${m}] must have shape [${want}], got [${d.shape}]`);
    if (d.dtype !== dtype) throw bad(ctx, `data[${m}] is ${d.dtype}, data[0] is ${dtype}`);
    const vals = d.dataSync() as Float32Array | Int32Array | Uint8Array;
    list.forEach((v, i) => {
      if (v < 0) throw bad(ctx, `index ${v} is negative`);
      out.set(vals.subarray(i * slice, (i + 1) * slice), v * slice);
    });
  });
  return [tf.tensor(out, [count, ...inner], dtype)];
};

/** TF padding attr -> tfjs' ('EXPLICIT' is not supported by these backward kernels). */
function padOf(attrs: Parameters<Kernel>[1], ctx: KernelContext): 'same' | 'valid' {
  const p = attrs.str('padding');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  throw bad(ctx, `padding ${p} is not supported for ${ctx.op}`);
}

function nhwcOnly(attrs: Parameters<Kernel>[1], ctx: KernelContext): void {
  const f = attrs.str('data_format', 'NHWC');
  if (f !== 'NHWC') throw bad(ctx, `data_format ${f} is not supported for ${ctx.op} (NHWC only)`);
}

/** The backends' own backward kernels (tfjs registers them for its gradients; tfjs-core exports no op). */
const conv2dBackpropFilter: Kernel = (inputs, attrs, ctx) => {
  nhwcOnly(attrs, ctx);
  const s = attrs.ints('strides');
  if (attrs.ints('dilations').some((d) => d !== 1)) throw bad(ctx, 'Conv2DBackpropFilter with dilations > 1 is not supported');
  return [tf.engine().runKernel('Conv2DBackpropFilter', { x: tensorAt(inputs, 0, ctx), dy: tensorAt(inputs, 2, ctx) }, {
    strides: [s[1]!, s[2]!], pad: padOf(attrs, ctx), dataFormat: 'NHWC', filterShape: intsOf(tensorAt(inputs, 1, ctx)),
  } as unknown as tf.NamedAttrMap) as tf.Tensor];
};

const poolGrad = (kind: 'max' | 'avg'): Kernel => (inputs, attrs, ctx) => {
  nhwcOnly(attrs, ctx);
  const k = attrs.ints('ksize');
  const s = attrs.ints('strides');
  if (k[0] !== 1 || k[3] !== 1) throw bad(ctx, `${ctx.op} over the batch or channel dimension is not supported`);
  if (kind === 'avg') {
    return [avgPoolGrad(intsOf(tensorAt(inputs, 0, ctx)), tensorAt(inputs, 1, ctx), [k[1]!, k[2]!], [s[1]!, s[2]!], padOf(attrs, ctx), ctx)];
  }
  const common = { filterSize: [k[1]!, k[2]!], strides: [s[1]!, s[2]!], pad: padOf(attrs, ctx) } as unknown as tf.NamedAttrMap;
  return [tf.engine().runKernel('MaxPoolGrad', { dy: tensorAt(inputs, 2, ctx), input: tensorAt(inputs, 0, ctx), output: tensorAt(inputs, 1, ctx) }, common) as tf.Tensor];
};

/**
 * AvgPoolGrad by TF's definition: each output's gradient is shared equally by the inputs of its window,
 * counting only the window's positions inside the input (tfjs' backward kernel divides by the full
 * window size at SAME-padded borders).
 */
function avgPoolGrad(shape: number[], dy: tf.Tensor, [kh, kw]: number[], [sh, sw]: number[], pad: 'same' | 'valid', ctx: KernelContext): tf.Tensor {
  if (shape.length !== 4) throw bad(ctx, `orig_input_shape must have 4 entries, got [${shape}]`);
  const [n, h, w, c] = shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as number[];
  const padTop = pad === 'same' ? Math.floor(Math.max((oh! - 1) * sh! + kh! - h, 0) / 2) : 0;
  const padLeft = pad === 'same' ? Math.floor(Math.max((ow! - 1) * sw! + kw! - w, 0) / 2) : 0;
  const g = dy.dataSync() as Float32Array;
  const out = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh!; i++) for (let j = 0; j < ow!; j++) {
    const y0 = Math.max(i * sh! - padTop, 0);
    const y1 = Math.min(i * sh! - padTop + kh!, h);
    const x0 = Math.max(j * sw! - padLeft, 0);
    const x1 = Math.min(j * sw! - padLeft + kw!, w);
    const count = (y1 - y0) * (x1 - x0);
    if (count <= 0) continue;
    for (let ch = 0; ch < c; ch++) {
      const share = g[((b * oh! + i) * ow! + j) * c + ch]! / count;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[((b * h + y) * w + x) * c + ch] += share;
    }
  }
  return tf.tensor(out, shape, 'float32');
}

/**
 * FusedBatchNormGrad{,V2,V3}: gradients of batch normalization with respect to x, scale and offset, from
 * the statistics the forward op saved (reserve_space_1 = batch mean, reserve_space_2 = biased batch
 * variance in training; the moving statistics in inference), as TF's CPU kernel.
 */
const fusedBatchNormGrad: Kernel = (inputs, attrs, ctx) => {
  const format = attrs.str('data_format', 'NHWC');
  const channelsFirst = format === 'NCHW' || format === 'NCDHW';
  if (!channelsFirst && format !== 'NHWC' && format !== 'NDHWC') throw bad(ctx, `data_format ${format} is not supported`);
  let dy = tensorAt(inputs, 0, ctx);
  let x = tensorAt(inputs, 1, ctx);
  const scale = tensorAt(inputs, 2, ctx);
  const mean = tensorAt(inputs, 3, ctx);
  const variance = tensorAt(inputs, 4, ctx);
  if (x.rank < 2 || dy.shape.some((d, i) => d !== x.shape[i])) throw bad(ctx, `y_backprop [${dy.shape}] and x [${x.shape}] must have one shape`);
  const shape = x.shape;
  if (channelsFirst) {
    const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
    dy = tf.transpose(dy, perm);
    x = tf.transpose(x, perm);
  }
  const c = x.shape[x.rank - 1]!;
  if (scale.size !== c || mean.size !== c || variance.size !== c) throw bad(ctx, `scale, mean and variance must have ${c} values`);
  const dy2 = tf.reshape(dy, [-1, c]);
  const x2 = tf.reshape(x, [-1, c]);
  const inv = tf.rsqrt(tf.add(variance, attrs.float('epsilon', 0.0001)));
  const xhat = tf.mul(tf.sub(x2, mean), inv);
  const offsetBackprop = tf.sum(dy2, 0);
  const scaleBackprop = tf.sum(tf.mul(dy2, xhat), 0);
  const xBackprop2 = attrs.bool('is_training', true)
    ? tf.mul(tf.mul(scale, inv), tf.sub(tf.sub(dy2, tf.mean(dy2, 0)), tf.mul(xhat, tf.mean(tf.mul(dy2, xhat), 0))))
    : tf.mul(dy2, tf.mul(scale, inv));
  let xBackprop = tf.reshape(xBackprop2, x.shape);
  if (channelsFirst) xBackprop = tf.transpose(xBackprop, [0, x.rank - 1, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 1)]);
  if (xBackprop.shape.some((d, i) => d !== shape[i])) throw new Error('internal: FusedBatchNormGrad shape');
  // the last two outputs are placeholders ("unused") in TF's CPU kernel
  return [xBackprop, scaleBackprop, offsetBackprop, tf.zeros([0]), tf.zeros([0])];
};

export const GRADIENT_KERNELS: Record<string, Kernel> = {
  FusedBatchNormGrad: fusedBatchNormGrad,
  FusedBatchNormGradV2: fusedBatchNormGrad,
  FusedBatchNormGradV3: fusedBatchNormGrad,
  BroadcastGradientArgs: broadcastGradientArgs,
  ReluGrad: binary((g, x) => tf.mul(g, tf.cast(tf.greater(x, 0), g.dtype))),
  Relu6Grad: binary((g, x) => tf.mul(g, tf.cast(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6)), g.dtype))),
  LeakyReluGrad: (inputs, attrs, ctx) => {
    const g = tensorAt(inputs, 0, ctx);
    const x = tensorAt(inputs, 1, ctx);
    return [tf.where(tf.greater(x, 0), g, tf.mul(g, attrs.float('alpha', 0.2)))];
  },
  EluGrad: binary((g, y) => tf.where(tf.greater(y, 0), g, tf.mul(g, tf.add(y, 1)))),
  SeluGrad: binary((g, y) => {
    const scale = 1.0507009873554805;
    const alpha = 1.6732632423543772;
    return tf.where(tf.greater(y, 0), tf.mul(g, scale), tf.mul(g, tf.add(y, scale * alpha)));
  }),
  SoftplusGrad: binary((g, x) => tf.mul(g, tf.sigmoid(x))),
  SoftsignGrad: binary((g, x) => tf.div(g, tf.square(tf.add(1, tf.abs(x))))),
  // (y, dy) argument order, as TF's *Grad ops for unary functions of their own output
  SigmoidGrad: binary((y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  TanhGrad: binary((y, dy) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  RsqrtGrad: binary((y, dy) => tf.mul(dy, tf.mul(-0.5, tf.mul(y, tf.square(y))))),
  SqrtGrad: binary((y, dy) => tf.div(tf.mul(dy, 0.5), y)),
  ReciprocalGrad: binary((y, dy) => tf.neg(tf.mul(dy, tf.square(y)))),
  BiasAddGrad: biasAddGrad,
  SoftmaxCrossEntropyWithLogits: softmaxXent,
  SparseSoftmaxCrossEntropyWithLogits: sparseSoftmaxXent,
  DynamicStitch: dynamicStitch,
  ParallelDynamicStitch: dynamicStitch,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPoolGrad: poolGrad('max'),
  AvgPoolGrad: poolGrad('avg'),
};

