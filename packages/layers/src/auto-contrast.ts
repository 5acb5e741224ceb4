import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras 3's `AutoContrast` (3.8+; deterministic, so it applies at inference too), as Keras 3.15 computes it: the
 * images mapped from `value_range` to 0..255, each image's channels stretched so their min over axes 1 and 2 is
 * 0 and max 255, clipped to 0..255 and mapped back; a channel whose stretch is NaN (constant channel) keeps its
 * input values.
 */
export class AutoContrast extends tfl.layers.Layer {
  static className = 'AutoContrast';
  readonly valueRange: [number, number];

  constructor(args: LayerArgs & { valueRange?: number[] }) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const r = (args.valueRange ?? [0, 255]).map(Number);
    if (r.length !== 2 || !r.every(Number.isFinite)) throw new FormatError(`${String(args.name ?? 'AutoContrast')}: value_range ${JSON.stringify(args.valueRange)} is not two numbers`);
    this.valueRange = [Math.min(r[0]!, r[1]!), Math.max(r[0]!, r[1]!)];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 4) throw new UnsupportedLayerError(`${this.name}: AutoContrast takes a batch of images (rank 4), got shape [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      const original = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
      const [lo, hi] = this.valueRange;
      const identity = lo === 0 && hi === 255;
      let images = identity ? original : tf.mul(tf.div(tf.sub(original, lo), hi - lo), 255);
      const low = tf.min(images, [1, 2], true);
      const high = tf.max(images, [1, 2], true);
      const scale = tf.div(255, tf.sub(high, low));
      const offset = tf.mul(tf.neg(low), scale);
      const stretched = tf.add(tf.mul(images, scale), offset);
      // NaN tested before the clip: tfjs-backend-wasm 4.22's clip turns NaN into the lower bound (TF keeps NaN).
      const nan = tf.isNaN(stretched);
      images = tf.clipByValue(stretched, 0, 255);
      if (!identity) images = tf.add(tf.mul(tf.div(images, 255), hi - lo), lo);
      return tf.where(nan, original, images);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), valueRange: this.valueRange };
  }
}
