import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { EinsumDense, analyzeEinsumDense } from '../src/einsum-dense.js';
import { MultiHeadAttention, buildAttentionEquation, buildProjEquation } from '../src/multi-head-attention.js';
import { deserializeLayer, expectClose, rand } from './helpers.js';
import { fixtureLayers, haveFixtures, openCheckpoint, readFloat } from './fixtures.js';

beforeAll(() => registerAllLayers());

type Arr = number[];

/**
 * Multi-head attention for one [T, D] query / [S, Dv] value sequence, straight from the
 * definition with plain loops: per head n, Q = xq Wq[:, n, :] + bq[n], K, V likewise,
 * p = softmax_s(Q_t · K_s / sqrt(H)), O_t = sum_s p V_s, out_t = sum_{n,h} O_t[n, h] Wo[n, h, :] + bo.
 */
function directMha(
  xq: Arr[], xv: Arr[], w: { wq: Arr; bq: Arr; wk: Arr; bk: Arr; wv: Arr; bv: Arr; wo: Arr; bo: Arr },
  dims: { D: number; Dv: number; N: number; H: number; Hv: number; Dout: number }, causal = false,
): { out: Arr[]; scores: Arr[][] } {
  const { D, Dv, N, H, Hv, Dout } = dims;
  const proj = (x: Arr, W: Arr, b: Arr, din: number, n: number, hdim: number) => {
    const r: Arr = [];
    for (let h = 0; h < hdim; h++) {
      let s = b[n * hdim + h];
      for (let d = 0; d < din; d++) s += x[d] * W[(d * N + n) * hdim + h];
      r.push(s);
    }
    return r;
  };
  const T = xq.length;
  const S = xv.length;
  const out: Arr[] = [];
  const scores: Arr[][] = Array.from({ length: N }, () => [] as Arr[]);
  for (let t = 0; t < T; t++) {
    const o = new Array(Dout).fill(0).map((_, e) => w.bo[e]);
    for (let n = 0; n < N; n++) {
      const q = proj(xq[t], w.wq, w.bq, D, n, H);
      const logits = xv.map((xs, s) => {
        if (causal && s > t) return -Infinity;
        const k = proj(xs, w.wk, w.bk, Dv, n, H);
        return q.reduce((acc, qi, i) => acc + qi * k[i], 0) / Math.sqrt(H);
      });
      const m = Math.max(...logits);
      const ex = logits.map((l) => Math.exp(l - m));
      const z = ex.reduce((a, b) => a + b, 0);
      const p = ex.map((e) => e / z);
      scores[n].push(p);
      const ctx = new Array(Hv).fill(0);
      for (let s = 0; s < S; s++) {
        const v = proj(xv[s], w.wv, w.bv, Dv, n, Hv);
        for (let h = 0; h < Hv; h++) ctx[h] += p[s] * v[h];
      }
      for (let h = 0; h < Hv; h++) for (let e = 0; e < Dout; e++) o[e] += ctx[h] * w.wo[(n * Hv + h) * Dout + e];
    }
    out.push(o);
  }
  return { out, scores };
}

function rows(t: tf.Tensor): Arr[] {
  return t.arraySync() as Arr[];
}

describe('Keras equation builders', () => {
  it('build the projection and attention equations Keras uses for rank-3 inputs', () => {
    expect(buildProjEquation(2, 1, 2)).toEqual({ equation: 'abc,cde->abde', biasAxes: 'de', outputRank: 4 });
    expect(buildProjEquation(2, 2, 1)).toEqual({ equation: 'abcd,cde->abe', biasAxes: 'e', outputRank: 3 });
    expect(buildAttentionEquation(4, [1])).toEqual({ dot: 'aecd,abcd->acbe', combine: 'acbe,aecd->abcd', scoresRank: 4 });
  });

  it('EinsumDense shape analysis follows Keras for plain and elided equations', () => {
    expect(analyzeEinsumDense('abc,cde->abde', 'de', [null, 30, 6], [null, 2, 32])).toEqual({ kernel: [6, 2, 32], bias: [2, 32], output: [null, 30, 2, 32] });
    expect(analyzeEinsumDense('...b,bc->...c', 'c', [null, 7, 4], [5])).toEqual({ kernel: [4, 5], bias: [5], output: [null, 7, 5] });
    expect(analyzeEinsumDense('ab...,bc->ac...', 'c', [null, 4, 3], [5])).toEqual({ kernel: [4, 5], bias: [5, 1], output: [null, 5, 3] });
  });
});

describe('MultiHeadAttention', () => {
  const dims = { D: 4, Dv: 3, N: 2, H: 3, Hv: 2, Dout: 4 };
  const xq = tf.tensor(rand(2 * 5 * 4, 1), [2, 5, 4]);
  const xv = tf.tensor(rand(2 * 6 * 3, 2), [2, 6, 3]);

  function built(extra: Record<string, unknown> = {}): { layer: MultiHeadAttention; w: Parameters<typeof directMha>[2] } {
    const layer = new MultiHeadAttention({ name: 'mha', numHeads: 2, keyDim: 3, valueDim: 2, ...extra });
    const q = tfl.input({ shape: [5, 4] });
    const v = tfl.input({ shape: [6, 3] });
    layer.apply([q, v]);
    const shapes = layer.weights.map((x) => x.shape);
    expect(shapes).toEqual([[4, 2, 3], [2, 3], [3, 2, 3], [2, 3], [3, 2, 2], [2, 2], [2, 2, 4], [4]]);
    const vals = shapes.map((s, i) => rand((s as number[]).reduce((a, b) => a * b, 1), 100 + i));
    layer.setWeights(vals.map((v, i) => tf.tensor(v, shapes[i] as number[])));
    const [wq, bq, wk, bk, wv, bv, wo, bo] = vals;
    return { layer, w: { wq, bq, wk, bk, wv, bv, wo, bo } };
  }

  it('matches the attention formula, with its four EinsumDense weights in Keras order and shapes', () => {
    const { layer, w } = built();
    const [out, scores] = layer.apply([xq, xv], { return_attention_scores: true }) as tf.Tensor[];
    expect(out.shape).toEqual([2, 5, 4]);
    expect(scores.shape).toEqual([2, 2, 5, 6]);
    for (let b = 0; b < 2; b++) {
      const want = directMha(rows(tf.gather(xq, b)), rows(tf.gather(xv, b)), w, dims);
      expectClose(tf.gather(out, b), want.out.flat(), 1e-4);
      expectClose(tf.gather(scores, b), want.scores.flat(2), 1e-4);
    }
  });

  it('applies the causal mask (use_causal_mask)', () => {
    const { layer, w } = built();
    const out = layer.apply([xq, tf.slice(xv, [0, 0, 0], [2, 5, 3])], { use_causal_mask: true }) as tf.Tensor;
    const want = directMha(rows(tf.gather(xq, 1)), rows(tf.gather(tf.slice(xv, [0, 0, 0], [2, 5, 3]), 1)), w, dims, true);
    expectClose(tf.gather(out, 1), want.out.flat(), 1e-4);
  });

  it('keeps the recorded call kwargs for model.predict (value passed by reference)', () => {
    const { layer, w } = built();
    const q = tfl.input({ shape: [5, 4] });
    const v = tfl.input({ shape: [6, 3] });
    const layer2 = new MultiHeadAttention({ name: 'mha2', numHeads: 2, keyDim: 3, valueDim: 2 });
    const out = layer2.apply([q, v], { value: { __savedkerasInputIndex: 1 } }) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 5, 4]);
    layer2.setWeights(layer.getWeights());
    const got = tfl.model({ inputs: [q, v], outputs: out }).predict([xq, xv]) as tf.Tensor;
    expectClose(tf.gather(got, 0), directMha(rows(tf.gather(xq, 0)), rows(tf.gather(xv, 0)), w, dims).out.flat(), 1e-4);
  });

  it('EinsumDense computes einsum + bias + activation', () => {
    const l = new EinsumDense({ name: 'ed', equation: 'ab,bc->ac', outputShape: 2, biasAxes: 'c', activation: 'relu' });
    l.apply(tfl.input({ shape: [3] }));
    l.setWeights([tf.tensor([[1, 0], [0, 1], [1, -1]]), tf.tensor([0.5, -10])]);
    expectClose(l.apply(tf.tensor([[1, 2, 3]])) as tf.Tensor, [4.5, 0]);
  });
});

describe.skipIf(!haveFixtures)('MultiHeadAttention from the fixture config', () => {
  it('builds from its saved query/key/value shapes with the checkpoint variable shapes, and runs on the saved weights', async () => {
    const [cfg] = fixtureLayers('attention-custom-transformer-encoder', 'MultiHeadAttention');
    const layer = deserializeLayer<MultiHeadAttention>('MultiHeadAttention', cfg.config);
    expect(layer.built).toBe(true);
    const ckpt = await openCheckpoint('attention-custom-transformer-encoder');
    const keys = Array.from({ length: 8 }, (_, i) => `variables/${i}/.ATTRIBUTES/VARIABLE_VALUE`);
    expect(layer.weights.map((w) => w.shape)).toEqual(keys.map((k) => ckpt.entry(k)!.shape));
    const vals = await Promise.all(keys.map((k) => readFloat(ckpt, k)));
    layer.setWeights(vals);
    const [wq, bq, wk, bk, wv, bv, wo, bo] = vals.map((t) => Array.from(t.dataSync()));
    const x = tf.tensor(rand(30 * 6, 7), [1, 30, 6]);
    const got = layer.apply([x, x]) as tf.Tensor;
    const want = directMha(rows(tf.gather(x, 0)), rows(tf.gather(x, 0)), { wq, bq, wk, bk, wv, bv, wo, bo }, { D: 6, Dv: 6, N: 2, H: 32, Hv: 32, Dout: 6 });
    expectClose(tf.gather(got, 0), want.out.flat(), 1e-4);
  });

  it('deserializes the four saved EinsumDense sublayer configs with Keras kernel/bias shapes', () => {
    const eds = fixtureLayers('attention-custom-transformer-encoder', 'EinsumDense');
    expect(eds.map((e) => e.config['name'])).toEqual(['query', 'key', 'value', 'attention_output']);
    const shapes = eds.map((e) => {
      const l = deserializeLayer<EinsumDense>('EinsumDense', e.config);
      l.build(e.config['name'] === 'attention_output' ? [null, 30, 2, 32] : [null, 30, 6]);
      return l.weights.map((w) => w.shape);
    });
    expect(shapes).toEqual([[[6, 2, 32], [2, 32]], [[6, 2, 32], [2, 32]], [[6, 2, 32], [2, 32]], [[2, 32, 6], [6]]]);
  });
});
