import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext } from '../../kernel.js';
import { bad, scalarOf, tensorAt, unsupported, shareData } from './util.js';

const activation = (fn: (x: tf.Tensor) => tf.Tensor): Kernel => (inputs, _attrs, ctx) => [fn(tensorAt(inputs, 0, ctx))];

type Format = 'channelsLast' | 'channelsFirst';

function formatOf(attrs: Attrs, ctx: KernelContext): Format {
  const f = attrs.str('data_format', 'NHWC');
  if (f === 'NHWC' || f === 'NDHWC' || f === 'NWC') return 'channelsLast';
  if (f === 'NCHW' || f === 'NCDHW' || f === 'NCW') return 'channelsFirst';
  throw unsupported(ctx, `data_format ${f} is not supported`);
}

/** NCHW <-> NHWC permutations for a tensor of rank r. */
const toLast = (r: number): number[] => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
const toFirst = (r: number): number[] => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];

/** Runs a channels-last tfjs op on a tensor in either layout (tfjs' CPU kernels only know NHWC). */
function channelsLast(x: tf.Tensor, format: Format, fn: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (format === 'channelsLast') return fn(x);
  return tf.transpose(fn(tf.transpose(x, toLast(x.rank))), toFirst(x.rank));
}

/** Spatial entries of a 4-/5-element NHWC/NCHW attr list (strides, dilations, ksize). */
function spatial(list: number[], format: Format, rank: number, what: string, ctx: KernelContext): number[] {
  if (list.length !== rank) throw bad(ctx, `${what} must have ${rank} entries, got [${list}]`);
  return format === 'channelsLast' ? list.slice(1, rank - 1) : list.slice(2);
}

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

function padding(attrs: Attrs, format: Format, ctx: KernelContext): Pad {
  const p = attrs.str('padding');
  if (p === 'VALID') return 'valid';
  if (p === 'SAME') return 'same';
  if (p === 'EXPLICIT') {
    const e = attrs.ints('explicit_paddings');
    if (e.length !== 8) throw bad(ctx, `explicit_paddings must have 8 entries, got [${e}]`);
    const pairs = [[e[0]!, e[1]!], [e[2]!, e[3]!], [e[4]!, e[5]!], [e[6]!, e[7]!]] as [number, number][];
    // tfjs takes NHWC-ordered pairs
    const nhwc = format === 'channelsLast' ? pairs : [pairs[0]!, pairs[2]!, pairs[3]!, pairs[1]!];
    return nhwc as Pad;
  }
  throw bad(ctx, `unknown padding ${p}`);
}

/**
 * TensorFlow's grouped convolution (Keras Conv1D/Conv2D with groups > 1): a Conv2D whose filter has
 * fewer input channels than x, in_depth = groups · filter_depth. Channel block g of x is convolved
 * with filter block g (along out_channels) and the results are concatenated, which is what TF
 * computes. `conv` runs one group (tfjs' conv2d takes equal depths only). x is NHWC.
 */
export function groupedConv2d(x: tf.Tensor, filter: tf.Tensor, ctx: KernelContext, conv: (x: tf.Tensor4D, filter: tf.Tensor4D, group: number, groups: number) => tf.Tensor): tf.Tensor {
  const inDepth = x.shape[3]!;
  const depth = filter.shape[2]!;
  const outDepth = filter.shape[3]!;
  if (depth === inDepth || x.rank !== 4 || filter.rank !== 4) return conv(x as tf.Tensor4D, filter as tf.Tensor4D, 0, 1);
  const groups = inDepth / depth;
  if (depth <= 0 || !Number.isInteger(groups) || outDepth % groups !== 0) {
    throw bad(ctx, `input depth ${inDepth} is not a multiple of the filter's input depth ${depth} with ${outDepth} filters divisible into the groups`);
  }
  return tf.tidy(() => {
    const xs = tf.split(x, groups, 3);
    const fs = tf.split(filter, groups, 3);
    return tf.concat(xs.map((xi, g) => conv(xi as tf.Tensor4D, fs[g] as tf.Tensor4D, g, groups)), 3);
  });
}

const conv2d: Kernel = (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const [sh, sw] = spatial(attrs.ints('strides'), format, 4, 'strides', ctx) as [number, number];
  const [dh, dw] = spatial(attrs.ints('dilations').length ? attrs.ints('dilations') : [1, 1, 1, 1], format, 4, 'dilations', ctx) as [number, number];
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw unsupported(ctx, 'Conv2D with both strides > 1 and dilations > 1');
  const filter = tensorAt(inputs, 1, ctx) as tf.Tensor4D;
  const pad = padding(attrs, format, ctx);
  return [channelsLast(tensorAt(inputs, 0, ctx), format, (x) => groupedConv2d(x, filter, ctx, (xg, fg) => tf.conv2d(xg, fg, [sh, sw], pad, 'NHWC', [dh, dw])))];
};

const depthwise: Kernel = (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const [sh, sw] = spatial(attrs.ints('strides'), format, 4, 'strides', ctx) as [number, number];
  const [dh, dw] = spatial(attrs.ints('dilations').length ? attrs.ints('dilations') : [1, 1, 1, 1], format, 4, 'dilations', ctx) as [number, number];
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw unsupported(ctx, 'DepthwiseConv2dNative with both strides > 1 and dilations > 1');
  const filter = tensorAt(inputs, 1, ctx) as tf.Tensor4D;
  const pad = padding(attrs, format, ctx);
  return [channelsLast(tensorAt(inputs, 0, ctx), format, (x) => tf.depthwiseConv2d(x as tf.Tensor4D, filter, [sh, sw], pad, 'NHWC', [dh, dw]))];
};

const conv3d: Kernel = (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const [sd, sh, sw] = spatial(attrs.ints('strides'), format, 5, 'strides', ctx) as [number, number, number];
  const dil = spatial(attrs.ints('dilations').length ? attrs.ints('dilations') : [1, 1, 1, 1, 1], format, 5, 'dilations', ctx) as [number, number, number];
  const p = attrs.str('padding');
  if (p !== 'SAME' && p !== 'VALID') throw unsupported(ctx, `Conv3D padding ${p}`);
  const filter = tensorAt(inputs, 1, ctx) as tf.Tensor5D;
  return [channelsLast(tensorAt(inputs, 0, ctx), format, (x) =>
    tf.conv3d(x as tf.Tensor5D, filter, [sd, sh, sw], p === 'SAME' ? 'same' : 'valid', 'NDHWC', dil))];
};

/** Conv2DBackpropInput = transposed convolution (Keras Conv2DTranspose). */
const conv2dBackpropInput: Kernel = (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const sizes = Array.from(tensorAt(inputs, 0, ctx).dataSync());
  if (sizes.length !== 4) throw bad(ctx, `input_sizes must have 4 entries, got [${sizes}]`);
  const [sh, sw] = spatial(attrs.ints('strides'), format, 4, 'strides', ctx) as [number, number];
  const dil = attrs.ints('dilations');
  const [dh, dw] = dil.length ? (spatial(dil, format, 4, 'dilations', ctx) as [number, number]) : [1, 1];
  const depthAxis = format === 'channelsLast' ? 3 : 1;
  if (dil.length && (dil[0] !== 1 || dil[depthAxis] !== 1)) throw unsupported(ctx, 'Conv2DBackpropInput with dilations in the batch or depth dimension');
  const outShape = (format === 'channelsLast' ? sizes : [sizes[0], sizes[2], sizes[3], sizes[1]]) as [number, number, number, number];
  const given = tensorAt(inputs, 1, ctx) as tf.Tensor4D;
  const pad = padding(attrs, format, ctx);
  const dilated = dh !== 1 || dw !== 1;
  if (dilated && Array.isArray(pad)) throw unsupported(ctx, "Conv2DBackpropInput with dilations > 1 and EXPLICIT padding (TensorFlow's CPU kernels refuse it too)");
  // The gradient of a dilated convolution is the transposed convolution with the dilated filter (zeros between
  // its taps): TensorFlow's SAME / VALID padding of a dilated convolution uses that filter's size too.
  const filter = dilated ? tf.tidy(() => dilateFilter(dilateFilter(given, 0, dh), 1, dw)) : given;
  try {
    return [channelsLast(tensorAt(inputs, 2, ctx), format, (dy) => tf.conv2dTranspose(dy as tf.Tensor4D, filter, outShape, [sh, sw], pad))];
  } finally {
    if (filter !== given) filter.dispose();
  }
};

/** `filter` with d - 1 zeros between its taps along spatial axis `axis` (0 or 1 of [h, w, in, out]). */
function dilateFilter(filter: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D {
  if (d === 1) return filter;
  return tf.tidy(() => {
    const k = filter.shape[axis];
    const pads = Array.from({ length: 5 }, (_, i): [number, number] => (i === axis + 1 ? [0, d - 1] : [0, 0]));
    const spread = tf.pad(tf.expandDims(filter, axis + 1), pads);
    const merged = tf.reshape(spread, filter.shape.map((n, i) => (i === axis ? n * d : n)));
    return tf.slice(merged, [0, 0, 0, 0], filter.shape.map((n, i) => (i === axis ? (k - 1) * d + 1 : n))) as tf.Tensor4D;
  });
}

/** Conv3DBackpropInputV2 = 3-D transposed convolution (Keras Conv3DTranspose). */
const conv3dBackpropInput: Kernel = (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const sizes = Array.from(tensorAt(inputs, 0, ctx).dataSync());
  if (sizes.length !== 5) throw bad(ctx, `input_sizes must have 5 entries, got [${sizes}]`);
  const s = spatial(attrs.ints('strides'), format, 5, 'strides', ctx) as [number, number, number];
  if (attrs.ints('dilations').some((d) => d !== 1)) throw unsupported(ctx, 'Conv3DBackpropInputV2 with dilations > 1');
  const p = attrs.str('padding');
  if (p !== 'SAME' && p !== 'VALID') throw unsupported(ctx, `padding ${p}`);
  const outShape = (format === 'channelsLast' ? sizes : [sizes[0], sizes[2], sizes[3], sizes[4], sizes[1]]) as [number, number, number, number, number];
  const filter = tensorAt(inputs, 1, ctx) as tf.Tensor5D;
  return [channelsLast(tensorAt(inputs, 2, ctx), format, (dy) => tf.conv3dTranspose(dy as tf.Tensor5D, filter, outShape, s, p === 'SAME' ? 'same' : 'valid'))];
};

const pool2d = (kind: 'max' | 'avg'): Kernel => (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const [kh, kw] = spatial(attrs.ints('ksize'), format, 4, 'ksize', ctx) as [number, number];
  const [sh, sw] = spatial(attrs.ints('strides'), format, 4, 'strides', ctx) as [number, number];
  const ks = attrs.ints('ksize');
  const batchOrChannel = format === 'channelsLast' ? [ks[0], ks[3]] : [ks[0], ks[1]];
  if (batchOrChannel.some((k) => k !== 1)) throw unsupported(ctx, 'pooling over the batch or channel dimension');
  const pad = padding(attrs, format, ctx);
  const fn = kind === 'max' ? tf.maxPool : tf.avgPool;
  return [channelsLast(tensorAt(inputs, 0, ctx), format, (x) => fn(x as tf.Tensor4D, [kh, kw], [sh, sw], pad))];
};

/**
 * MaxPoolWithArgmax (tf.nn.max_pool_with_argmax; Keras/segmentation exports that unpool with the indices): tfjs'
 * maxPoolWithArgmax, whose indices are TF's flat ((b·H + y)·W + x)·C + c (the batch term only with
 * include_batch_in_index). NHWC only, as TF's op.
 */
const maxPoolWithArgmax: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (x.rank !== 4) throw bad(ctx, `input must be 4-D (NHWC), got shape [${x.shape}]`);
  const [kh, kw] = spatial(attrs.ints('ksize'), 'channelsLast', 4, 'ksize', ctx) as [number, number];
  const [sh, sw] = spatial(attrs.ints('strides'), 'channelsLast', 4, 'strides', ctx) as [number, number];
  const ks = attrs.ints('ksize');
  if (ks[0] !== 1 || ks[3] !== 1) throw unsupported(ctx, 'pooling over the batch or channel dimension');
  const pad = attrs.str('padding') === 'SAME' ? 'same' : 'valid';
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = (size: number, k: number, st: number) => Math.max(0, pad === 'same' ? Math.ceil(size / st) : Math.ceil((size - k + 1) / st));
  const shape = [n, out(h, kh, sh), out(w, kw, sw), c];
  // An empty output (a window longer than the input): TF returns empty tensors; wasm's pooling kernels corrupt memory there.
  if (shape.includes(0)) return [tf.zeros(shape, x.dtype), tf.zeros(shape, 'int32')];
  const { result, indexes } = tf.maxPoolWithArgmax(x as tf.Tensor4D, [kh, kw], [sh, sw], pad, attrs.bool('include_batch_in_index', false));
  // tfjs-backend-cpu 4.22 holds these int32 indexes in a Float32Array: made a true int32 tensor for the ops after it.
  const data = indexes.dataSync();
  if (data instanceof Int32Array) return [result, indexes];
  indexes.dispose();
  return [result, tf.tensor(Int32Array.from(data), result.shape, 'int32')];
};

const pool3d = (kind: 'max' | 'avg'): Kernel => (inputs, attrs, ctx) => {
  const format = formatOf(attrs, ctx);
  const k = spatial(attrs.ints('ksize'), format, 5, 'ksize', ctx) as [number, number, number];
  const s = spatial(attrs.ints('strides'), format, 5, 'strides', ctx) as [number, number, number];
  const pad = attrs.str('padding') === 'SAME' ? 'same' : 'valid';
  const fn = kind === 'max' ? tf.maxPool3d : tf.avgPool3d;
  return [channelsLast(tensorAt(inputs, 0, ctx), format, (x) => fn(x as tf.Tensor5D, k, s, pad))];
};

/**
 * Inference batch norm as one tfjs FusedBatchNorm kernel (one pass on every backend; as three broadcasting
 * element-wise ops it cost ~30x more on the plain-JS cpu backend: 116 vs 3.8 ms per call of cnn-mnist-bn).
 * tfjs' kernels cycle the per-channel values over the flat input, i.e. they assume channels last and rank
 * <= 4: other ranks are viewed as [rows, channels], NCHW/NCDHW is transposed around it.
 */
function inferenceBatchNorm(x: tf.Tensor, format: Format, mean: tf.Tensor, variance: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number): tf.Tensor {
  const flat = (t: tf.Tensor) => (t.rank === 1 ? t : tf.reshape(t, [t.size]));
  const [m, v, s, o] = [mean, variance, scale, offset].map(flat) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return channelsLast(x, format, (xl) => {
    const c = xl.shape[xl.rank - 1]!;
    if (xl.rank <= 4) return tf.batchNorm(xl, m, v, o, s, eps);
    return tf.reshape(tf.batchNorm(tf.reshape(xl, [c === 0 ? 0 : xl.size / c, c]), m, v, o, s, eps), xl.shape);
  });
}

/**
 * FusedBatchNorm (V1/V2/V3) with TensorFlow's semantics:
 *  - data_format NHWC/NDHWC: channel axis last; NCHW/NCDHW: channel axis 1 (any rank >= 2);
 *  - is_training (default TRUE, so a stripped attr means training): normalize with the batch moments
 *    over every axis but the channel axis; mean/variance inputs may be empty (Keras LayerNormalization
 *    fused path). Outputs batch_mean and the Bessel-corrected batch_variance, blended with the running
 *    statistics when exponential_avg_factor != 1 (TF's moving-average update);
 *  - inference: normalize with the given mean/variance and pass them through.
 * reserve_space_1/2 carry the batch mean / biased variance (training) or the inputs (inference);
 * reserve_space_3 is an empty tensor.
 */
const fusedBatchNorm = (outputs: 5 | 6): Kernel => (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const scale = tensorAt(inputs, 1, ctx);
  const offset = tensorAt(inputs, 2, ctx);
  const mean = tensorAt(inputs, 3, ctx);
  const variance = tensorAt(inputs, 4, ctx);
  const format = formatOf(attrs, ctx);
  const eps = attrs.float('epsilon', 1e-4);
  const training = attrs.bool('is_training', true);
  const factor = attrs.float('exponential_avg_factor', 1);
  if (x.rank < 2) throw bad(ctx, `FusedBatchNorm input must have rank >= 2, got [${x.shape}]`);
  const cAxis = format === 'channelsLast' ? x.rank - 1 : 1;
  const channels = x.shape[cAxis]!;
  for (const [t, n] of [[scale, 'scale'], [offset, 'offset']] as const) {
    if (t.size !== channels) throw bad(ctx, `${n} has ${t.size} values for ${channels} channels`);
  }
  const bshape = x.shape.map((d, i) => (i === cAxis ? channels : 1));
  const bc = (t: tf.Tensor) => tf.reshape(t, bshape);
  const reduceAxes = x.shape.map((_, i) => i).filter((i) => i !== cAxis);
  if (!training) {
    if (mean.size !== channels || variance.size !== channels) {
      throw bad(ctx, `inference FusedBatchNorm needs mean/variance of ${channels} values, got ${mean.size}/${variance.size}`);
    }
    const y = inferenceBatchNorm(x, format, mean, variance, scale, offset, eps);
    const out = [y, shareData(mean), shareData(variance), shareData(mean), shareData(variance)];
    if (outputs === 6) out.push(tf.zeros([0], 'float32'));
    return out;
  }
  const { mean: batchMean, variance: batchVar } = tf.moments(x, reduceAxes);
  const n = x.size / channels;
  const unbiased = n > 1 ? tf.mul(batchVar, n / (n - 1)) : batchVar;
  let outMean = batchMean;
  let outVar = unbiased;
  if (factor !== 1 && mean.size === channels && variance.size === channels) {
    outMean = tf.add(tf.mul(mean, 1 - factor), tf.mul(batchMean, factor));
    outVar = tf.add(tf.mul(variance, 1 - factor), tf.mul(unbiased, factor));
  }
  const inv = tf.mul(tf.rsqrt(tf.add(bc(batchVar), eps)), bc(scale));
  const y = tf.add(tf.mul(tf.sub(x, bc(batchMean)), inv), bc(offset));
  const out = [y, shareData(outMean), shareData(outVar), shareData(batchMean), shareData(batchVar)];
  if (outputs === 6) out.push(tf.zeros([0], 'float32'));
  return out;
};

const biasAdd: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const bias = tensorAt(inputs, 1, ctx);
  const format = attrs.has('data_format') ? formatOf(attrs, ctx) : 'channelsLast';
  if (format === 'channelsLast' || x.rank < 3) return [tf.add(x, bias)];
  return [tf.add(x, tf.reshape(bias, [bias.size, ...new Array(x.rank - 2).fill(1)]))];
};

/**
 * Softmax / LogSoftmax over the last axis. On the plain-JS cpu backend, tfjs composes them from
 * broadcasting sub-kernels that take seconds on segmentation-sized tensors (2.4 s for 8M values);
 * a direct loop is an order of magnitude faster there. Other backends use tfjs' own kernels.
 */
function softmaxLastAxis(x: tf.Tensor, log: boolean): tf.Tensor {
  if (tf.getBackend() !== 'cpu' || x.dtype !== 'float32' || x.rank === 0) return log ? tf.logSoftmax(x) : tf.softmax(x);
  const v = x.dataSync() as Float32Array;
  const n = x.shape[x.rank - 1]!;
  const out = new Float32Array(v.length);
  for (let r = 0; r + n <= v.length && n > 0; r += n) {
    let max = -Infinity;
    for (let i = r; i < r + n; i++) if (v[i]! > max) max = v[i]!;
    let sum = 0;
    for (let i = r; i < r + n; i++) {
      const e = Math.exp(v[i]! - max);
      out[i] = e;
      sum += e;
    }
    if (log) {
      const lse = Math.log(sum);
      for (let i = r; i < r + n; i++) out[i] = v[i]! - max - lse;
    } else for (let i = r; i < r + n; i++) out[i] = out[i]! / sum;
  }
  return tf.tensor(out, x.shape, 'float32');
}

const topK: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const k = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'k');
  if (k < 0 || k > (x.shape[x.rank - 1] ?? 0)) throw bad(ctx, `k = ${k} is out of range for input [${x.shape}]`);
  const { values, indices } = tf.topk(x, k, attrs.bool('sorted', true));
  return [values, indices];
};

export const NN_KERNELS: Record<string, Kernel> = {
  BiasAdd: biasAdd,
  BiasAddV1: biasAdd,
  Relu: activation(tf.relu),
  Relu6: activation(tf.relu6),
  Elu: activation(tf.elu),
  Selu: activation(tf.selu),
  Softplus: activation(tf.softplus),
  LeakyRelu: (inputs, attrs, ctx) => [tf.leakyRelu(tensorAt(inputs, 0, ctx), attrs.float('alpha', 0.2))],
  Softmax: activation((x) => softmaxLastAxis(x, false)),
  LogSoftmax: activation((x) => softmaxLastAxis(x, true)),
  L2Loss: activation((x) => tf.div(tf.sum(tf.square(x)), 2)),
  Conv2D: conv2d,
  Conv3D: conv3d,
  DepthwiseConv2dNative: depthwise,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv3DBackpropInputV2: conv3dBackpropInput,
  MaxPool: pool2d('max'),
  MaxPoolWithArgmax: maxPoolWithArgmax,
  AvgPool: pool2d('avg'),
  MaxPool3D: pool3d('max'),
  AvgPool3D: pool3d('avg'),
  FusedBatchNorm: fusedBatchNorm(5),
  FusedBatchNormV2: fusedBatchNorm(5),
  FusedBatchNormV3: fusedBatchNorm(6),
  TopKV2: topK,
};
