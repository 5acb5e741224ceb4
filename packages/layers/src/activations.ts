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

/**
 * Keras 3's `sparsemax` over the last axis, as Keras 3.15 computes it on every backend: sorted descending z,
 * cumulative sums c, support 1 + j·z_j > c_j, k its size, τ = (Σ_{j in support} c_j − 1) / k, max(x − τ, 0).
 * That τ sums the cumulative sums, where Martins & Astudillo's sparsemax takes c_k alone, so with a support of
 * two or more Keras' output does not sum to 1 (keras-team/keras#23425, fixed on Keras' master by #23469 after
 * 3.15.1). Saved models compute Keras' formula in TensorFlow; this matches them.
 */
function sparsemax(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[x.shape.length - 1]!;
    const sorted = tf.topk(x, n, true).values;
    const cumsum = tf.cumsum(sorted, x.rank - 1); // tfjs cumsum takes no negative axis
    const r = tf.range(1, n + 1, 1, 'float32');
    const support = tf.cast(tf.greater(tf.add(1, tf.mul(r, sorted)), cumsum), 'float32');
    const k = tf.sum(support, -1, true);
    const tau = tf.div(tf.sub(tf.sum(tf.mul(cumsum, support), -1, true), 1), k);
    return tf.relu(tf.sub(x, tau));
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
  // Keras 3: 0 below -1, 1 above 1, (x + 1) / 2 between.
  sparse_sigmoid: (x) => tf.clipByValue(tf.mul(tf.add(x, 1), 0.5), 0, 1),
  sparsemax: (x) => sparsemax(x),
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
