import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import {
  getActivation,
  getConstraint,
  getInitializer,
  getRegularizer,
  layerBaseArgs,
  serializeActivation,
  serializeObject,
  type ActivationFn,
  type ConstraintLike,
  type InitializerLike,
  type RegularizerLike,
} from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;

/** Config of the 1D convolutions below (tfjs' camelCased Keras names). */
interface Conv1DArgs extends LayerArgs {
  filters?: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
  depthMultiplier?: number;
  outputPadding?: number | number[] | null;
  activation?: unknown;
  useBias?: boolean;
  kernelInitializer?: unknown;
  biasInitializer?: unknown;
  depthwiseInitializer?: unknown;
  pointwiseInitializer?: unknown;
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  depthwiseRegularizer?: unknown;
  pointwiseRegularizer?: unknown;
  kernelConstraint?: unknown;
  biasConstraint?: unknown;
  depthwiseConstraint?: unknown;
  pointwiseConstraint?: unknown;
}

const first = (v: number | number[] | null | undefined, fallback: number): number => (v == null ? fallback : Array.isArray(v) ? (v[0] ?? fallback) : v);

interface WeightSpec {
  initializer: InitializerLike;
  regularizer: RegularizerLike | null;
  constraint: ConstraintLike | null;
}
const weightSpec = (init: unknown, fallback: string, reg: unknown, con: unknown): WeightSpec => ({
  initializer: getInitializer(init, fallback),
  regularizer: getRegularizer(reg),
  constraint: getConstraint(con),
});
const serializeSpec = (prefix: string, s: WeightSpec): Record<string, unknown> => ({
  [`${prefix}Initializer`]: serializeObject(s.initializer),
  [`${prefix}Regularizer`]: serializeObject(s.regularizer),
  [`${prefix}Constraint`]: serializeObject(s.constraint),
});

/** Output length of a 'valid' / 'same' window (TensorFlow's rule), the kernel dilated. */
function convLength(n: Dim, k: number, stride: number, dilation: number, padding: string): Dim {
  if (n === null) return null;
  const eff = (k - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - eff) / stride) + 1;
}

/**
 * What the three layers share: a `[batch, steps, channels]` (or channels_first) input run as a
 * 2D convolution of height 1, the bias and activation, config fields.
 */
abstract class Conv1DBase extends tfl.layers.Layer {
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: string;
  readonly dataFormat: string;
  readonly dilationRate: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  protected readonly biasSpec: WeightSpec;
  bias: tfl.LayerVariable | null = null;

  constructor(args: Conv1DArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.kernelSize = first(args.kernelSize, 1);
    this.strides = first(args.strides, 1);
    this.padding = args.padding ?? 'valid';
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.dilationRate = first(args.dilationRate, 1);
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.biasSpec = weightSpec(args.biasInitializer, 'zeros', args.biasRegularizer, args.biasConstraint);
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new UnsupportedLayerError(`${this.getClassName()} ${this.name}: padding '${this.padding}' (Keras takes 'valid' or 'same' here)`);
    }
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new UnsupportedLayerError(`${this.getClassName()} ${this.name}: strides > 1 together with dilation_rate > 1 (TensorFlow refuses it too)`);
    }
  }

  protected channelsOf(shape: Dim[]): number {
    const c = this.dataFormat === 'channelsFirst' ? shape[1] : shape[2];
    if (shape.length !== 3 || c == null) throw new UnsupportedLayerError(`${this.name}: ${this.getClassName()} takes [batch, steps, channels] with known channels, got [${shape.join(', ')}]`);
    return c;
  }

  protected addBias(units: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [units], 'float32', this.biasSpec.initializer as never, this.biasSpec.regularizer as never, true, this.biasSpec.constraint as never);
  }

  /** `fn` on the input as NHWC with height 1; the result back as [batch, steps, channels] in the layer's data format, bias and activation applied. */
  protected run(inputs: tf.Tensor | tf.Tensor[], fn: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      const x0 = Array.isArray(inputs) ? inputs[0]! : inputs;
      const x = this.dataFormat === 'channelsFirst' ? tf.transpose(x0, [0, 2, 1]) : x0;
      let y: tf.Tensor = tf.squeeze(fn(tf.expandDims(x, 1) as tf.Tensor4D), [1]);
      if (this.bias) y = tf.add(y, this.bias.read());
      y = this.activation.apply(y);
      return this.dataFormat === 'channelsFirst' ? tf.transpose(y, [0, 2, 1]) : y;
    });
  }

  protected outputShapeFor(shape: Dim[], length: Dim, channels: number): Dim[] {
    return this.dataFormat === 'channelsFirst' ? [shape[0] ?? null, channels, length] : [shape[0] ?? null, length, channels];
  }

  protected steps(shape: Dim[]): Dim {
    return this.dataFormat === 'channelsFirst' ? shape[2]! : shape[1]!;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [this.dilationRate],
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      ...serializeSpec('bias', this.biasSpec),
    };
  }
}

const shapeOf = (s: tfl.Shape | tfl.Shape[]): Dim[] => (Array.isArray(s[0]) ? s[0] : s) as Dim[];

/**
 * Keras `Conv1DTranspose` (kernel [k, filters, in]): tfjs' conv2dTranspose on a height-1 image,
 * with Keras' output length (`deconv_output_length`, output_padding included). Dilation > 1 is
 * refused: neither tfjs nor TensorFlow's CPU kernel computes it.
 */
export class Conv1DTranspose extends Conv1DBase {
  static className = 'Conv1DTranspose';
  readonly filters: number;
  readonly outputPadding: number | null;
  private readonly kernelSpec: WeightSpec;
  kernel: tfl.LayerVariable | null = null;

  constructor(args: Conv1DArgs) {
    super(args);
    this.filters = args.filters ?? 1;
    this.outputPadding = args.outputPadding == null ? null : first(args.outputPadding, 0);
    this.kernelSpec = weightSpec(args.kernelInitializer, 'glorotUniform', args.kernelRegularizer, args.kernelConstraint);
    if (this.dilationRate > 1) throw new UnsupportedLayerError(`Conv1DTranspose ${this.name}: dilation_rate > 1 (TensorFlow's CPU kernel refuses it too)`);
  }

  private length(n: Dim): Dim {
    if (n === null) return null;
    const k = this.kernelSize;
    const s = this.strides;
    if (this.outputPadding === null) return this.padding === 'valid' ? n * s + Math.max(k - s, 0) : n * s;
    const pad = this.padding === 'same' ? Math.floor(k / 2) : 0;
    return (n - 1) * s + k - 2 * pad + this.outputPadding;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inCh = this.channelsOf(shapeOf(inputShape));
    const s = this.kernelSpec;
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.filters, inCh], 'float32', s.initializer as never, s.regularizer as never, true, s.constraint as never);
    this.addBias(this.filters);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = shapeOf(inputShape);
    return this.outputShapeFor(shape, this.length(this.steps(shape)), this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.run(inputs, (x) => {
      const out = this.length(x.shape[2])!;
      const k = tf.expandDims(this.kernel!.read(), 0) as tf.Tensor4D;
      return tf.conv2dTranspose(x, k, [x.shape[0], 1, out, this.filters], [1, this.strides], this.padding as 'same' | 'valid');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      outputPadding: this.outputPadding === null ? null : [this.outputPadding],
      ...serializeSpec('kernel', this.kernelSpec),
    };
  }
}

/** Keras `DepthwiseConv1D` (kernel [k, in, depth_multiplier]): tfjs' depthwiseConv2d on a height-1 image. */
export class DepthwiseConv1D extends Conv1DBase {
  static className = 'DepthwiseConv1D';
  readonly depthMultiplier: number;
  private readonly kernelSpec: WeightSpec;
  kernel: tfl.LayerVariable | null = null;

  constructor(args: Conv1DArgs) {
    super(args);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.kernelSpec = weightSpec(args.depthwiseInitializer ?? args.kernelInitializer, 'glorotUniform', args.depthwiseRegularizer ?? args.kernelRegularizer, args.depthwiseConstraint ?? args.kernelConstraint);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inCh = this.channelsOf(shapeOf(inputShape));
    const s = this.kernelSpec;
    this.kernel = this.addWeight('kernel', [this.kernelSize, inCh, this.depthMultiplier], 'float32', s.initializer as never, s.regularizer as never, true, s.constraint as never);
    this.addBias(inCh * this.depthMultiplier);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = shapeOf(inputShape);
    const len = convLength(this.steps(shape), this.kernelSize, this.strides, this.dilationRate, this.padding);
    return this.outputShapeFor(shape, len, this.channelsOf(shape) * this.depthMultiplier);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.run(inputs, (x) => depthwise(x, this.kernel!.read(), this.strides, this.dilationRate, this.padding));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, ...serializeSpec('depthwise', this.kernelSpec) };
  }
}

function depthwise(x: tf.Tensor4D, kernel: tf.Tensor, stride: number, dilation: number, padding: string): tf.Tensor4D {
  return tf.depthwiseConv2d(x, tf.expandDims(kernel, 0) as tf.Tensor4D, [1, stride], padding as 'same' | 'valid', 'NHWC', [1, dilation]);
}

/**
 * Keras `SeparableConv1D` (depthwise_kernel [k, in, depth_multiplier], pointwise_kernel
 * [1, in·depth_multiplier, filters]): the depthwise step, then a 1x1 convolution.
 */
export class SeparableConv1D extends Conv1DBase {
  static className = 'SeparableConv1D';
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseSpec: WeightSpec;
  private readonly pointwiseSpec: WeightSpec;
  depthwiseKernel: tfl.LayerVariable | null = null;
  pointwiseKernel: tfl.LayerVariable | null = null;

  constructor(args: Conv1DArgs) {
    super(args);
    this.filters = args.filters ?? 1;
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.depthwiseSpec = weightSpec(args.depthwiseInitializer, 'glorotUniform', args.depthwiseRegularizer, args.depthwiseConstraint);
    this.pointwiseSpec = weightSpec(args.pointwiseInitializer, 'glorotUniform', args.pointwiseRegularizer, args.pointwiseConstraint);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inCh = this.channelsOf(shapeOf(inputShape));
    const d = this.depthwiseSpec;
    const p = this.pointwiseSpec;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize, inCh, this.depthMultiplier], 'float32', d.initializer as never, d.regularizer as never, true, d.constraint as never);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, inCh * this.depthMultiplier, this.filters], 'float32', p.initializer as never, p.regularizer as never, true, p.constraint as never);
    this.addBias(this.filters);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = shapeOf(inputShape);
    return this.outputShapeFor(shape, convLength(this.steps(shape), this.kernelSize, this.strides, this.dilationRate, this.padding), this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.run(inputs, (x) => {
      const mid = depthwise(x, this.depthwiseKernel!.read(), this.strides, this.dilationRate, this.padding);
      return tf.conv2d(mid, tf.expandDims(this.pointwiseKernel!.read(), 0) as tf.Tensor4D, 1, 'valid');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      depthMultiplier: this.depthMultiplier,
      ...serializeSpec('depthwise', this.depthwiseSpec),
      ...serializeSpec('pointwise', this.pointwiseSpec),
    };
  }
}
