import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { CheckpointReader } from '@savedkeras/proto';
import { loadKerasModelWithReport } from '../src/index.js';
import { expected, fixtureDir, haveFixtures, manifest, type TensorJson } from './fixtures.js';

const have = haveFixtures('revive fixture tests');

/**
 * Fixtures whose Keras objects all have a config of a class we support: each must revive as a
 * LayersModel from config (no saved functions), match its reference outputs and hold exactly
 * its checkpoint's weights.
 */
const REVIVED_FROM_CONFIG = [
  'seq-mlp-coinflip-ref', 'seq-logistic-rmsprop', 'seq-mlp-rmsprop-tf216', 'mlp-dqn-functional-snake', 'vae-encoder-multi-output',
  'cgan-generator-multiply-tf215', 'legacy-tf22-conv1d-l1l2-regularizer', 'legacy-tf23-cnn-compiled', 'legacy-tf23-cnn-encoder',
  'legacy-tf23-cnn-gap-dynamic', 'legacy-tf23-upsampling-decoder', 'legacy-tf24-custom-loss-mlp', 'legacy-tf24-mlp-layernorm',
  'seq-conv1d-stack-timeseries', 'seq-dense-on-3d-input', 'seq-embedding-flatten-spam-tf25', 'seq-simplernn-coinflip',
  'seq-simplernn-stack6', 'legacy-tf22-large-2shard-lstm', 'legacy-tf23-bilstm-batchnorm', 'legacy-tf21-discriminator-leakyrelu',
  'memnet-babi-multi-input', 'seq2seq-lstm-encoder',
];

function toTensor(t: TensorJson): tf.Tensor {
  const dtype = t.dtype === 'float32' || t.dtype === 'float64' ? 'float32' : t.dtype === 'string' ? 'string' : t.dtype === 'bool' ? 'bool' : 'int32';
  return tf.tensor(t.value as number[], t.shape, dtype);
}

function maxViolation(got: Float32Array | Int32Array | Uint8Array, want: number[], tol: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (tol + tol * Math.abs(want[i]));
    worst = Math.max(worst, excess);
  }
  return worst;
}

describe.skipIf(!have)('revive real fixtures from their Keras config', () => {
  for (const slug of REVIVED_FROM_CONFIG) {
    it(`${slug}: revives from config, holds the checkpoint's weights and reproduces expected.json`, async () => {
      const source = new NodeFileSource(fixtureDir(slug));
      const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
      expect(model).toBeInstanceOf(Object);
      expect(report.fromSavedFunctions).toBe(0);
      expect(report.fromConfig).toBeGreaterThan(0);

      // Every weight equals its checkpoint tensor exactly.
      const ckpt = await CheckpointReader.open(source);
      expect(report.weights.length).toBe(model.weights.length);
      for (const w of report.weights) {
        const stored = await ckpt.readTensor(w.checkpointKey);
        const mine = model.weights.find((x) => x === w.weight)!.read().dataSync();
        expect(Array.from(mine)).toEqual(Array.from(stored.values as Float32Array, Number));
      }

      const exp = expected(slug);
      if (!exp) return;
      for (const c of exp.cases) {
        const inputs = report.inputNames.map((n) => {
          expect(Object.keys(c.inputs)).toContain(n);
          return toTensor(c.inputs[n]);
        });
        const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
        const outs = Array.isArray(out) ? out : [out];
        expect([...report.outputNames].sort()).toEqual(Object.keys(c.outputs).sort());
        outs.forEach((o, i) => {
          const want = c.outputs[report.outputNames[i]];
          expect(o.shape).toEqual(want.shape);
          const flat = (want.value as number[]).flat(Infinity as 1) as number[];
          expect(maxViolation(o.dataSync() as Float32Array, flat, c.tolerance ?? 1e-4)).toBeLessThanOrEqual(0);
        });
      }
    });
  }

  it('every fixture with training_config whose model revives compiles and one fit() step changes the weights', async () => {
    const compiled = manifest().filter((m) => m.has_training_config && REVIVED_FROM_CONFIG.includes(m.slug));
    expect(compiled.length).toBeGreaterThan(5);
    let fitted = 0;
    for (const m of compiled.slice(0, 6)) {
      const { model, report } = await loadKerasModelWithReport(new NodeFileSource(fixtureDir(m.slug)), { warn: () => {} });
      if (!report.compile.compiled) continue;
      const xs = model.inputs.map((inp) => tf.randomUniform([2, ...inp.shape.slice(1).map((d) => d ?? 32)], 0, 1, 'float32', 7));
      const pred = model.predict(xs.length === 1 ? xs[0] : xs);
      const ys = (Array.isArray(pred) ? pred : [pred]).map((p) => tf.randomUniform(p.shape, 0, 1, 'float32', 9));
      const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
      await model.fit(xs.length === 1 ? xs[0] : xs, ys.length === 1 ? ys[0] : ys, { epochs: 1, batchSize: 2, verbose: 0 });
      const after = model.trainableWeights.map((w) => w.read().dataSync());
      expect(after.some((a, i) => a.some((v, j) => v !== before[i][j]))).toBe(true);
      fitted++;
    }
    expect(fitted).toBeGreaterThan(2);
  });
});
