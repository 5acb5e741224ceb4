import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { requireFixtures } from '@savedkeras/testing';
import { loadSignatures, type SignatureFunction } from '../src/index.js';
import { openFixture } from './fixture-model.js';

/**
 * The four fixtures whose While + TensorList graphs crash tfjs-converter (a TensorList element
 * disposed with the previous iteration's loop variables): they must run, give the same numbers
 * on every call, and leave no tensor behind.
 */
const present = requireFixtures('graph RNN lifetimes');

function feed(sig: SignatureFunction, seed: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  sig.inputs.forEach((i, k) => {
    const shape = (i.shape ?? [1]).map((d, j) => (d >= 0 ? d : j === 0 ? 1 : 6));
    out[i.name] = tf.randomUniform(shape, -1, 1, 'float32', seed + k);
  });
  return out;
}

describe.skipIf(!present)('While/TensorList lifetimes on stacked and bidirectional RNNs', () => {
  test.each(['seq-simplernn-stack6', 'legacy-tf23-bilstm-batchnorm', 'seq2seq-lstm-decoder-multi-io', 'functional-lstm-tfoplambda'])(
    '%s: repeated calls, same numbers, no leak',
    async (slug) => {
      const { graph, checkpoint } = await openFixture(slug);
      const m = await loadSignatures(graph, checkpoint);
      const sig = m.signatures['serving_default']!;
      const inputs = feed(sig, 7);
      let first: number[][] | null = null;
      for (let call = 0; call < 3; call++) {
        const before = tf.memory().numTensors;
        const out = sig(inputs);
        // (the first call also caches the graph's Const values, kept until m.dispose())
        const values = Object.keys(out).sort().map((k) => Array.from(out[k]!.dataSync()));
        for (const v of values) expect(v.every(Number.isFinite)).toBe(true);
        if (first) expect(values).toEqual(first);
        else first = values;
        tf.dispose(Object.values(out));
        if (call > 0) expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose(Object.values(inputs));
      const beforeDispose = tf.memory().numTensors;
      m.dispose();
      expect(tf.memory().numTensors).toBeLessThan(beforeDispose);
    },
  );

  test('seq2seq-lstm-decoder-multi-io matches a direct tfjs LSTM on the checkpoint weights (initial state in, last state out)', async () => {
    const { graph, checkpoint } = await openFixture('seq2seq-lstm-decoder-multi-io');
    const lstmCfg = graph.nodes.find((n) => n.keras?.className === 'LSTM')!.keras!.metadata['config'] as Record<string, unknown>;
    expect([lstmCfg['activation'], lstmCfg['recurrent_activation'], lstmCfg['return_sequences'], lstmCfg['return_state']]).toEqual(['tanh', 'sigmoid', true, true]);
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['serving_default']!;
    const byShape = (s: string) => [...m.variables.values()].find((v) => v.shape.join(',') === s)!;
    const [W, U, b, Wd, bd] = ['88,1024', '256,1024', '1024', '256,88', '88'].map(byShape) as tf.Variable[];
    const T = 4;
    const x = tf.randomUniform([1, T, 88], 0, 1, 'float32', 1);
    const h0 = tf.randomUniform([1, 256], -0.5, 0.5, 'float32', 2);
    const c0 = tf.randomUniform([1, 256], -0.5, 0.5, 'float32', 3);
    const ref = tf.tidy(() => {
      let h: tf.Tensor = h0;
      let c: tf.Tensor = c0;
      const ys: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const xt = tf.squeeze(tf.slice(x, [0, t, 0], [1, 1, 88]), [1]);
        const z = tf.add(tf.add(tf.matMul(xt, W!), tf.matMul(h, U!)), b!);
        const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc)));
        h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
        ys.push(tf.softmax(tf.add(tf.matMul(h, Wd!), bd!)));
      }
      return { dense: tf.stack(ys, 1), h, c };
    });
    const out = sig({ input_2: x, input_3: h0, input_4: c0 });
    const maxDiff = (a: tf.Tensor, e: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, e))).dataSync()[0]!);
    expect(out['dense']!.shape).toEqual([1, T, 88]);
    expect(maxDiff(out['dense']!, ref.dense)).toBeLessThan(1e-5);
    expect(maxDiff(out['lstm_1']!, ref.h)).toBeLessThan(1e-5);
    expect(maxDiff(out['lstm_1_1']!, ref.c)).toBeLessThan(1e-5);
    tf.dispose([...Object.values(out), ref.dense, ref.h, ref.c, x, h0, c0]);
    m.dispose();
  });
});
