import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';

// Two wasm speed fixes (kernels/src/fixes.ts) that keep state across calls: the summed filters of a convolution after a 2x
// upsampling are kept per filter while its data lives, and a slice of a whole tensor shares the tensor's data.
await selectBackend('wasm');

/**
 * A 1x1 image of ones upsampled to 2x2, then a 3x3 SAME convolution with taps t1..t9 (row-major): by hand, output pixel
 * (0,0) sums the taps that fall on the image, t5 + t6 + t8 + t9; (0,1) t4 + t5 + t7 + t8; (1,0) t2 + t3 + t5 + t6; (1,1) t1 + t2 + t4 + t5.
 */
function upsampledOnes(filter: tf.Tensor4D): number[] {
  return tf.tidy(() => Array.from(tf.conv2d(tf.image.resizeNearestNeighbor(tf.ones([1, 1, 1, 1]) as tf.Tensor4D, [2, 2]), filter, 1, 'same').dataSync()));
}
const byHand = (t: number[]): number[] => [t[4]! + t[5]! + t[7]! + t[8]!, t[3]! + t[4]! + t[6]! + t[7]!, t[1]! + t[2]! + t[4]! + t[5]!, t[0]! + t[1]! + t[3]! + t[4]!];
const taps = (k: number): number[] => Array.from({ length: 9 }, (_, i) => (i + 1) * k);

describe('wasm convolution after a 2x upsampling: the summed filters kept per filter', () => {
  it('a variable assigned new values gives the new answer (the sums are per data, not per variable)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const filter = tf.variable(tf.tensor4d(taps(1), [3, 3, 1, 1]));
    expect(upsampledOnes(filter as unknown as tf.Tensor4D)).toEqual(byHand(taps(1)));
    filter.assign(tf.tensor4d(taps(10), [3, 3, 1, 1]));
    expect(upsampledOnes(filter as unknown as tf.Tensor4D)).toEqual(byHand(taps(10)));
    filter.dispose();
  });

  it('the sums of disposed filters are freed (the backend holds at most the last filter\'s)', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const warm = tf.tensor4d(taps(1), [3, 3, 1, 1]);
    upsampledOnes(warm);
    warm.dispose();
    const before = backend.numDataIds();
    for (let i = 1; i <= 20; i++) {
      const filter = tf.tensor4d(taps(i), [3, 3, 1, 1]);
      expect(upsampledOnes(filter)).toEqual(byHand(taps(i)));
      filter.dispose();
    }
    expect(backend.numDataIds()).toBeLessThanOrEqual(before + 1);
  });
});

describe('wasm slice of a whole tensor', () => {
  it('shares the data: the slice outlives its input, and the data is freed with the last of them', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor2d([1, -2, 3, 4, 5, 6], [2, 3]);
    const y = tf.slice(x, [0, 0], [2, 3]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3, 4, 5, 6]);
    y.dispose();
    expect(backend.numDataIds()).toBe(before);
  });
});
