import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type Layer = tfl.layers.Layer;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;

const tfjsClass = (name: string) => tf.serialization.SerializationMap.getMap().classNameMap[name]![0] as unknown as new (args: unknown) => Layer;
const ConvLSTM2DCellBase = tfjsClass('ConvLSTM2DCell') as unknown as typeof tfl.layers.Layer;
const ConvLSTM2D = tfjsClass('ConvLSTM2D');

const single = (v: unknown, fallback: number): number => (v == null ? fallback : Array.isArray(v) ? Number(v[0] ?? fallback) : Number(v));

/**
 * tfjs' ConvLSTM2DCell on images of height 1 whose variables have Keras ConvLSTM1D's shapes
 * (kernel [k, in, 4·filters], recurrent_kernel [k, filters, 4·filters]): the cell reads them through
 * a height-1 view, so gradients reach the 3-D variables.
 */
class ConvLSTM1DCell extends ConvLSTM2DCellBase {
  static className = 'ConvLSTM1DCell';

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    const self = this as unknown as Record<string, { read(): tf.Tensor; shape: number[] } | unknown> & { _trainableWeights: tfl.LayerVariable[] };
    // Replace the 4-D variables tfjs made with 3-D ones in Keras' layout, keeping their order.
    for (const key of ['kernel', 'recurrentKernel'] as const) {
      const four = self[key] as tfl.LayerVariable;
      const at = self._trainableWeights.indexOf(four);
      const [, k, a, b] = four.shape as number[];
      const init = tf.reshape(four.read(), [k!, a!, b!]);
      const three = new (four.constructor as new (v: tf.Tensor, dtype: string, name: string, trainable: boolean) => tfl.LayerVariable)(init, 'float32', four.originalName ?? key, true);
      init.dispose();
      four.dispose();
      self._trainableWeights[at] = three;
      self[key] = { read: () => tf.expandDims(three.read(), 0), get shape() { return [1, ...three.shape]; } };
    }
  }
}

interface ConvLSTM1DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  dilationRate?: number | number[];
  padding?: string;
  dataFormat?: string;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  [key: string]: unknown;
}

/**
 * Keras `ConvLSTM1D` ([batch, time, steps, channels]): tfjs' ConvLSTM2D run on the input with a
 * height axis of 1 added, its cell holding Keras' 1-D weights (ConvLSTM1DCell); outputs and states
 * lose the height axis again. Everything tfjs' ConvLSTM2D supports (return_sequences, return_state,
 * go_backwards, dropout in training, channels_first) carries over.
 */
export class ConvLSTM1D extends tfl.layers.Layer {
  static className = 'ConvLSTM1D';
  private readonly inner: Layer;
  private readonly config: ConvLSTM1DArgs;
  private readonly first: boolean;

  constructor(args: ConvLSTM1DArgs) {
    const { filters, kernelSize, strides, dilationRate, name, trainable, ...rest } = args;
    super(layerBaseArgs({ name, trainable }) as never);
    if (args.stateful) throw new UnsupportedLayerError(`ConvLSTM1D ${this.name}: stateful is not supported`);
    this.config = args;
    this.first = args.dataFormat === 'channelsFirst';
    const args2d = {
      ...rest,
      filters,
      kernelSize: [1, single(kernelSize, 1)],
      strides: [1, single(strides, 1)],
      dilationRate: [1, single(dilationRate, 1)],
      name: `${this.name}_2d`,
    };
    this.inner = new ConvLSTM2D(layerBaseArgs(args2d));
    (this.inner as unknown as { cell: Layer }).cell = new ConvLSTM1DCell(layerBaseArgs(args2d) as never);
    this.inputSpec = [{ ndim: 4 }];
  }

  /** [batch, time, steps, channels] (or channels-first) as the 5-D shape ConvLSTM2D takes. */
  private to5d<T extends Dim>(s: T[]): T[] {
    return this.first ? [...s.slice(0, 3), 1 as T, s[3]!] : [...s.slice(0, 2), 1 as T, ...s.slice(2)];
  }

  /** The height axis of a ConvLSTM2D output of `rank`. */
  private heightAxis(rank: number): number {
    return rank - (this.first ? 2 : 3);
  }

  private drop<T>(s: T[]): T[] {
    const a = this.heightAxis(s.length);
    return [...s.slice(0, a), ...s.slice(a + 1)];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    this.inner.build(this.to5d(shape));
    this.built = true;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    return this.inner.trainableWeights;
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    return this.inner.nonTrainableWeights;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    const out = this.inner.computeOutputShape(this.to5d(shape));
    return Array.isArray(out[0]) ? (out as Dim[][]).map((s) => this.drop(s)) : this.drop(out as Dim[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const out = this.inner.call(tf.reshape(x, this.to5d(x.shape)), { training: kwargs['training'] ?? false });
      const squeeze = (t: tf.Tensor) => tf.squeeze(t, [this.heightAxis(t.rank)]);
      return Array.isArray(out) ? out.map(squeeze) : squeeze(out);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const inner = this.inner.getConfig();
    const { name: _n, ...rest } = inner;
    return {
      ...super.getConfig(),
      ...rest,
      kernelSize: [single(this.config.kernelSize, 1)],
      strides: [single(this.config.strides, 1)],
      dilationRate: [single(this.config.dilationRate, 1)],
    } as tf.serialization.ConfigDict;
  }
}
