import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { winogradPaysOnThreads, winogradStats } from '@savedkeras/kernels';
import { runTfPins, type PinFile } from '../src/index.js';

// The wasm (Fused)Conv2D fix for 3x3 stride-1 convolutions (kernels/src/winograd.ts). Its numbers are pinned to
// TensorFlow's in tf-reference/kernel-fixes.json (winograd-pins.py); these check by hand computation which calls take
// it, that non-finite inputs fall back to the direct convolution, and the per-filter cache.
await selectBackend('wasm');

/** Hand computation: an all-ones filter over an all-ones image sums C per tap inside the image (SAME padding). */
function onesExpected(n: number, h: number, w: number, c: number, k: number): number[] {
  const out: number[] = [];
  const inside = (i: number, size: number) => Math.min(i + 1, size - 1) - Math.max(i - 1, 0) + 1;
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let o = 0; o < k; o++) out.push(c * inside(i, h) * inside(j, w));
  return out;
}

function delta(before: typeof winogradStats) {
  return { calls: winogradStats.calls - before.calls, fallbacks: winogradStats.fallbacks - before.fallbacks };
}

describe('wasm 3x3 stride-1 convolution by Winograd F(4x4, 3x3)', () => {
  it('computes SAME convolutions of images that are not whole tiles (hand-computed sums)', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [n, h, w, c, k] of [[2, 7, 9, 4, 8], [1, 4, 4, 64, 16], [1, 1, 1, 8, 4]] as const) {
      const before = { ...winogradStats };
      const y = tf.conv2d(tf.ones([n, h, w, c]) as tf.Tensor4D, tf.ones([3, 3, c, k]) as tf.Tensor4D, 1, 'same');
      const got = Array.from(y.dataSync());
      const want = onesExpected(n, h, w, c, k);
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5 * want[i]!));
      expect(delta(before)).toEqual({ calls: 1, fallbacks: 0 });
    }
  });

  it('applies only to float32 NHWC 3x3, stride 1, dilation 1, channels multiples of 4, no / ReLU / ReLU6 activation', () => {
    const x = tf.ones([1, 8, 8, 4]) as tf.Tensor4D;
    const other: Array<() => tf.Tensor> = [
      () => tf.conv2d(x, tf.ones([3, 3, 4, 4]) as tf.Tensor4D, 2, 'same'),
      () => tf.conv2d(x, tf.ones([3, 3, 4, 4]) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      () => tf.conv2d(x, tf.ones([5, 5, 4, 4]) as tf.Tensor4D, 1, 'same'),
      () => tf.conv2d(tf.ones([1, 8, 8, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 1, 'same'),
      () => tf.conv2d(x, tf.ones([3, 3, 4, 6]) as tf.Tensor4D, 1, 'same'),
      () => tf.fused.conv2d({ x, filter: tf.ones([3, 3, 4, 4]) as tf.Tensor4D, strides: 1, pad: 'same', activation: 'leakyrelu' }),
      () => tf.fused.conv2d({ x, filter: tf.ones([3, 3, 4, 4]) as tf.Tensor4D, strides: 1, pad: 'same', activation: 'sigmoid' }),
    ];
    for (const call of other) {
      const before = { ...winogradStats };
      tf.tidy(() => call().dataSync());
      expect(delta(before).calls).toBe(0);
    }
    for (const activation of ['relu', 'relu6', 'linear'] as const) {
      const before = { ...winogradStats };
      const y = tf.fused.conv2d({ x, filter: tf.fill([3, 3, 4, 4], -1) as tf.Tensor4D, strides: 1, pad: 'valid', bias: tf.fill([4], 40), activation });
      // By hand: each VALID output is 40 - 36 = 4 (ReLU and ReLU6 keep 4).
      expect(Array.from(y.dataSync()).every((v) => Math.abs(v - 4) <= 1e-5)).toBe(true);
      expect(delta(before)).toEqual({ calls: 1, fallbacks: 0 });
    }
  });

  // The non-finite routing of kernels/src/fixes.ts is checked before Winograd: such a call runs the cpu kernel and never
  // reaches Winograd (whose own fallback on a non-finite input stays as a second guard).
  it('an infinity or NaN does not take Winograd: only the 3x3 windows that hold it are not finite', () => {
    const values = new Float32Array(12 * 12 * 4).fill(1);
    values[(5 * 12 + 6) * 4 + 2] = Number.NaN;
    const before = { ...winogradStats };
    const y = tf.conv2d(tf.tensor4d(values, [1, 12, 12, 4]), tf.ones([3, 3, 4, 4]) as tf.Tensor4D, 1, 'same');
    const got = y.dataSync();
    const want = onesExpected(1, 12, 12, 4, 4);
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        const near = Math.abs(i - 5) <= 1 && Math.abs(j - 6) <= 1;
        const v = got[(i * 12 + j) * 4]!;
        if (near) expect(v).toBeNaN();
        else expect(v).toBe(want[(i * 12 + j) * 4]);
      }
    }
    expect(delta(before)).toEqual({ calls: 0, fallbacks: 0 });
  });

  it('keeps one transformed copy per filter: a variable assigned new values gives the new answer; disposed filters are freed', () => {
    const x = tf.ones([1, 4, 4, 4]) as tf.Tensor4D;
    const filter = tf.variable(tf.ones([3, 3, 4, 4]));
    const center = () => tf.tidy(() => tf.conv2d(x, filter as unknown as tf.Tensor4D, 1, 'same').dataSync()[(1 * 4 + 1) * 4]!);
    expect(center()).toBeCloseTo(36, 4);
    const twos = tf.fill([3, 3, 4, 4], 2);
    filter.assign(twos);
    twos.dispose(); // the variable holds the data now
    expect(center()).toBeCloseTo(72, 4);
    filter.dispose();
    // Copies kept now: the live filters of the tests above and the variable's (its data is gone; freed at the next miss).
    const before = winogradStats.cachedFilters;
    for (let i = 1; i <= 20; i++) {
      const f = tf.fill([3, 3, 4, 4], i) as tf.Tensor4D;
      expect(tf.tidy(() => tf.conv2d(x, f, 1, 'same').dataSync()[(1 * 4 + 1) * 4]!)).toBeCloseTo(36 * i, 3);
      f.dispose();
    }
    // At each miss the copies of disposed filters are freed: the variable's and 19 of these went, the last one is kept.
    expect(winogradStats.cachedFilters).toBe(before);
    expect(before).toBeGreaterThan(1);
  });

  // The chunk size (4 MiB of transformed data with one thread, 32 MiB with more) is a speed choice: chunks of one tile
  // each must give TensorFlow's numbers and the hand sums as well.
  it('chunks of one tile give the pinned TensorFlow numbers and the hand sums', async () => {
    const pins = JSON.parse(readFileSync(new URL('../tf-reference/kernel-fixes.json', import.meta.url), 'utf8')) as PinFile;
    const winograd = { ...pins, cases: pins.cases.filter((c) => c.op === 'fusedConv2d3x3' || c.op === 'conv2d3x3') };
    expect(winograd.cases.length).toBeGreaterThan(5);
    process.env['WINOGRAD_CHUNK_BYTES'] = '1'; // one tile per chunk
    try {
      const before = { ...winogradStats };
      const outcomes = await runTfPins(winograd, ['wasm']);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      expect(outcomes.length).toBe(winograd.cases.length);
      expect(delta(before).calls).toBeGreaterThan(0);
      const y = tf.conv2d(tf.ones([2, 7, 9, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 12]) as tf.Tensor4D, 1, 'same');
      const want = onesExpected(2, 7, 9, 8, 12);
      Array.from(y.dataSync()).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5 * want[i]!));
    } finally {
      delete process.env['WINOGRAD_CHUNK_BYTES'];
    }
    expect(tf.getBackend()).toBe('wasm');
  });

  it('with more than one thread, leaves convolutions whose products are small to the direct kernel (one pool call, not 36 per chunk)', () => {
    const mib = (n: number) => n << 20;
    // Hand-counted products: cnn-mnist-bn's [8,13,13,32] -> 64 VALID is 8 * 3 * 3 = 72 tiles, 72 rows of 32 x 64 = 147 K
    // multiply-adds per product; a U-Net's [8,256,256,64] -> 64 fills 32 MiB chunks of 32 MiB / (36 * 128 * 4) = 1,820
    // rows, 7.5 M; the decoder's [8,14,14,128] -> 64 is 8 * 4 * 4 = 128 rows of 128 x 64, exactly 2^20.
    expect(winogradPaysOnThreads(1, 72, 32, 64, mib(4))).toBe(true);
    expect(winogradPaysOnThreads(2, 72, 32, 64, mib(32))).toBe(false);
    expect(winogradPaysOnThreads(2, 8 * 64 * 64, 64, 64, mib(32))).toBe(true);
    expect(winogradPaysOnThreads(2, 128, 128, 64, mib(32))).toBe(true);
    expect(winogradPaysOnThreads(2, 127, 128, 64, mib(32))).toBe(false);
    // The chunk bounds the rows: the same U-Net layer in 64 KiB chunks is 14 rows a product.
    expect(winogradPaysOnThreads(2, 8 * 64 * 64, 64, 64, 64 << 10)).toBe(false);
  });
});
