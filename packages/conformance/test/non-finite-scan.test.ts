import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';

// The wasm fixes route a call with a NaN or an infinity anywhere in its inputs to the cpu kernel; the scan that decides
// runs four floats at a time (WebAssembly SIMD) and the last n mod 4 in JS. tfjs-backend-wasm's own Relu maps a NaN
// whose sign bit is set to 0, TensorFlow keeps it (tf.nn.relu, TF 2.21; kernel-fixes.json pins the same), so a NaN the
// scan misses at any position shows as a 0.
await selectBackend('wasm');
const NEGATIVE_NAN = 0xffc00000 | 0;

describe('the wasm non-finite scan sees every position (hand-built inputs, TensorFlow semantics)', () => {
  it('a sign-bit NaN at each position of tensors of 1 to 13 values stays NaN through Relu', () => {
    const missed: string[] = [];
    for (let n = 1; n <= 13; n++) {
      for (let p = 0; p < n; p++) {
        const values = new Float32Array(n).fill(2);
        new Int32Array(values.buffer)[p] = NEGATIVE_NAN;
        const out = tf.tidy(() => tf.relu(tf.tensor1d(values)).dataSync());
        if (!Number.isNaN(out[p]) || out.some((v, i) => i !== p && v !== 2)) missed.push(`n ${n} at ${p}: [${Array.from(out)}]`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('infinities count too, and a finite tensor stays on the native kernel (its answer unchanged)', () => {
    for (const special of [Infinity, -Infinity]) {
      const x = tf.tensor4d([1, 2, special, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      // Depthwise 1x1 of [.., Inf, ..] by 0 is NaN in TensorFlow (0 * Inf); the cpu kernel gives it.
      const out = tf.tidy(() => tf.depthwiseConv2d(x, tf.zeros([1, 1, 1, 1]), 1, 'valid').dataSync());
      expect(Number.isNaN(out[2])).toBe(true);
      expect(Array.from(out).filter((_, i) => i !== 2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      x.dispose();
    }
    const finite = tf.tidy(() => tf.relu(tf.tensor1d([-1, 0, 3])).dataSync());
    expect(Array.from(finite)).toEqual([0, 0, 3]);
  });
});
