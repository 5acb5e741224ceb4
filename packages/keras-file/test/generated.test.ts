import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';
import { relError, toTensor, type ExpectedCase, type TensorJson } from './support.js';

// Small models written by savedkeras' own writer (scripts/write-test-models.mjs), which Keras 3
// loaded, predicted, re-saved as .h5 and trained (scripts/make_test_data.py): a fresh clone tests
// reading, writing and optimizer-state restore against Keras' numbers without ../shared or Python.
const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const SLUGS = ['seq-mlp', 'func-cnn', 'lstm'];

interface Expected {
  cases: ExpectedCase[];
  train_step: { inputs: Record<string, TensorJson>; target: TensorJson; weights_after: Record<string, TensorJson[]>; optimizer: string; iterations_before: number };
}
const expected = (slug: string) => JSON.parse(readFileSync(join(DATA, `${slug}.expected.json`), 'utf8')) as Expected;
const bytes = (name: string) => new Uint8Array(readFileSync(join(DATA, name)));
const flat = (t: TensorJson) => (Array.isArray(t.value) ? (t.value as number[]).flat(Infinity as 1) : [t.value]) as number[];

async function predictions(model: import('@tensorflow/tfjs-layers').LayersModel, c: ExpectedCase): Promise<number> {
  const inputs = model.inputs.map((i) => toTensor(c.inputs[i.sourceLayer.name]!));
  const out = model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor;
  const want = Object.values(c.outputs)[0]!;
  const err = relError(await out.data() as Float32Array, flat(want));
  tf.dispose([...inputs, out]);
  return err;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`small generated .keras / .h5 files on ${backend}`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });

    for (const slug of SLUGS) {
      for (const file of [`${slug}.keras`, `${slug}.h5`]) {
        it(`${file} gives Keras' predictions`, async () => {
          const { model, report } = await loadKerasFile(bytes(file), { fileName: file, warn: () => undefined, compile: false });
          expect(report.info.layout).toBe('keras-3');
          for (const c of expected(slug).cases) expect(await predictions(model, c)).toBeLessThanOrEqual(1e-4);
          model.dispose();
        });
      }

      it(`${slug}: the writer round-trips (written, read again, same predictions)`, async () => {
        const { model } = await loadKerasFile(bytes(`${slug}.h5`), { warn: () => undefined, compile: false });
        const again = (await loadKerasFile(await encodeKerasFile(model), { warn: () => undefined, compile: false })).model;
        for (const c of expected(slug).cases) expect(await predictions(again, c)).toBeLessThanOrEqual(1e-4);
        model.dispose();
        again.dispose();
      });

      // Training runs on cpu: tfjs-backend-wasm has no gradient kernels for some ops (Conv2DBackpropFilter).
      it.runIf(backend === 'cpu')(`${slug}: training resumes from the saved optimizer state as in Keras`, async () => {
        const exp = expected(slug).train_step;
        const warnings: string[] = [];
        const { model, report } = await loadKerasFile(bytes(`${slug}-trained.keras`), { warn: (m) => warnings.push(m) });
        expect(report.compile.compiled, warnings.join('; ')).toBe(true);
        expect(report.optimizerState, warnings.join('; ')).toMatchObject({ restored: true, iterations: exp.iterations_before });
        const xs = model.inputs.map((i) => toTensor(exp.inputs[i.sourceLayer.name]!));
        // tfjs losses take float labels (sparse class ids included).
        const y = tf.cast(toTensor(exp.target), 'float32');
        await model.trainOnBatch(xs.length === 1 ? xs[0]! : xs, y);
        for (const [layerName, weights] of Object.entries(exp.weights_after)) {
          const got = model.getLayer(layerName).weights;
          expect(got.length).toBe(weights.length);
          for (const [i, w] of weights.entries()) {
            expect(relError(await got[i]!.read().data() as Float32Array, flat(w)), `${layerName} weight ${i}`).toBeLessThanOrEqual(2e-4);
          }
        }
        tf.dispose([...xs, y]);
        model.dispose();
      });
    }
  });
}

describe('inspectKerasFile', () => {
  it('lists layers and stored arrays with the sha256 h5py computes of the same datasets', async () => {
    const { inspectKerasFile } = await import('../src/index.js');
    for (const slug of SLUGS) {
      const info = await inspectKerasFile(bytes(`${slug}.h5`), { fileName: `${slug}.h5` });
      const want = (JSON.parse(readFileSync(join(DATA, `${slug}.expected.json`), 'utf8')) as { h5_sha256: Record<string, string> }).h5_sha256;
      expect(info.format).toBe('hdf5');
      expect(info.layout).toBe('keras-3');
      expect(Object.fromEntries(info.weights.map((w) => [w.path, w.sha256]))).toEqual(want);
      const zip = await inspectKerasFile(bytes(`${slug}-trained.keras`));
      expect(zip.format).toBe('keras-zip');
      expect(zip.layers.length).toBeGreaterThan(0);
      expect(zip.weights.some((w) => w.optimizer)).toBe(true);
    }
  });
});
