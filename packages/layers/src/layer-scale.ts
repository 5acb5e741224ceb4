import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * keras.applications ConvNeXt's `LayerScale` (keras.src.applications.convnext): the input times a
 * learned per-channel vector `gamma` of `projection_dim` values (Keras names the weight `variable`),
 * initialized to `init_values`.
 */
export class LayerScale extends tfl.layers.Layer {
  static className = 'LayerScale';
  readonly initValues: number;
  readonly projectionDim: number;
  gamma: tfl.LayerVariable | null = null;

  constructor(args: LayerArgs & { initValues?: number; projectionDim?: number }) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const dim = args.projectionDim;
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 1 << 24) {
      throw new FormatError(`${String(args.name ?? 'LayerScale')}: projection_dim ${String(dim)} is not a channel count`);
    }
    this.projectionDim = dim;
    this.initValues = Number(args.initValues ?? 1e-6);
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const last = shape[shape.length - 1];
    // Keras broadcasts x * gamma: the last axis is projection_dim (or 1).
    if (last != null && last !== this.projectionDim && last !== 1) {
      throw new UnsupportedLayerError(`${this.name}: an input of ${last} channels does not take a LayerScale of projection_dim ${this.projectionDim}`);
    }
    this.gamma = this.addWeight('variable', [this.projectionDim], 'float32', tfl.initializers.constant({ value: this.initValues }), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    return shape[shape.length - 1] === 1 ? [...shape.slice(0, -1), this.projectionDim] : shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.mul(x, this.gamma!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initValues: this.initValues, projectionDim: this.projectionDim };
  }
}

/**
 * keras.applications ConvNeXt's `StochasticDepth`: the identity at inference; in training it keeps
 * each sample's residual branch with probability 1 − drop_path_rate, scaled by 1 / (1 − rate), as Keras.
 */
export class StochasticDepth extends tfl.layers.Layer {
  static className = 'StochasticDepth';
  readonly dropPathRate: number;

  constructor(args: LayerArgs & { dropPathRate?: number }) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const rate = Number(args.dropPathRate ?? 0);
    if (!(rate >= 0 && rate < 1)) throw new FormatError(`${String(args.name ?? 'StochasticDepth')}: drop_path_rate ${String(args.dropPathRate)} is not in [0, 1)`);
    this.dropPathRate = rate;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs['training'] !== true || this.dropPathRate === 0) return tf.clone(x);
    return tf.tidy(() => {
      const keep = 1 - this.dropPathRate;
      const mask = tf.floor(tf.add(keep, tf.randomUniform([x.shape[0]!, ...x.shape.slice(1).map(() => 1)], 0, 1)));
      return tf.mul(tf.div(x, keep), mask);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dropPathRate: this.dropPathRate };
  }
}
