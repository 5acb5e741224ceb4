import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Fixes for tfjs-layers 4.22 classes whose behaviour differs from Keras on real saved models,
 * registered under the Keras class name so that configs reach the fixed class.
 */
const map = tf.serialization.SerializationMap.getMap().classNameMap;

// Resizing.computeOutputShape treats inputShape[2] as the channel count and drops the batch
// dimension, so a Conv2D after a Resizing in a batched model gets the width as its input
// channels. Keras: [batch, height, width, channels] -> [batch, new_h, new_w, channels].
const resizingEntry = map['Resizing'] as unknown as [typeof tfl.layers.Layer, unknown] | undefined;
if (resizingEntry) {
  const Base = resizingEntry[0] as unknown as new (args: object) => tfl.layers.Layer;
  class Resizing extends Base {
    static className = 'Resizing';
    override computeOutputShape(inputShape: (number | null)[]): (number | null)[] {
      const s = [...inputShape];
      const self = this as unknown as { height: number; width: number };
      s[s.length - 3] = self.height;
      s[s.length - 2] = self.width;
      return s;
    }
  }
  tf.serialization.registerClass(Resizing as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

export {};
