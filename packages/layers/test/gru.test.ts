import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { GRU } from '../src/gru.js';
import { deserializeLayer, expectClose, rand } from './helpers.js';
import { fixtureLayers, haveFixtures, openCheckpoint, readFloat, referenceCases } from './fixtures.js';

beforeAll(() => registerAllLayers());

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Keras GRU, one sequence, step by step with plain loops (gate order z, r, h):
 *   x_g = x·W_g + b_in_g ; h_g = h·U_g + b_rec_g
 *   z = σ(x_z + h_z), r = σ(x_r + h_r)
 *   reset_after:  hh = tanh(x_h + r ⊙ h_h)        (h_h includes b_rec_h)
 *   otherwise:    hh = tanh(x_h + (r ⊙ h)·U_h)     (one bias)
 *   h' = z ⊙ h + (1 - z) ⊙ hh
 */
function gruSteps(xs: number[][], W: number[], U: number[], b: number[], units: number, resetAfter: boolean): number[][] {
  const inDim = xs[0].length;
  let h = new Array(units).fill(0);
  const seq: number[][] = [];
  const col = (M: number[], rowsN: number, v: number[], c: number) => v.reduce((s, vi, i) => s + vi * M[i * 3 * units + c], 0);
  for (const x of xs) {
    const next: number[] = [];
    const r: number[] = [];
    const z: number[] = [];
    for (let j = 0; j < units; j++) {
      const bIn = (g: number) => b[g * units + j];
      const bRec = (g: number) => (resetAfter ? b[3 * units + g * units + j] : 0);
      z[j] = sigmoid(col(W, inDim, x, j) + bIn(0) + col(U, units, h, j) + bRec(0));
      r[j] = sigmoid(col(W, inDim, x, units + j) + bIn(1) + col(U, units, h, units + j) + bRec(1));
    }
    for (let j = 0; j < units; j++) {
      const xh = col(W, inDim, x, 2 * units + j) + b[2 * units + j];
      let rec: number;
      if (resetAfter) rec = r[j] * (col(U, units, h, 2 * units + j) + b[3 * units + 2 * units + j]);
      else rec = col(U, units, h.map((hv, i) => r[i] * hv), 2 * units + j);
      const hh = Math.tanh(xh + rec);
      next[j] = z[j] * h[j] + (1 - z[j]) * hh;
    }
    h = next;
    seq.push(h);
  }
  return seq;
}

describe('GRU', () => {
  for (const resetAfter of [true, false]) {
    it(`matches the step-by-step formula with reset_after=${resetAfter}`, () => {
      const units = 3;
      const layer = new GRU({ name: `gru_${resetAfter}`, units, resetAfter, returnSequences: true, recurrentActivation: 'sigmoid' });
      const x = tf.tensor(rand(2 * 4 * 2, 5), [2, 4, 2]);
      layer.apply(tfl.input({ shape: [4, 2] }));
      const shapes = layer.weights.map((w) => w.shape);
      expect(shapes).toEqual([[2, 9], [3, 9], resetAfter ? [2, 9] : [9]]);
      const W = rand(18, 1);
      const U = rand(27, 2);
      const b = rand(resetAfter ? 18 : 9, 3);
      layer.setWeights([tf.tensor(W, [2, 9]), tf.tensor(U, [3, 9]), tf.tensor(b, shapes[2] as number[])]);
      const out = layer.apply(x) as tf.Tensor;
      expect(out.shape).toEqual([2, 4, 3]);
      const xs = x.arraySync() as number[][][];
      for (let i = 0; i < 2; i++) expectClose(tf.gather(out, i), gruSteps(xs[i], W, U, b, units, resetAfter).flat(), 1e-5);
    });
  }

  it('serializes resetAfter and round-trips through Bidirectional (which clones via getConfig)', () => {
    const gru = new GRU({ name: 'g', units: 2, resetAfter: true });
    expect(gru.getConfig()['resetAfter']).toBe(true);
    const bi = tfl.layers.bidirectional({ layer: gru as unknown as tfl.RNN, mergeMode: 'concat' });
    const out = bi.apply(tfl.input({ shape: [3, 4] })) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 4]);
    expect(bi.weights.map((w) => w.shape)).toEqual([[4, 6], [2, 6], [2, 6], [4, 6], [2, 6], [2, 6]]);
  });
});

describe.skipIf(!haveFixtures)('GRU fixtures', () => {
  it('seq-gru-coinflip: GRU(reset_after, relu) + Dense with checkpoint weights reproduces reference/expected.json', async () => {
    const [g] = fixtureLayers('seq-gru-coinflip', 'GRU');
    const [d] = fixtureLayers('seq-gru-coinflip', 'Dense');
    expect(g.config['resetAfter']).toBe(true);
    const gru = deserializeLayer<GRU>('GRU', g.config);
    const dense = deserializeLayer<tfl.layers.Layer>('Dense', d.config);
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ batchInputShape: [null, 20, 1] }), gru, dense] });
    const ckpt = await openCheckpoint('seq-gru-coinflip');
    const key = (p: string) => `${p}/.ATTRIBUTES/VARIABLE_VALUE`;
    // The GRU's variables are checkpointed through the model's `variables` list: kernel, recurrent_kernel, bias.
    gru.setWeights(await Promise.all([0, 1, 2].map((i) => readFloat(ckpt, key(`variables/${i}`)))));
    dense.setWeights(await Promise.all(['kernel', 'bias'].map((n) => readFloat(ckpt, key(`layer_with_weights-1/${n}`)))));
    for (const c of referenceCases('seq-gru-coinflip')) {
      const inp = c.inputs['gru_input'];
      const got = model.predict(tf.tensor(inp.value as number[][][], inp.shape)) as tf.Tensor;
      expectClose(got, (c.outputs['dense_2'].value as number[][]).flat(), c.tolerance, c.outputs['dense_2'].shape);
    }
  });

  it('subclassed-gru-generator-emptyconfig: its GRU config (reset_after, return_sequences) deserializes', () => {
    const [g] = fixtureLayers('subclassed-gru-generator-emptyconfig', 'GRU');
    const gru = deserializeLayer<GRU>('GRU', g.config);
    gru.setFastWeightInitDuringBuild(true); // skip the 128x384 orthogonal init, as weight loading does
    expect(gru.returnSequences).toBe(true);
    const out = gru.apply(tfl.input({ shape: [5, 7] })) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, 5, 128]);
    expect(gru.weights.map((w) => w.shape)).toEqual([[7, 384], [128, 384], [2, 384]]);
  });
});
