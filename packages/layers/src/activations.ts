import * as tf from '@tensorflow/tfjs-core';
import { tfjsCamelCase } from './keras-objects.js';
import { activationClass, registerKerasObject, registerPluginObject } from './keras-registry.js';

/**
 * Keras activations tfjs-layers 4.22 lacks, registered in tfjs' serialization map so that
 * `activation: "silu"` (or its camelCased form `hardSilu`) in a layer config resolves. tfjs
 * already has relu, relu6, elu, selu, sigmoid, hardSigmoid (Keras 2 form), softplus, softsign,
 * tanh, softmax, logSoftmax, linear, gelu (exact erf form), gelu_new (tanh form), mish, swish.
 */

type Fn = (x: tf.Tensor) => tf.Tensor;

/** GELU, exact: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluApproximate(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
}

const hardSilu: Fn = (x) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));

/** name (Keras spelling) -> function. */
export const EXTRA_ACTIVATIONS: Record<string, Fn> = {
  silu: (x) => tf.mul(x, tf.sigmoid(x)),
  hard_silu: hardSilu,
  hard_swish: hardSilu,
  exponential: tf.exp,
  log_sigmoid: tf.logSigmoid,
  leaky_relu: (x) => tf.leakyRelu(x, 0.2),
  hard_tanh: (x) => tf.clipByValue(x, -1, 1),
  tanh_shrink: (x) => tf.sub(x, tf.tanh(x)),
  soft_shrink: (x) => tf.where(tf.greater(x, 0.5), tf.sub(x, 0.5), tf.where(tf.less(x, -0.5), tf.add(x, 0.5), tf.zerosLike(x))),
  hard_shrink: (x) => tf.where(tf.greater(tf.abs(x), 0.5), x, tf.zerosLike(x)),
  squareplus: (x) => tf.div(tf.add(x, tf.sqrt(tf.add(tf.square(x), 4))), 2),
  sparse_plus: (x) => tf.where(tf.lessEqual(x, -1), tf.zerosLike(x), tf.where(tf.greaterEqual(x, 1), x, tf.div(tf.square(tf.add(x, 1)), 4))),
  celu: (x) => tf.add(tf.relu(x), tf.minimum(0, tf.sub(tf.exp(x), 1))),
  // Keras 3's hard_sigmoid, relu6(x + 3) / 6; tfjs' hardSigmoid is Keras 2's clip(0.2x + 0.5, 0, 1).
  // Configs from Keras 3 files name it so (@savedkeras/keras-file), and so do models converted from them.
  hard_sigmoid_keras3: (x) => tf.div(tf.relu6(tf.add(x, 3)), 6),
  glu: (x) => {
    const [a, b] = tf.split(x, 2, -1);
    return tf.mul(a, tf.sigmoid(b));
  },
};

/** Under the Keras name (`hard_silu`) and tfjs' camelCased form (`hardSilu`), one class named by the latter. */
function register(name: string, fn: Fn, origin: 'user' | 'plugin'): void {
  const cls = activationClass(tfjsCamelCase(name), fn);
  const add = origin === 'user' ? registerKerasObject : registerPluginObject;
  for (const n of new Set([name, tfjsCamelCase(name)])) add('activation', n, cls);
}

/**
 * Registers a custom activation under the name a Keras config uses (the Python function's
 * `__name__`, e.g. a user's `clip`), for models whose layers name it.
 */
export function registerActivation(name: string, fn: Fn): void {
  register(name, fn, 'user');
}

let done = false;
export function registerActivations(): void {
  if (done) return;
  done = true;
  for (const [name, fn] of Object.entries(EXTRA_ACTIVATIONS)) register(name, fn, 'plugin');
}
