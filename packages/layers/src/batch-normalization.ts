import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Evaluated for its registrations: the class extended below is found there.
import '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;
type Variable = { read(): tf.Tensor };

// tfjs-layers does not export its BatchNormalization class; its registration holds it.
const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
if (!entry) throw new Error('tfjs-layers did not register BatchNormalization');
const TfjsBatchNormalization = entry[0] as unknown as typeof tfl.layers.Layer;

/**
 * Keras BatchNormalization at every rank. tfjs-layers' own class throws "batchNormalization is not
 * implemented for array of rank 5 yet" (Conv3D / ConvLSTM2D models); ranks up to 4 keep its code,
 * higher ranks normalise here with Keras' inference formula
 * `(x - moving_mean) * rsqrt(moving_variance + epsilon) * gamma + beta` broadcast along `axis`.
 * In training mode (never used by revival) the batch moments replace the moving ones and the
 * moving statistics are not updated.
 */
export class BatchNormalization extends TfjsBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank <= 4) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const self = this as unknown as {
        axis: number;
        epsilon: number;
        center: boolean;
        scale: boolean;
        movingMean: Variable;
        movingVariance: Variable;
        gamma?: Variable;
        beta?: Variable;
      };
      const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
      const shape = x.shape.map((d, i) => (i === axis ? d : 1));
      const bc = (t: tf.Tensor) => tf.reshape(t, shape);
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (kwargs['training'] === true) {
        const m = tf.moments(x, x.shape.map((_, i) => i).filter((i) => i !== axis), true);
        mean = m.mean;
        variance = m.variance;
      } else {
        mean = bc(self.movingMean.read());
        variance = bc(self.movingVariance.read());
      }
      let inv = tf.rsqrt(tf.add(variance, self.epsilon));
      if (self.scale && self.gamma) inv = tf.mul(inv, bc(self.gamma.read()));
      let y = tf.mul(tf.sub(x, mean), inv);
      if (self.center && self.beta) y = tf.add(y, bc(self.beta.read()));
      return y;
    });
  }
}
