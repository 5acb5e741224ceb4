import * as tf from '@tensorflow/tfjs-core';

/**
 * Rows `indices` (1-D int32) of `params`, whose gradient is a scatter-add of the incoming rows
 * (what TensorFlow's IndexedSlices amount to). tfjs' own gather gradient is UnsortedSegmentSum: the
 * cpu backend runs it as one masked pass per row of `params` (O(rows × tokens × width): 100 s per
 * step of a 10,000-word Embedding) and the wasm backend has no such kernel at all. ScatterNd sums
 * duplicate indices on every backend, in one pass over the tokens. Used by graph's gather kernels
 * (layers run from saved functions) and layers' Embedding (layers rebuilt from their config).
 */
export const gatherRows = tf.customGrad(((params: tf.Tensor, indices: tf.Tensor, save: tf.GradSaveFunc) => {
  save([indices]);
  return {
    value: tf.gather(params, indices),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const ids = saved[0]!;
      const rowsGrad = Array.isArray(dy) ? dy[0]! : dy;
      return [tf.scatterND(tf.expandDims(ids, 1), rowsGrad, params.shape), tf.zerosLike(ids)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (params: tf.Tensor, indices: tf.Tensor) => tf.Tensor;
