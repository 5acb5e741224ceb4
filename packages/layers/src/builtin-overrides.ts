import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { gatherRows } from '@savedkeras/kernels';
import { buildGrouped, convGroups, groupedConv, setConvGroups } from './grouped-conv.js';
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
 * tfjs' Conv1D / Conv2D / Conv3D with Keras' `groups` > 1 (grouped convolution, ResNeXt-style): tfjs-layers has no groups and
 * sized the kernel for all input channels (see grouped-conv.ts). Other configs run tfjs' own code.
 */
function withConvGroups(name: 'Conv1D' | 'Conv2D' | 'Conv3D'): typeof tfl.layers.Layer {
  return class extends tfjsLayerClass(name) {
    constructor(args?: Record<string, unknown>) {
      super(args as never);
      setConvGroups(this, args);
    }

    override build(inputShape: tfl.Shape | tfl.Shape[]): void {
      if (convGroups(this) === 1) return super.build(inputShape);
      buildGrouped(this, (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape, (s) => super.build(s));
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      if (convGroups(this) === 1) return super.call(inputs, kwargs);
      return groupedConv(this, one(inputs), (this as unknown as { padding: string }).padding === 'same' ? 'same' : 'valid');
    }

    override getConfig(): tf.serialization.ConfigDict {
      return convGroups(this) > 1 ? { ...super.getConfig(), groups: convGroups(this) } : super.getConfig();
    }
  };
}

/**
 * Conv1D with `padding: 'causal'` (Keras TCN / WaveNet models): tfjs-layers throws "CAUSAL padding
 * mode ... not implemented". Causal = left-pad the time axis by dilation·(kernel − 1), then 'valid'.
 */
export class Conv1D extends withConvGroups('Conv1D') {
  static className = 'Conv1D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // channels_first: tfjs-layers moves the channels last and never back (its output is [batch, steps, filters]
    // where Keras gives [batch, filters, steps]); run channels-last on the transposed input instead.
    if ((this as unknown as { dataFormat: string }).dataFormat !== 'channelsFirst') return this.callChannelsLast(inputs, kwargs);
    return tf.tidy(() => {
      const x = tf.transpose(one(inputs), [0, 2, 1]);
      const y = withFields(this, { dataFormat: 'channelsLast' }, () => one(this.callChannelsLast(x, kwargs)));
      return tf.transpose(y, [0, 2, 1]);
    });
  }

  private callChannelsLast(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // super.call: tfjs' Conv1D, or the grouped convolution when groups > 1 (withConvGroups).
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
    const self = this as unknown as { padding: string; kernelSize: number[]; dilationRate: number[] | number; dataFormat: string };
    if (self.padding !== 'causal') return super.computeOutputShape(inputShape);
    let shape = (Array.isArray(inputShape[0]) || inputShape[0] === undefined ? inputShape[0] : inputShape) as tfl.Shape;
    if (self.dataFormat === 'channelsFirst') {
      const [b, c, t] = shape;
      const [ob, ot, of] = withFields(this, { dataFormat: 'channelsLast' }, () => this.computeOutputShape([b!, t!, c!])) as tfl.Shape;
      return [ob!, of!, ot!];
    }
    const dilation = Array.isArray(self.dilationRate) ? self.dilationRate[0]! : self.dilationRate;
    const left = dilation * (self.kernelSize[0]! - 1);
    shape = shape.map((d, i) => (i === 1 && d !== null ? d + left : d));
    const padded = shape;
    return withFields(this, { padding: 'valid' }, () => super.computeOutputShape(padded));
  }
}

export class Conv2D extends withConvGroups('Conv2D') {
  static className = 'Conv2D';
}

export class Conv3D extends withConvGroups('Conv3D') {
  static className = 'Conv3D';
}

/** A kernel [k, ...] with d - 1 zeros between its taps along `axis` ((k - 1)·d + 1 long): dilation as a plain kernel. */
function dilateAxis(kernel: tf.Tensor, axis: number, d: number): tf.Tensor {
  if (d === 1) return kernel;
  const k = kernel.shape[axis]!;
  const pads = Array.from({ length: kernel.rank + 1 }, (_, i): [number, number] => (i === axis + 1 ? [0, d - 1] : [0, 0]));
  const spread = tf.pad(tf.expandDims(kernel, axis + 1), pads);
  const merged = tf.reshape(spread, kernel.shape.map((n, i) => (i === axis ? n * d : n)));
  return tf.slice(merged, kernel.shape.map(() => 0), kernel.shape.map((n, i) => (i === axis ? (k - 1) * d + 1 : n)));
}

/**
 * Conv2DTranspose with dilation_rate > 1 (Keras allows it with strides 1): tfjs-layers ignores the dilation
 * (a 7x7 output where Keras gives 9x9). A dilated transposed convolution is the transposed convolution with the
 * dilated kernel (zeros between the taps), which tfjs-layers' own call runs.
 */
export class Conv2DTranspose extends tfjsLayerClass('Conv2DTranspose') {
  static className = 'Conv2DTranspose';

  private dilations(): [number, number] {
    const d = (this as unknown as { dilationRate: number | number[] }).dilationRate;
    return Array.isArray(d) ? [d[0]!, d[1] ?? d[0]!] : [d, d];
  }

  private dilatedKernelSize(): number[] {
    const [dh, dw] = this.dilations();
    const k = (this as unknown as { kernelSize: number[] }).kernelSize;
    return [(k[0]! - 1) * dh + 1, (k[1]! - 1) * dw + 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const [dh, dw] = this.dilations();
    if (dh === 1 && dw === 1) return super.call(inputs, kwargs);
    const self = this as unknown as { kernel: { read(): tf.Tensor } };
    return tf.tidy(() => {
      const kernel = dilateAxis(dilateAxis(self.kernel.read(), 0, dh), 1, dw);
      return withFields(this, { kernelSize: this.dilatedKernelSize(), kernel: { read: () => kernel } }, () => super.call(inputs, kwargs));
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const [dh, dw] = this.dilations();
    if (dh === 1 && dw === 1) return super.computeOutputShape(inputShape);
    return withFields(this, { kernelSize: this.dilatedKernelSize() }, () => super.computeOutputShape(inputShape));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // tfjs-layers drops dilationRate from this class's config
    const [dh, dw] = this.dilations();
    return dh === 1 && dw === 1 ? super.getConfig() : { ...super.getConfig(), dilationRate: [dh, dw] };
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

/**
 * LayerNormalization with Keras 3's `rms_scaling=True`: Keras keeps gamma only (it is made even when
 * scale=False) and computes x · rsqrt(var(x) + epsilon) · gamma — the variance about the mean, but x
 * itself not centred (Keras' own formula, deprecated there for that reason). tfjs-layers has no
 * rms_scaling, made a beta too and computed a plain layer norm. Other configs run tfjs' own code.
 */
export class LayerNormalization extends tfjsLayerClass('LayerNormalization') {
  static className = 'LayerNormalization';
  private readonly rmsScaling: boolean;
  private readonly savedCenterScale: { center: unknown; scale: unknown };

  constructor(args?: { rmsScaling?: boolean; center?: boolean; scale?: boolean } & Record<string, unknown>) {
    const { rmsScaling, ...rest } = args ?? {};
    super((rmsScaling ? { ...rest, center: false, scale: true } : rest) as never);
    this.rmsScaling = rmsScaling === true;
    this.savedCenterScale = { center: rest.center ?? true, scale: rest.scale ?? true };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (!this.rmsScaling) return super.call(inputs, kwargs);
    const self = this as unknown as { axis: number[]; epsilon: number; gamma: { read(): tf.Tensor } };
    return tf.tidy(() => {
      const x = one(inputs);
      const { variance } = tf.moments(x, self.axis, true);
      const y = tf.mul(x, tf.rsqrt(tf.add(variance, self.epsilon)));
      const shape = x.shape.map((d, i) => (self.axis.includes(i) ? d : 1));
      return tf.mul(y, tf.reshape(self.gamma.read(), shape));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    if (!this.rmsScaling) return super.getConfig();
    return { ...super.getConfig(), ...(this.savedCenterScale as tf.serialization.ConfigDict), rmsScaling: true };
  }
}

/**
 * StackedRNNCells (`RNN([LSTMCell, GRUCell])`) with its states in the cells' order, as tf.keras ≥ 2.2
 * and Keras 3 keep them (`[h_1, (h_2, c_2)]`). tfjs-layers keeps Keras 2.1's reversed order, so
 * return_state gave the states last cell first and initial states went to the wrong cells.
 */
export class StackedRNNCells extends tfjsLayerClass('StackedRNNCells') {
  static className = 'StackedRNNCells';

  private get cellList(): (tfl.layers.Layer & { stateSize: number | number[] })[] {
    return (this as unknown as { cells: (tfl.layers.Layer & { stateSize: number | number[] })[] }).cells;
  }

  get stateSize(): number[] {
    return this.cellList.flatMap((c) => (Array.isArray(c.stateSize) ? c.stateSize : [c.stateSize]));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      let x = list[0]!;
      let at = 1;
      const states: tf.Tensor[] = [];
      for (const cell of this.cellList) {
        const n = Array.isArray(cell.stateSize) ? cell.stateSize.length : 1;
        const out = cell.call([x, ...list.slice(at, at + n)], kwargs) as tf.Tensor[];
        at += n;
        x = out[0]!;
        states.push(...out.slice(1));
      }
      return [x, ...states];
    });
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

/**
 * Bidirectional returning sequences over a masked input: Keras forces `zero_output_for_mask` on both
 * directions (bidirectional.py), so the output at a masked step is 0 whatever the merge mode; tfjs-layers
 * has no such option and repeats the last unmasked step's output there.
 */
export class Bidirectional extends tfjsLayerClass('Bidirectional') {
  static className = 'Bidirectional';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const out = super.call(inputs, kwargs);
    const self = this as unknown as { returnSequences: boolean; mergeMode: string | null };
    const rawMask = kwargs['mask'] as tf.Tensor | (tf.Tensor | null)[] | null | undefined;
    const mask = Array.isArray(rawMask) ? rawMask[0] : rawMask;
    if (!self.returnSequences || !mask) return out;
    // The sequence outputs come first: one merged tensor, or [forward, backward] when merge_mode is None.
    const sequences = self.mergeMode == null ? 2 : 1;
    return tf.tidy(() => {
      const keep = tf.expandDims(tf.cast(mask, 'float32'), -1);
      const list = Array.isArray(out) ? out : [out];
      const zeroed = list.map((t, i) => (i < sequences ? tf.mul(t, keep) : t));
      tf.dispose(list.filter((_, i) => i < sequences));
      return Array.isArray(out) ? zeroed : zeroed[0]!;
    });
  }
}
