import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { AdditiveAttention, Attention } from '../src/dense-attention.js';
import { Subtract } from '../src/subtract.js';
import { deserializeLayer, expectClose } from './helpers.js';
import { fixtureLayers, haveFixtures } from './fixtures.js';

beforeAll(() => registerAllLayers());

// One batch, Tq = 2, Tv = 2, dim 2.
const q = tf.tensor([[[1, 0], [0, 1]]]);
const k = tf.tensor([[[1, 0], [1, 1]]]);
const v = tf.tensor([[[10, 0], [0, 20]]]);

/** softmax of a row by hand. */
const sm = (xs: number[]) => {
  const e = xs.map(Math.exp);
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

describe('Attention (Luong)', () => {
  it('dot scores q·k, softmax over values, weighted sum of values', () => {
    const layer = new Attention({ name: 'att' });
    const [out, w] = layer.apply([q, v, k], { return_attention_scores: true }) as tf.Tensor[];
    // row 0: q=(1,0) · k0=1, k1=1 -> [0.5, 0.5]; row 1: q=(0,1) · k0=0, k1=1
    const r1 = sm([0, 1]);
    expectClose(w, [0.5, 0.5, ...r1]);
    expectClose(out, [5, 10, 10 * r1[0], 20 * r1[1]], 1e-5, [1, 2, 2]);
  });

  it('without a key the value is the key; use_scale multiplies the scores by the learned scale', () => {
    const layer = new Attention({ name: 'att', useScale: true });
    layer.apply([tfl.input({ shape: [2, 2] }), tfl.input({ shape: [2, 2] })]);
    expect(layer.weights.map((x) => x.shape)).toEqual([[]]);
    layer.setWeights([tf.scalar(0.1)]);
    const out = layer.apply([q, tf.tensor([[[1, 0], [0, 1]]])]) as tf.Tensor;
    const r0 = sm([0.1, 0]);
    expectClose(tf.slice(out, [0, 0, 0], [1, 1, 2]), [r0[0], r0[1]]);
  });

  it('causal mask and value mask hide positions (1e9 penalty)', () => {
    const causal = new Attention({ name: 'att', causal: true }).apply([q, v, k]) as tf.Tensor;
    expectClose(tf.slice(causal, [0, 0, 0], [1, 1, 2]), [10, 0]); // row 0 sees only value 0
    const masked = new Attention({ name: 'att2' }).call([q, v, k], { mask: [null, tf.tensor([[1, 0]], undefined, 'bool')] }) as tf.Tensor;
    expectClose(masked, [10, 0, 10, 0]);
  });

  it("score_mode 'concat': weight * sum(tanh(q + k))", () => {
    const layer = new Attention({ name: 'att', scoreMode: 'concat' });
    layer.apply([q, v, k]);
    const [, w] = layer.apply([q, v, k], { return_attention_scores: true }) as tf.Tensor[];
    const s = (a: number[], b: number[]) => Math.tanh(a[0] + b[0]) + Math.tanh(a[1] + b[1]);
    const r0 = sm([s([1, 0], [1, 0]), s([1, 0], [1, 1])]);
    expectClose(tf.slice(w, [0, 0, 0], [1, 1, 2]), r0);
  });

  it('AdditiveAttention: sum(scale * tanh(q + k))', () => {
    const layer = new AdditiveAttention({ name: 'add' });
    layer.apply([q, v, k]);
    layer.setWeights([tf.tensor([1, 2])]);
    const [, w] = layer.apply([q, v, k], { return_attention_scores: true }) as tf.Tensor[];
    const s = (a: number[], b: number[]) => Math.tanh(a[0] + b[0]) + 2 * Math.tanh(a[1] + b[1]);
    expectClose(tf.slice(w, [0, 1, 0], [1, 1, 2]), sm([s([0, 1], [1, 0]), s([0, 1], [1, 1])]));
  });
});

describe('Subtract', () => {
  it('subtracts the second input from the first, broadcasting', () => {
    const a = tfl.input({ shape: [3] });
    const b = tfl.input({ shape: [1] });
    const out = new Subtract({ name: 'sub' }).apply([a, b]) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 3]);
    const got = tfl.model({ inputs: [a, b], outputs: out }).predict([tf.tensor([[5, 6, 7]]), tf.tensor([[1]])]) as tf.Tensor;
    expectClose(got, [4, 5, 6]);
  });
});

describe.skipIf(!haveFixtures)('fixture configs', () => {
  it('the two Attention layers of attention-timeseries (dot, no scale) attend over expand_dims outputs', () => {
    const layers = fixtureLayers('attention-timeseries', 'Attention');
    expect(layers).toHaveLength(2);
    for (const l of layers) {
      const att = deserializeLayer<Attention>('Attention', l.config);
      expect(att.useScale).toBe(false);
      expect(att.scoreMode).toBe('dot');
      // Tq = Tv = 1 (their inputs are expand_dims(dense, 1)): softmax over one value is 1 -> output = value.
      const out = att.apply([tf.tensor([[[3, 4]]]), tf.tensor([[[7, 8]]]), tf.tensor([[[1, 1]]])]) as tf.Tensor;
      expectClose(out, [7, 8]);
    }
  });

  it('the 8 saved Subtract layers deserialize and subtract', () => {
    let n = 0;
    for (const slug of ['attention-timeseries', 'custom-tcn-layer', 'functional-ff-layernorm-slicing', 'functional-lstm-tfoplambda']) {
      for (const l of fixtureLayers(slug, 'Subtract')) {
        const layer = deserializeLayer<Subtract>('Subtract', l.config);
        expectClose(layer.apply([tf.tensor([[3]]), tf.tensor([[5]])]) as tf.Tensor, [-2]);
        n++;
      }
    }
    expect(n).toBe(8);
  });
});
