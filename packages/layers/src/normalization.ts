import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedFeatureError } from '@savedkeras/common';
import { getInitializer, layerBaseArgs } from './keras-objects.js';
import { normAxis } from './shape-utils.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;

export interface NormalizationArgs extends LayerArgs {
  /** Axes kept (one mean/variance per position along them); null or [] = one global mean. */
  axis?: number | number[] | null;
  /** Given statistics (then the layer has no weights); a number or a (nested) array. */
  mean?: number | number[] | null;
  variance?: number | number[] | null;
  /** Keras ≥ 2.10: de-normalize instead. */
  invert?: boolean;
}

/** Keras `backend.epsilon()`. */
const EPSILON = 1e-7;

/**
 * Keras `Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)` (or the inverse), with the
 * adapted statistics as weights named `mean`, `variance` (shape = the kept axes' dims) and
 * `count` (int scalar) — the names and order of the Keras variables, so checkpoint values bind by
 * name or position. TF 2.4's layer expanded rank-1 inputs to [batch, 1] first; so does this one.
 *
 * The kept axes must have known sizes when the layer is built: a reviver should build it with
 * the `build_input_shape` of the Keras metadata when the model input leaves them unknown.
 */
export class Normalization extends tfl.layers.Layer {
  static className = 'Normalization';
  readonly axis: number[];
  readonly invert: boolean;
  private readonly inputMean: number | number[] | null;
  private readonly inputVariance: number | number[] | null;
  adaptMean: tfl.LayerVariable | null = null;
  adaptVariance: tfl.LayerVariable | null = null;
  count: tfl.LayerVariable | null = null;
  private broadcastShape: number[] | null = null;
  private keepAxis: number[] = [];

  constructor(args: NormalizationArgs = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const axis = args.axis === undefined ? -1 : args.axis;
    this.axis = axis == null ? [] : Array.isArray(axis) ? [...axis] : [axis];
    this.invert = args.invert ?? false;
    this.inputMean = args.mean ?? null;
    this.inputVariance = args.variance ?? null;
    if ((this.inputMean === null) !== (this.inputVariance === null)) {
      throw new RangeError(`${this.name}: when setting values directly, both mean and variance must be set`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    let shape = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[])];
    if (shape.length === 1) shape = [...shape, 1];
    const ndim = shape.length;
    this.keepAxis = [...new Set(this.axis.map((a) => normAxis(a, ndim)))].sort((a, b) => a - b);
    for (const d of this.keepAxis) {
      if (shape[d] == null) {
        throw new UnsupportedFeatureError(
          `${this.name}: Normalization axis ${d} of input shape [${shape.join(', ')}] is unknown; build the layer with the shape it was adapted on (build_input_shape)`,
        );
      }
    }
    this.broadcastShape = shape.map((d, i) => (this.keepAxis.includes(i) ? (d as number) : 1));
    const statShape = this.keepAxis.map((d) => shape[d] as number);
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight('mean', statShape, 'float32', getInitializer('zeros', 'zeros') as never, undefined, false);
      this.adaptVariance = this.addWeight('variance', statShape, 'float32', getInitializer('ones', 'ones') as never, undefined, false);
      this.count = this.addWeight('count', [], 'int32', getInitializer('zeros', 'zeros') as never, undefined, false);
    }
    this.built = true;
  }

  /** mean and variance in the broadcast shape. */
  private stats(): [tf.Tensor, tf.Tensor] {
    const shape = this.broadcastShape!;
    if (this.adaptMean && this.adaptVariance) {
      return [tf.reshape(this.adaptMean.read(), shape), tf.reshape(this.adaptVariance.read(), shape)];
    }
    const statShape = this.keepAxis.map((d) => shape[d]);
    const full = (v: number | number[]) => tf.reshape(tf.mul(tf.ones(statShape), tf.tensor(v as number[])), shape);
    return [full(this.inputMean!), full(this.inputVariance!)];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    return shape.length === 1 ? [...shape, 1] : shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x.dtype !== 'float32') x = tf.cast(x, 'float32');
      if (x.rank === 1) x = tf.expandDims(x, 1);
      const [mean, variance] = this.stats();
      const std = tf.maximum(tf.sqrt(variance), EPSILON);
      return this.invert ? tf.add(mean, tf.mul(x, std)) : tf.div(tf.sub(x, mean), std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis, invert: this.invert, mean: this.inputMean, variance: this.inputVariance };
  }
}
