import * as tf from '@tensorflow/tfjs-core';
import type { LossOrMetricFn } from '@savedkeras/layers';

/**
 * Keras cross-entropy losses that tfjs' named losses do not cover: `from_logits=True` (computed
 * on logits with log-softmax / the stable sigmoid form, as TF does, not by clipping
 * probabilities) and `label_smoothing`. Each returns the per-sample loss (tfjs averages it).
 *
 * Sparse targets: tfjs only lets its own sparseCategoricalCrossentropy take `[N, 1]` labels; the
 * revived model turns such labels into one-hot rows before fit/evaluate (see revived-model.ts),
 * and these functions accept both forms.
 */

const SPARSE = new WeakSet<LossOrMetricFn>();

/** A loss that takes integer class labels (the revived model one-hots `[N, 1]` targets for it). */
export function takesSparseLabels(fn: unknown): boolean {
  return typeof fn === 'function' && SPARSE.has(fn as LossOrMetricFn);
}

/** Integer labels as one-hot rows shaped like `logits` (labels may be `[..., 1]` or one rank lower). */
export function sparseToOneHot(labels: tf.Tensor, classes: number, outputShape: number[]): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.reshape(tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32'), classes), outputShape), 'float32'));
}

function categoricalOnLogits(yTrue: tf.Tensor, logits: tf.Tensor, smoothing: number): tf.Tensor {
  const classes = logits.shape[logits.rank - 1]!;
  let target = yTrue.rank === logits.rank && yTrue.shape[yTrue.rank - 1] === classes ? tf.cast(yTrue, 'float32') : sparseToOneHot(yTrue, classes, logits.shape);
  if (smoothing !== 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
  return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1));
}

function categoricalOnProbabilities(yTrue: tf.Tensor, probs: tf.Tensor, smoothing: number): tf.Tensor {
  const classes = probs.shape[probs.rank - 1]!;
  let target = yTrue.rank === probs.rank && yTrue.shape[yTrue.rank - 1] === classes ? tf.cast(yTrue, 'float32') : sparseToOneHot(yTrue, classes, probs.shape);
  if (smoothing !== 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
  // Keras: probabilities renormalized over the last axis and clipped to [ε, 1-ε], ε = 1e-7.
  const p = tf.clipByValue(tf.div(probs, tf.sum(probs, -1, true)), 1e-7, 1 - 1e-7);
  return tf.neg(tf.sum(tf.mul(target, tf.log(p)), -1));
}

function binary(yTrue: tf.Tensor, yPred: tf.Tensor, fromLogits: boolean, smoothing: number): tf.Tensor {
  let z = tf.cast(yTrue, 'float32');
  if (smoothing !== 0) z = tf.add(tf.mul(z, 1 - smoothing), 0.5 * smoothing);
  if (fromLogits) {
    // TF's sigmoid_cross_entropy_with_logits: max(x, 0) - x·z + log(1 + exp(-|x|)).
    const x = yPred;
    const perElement = tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return tf.mean(perElement, -1);
  }
  const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
  const perElement = tf.neg(tf.add(tf.mul(z, tf.log(p)), tf.mul(tf.sub(1, z), tf.log(tf.sub(1, p)))));
  return tf.mean(perElement, -1);
}

/** The loss for a Keras cross-entropy class or function name with these options, or undefined for other losses. */
export function logitsLoss(name: string, options: { fromLogits: boolean; labelSmoothing: number }): LossOrMetricFn | undefined {
  const { fromLogits, labelSmoothing } = options;
  let fn: LossOrMetricFn;
  let sparse = false;
  switch (name) {
    case 'BinaryCrossentropy':
    case 'binary_crossentropy':
      fn = (t, p) => tf.tidy(() => binary(t, p, fromLogits, labelSmoothing));
      break;
    case 'CategoricalCrossentropy':
    case 'categorical_crossentropy':
      fn = (t, p) => tf.tidy(() => (fromLogits ? categoricalOnLogits(t, p, labelSmoothing) : categoricalOnProbabilities(t, p, labelSmoothing)));
      break;
    case 'SparseCategoricalCrossentropy':
    case 'sparse_categorical_crossentropy':
      if (labelSmoothing !== 0) return undefined; // Keras has no label smoothing for sparse labels
      sparse = true;
      fn = (t, p) => tf.tidy(() => (fromLogits ? categoricalOnLogits(t, p, 0) : categoricalOnProbabilities(t, p, 0)));
      break;
    default:
      return undefined;
  }
  const named = Object.defineProperty(fn, 'name', { value: `${name}${fromLogits ? '(from_logits)' : ''}` });
  if (sparse) SPARSE.add(named);
  return named;
}
