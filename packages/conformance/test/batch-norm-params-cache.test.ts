import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';

// The wasm FusedBatchNorm fix keeps the folded parameters (w = scale / sqrt(variance + epsilon), b = offset - mean * w) per
// set of parameter tensors while their data lives, and runs x * w + b in one pass on the heap (kernels/src/fixes.ts).
// TensorFlow's numbers for the kernel itself are the batchNormChannels pins (kernel-fixes.test.ts); these check the cache.
await selectBackend('wasm');

// variance + epsilon = 0.75 + 0.25 = 1, so by hand y = (x - mean) * scale + offset, exactly in float32.
const EPSILON = 0.25;
const variance = () => tf.tensor1d([0.75, 0.75, 0.75, 0.75]);
const scale = () => tf.tensor1d([1, 2, 3, 4]);
const offset = () => tf.tensor1d([0.5, -0.5, 1.5, -1.5]);
const x = () => tf.tensor4d([1, 1, 1, 1, 2, 2, 2, 2], [1, 1, 2, 4]);

function normed(mean: tf.Tensor1D, v: tf.Tensor1D, s: tf.Tensor1D, o: tf.Tensor1D): number[] {
  const input = x();
  const y = tf.batchNorm(input, mean, v, o, s, EPSILON);
  const values = Array.from(y.dataSync());
  tf.dispose([input, y]);
  return values;
}

describe('wasm batch norm: the folded parameters kept per parameter set', () => {
  it('a moving mean assigned new values gives the new answer (kept per data, not per variable)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const [v, s, o] = [variance(), scale(), offset()];
    const mean = tf.variable(tf.tensor1d([0, 0, 0, 0]));
    // pixel 1: x = 1, pixel 2: x = 2
    expect(normed(mean as unknown as tf.Tensor1D, v, s, o)).toEqual([1.5, 1.5, 4.5, 2.5, 2.5, 3.5, 7.5, 6.5]);
    mean.assign(tf.tensor1d([1, 1, 1, 1]));
    expect(normed(mean as unknown as tf.Tensor1D, v, s, o)).toEqual([0.5, -0.5, 1.5, -1.5, 1.5, 1.5, 4.5, 2.5]);
    tf.dispose([mean, v, s, o]);
  });

  it('the folded copies of disposed parameters are freed (the backend holds at most one stale copy)', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    for (let i = 0; i < 20; i++) {
      const params = [tf.tensor1d([i, i, i, i]), variance(), scale(), offset()] as const;
      expect(normed(...params)[0]).toBe((1 - i) * 1 + 0.5);
      tf.dispose([...params]);
    }
    expect(backend.numDataIds()).toBeLessThanOrEqual(before + 1);
  });
});
