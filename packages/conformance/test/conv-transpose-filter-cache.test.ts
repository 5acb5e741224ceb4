import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';

// The wasm Conv2DBackpropInput fixes keep what they derive from each filter while the filter's data lives
// (kernels/src/fixes.ts): the matmul route (1 output channel here) its transposed copy, the phase route (2 output
// channels) its four phase filters.
await selectBackend('wasm');

/**
 * A stride-2 2x2 transposed convolution of a single 1 lays the filter out as the output: y[0, i, j, c] = filter[i, j, c, 0]
 * (hand computation: every output pixel gets exactly one tap of the one input pixel).
 */
function spread(filter: tf.Tensor4D): number[] {
  const dy = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
  const y = tf.conv2dTranspose(dy, filter, [1, 2, 2, filter.shape[2]], 2, 'valid');
  const v = Array.from(y.dataSync());
  tf.dispose([dy, y]);
  return v;
}

const values = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

describe.each([
  ['the matmul route (1 output channel): its transposed copy', 1, 1],
  ['the phase route (2 output channels): its 4 phase filters', 2, 4],
])('wasm transposed convolution, %s kept per filter', (_, channels, kept) => {
  const filterOf = (start: number) => tf.tensor4d(values(start, 4 * channels), [2, 2, channels, 1]);

  it('a variable assigned new values gives the new answer (the copy is per data, not per variable)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const filter = tf.variable(filterOf(1));
    expect(spread(filter as unknown as tf.Tensor4D)).toEqual(values(1, 4 * channels));
    filter.assign(filterOf(50));
    expect(spread(filter as unknown as tf.Tensor4D)).toEqual(values(50, 4 * channels));
    filter.dispose();
  });

  it("the copies of disposed filters are freed (the backend holds at most one stale filter's copies)", () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const warm = filterOf(0);
    spread(warm);
    warm.dispose();
    const before = backend.numDataIds();
    for (let i = 0; i < 20; i++) {
      const filter = filterOf(i);
      expect(spread(filter)).toEqual(values(i, 4 * channels));
      filter.dispose();
    }
    expect(backend.numDataIds()).toBeLessThanOrEqual(before + kept);
  });
});
