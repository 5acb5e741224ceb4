import { describe, expect, it } from 'vitest';
import { A, arr, expectClose, run, run1, tensorOut, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
const vals = (seed: number, n: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.13 + i * 1.37) * 2);

describe('FusedBatchNormV3', () => {
  it('Keras LayerNormalization form: NCHW, empty mean/variance, is_training left at its default (true)', () => {
    // LayerNormalization over the last axis of x [B=2, T=3, D=4] becomes x reshaped to [1, B*T, D, 1]
    const B = 2, T = 3, D = 4, eps = 1e-3;
    const x = vals(1, B * T * D);
    const out = run('FusedBatchNormV3', [
      f(x, [1, B * T, D, 1]), f(new Array(B * T).fill(1)), f(new Array(B * T).fill(0)), f([]), f([]),
    ], { data_format: A.s('NCHW'), epsilon: A.f(eps) });
    expect(out).toHaveLength(6);
    const expected: number[] = [];
    const means: number[] = [];
    for (let r = 0; r < B * T; r++) {
      const row = x.slice(r * D, r * D + D);
      const mean = row.reduce((a, b) => a + b, 0) / D;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
      means.push(mean);
      for (const v of row) expected.push((v - mean) / Math.sqrt(variance + eps));
    }
    expectClose(tensorOut(out[0]).dataSync(), expected, 1e-5);
    expect(tensorOut(out[0]).shape).toEqual([1, B * T, D, 1]);
    expectClose(tensorOut(out[1]).dataSync(), means, 1e-5);
  });

  it('training NHWC: batch statistics, Bessel-corrected batch_variance, moving-average blend', () => {
    const x = [1, 10, 3, 20, 5, 60, 7, 10]; // [2, 2, 1, 2] NHWC -> channel 0: 1,3,5,7 ; channel 1: 10,20,60,10
    const c0 = [1, 3, 5, 7];
    const c1 = [10, 20, 60, 10];
    const stats = (c: number[]) => {
      const m = c.reduce((a, b) => a + b, 0) / c.length;
      const v = c.reduce((a, b) => a + (b - m) ** 2, 0) / c.length;
      return { m, v };
    };
    const s0 = stats(c0);
    const s1 = stats(c1);
    const scale = [2, 0.5];
    const offset = [1, -1];
    const out = run('FusedBatchNormV3', [f(x, [2, 2, 1, 2]), f(scale), f(offset), f([0, 0]), f([1, 1])], {
      epsilon: A.f(0.001), exponential_avg_factor: A.f(0.25),
    });
    const y = Array.from(tensorOut(out[0]).dataSync());
    const expectY = x.map((v, i) => {
      const c = i % 2;
      const s = c === 0 ? s0 : s1;
      return ((v - s.m) / Math.sqrt(s.v + 0.001)) * scale[c]! + offset[c]!;
    });
    expectClose(y, expectY, 1e-5);
    // running mean: 0.75 * old + 0.25 * batch; running variance uses n/(n-1) corrected batch variance
    expectClose(tensorOut(out[1]).dataSync(), [0.25 * s0.m, 0.25 * s1.m], 1e-5);
    expectClose(tensorOut(out[2]).dataSync(), [0.75 + 0.25 * s0.v * 4 / 3, 0.75 + 0.25 * s1.v * 4 / 3], 1e-5);
  });

  it('inference (is_training=false) uses the given statistics, NCHW', () => {
    const x = f([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    const out = run('FusedBatchNormV3', [x, f([1, 2]), f([0, 1]), f([2, 20]), f([4, 100])], {
      is_training: A.b(false), data_format: A.s('NCHW'), epsilon: A.f(0),
    });
    expectClose(tensorOut(out[0]).dataSync(), [-0.5, 0, 0.5, 1, -1, 1, 3, 5], 1e-6);
    expect(Array.from(tensorOut(out[1]).dataSync())).toEqual([2, 20]);
  });
});

/** Direct NHWC convolution by its definition, for checking Conv2D. */
function naiveConv(x: number[], [n, h, w, c]: number[], k: number[], [kh, kw, , co]: number[], stride: number, padTop: number, padLeft: number, oh: number, ow: number, dil = 1): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) for (let ci = 0; ci < c; ci++) {
      const y = i * stride + di * dil - padTop;
      const xx = j * stride + dj * dil - padLeft;
      if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
      s += x[((b * h + y) * w + xx) * c + ci]! * k[((di * kw + dj) * c + ci) * co + o]!;
    }
    out.push(s);
  }
  return out;
}

describe('convolution and pooling', () => {
  const xShape = [1, 5, 5, 2];
  const kShape = [3, 3, 2, 3];
  const x = vals(2, 50);
  const k = vals(3, 54);

  it.each([
    ['VALID', 1, 3, 3, 0, 0], ['SAME', 1, 5, 5, 1, 1], ['SAME', 2, 3, 3, 1, 1], ['VALID', 2, 2, 2, 0, 0],
  ] as [string, number, number, number, number, number][])('Conv2D NHWC padding=%s stride=%i', (padding, s, oh, ow, pt, pl) => {
    const out = run1('Conv2D', [f(x, xShape), f(k, kShape)], { strides: A.ints([1, s, s, 1]), padding: A.s(padding) });
    expect(out.shape).toEqual([1, oh, ow, 3]);
    expectClose(out.dataSync(), naiveConv(x, xShape, k, kShape, s, pt, pl, oh, ow), 1e-4);
  });

  it('Conv2D with dilations and with EXPLICIT padding', () => {
    const dil = run1('Conv2D', [f(x, xShape), f(k, kShape)], { strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID'), dilations: A.ints([1, 2, 2, 1]) });
    expectClose(dil.dataSync(), naiveConv(x, xShape, k, kShape, 1, 0, 0, 1, 1, 2), 1e-4);
    const exp = run1('Conv2D', [f(x, xShape), f(k, kShape)], {
      strides: A.ints([1, 1, 1, 1]), padding: A.s('EXPLICIT'), explicit_paddings: A.ints([0, 0, 2, 0, 0, 1, 0, 0]),
    });
    expect(exp.shape).toEqual([1, 5, 4, 3]);
    expectClose(exp.dataSync(), naiveConv(x, xShape, k, kShape, 1, 2, 0, 5, 4), 1e-4);
  });

  it('Conv2D NCHW equals NHWC transposed', () => {
    const nhwc = run1('Conv2D', [f(x, xShape), f(k, kShape)], { strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME') });
    const nchwIn = tf.transpose(f(x, xShape), [0, 3, 1, 2]);
    const nchw = run1('Conv2D', [nchwIn, f(k, kShape)], { strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME'), data_format: A.s('NCHW') });
    expectClose(tf.transpose(nchw, [0, 2, 3, 1]).dataSync(), nhwc.dataSync(), 1e-5);
  });

  it('Conv2DBackpropInput is the adjoint of Conv2D: <conv(x), y> = <x, convT(y)>', () => {
    const y = vals(4, 1 * 3 * 3 * 3);
    const conv = run1('Conv2D', [f(x, xShape), f(k, kShape)], { strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') });
    const back = run1('Conv2DBackpropInput', [i32(xShape), f(k, kShape), f(y, [1, 3, 3, 3])], { strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') });
    expect(back.shape).toEqual(xShape);
    const lhs = Array.from(conv.dataSync()).reduce((a, v, i) => a + v * y[i]!, 0);
    const rhs = Array.from(back.dataSync()).reduce((a, v, i) => a + v * x[i]!, 0);
    expect(rhs).toBeCloseTo(lhs, 3);
  });

  it('Conv3DBackpropInputV2 is the adjoint of Conv3D', () => {
    const x3 = vals(6, 1 * 4 * 4 * 4 * 2);
    const k3 = vals(7, 2 * 2 * 2 * 2 * 3);
    const conv = run1('Conv3D', [f(x3, [1, 4, 4, 4, 2]), f(k3, [2, 2, 2, 2, 3])], { strides: A.ints([1, 2, 2, 2, 1]), padding: A.s('VALID') });
    expect(conv.shape).toEqual([1, 2, 2, 2, 3]);
    const y = vals(8, conv.size);
    const back = run1('Conv3DBackpropInputV2', [i32([1, 4, 4, 4, 2]), f(k3, [2, 2, 2, 2, 3]), f(y, conv.shape)], { strides: A.ints([1, 2, 2, 2, 1]), padding: A.s('VALID') });
    const lhs = Array.from(conv.dataSync()).reduce((a, v, i) => a + v * y[i]!, 0);
    const rhs = Array.from(back.dataSync()).reduce((a, v, i) => a + v * x3[i]!, 0);
    expect(rhs).toBeCloseTo(lhs, 3);
  });

  it('DepthwiseConv2dNative computes each channel with its own filter', () => {
    const dk = vals(5, 3 * 3 * 2);
    const out = run1('DepthwiseConv2dNative', [f(x, xShape), f(dk, [3, 3, 2, 1])], { strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID') });
    for (let c = 0; c < 2; c++) {
      const xc = x.filter((_, i) => i % 2 === c);
      const kc = dk.filter((_, i) => i % 2 === c);
      const expected = naiveConv(xc, [1, 5, 5, 1], kc, [3, 3, 1, 1], 1, 0, 0, 3, 3);
      expectClose(Array.from(out.dataSync()).filter((_, i) => i % 2 === c), expected, 1e-4);
    }
  });

  it('MaxPool / AvgPool (SAME averages over valid cells only)', () => {
    const img = f([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const mp = run1('MaxPool', [img], { ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') });
    expect(arr(mp)).toEqual([[[[5], [6]], [[8], [9]]]]);
    const ap = run1('AvgPool', [img], { ksize: A.ints([1, 2, 2, 1]), strides: A.ints([1, 2, 2, 1]), padding: A.s('SAME') });
    expectClose(ap.dataSync(), [3, 4.5, 7.5, 9]);
    const nchw = run1('MaxPool', [tf.transpose(img, [0, 3, 1, 2])], {
      ksize: A.ints([1, 1, 2, 2]), strides: A.ints([1, 1, 1, 1]), padding: A.s('VALID'), data_format: A.s('NCHW'),
    });
    expect(arr(nchw)).toEqual([[[[5, 6], [8, 9]]]]);
  });

  it('BiasAdd in NHWC and NCHW', () => {
    const x2 = f([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    expect(Array.from(run1('BiasAdd', [x2, f([10, 100])]).dataSync())).toEqual([11, 102, 13, 104, 15, 106, 17, 108]);
    expect(Array.from(run1('BiasAdd', [x2, f([10, 100])], { data_format: A.s('NCHW') }).dataSync())).toEqual([11, 12, 13, 14, 105, 106, 107, 108]);
  });

  it('Softmax / LogSoftmax over the last axis, LeakyRelu alpha attr', () => {
    const logits = [1, 2, 3, 1, 1, 1];
    const sm = run1('Softmax', [f(logits, [2, 3])]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0]! + e[1]! + e[2]!;
    expectClose(sm.dataSync(), [e[0]! / z, e[1]! / z, e[2]! / z, 1 / 3, 1 / 3, 1 / 3]);
    expectClose(run1('LogSoftmax', [f(logits, [2, 3])]).dataSync(), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z), -Math.log(3), -Math.log(3), -Math.log(3)]);
    expectClose(run1('LeakyRelu', [f([-10, 5])], { alpha: A.f(0.01) }).dataSync(), [-0.1, 5]);
  });

  it('TopKV2 returns sorted values and int32 indices', () => {
    const out = run('TopKV2', [f([3, 1, 4, 1, 5, 9, 2, 6]), i32([3], [])]);
    expect(Array.from(tensorOut(out[0]).dataSync())).toEqual([9, 6, 5]);
    expect(Array.from(tensorOut(out[1]).dataSync())).toEqual([5, 7, 4]);
  });
});
