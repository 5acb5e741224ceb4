import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { gatherRows } from '../src/index.js';

describe('gatherRows', () => {
  it('gathers rows, and its gradient adds the incoming rows at their indices (duplicates summed), without UnsortedSegmentSum', async () => {
    await tf.setBackend('cpu');
    const params = tf.tensor2d([[0, 1], [2, 3], [4, 5], [6, 7]]);
    const indices = tf.tensor1d([1, 3, 1], 'int32');
    expect(gatherRows(params, indices).arraySync()).toEqual([[2, 3], [6, 7], [2, 3]]);
    const dy = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const info = await tf.profile(() => tf.grad((p: tf.Tensor) => gatherRows(p, indices))(params, dy));
    // By hand: row 1 receives dy rows 0 and 2, row 3 receives dy row 1, rows 0 and 2 nothing.
    expect((info.result as tf.Tensor).arraySync()).toEqual([[0, 0], [6, 8], [0, 0], [3, 4]]);
    expect(info.kernelNames).toContain('ScatterNd');
    expect(info.kernelNames).not.toContain('UnsortedSegmentSum');
  });
});
