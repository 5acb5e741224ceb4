import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { encodeCategorical, normalizeOutputMode, type EncodingMode } from './category-encoding.js';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface DiscretizationArgs extends LayerArgs {
  binBoundaries?: number[] | null;
  outputMode?: string;
  sparse?: boolean;
  numBins?: number | null;
}

/**
 * Keras Discretization: the bucket index of each value among sorted `bin_boundaries`
 * (tf.raw_ops.Bucketize: value v goes to the number of boundaries <= v), optionally one-hot /
 * multi-hot / count encoded. An adapted layer saves its boundaries in its config.
 */
export class Discretization extends tfl.layers.Layer {
  static className = 'Discretization';
  readonly boundaries: number[];
  readonly outputMode: EncodingMode;

  constructor(args: DiscretizationArgs) {
    super(layerBaseArgs(args as never) as LayerArgs);
    if (!Array.isArray(args.binBoundaries)) {
      throw new UnsupportedLayerError('Discretization without bin_boundaries (an un-adapted layer) cannot run', { node: args.name });
    }
    this.boundaries = args.binBoundaries.map(Number);
    this.outputMode = normalizeOutputMode(args.outputMode, 'int');
    if (args.sparse) throw new UnsupportedLayerError('sparse Discretization output is not supported', { node: args.name });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.outputMode === 'int') return s;
    const depth = this.boundaries.length + 1;
    if (this.outputMode === 'one_hot' && s[s.length - 1] !== 1) return [...s, depth];
    return [...s.slice(0, -1), depth];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const values = x.dataSync();
      const idx = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        let lo = 0;
        let hi = this.boundaries.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (this.boundaries[mid]! <= values[i]!) lo = mid + 1;
          else hi = mid;
        }
        idx[i] = lo;
      }
      if (this.outputMode === 'int') return tf.tensor(idx, x.shape, 'int32');
      return encodeCategorical(idx, x.shape, this.outputMode as Exclude<EncodingMode, 'int'>, this.boundaries.length + 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), binBoundaries: this.boundaries, outputMode: this.outputMode, sparse: false };
  }
}
