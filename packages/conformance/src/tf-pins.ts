import * as tf from '@tensorflow/tfjs-core';
import { KERNEL_FIXES } from '@savedkeras/kernels';

/**
 * TensorFlow's own answers for the kernels savedkeras replaces (tf-reference/kernel-fixes.json,
 * written by TensorFlow 2.21 with its inputs), and the tfjs op that dispatches to each kernel.
 */
// '-NaN': a NaN with its sign bit set (what 0 * Infinity makes on x86), which some kernels treat unlike NaN.
type Num = number | 'NaN' | '-NaN' | 'Infinity' | '-Infinity';
interface StoredTensor {
  shape: number[];
  values: Num[];
  /** Checked when given (a kernel that returns the right values in the wrong dtype is wrong too). */
  dtype?: string;
}
export interface PinCase {
  kernel: string;
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, StoredTensor>;
  expected: StoredTensor;
  /**
   * For computations that round differently from TensorFlow by design (Winograd convolution): the sum of the absolute
   * terms of each output (conv(|x|, |w|) + |b|), and the error allowed relative to it: |got - want| <= rtol * (1 + magnitude).
   */
  magnitude?: StoredTensor;
  rtol?: number;
}
export interface PinFile {
  generator: string;
  cases: PinCase[];
}
export interface PinOutcome {
  name: string;
  backend: string;
  ok: boolean;
  /** Kernels the op dispatched (must include the pinned one). */
  kernels: string[];
  message?: string;
}

const num = (v: Num): number => (typeof v === 'number' ? v : v === '-NaN' ? NaN : Number(v));
const INT_INPUTS = new Set(['indices']);
const NEGATIVE_NAN_BITS = 0xffc00000 | 0;

function input(c: PinCase, name: string): tf.Tensor {
  const s = c.inputs[name]!;
  if (INT_INPUTS.has(name)) return tf.tensor(s.values.map(num), s.shape, 'int32');
  const values = Float32Array.from(s.values.map(num));
  // Set the bits: a NaN's sign does not survive a trip through a JS number.
  const bits = new Int32Array(values.buffer);
  s.values.forEach((v, i) => {
    if (v === '-NaN') bits[i] = NEGATIVE_NAN_BITS;
  });
  return tf.tensor(values, s.shape, 'float32');
}

function compute(c: PinCase): tf.Tensor {
  const a = c.args as Record<string, never>;
  switch (c.op) {
    case 'maxPoolWithArgmax':
      return tf.maxPoolWithArgmax(input(c, 'x') as tf.Tensor4D, a.ksize, a.strides, a.padding, a.includeBatchInIndex).result;
    case 'maxPoolWithArgmaxIndexes':
      return tf.maxPoolWithArgmax(input(c, 'x') as tf.Tensor4D, a.ksize, a.strides, a.padding, a.includeBatchInIndex).indexes;
    case 'maxPool3d':
      return tf.maxPool3d(input(c, 'x') as tf.Tensor5D, a.ksize, a.strides, a.padding);
    case 'conv3dTranspose':
      return tf.conv3dTranspose(input(c, 'dy') as tf.Tensor5D, input(c, 'filter') as tf.Tensor5D, a.outShape, a.strides, a.padding);
    case 'conv2dTranspose2d':
      return tf.conv2dTranspose(input(c, 'dy') as tf.Tensor4D, input(c, 'filter') as tf.Tensor4D, a.outShape, a.strides, a.padding);
    case 'conv2dNCHW':
      return tf.conv2d(input(c, 'x') as tf.Tensor4D, input(c, 'filter') as tf.Tensor4D, a.strides, a.padding, 'NCHW', a.dilations);
    case 'conv2dNonFinite':
    case 'conv2d':
      return tf.conv2d(input(c, 'x') as tf.Tensor4D, input(c, 'filter') as tf.Tensor4D, a.strides, a.padding);
    case 'conv2d3x3':
      return tf.conv2d(input(c, 'x') as tf.Tensor4D, input(c, 'filter') as tf.Tensor4D, 1, a.padding);
    case 'fusedConv2d3x3':
      return tf.fused.conv2d({ x: input(c, 'x') as tf.Tensor4D, filter: input(c, 'filter') as tf.Tensor4D, strides: 1, pad: a.padding, bias: input(c, 'bias'), activation: a.activation });
    case 'depthwiseConv2dNonFinite':
    case 'depthwiseConv2d':
      return tf.depthwiseConv2d(input(c, 'x') as tf.Tensor4D, input(c, 'filter') as tf.Tensor4D, a.strides, a.padding);
    case 'maxPoolNonFinite':
    case 'maxPool':
      return tf.maxPool(input(c, 'x') as tf.Tensor4D, a.ksize, a.strides, a.padding);
    case 'avgPoolNonFinite':
    case 'avgPool':
      return tf.avgPool(input(c, 'x') as tf.Tensor4D, a.ksize, a.strides, a.padding);
    case 'transform':
      return tf.image.transform(input(c, 'images') as tf.Tensor4D, input(c, 'transforms') as tf.Tensor2D, a.interpolation, a.fillMode, a.fillValue, a.outShape);
    case 'gather':
      return tf.gather(input(c, 'x'), input(c, 'indices'), a.axis, a.batchDims);
    case 'oneHot':
      return tf.oneHot(input(c, 'indices'), a.depth, a.on, a.off, 'float32');
    case 'maximum':
      return tf.maximum(input(c, 'a'), input(c, 'b'));
    case 'minimum':
      return tf.minimum(input(c, 'a'), input(c, 'b'));
    case 'floorDiv':
      return tf.floorDiv(input(c, 'a'), input(c, 'b'));
    case 'matMul':
      return tf.matMul(input(c, 'a'), input(c, 'b'));
    case 'reluNonFinite':
    case 'relu':
      return tf.relu(input(c, 'x'));
    case 'where':
      return tf.where(tf.cast(input(c, 'cond'), 'bool'), input(c, 'a'), input(c, 'b'));
    case 'pad':
      return tf.pad(input(c, 'x'), a.paddings, a.value);
    case 'batchNorm':
      return tf.batchNorm(input(c, 'x'), input(c, 'mean'), input(c, 'variance'), input(c, 'offset'), input(c, 'scale'), a.epsilon);
    // Parameters along the last axis (the wasm fix's case); offset and scale may be absent.
    case 'batchNormChannels':
      return tf.batchNorm(input(c, 'x'), input(c, 'mean'), input(c, 'variance'), c.inputs['offset'] ? input(c, 'offset') : undefined, c.inputs['scale'] ? input(c, 'scale') : undefined, a.epsilon);
    case 'conv2dBackpropFilter':
      return tf.engine().runKernel('Conv2DBackpropFilter', { x: input(c, 'x'), dy: input(c, 'dy') }, {
        strides: a.strides, pad: a.padding, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: a.filterShape,
      } as never) as tf.Tensor;
    case 'depthwiseConv2dBackpropInput':
      return tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: input(c, 'dy'), filter: input(c, 'filter') }, {
        strides: a.strides, pad: a.padding, dimRoundingMode: undefined, dilations: [1, 1], inputShape: a.inputShape,
      } as never) as tf.Tensor;
    case 'depthwiseConv2dBackpropFilter':
      return tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: input(c, 'x'), dy: input(c, 'dy') }, {
        strides: a.strides, pad: a.padding, dimRoundingMode: undefined, dilations: [1, 1], filterShape: a.filterShape,
      } as never) as tf.Tensor;
    case 'relu6NonFinite':
    case 'relu6':
      return tf.relu6(input(c, 'x'));
    case 'sign':
      return tf.sign(input(c, 'x'));
    case 'elu':
      return tf.elu(input(c, 'x'));
    case 'softplus':
      return tf.softplus(input(c, 'x'));
    case 'prelu':
      return tf.prelu(input(c, 'x'), input(c, 'alpha'));
    case 'cumsum':
      return tf.cumsum(input(c, 'x'), a.axis, a.exclusive, a.reverse);
    case 'cumprod':
      return tf.cumprod(input(c, 'x'), a.axis, a.exclusive, a.reverse);
    case 'leakyRelu':
      return tf.leakyRelu(input(c, 'x'), a.alpha);
    case 'selu':
      return tf.selu(input(c, 'x'));
    case 'clipByValue':
      return tf.clipByValue(input(c, 'x'), a.min, a.max);
    case 'fusedMatMul':
      return tf.fused.matMul({ a: input(c, 'a') as tf.Tensor2D, b: input(c, 'b') as tf.Tensor2D, bias: input(c, 'bias'), activation: a.activation, leakyreluAlpha: a.alpha });
    case 'fusedConv2d':
      return tf.fused.conv2d({ x: input(c, 'x') as tf.Tensor4D, filter: input(c, 'filter') as tf.Tensor4D, strides: a.strides, pad: a.padding, bias: input(c, 'bias'), activation: a.activation, leakyreluAlpha: a.alpha });
    case 'fusedDepthwiseConv2d':
      return tf.fused.depthwiseConv2d({ x: input(c, 'x') as tf.Tensor4D, filter: input(c, 'filter') as tf.Tensor4D, strides: a.strides, pad: a.padding, bias: input(c, 'bias'), activation: a.activation, leakyreluAlpha: a.alpha });
    // The bias is stored [1, n] and reshaped: a 1-D view of 2-D data, as Keras' GRU unstacks its bias.
    case 'fusedMatMulBiasView':
      return tf.fused.matMul({ a: input(c, 'a') as tf.Tensor2D, b: input(c, 'b') as tf.Tensor2D, bias: tf.reshape(input(c, 'bias'), [-1]), activation: a.activation });
    case 'fusedConv2dBiasView':
      return tf.fused.conv2d({ x: input(c, 'x') as tf.Tensor4D, filter: input(c, 'filter') as tf.Tensor4D, strides: a.strides, pad: a.padding, bias: tf.reshape(input(c, 'bias'), [-1]), activation: a.activation });
    case 'fusedDepthwiseConv2dBiasView':
      return tf.fused.depthwiseConv2d({ x: input(c, 'x') as tf.Tensor4D, filter: input(c, 'filter') as tf.Tensor4D, strides: a.strides, pad: a.padding, bias: tf.reshape(input(c, 'bias'), [-1]), activation: a.activation });
    // The stored 0/1 values as a bool tensor (the fixes route bool calls only).
    case 'reverseBool':
      return tf.reverse(tf.cast(input(c, 'x'), 'bool'), a.dims);
    case 'stridedSliceBool':
      return tf.stridedSlice(tf.cast(input(c, 'x'), 'bool'), a.begin, a.end, a.strides);
    case 'selectBool':
      return tf.where(tf.cast(input(c, 'cond'), 'bool'), tf.cast(input(c, 't'), 'bool'), tf.cast(input(c, 'e'), 'bool'));
    case 'bandPartBool':
      return tf.linalg.bandPart(tf.cast(input(c, 'x'), 'bool'), a.lower, a.upper);
    case 'castBoolFromFloat':
      return tf.cast(input(c, 'x'), 'bool');
    case 'castBoolFromInt':
      return tf.cast(tf.tensor(c.inputs['x']!.values.map(num), c.inputs['x']!.shape, 'int32'), 'bool');
    case 'stridedSliceInt':
      return tf.stridedSlice(tf.tensor(c.inputs['x']!.values.map(num), c.inputs['x']!.shape, 'int32'), a.begin, a.end, a.strides);
    // Keras UpSampling2D (2x nearest) then a 3x3 stride-1 SAME convolution: fused with bias and activation when a bias is given.
    case 'upsampledConv2d': {
      const s = input(c, 'x') as tf.Tensor4D;
      const x = a.upsample ? tf.image.resizeNearestNeighbor(s, [2 * s.shape[1], 2 * s.shape[2]]) : s;
      const filter = input(c, 'filter') as tf.Tensor4D;
      return c.inputs['bias'] ? tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: input(c, 'bias'), activation: a.activation }) : tf.conv2d(x, filter, 1, 'same');
    }
    case 'slice':
      return tf.slice(input(c, 'x'), a.begin, a.size);
    // Inputs x0, x1, ... in order, as float32, int32 or bool tensors.
    case 'concat':
    case 'concatInt':
    case 'concatBool': {
      const dtype = c.op === 'concat' ? 'float32' : c.op === 'concatInt' ? 'int32' : 'bool';
      const names = Object.keys(c.inputs).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1)));
      return tf.concat(names.map((n) => (dtype === 'float32' ? input(c, n) : tf.tensor(c.inputs[n]!.values.map(num), c.inputs[n]!.shape, dtype))), a.axis);
    }
    case 'addFloat':
      return tf.add(input(c, 'a'), input(c, 'b'));
    case 'resizeNearest':
      return tf.image.resizeNearestNeighbor(input(c, 'x') as tf.Tensor4D, a.size as [number, number], a.alignCorners, a.halfPixelCenters);
    case 'resizeNearestInt':
      return tf.image.resizeNearestNeighbor(tf.tensor4d(c.inputs['x']!.values.map(num), c.inputs['x']!.shape as [number, number, number, number], 'int32'), a.size as [number, number]);
    default:
      throw new Error(`no op ${c.op}`);
  }
}

function mismatch(got: tf.Tensor, c: PinCase): string | undefined {
  const want = c.expected;
  if (got.shape.join(',') !== want.shape.join(',')) return `shape [${got.shape}], TensorFlow [${want.shape}]`;
  if (want.dtype !== undefined && got.dtype !== want.dtype) return `dtype ${got.dtype}, TensorFlow ${want.dtype}`;
  const g = got.dataSync();
  const allowed = (i: number, x: number): number => (c.magnitude && c.rtol !== undefined ? c.rtol * (1 + num(c.magnitude.values[i]!)) : 1e-5 * (1 + Math.abs(x)));
  for (let i = 0; i < want.values.length; i++) {
    const x = num(want.values[i]!);
    const y = g[i]!;
    const ok = Number.isNaN(x) ? Number.isNaN(y) : Number.isFinite(x) ? Math.abs(x - y) <= allowed(i, x) : x === y;
    if (!ok) return `[${i}] is ${y}, TensorFlow ${x}`;
  }
  return undefined;
}

/**
 * Runs every stored case on each backend where savedkeras replaces the case's kernel (the
 * backends must be initialised with the fixes installed). Leaves the last backend active.
 */
export async function runTfPins(file: PinFile, backends: readonly string[]): Promise<PinOutcome[]> {
  const out: PinOutcome[] = [];
  for (const backend of backends) {
    await tf.setBackend(backend);
    file.cases.forEach((c, i) => {
      if (!KERNEL_FIXES.some((f) => f.kernel === c.kernel && f.backend === backend)) return;
      const name = `${c.kernel} #${i} ${JSON.stringify(c.args)}`;
      const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
      const original = engine.runKernel;
      const seen = new Set<string>();
      engine.runKernel = function (this: unknown, k: string, ...rest: unknown[]) {
        seen.add(k);
        return original.call(this, k, ...rest);
      };
      try {
        const got = tf.tidy(() => compute(c));
        const message = seen.has(c.kernel) ? mismatch(got, c) : `the op did not run ${c.kernel}`;
        got.dispose();
        out.push({ name, backend, ok: message === undefined, kernels: [...seen].sort(), ...(message ? { message } : {}) });
      } catch (e) {
        out.push({ name, backend, ok: false, kernels: [...seen].sort(), message: e instanceof Error ? e.message : String(e) });
      } finally {
        engine.runKernel = original;
      }
    });
  }
  return out;
}
