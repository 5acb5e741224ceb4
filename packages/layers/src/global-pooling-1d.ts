import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras `GlobalAveragePooling1D` with what tfjs-layers' class lacks: a mask (an Embedding's
 * mask_zero or a Masking layer's) gives Keras' masked mean, Σ(x where mask) / Σ mask over the steps
 * (NaN where every step is masked, as in Keras), and `keepdims` / `data_format`. The output
 * carries no mask (Keras' compute_mask returns None).
 */
export class GlobalAveragePooling1D extends tfl.layers.Layer {
  static className = 'GlobalAveragePooling1D';
  readonly dataFormat: string;
  readonly keepdims: boolean;

  constructor(args: LayerArgs & { dataFormat?: string; keepdims?: boolean } = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.keepdims = args.keepdims === true;
    this.inputSpec = [{ ndim: 3 }];
    this.supportsMasking = true;
  }

  private get stepsAxis(): number {
    return this.dataFormat === 'channelsFirst' ? 2 : 1;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const axis = this.stepsAxis;
    return this.keepdims ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
  }

  override computeMask(): tf.Tensor {
    // tfjs types a mask as a tensor; null (no mask) is what its executor takes.
    return null as unknown as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { mask?: tf.Tensor | tf.Tensor[] } = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axis = this.stepsAxis;
      const mask = Array.isArray(kwargs.mask) ? kwargs.mask[0] : kwargs.mask;
      if (!mask) return tf.mean(x, axis, this.keepdims);
      // mask [batch, steps] -> broadcast over the feature axis.
      const m = tf.expandDims(tf.cast(mask, 'bool'), axis === 1 ? 2 : 1);
      const kept = tf.where(m, x, tf.zerosLike(x));
      return tf.div(tf.sum(kept, axis, this.keepdims), tf.sum(tf.cast(m, x.dtype), axis, this.keepdims));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}
