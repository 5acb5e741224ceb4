import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';

// The wasm Conv2DBackpropInput fix keeps each filter's transposed copy while the filter's data lives (kernels/src/fixes.ts).
await selectBackend('wasm');

/** A stride-2 2x2 transposed convolution of a single 1 lays the filter out as the output: y[0, i, j, 0] = filter[i, j, 0, 0]. */
function spread(filter: tf.Tensor4D): number[] {
  const dy = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
  const y = tf.conv2dTranspose(dy, filter, [1, 2, 2, 1], 2, 'valid');
  const v = Array.from(y.dataSync());
  tf.dispose([dy, y]);
  return v;
}

describe('wasm transposed convolution: the filter copy kept per filter', () => {
  it('a variable assigned new values gives the new answer (the copy is per data, not per variable)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const filter = tf.variable(tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]));
    expect(spread(filter as unknown as tf.Tensor4D)).toEqual([1, 2, 3, 4]);
    filter.assign(tf.tensor4d([5, 6, 7, 8], [2, 2, 1, 1]));
    expect(spread(filter as unknown as tf.Tensor4D)).toEqual([5, 6, 7, 8]);
    filter.dispose();
  });

  it('the copies of disposed filters are freed (the backend holds at most one stale copy)', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const warm = tf.tensor4d([1, 1, 1, 1], [2, 2, 1, 1]);
    spread(warm);
    warm.dispose();
    const before = backend.numDataIds();
    for (let i = 0; i < 20; i++) {
      const filter = tf.tensor4d([i, i + 1, i + 2, i + 3], [2, 2, 1, 1]);
      expect(spread(filter)).toEqual([i, i + 1, i + 2, i + 3]);
      filter.dispose();
    }
    expect(backend.numDataIds()).toBeLessThanOrEqual(before + 1);
  });
});
