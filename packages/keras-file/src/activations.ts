import * as tf from '@tensorflow/tfjs-core';
import { registerActivation } from '@savedkeras/layers';
import { KERAS3_ACTIVATION_NAMES } from './keras3-config.js';

let done = false;

/** Keras 3 activations that differ from tfjs' function of the same name (see KERAS3_ACTIVATION_NAMES). */
export function registerKeras3Activations(): void {
  if (done) return;
  done = true;
  // Keras 3 hard_sigmoid: relu6(x + 3) / 6.
  registerActivation(KERAS3_ACTIVATION_NAMES['hard_sigmoid']!, (x: tf.Tensor) => tf.div(tf.relu6(tf.add(x, 3)), 6));
}
