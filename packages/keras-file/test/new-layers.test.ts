// Keras layer classes @savedkeras/layers added because tfjs-layers lacks them (GroupNormalization, ConvLSTM1D,
// UnitNormalization, SpatialDropout2D/3D, ActivityRegularization, Conv1DTranspose, DepthwiseConv1D,
// SeparableConv1D, Cropping1D/3D, ZeroPadding1D/3D, UpSampling1D/3D, Hashing, HashedCrossing), loaded
// from Keras 3.15 .keras and .h5 files and held against Keras' own outputs, and one SGD step of the
// weighted ones against Keras' weights after the same step. Files and numbers: data/new-layers.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { registerAllLayers } from '@savedkeras/layers';
import { expectClose, expectOutputsAgree, modelUnderTest, storedTensor, type Stored } from './support.js';
import { encodeKerasFile, inspectKerasFile, loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Expected {
  generator: string;
  models: Record<string, { inputs: Record<string, Stored>; outputs: Record<string, Stored> }>;
  train: { file: string; x: Stored; y: Stored; before: Stored; loss: number; learningRate: number; weightsAfter: Record<string, Stored> }[];
}
const expected = parseStoredJson<Expected>(readFileSync(join(DATA, 'new-layers.expected.json'), 'utf8'));


async function load(file: string, bytes?: Uint8Array): Promise<tfl.LayersModel> {
  const { model } = await loadKerasFile(bytes ?? readTestBytes(join(DATA, file)), { fileName: file, warn: () => undefined, compile: false });
  return model;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`new Keras layer classes on ${backend} (${expected.generator})`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const file of [`${slug}.keras`, `${slug}.h5`, `${slug}.keras written back by saveKerasFile`, `${slug}.h5 written back by saveKerasFile`]) {
        it(`${file}: every output agrees with Keras (${Object.keys(want.outputs).join(', ')})`, async () => {
          const model = await modelUnderTest(file, load);
          expectOutputsAgree(model, want, file);
          model.dispose();
        });
      }
    }

    // On wasm the depthwise gradients run the cpu kernels (@savedkeras/kernels KERNEL_FIXES: wasm has none).
    for (const [t, ext] of expected.train.flatMap((t) => [[t, 'keras'], [t, 'h5'], [t, 'keras written back by saveKerasFile']] as const)) {
      it(`${t.file}.${ext}: one SGD step moves every weight as Keras' step does`, async () => {
        let model = await load(`${t.file}.${ext.split(' ')[0]}`);
        if (ext !== 'keras' && ext !== 'h5') {
          // The written file keeps every weight's value, order and name (trained below as Keras trained its own).
          const bytes = await encodeKerasFile(model, { warn: () => undefined });
          model.dispose();
          model = await load(`${t.file}-rewritten.keras`, bytes);
        }
        const x = storedTensor(t.x, 'float32');
        const y = storedTensor(t.y, 'float32');
        const before = model.predict(x) as tf.Tensor;
        expectClose(before, t.before, 'prediction before the step');
        model.compile({ optimizer: tf.train.sgd(t.learningRate), loss: 'meanSquaredError' });
        const history = await model.fit(x, y, { batchSize: t.x.shape[0], epochs: 1, shuffle: false, verbose: 0 });
        expect(Math.abs((history.history['loss']![0] as number) - t.loss)).toBeLessThan(1e-5 * (1 + t.loss));
        const names = Object.keys(t.weightsAfter);
        expect(model.weights.length).toBe(names.length);
        model.weights.forEach((w, i) => {
          const parts = names[i]!.split('/');
          const [layer, weight] = [parts[0]!, parts[parts.length - 1]!];
          expect(w.originalName, names[i]).toContain(layer);
          expect(w.originalName, names[i]).toContain(weight);
          const v = w.read();
          expectClose(v, t.weightsAfter[names[i]!]!, `${names[i]} after the step`, 2e-5);
        });
        tf.dispose([x, y, before, history.history['loss'] as never]);
        model.dispose();
      });
    }
  });
}

// Keras 3.15 loads what saveKerasFile writes only when every weight sits where its own saving puts it
// (ConvLSTM1D and stacked-cell RNNs keep theirs under `cell/`; checked once with Keras 3.15 load_model on
// these files: every output equal to Keras' stored ones). Pinned here without Python: the written
// model.weights.h5 holds the same arrays (path, shape, values) as the file Keras wrote.
describe('saveKerasFile writes every weight where Keras 3.15 put it', () => {
  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
  });
  const files = [...Object.keys(expected.models), ...expected.train.map((t) => t.file)].map((s) => `${s}.keras`).concat(['layer-fixes-func.keras', 'layer-fixes-seq-called.keras']);
  it.each(files)('%s', async (file) => {
    const bytes = readTestBytes(join(DATA, file));
    const model = await load(file);
    const written = await encodeKerasFile(model, { warn: () => undefined });
    model.dispose();
    const arrays = async (b: Uint8Array) => (await inspectKerasFile(b)).weights.filter((w) => !w.optimizer).map((w) => `${w.path} [${w.shape.join(',')}] ${w.sha256}`).sort();
    expect(await arrays(written)).toEqual(await arrays(bytes));
  });
});
