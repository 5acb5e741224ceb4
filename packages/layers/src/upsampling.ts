import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Evaluated for its registrations: the class extended below is found there.
import '@tensorflow/tfjs-layers';

const UpSampling2DBase = tf.serialization.SerializationMap.getMap().classNameMap['UpSampling2D']![0] as unknown as typeof tfl.layers.Layer;

/**
 * UpSampling2D with interpolation 'bilinear': Keras resizes with tf.image.resize (half-pixel
 * centers), tfjs-layers with resizeBilinear's default (corner-aligned grid without half-pixel
 * centers), so every bilinear U-Net decoder came out with other numbers. 'nearest' agrees already.
 */
export class UpSampling2D extends UpSampling2DBase {
  static className = 'UpSampling2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as { interpolation: string; dataFormat: string; size: number[] };
    if (self.interpolation !== 'bilinear') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x0 = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const first = self.dataFormat === 'channelsFirst';
      const x = first ? tf.transpose(x0, [0, 2, 3, 1]) : x0;
      const y = tf.image.resizeBilinear(x, [x.shape[1] * self.size[0]!, x.shape[2] * self.size[1]!], false, true);
      return first ? tf.transpose(y, [0, 3, 1, 2]) : y;
    });
  }
}
