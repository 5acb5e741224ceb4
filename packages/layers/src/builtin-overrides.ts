import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatherRows } from '@savedkeras/kernels';
// Evaluated for its registrations: the classes extended below are found there.
import '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

/** A tfjs-layers class by Keras name (tfjs-layers does not export most layer classes). */
function tfjsLayerClass(name: string): typeof tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (!entry) throw new Error(`tfjs-layers did not register ${name}`);
  return entry[0] as unknown as typeof tfl.layers.Layer;
}

const one = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0]! : inputs);

/**
 * Runs `fn` with some of the layer's config fields changed, restoring them afterwards: the
 * overrides below reuse tfjs-layers' own call for the part it gets right.
 */
function withFields<T>(layer: object, fields: Record<string, unknown>, fn: () => T): T {
  const target = layer as Record<string, unknown>;
  const saved = Object.fromEntries(Object.keys(fields).map((k) => [k, target[k]]));
  Object.assign(target, fields);
  try {
    return fn();
  } finally {
    Object.assign(target, saved);
  }
}

/**
 * Conv1D with `padding: 'causal'` (Keras TCN / WaveNet models): tfjs-layers throws "CAUSAL padding
 * mode ... not implemented". Causal = left-pad the time axis by dilation·(kernel − 1), then 'valid'.
 */
export class Conv1D extends tfjsLayerClass('Conv1D') {
  static className = 'Conv1D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as { padding: string; kernelSize: number[]; dilationRate: number[] | number };
    if (self.padding !== 'causal') return super.call(inputs, kwargs);
    const dilation = Array.isArray(self.dilationRate) ? self.dilationRate[0]! : self.dilationRate;
    const left = dilation * (self.kernelSize[0]! - 1);
    return tf.tidy(() => {
      const padded = tf.pad(one(inputs), [[0, 0], [left, 0], [0, 0]]);
      return withFields(this, { padding: 'valid' }, () => super.call(padded, kwargs));
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const self = this as unknown as { padding: string; kernelSize: number[]; dilationRate: number[] | number };
    if (self.padding !== 'causal') return super.computeOutputShape(inputShape);
    const shape = (Array.isArray(inputShape[0]) || inputShape[0] === undefined ? inputShape[0] : inputShape) as tfl.Shape;
    const dilation = Array.isArray(self.dilationRate) ? self.dilationRate[0]! : self.dilationRate;
    const left = dilation * (self.kernelSize[0]! - 1);
    const padded = shape.map((d, i) => (i === 1 && d !== null ? d + left : d));
    return withFields(this, { padding: 'valid' }, () => super.computeOutputShape(padded));
  }
}

/** ELU with any alpha (tfjs-layers throws for alpha != 1): x if x > 0 else alpha·(exp(x) − 1). */
export class ELU extends tfjsLayerClass('ELU') {
  static className = 'ELU';

  constructor(args?: { alpha?: number } & Record<string, unknown>) {
    super({ ...(args ?? {}), alpha: 1 } as never); // tfjs-layers' constructor refuses other values
    (this as unknown as { alpha: number }).alpha = args?.alpha ?? 1;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const alpha = (this as unknown as { alpha: number }).alpha;
    return tf.tidy(() => {
      const x = one(inputs);
      if (alpha === 1) return tf.elu(x);
      return tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.expm1(x)));
    });
  }
}

/**
 * ReLU with Keras' negative_slope and threshold (tfjs-layers' ReLU reads max_value only, so a
 * leaky or thresholded ReLU silently gave plain-ReLU numbers). Keras' formula, in its order:
 * x < threshold -> negative_slope·(x − threshold); else x, clipped to max_value.
 */
export class ReLU extends tfjsLayerClass('ReLU') {
  static className = 'ReLU';
  private readonly negativeSlope: number;
  private readonly threshold: number;

  constructor(args?: { maxValue?: number | null; negativeSlope?: number; threshold?: number } & Record<string, unknown>) {
    const { negativeSlope, threshold, ...rest } = args ?? {};
    super(rest as never);
    this.negativeSlope = negativeSlope ?? 0;
    this.threshold = threshold ?? 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (this.negativeSlope === 0 && this.threshold === 0) return super.call(inputs, kwargs);
    const maxValue = (this as unknown as { maxValue?: number | null }).maxValue;
    return tf.tidy(() => {
      const x = one(inputs);
      if (maxValue == null && this.threshold === 0) return tf.leakyRelu(x, this.negativeSlope);
      let y = this.threshold !== 0 ? tf.where(tf.greater(x, this.threshold), x, tf.zerosLike(x)) : tf.relu(x);
      if (maxValue != null) y = tf.clipByValue(y, 0, maxValue);
      if (this.negativeSlope !== 0) y = tf.sub(y, tf.mul(this.negativeSlope, tf.relu(tf.sub(this.threshold, x))));
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

/** Softmax over any axis (tfjs-core's softmax takes only the last one). */
export class Softmax extends tfjsLayerClass('Softmax') {
  static className = 'Softmax';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = one(inputs);
    const raw = (this as unknown as { axis: number | number[] }).axis;
    const axes = (Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? a + x.rank : a));
    if (axes.length === 1 && axes[0] === x.rank - 1) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const e = tf.exp(tf.sub(x, tf.max(x, axes, true)));
      return tf.div(e, tf.sum(e, axes, true));
    });
  }
}

/**
 * SeparableConv2D with data_format channels_first: tfjs-layers adds the bias in the wrong layout
 * ("Operands could not be broadcast"). Run it channels-last on the transposed input instead.
 */
export class SeparableConv2D extends tfjsLayerClass('SeparableConv2D') {
  static className = 'SeparableConv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if ((this as unknown as { dataFormat: string }).dataFormat !== 'channelsFirst') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = tf.transpose(one(inputs), [0, 2, 3, 1]);
      const y = withFields(this, { dataFormat: 'channelsLast' }, () => one(super.call(x, kwargs)));
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  }
}

/** Embedding whose gradient works on every backend in one pass over the tokens (see gatherRows). */
export class Embedding extends tfjsLayerClass('Embedding') {
  static className = 'Embedding';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const self = this as unknown as { embeddings: { read(): tf.Tensor }; invokeCallHook(i: unknown, k: Kwargs): void };
    return tf.tidy(() => {
      self.invokeCallHook(inputs, kwargs);
      let ids = one(inputs);
      if (ids.dtype !== 'int32') ids = tf.cast(ids, 'int32');
      const out = gatherRows(self.embeddings.read(), tf.reshape(ids, [ids.size]));
      const shape = this.computeOutputShape(ids.shape) as number[];
      return tf.reshape(out, shape);
    });
  }
}
