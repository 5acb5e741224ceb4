// Keras 3 models with layers tfjs-layers lacks or got wrong: grouped Conv1D/Conv2D, CenterCrop (a crop
// and a smart_resize), LayerNormalization(rms_scaling), an RNN of stacked cells with return_sequences and
// return_state, and Sequential models saved without an Input (built by calling them on one sample, and by
// build()), each also written back by saveKerasFile and loaded again. Files and Keras' outputs written by
// data/layer-fixes.py (Keras 3.15).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Stored { shape: number[]; values: number[] }
const expected = parseStoredJson<{ models: Record<string, { inputs: Record<string, Stored>; outputs: Stored[] }> }>(readFileSync(join(DATA, 'layer-fixes.expected.json'), 'utf8'));
const FILES: Record<string, string[]> = {
  'layer-fixes-func': ['layer-fixes-func.keras', 'layer-fixes-func.h5'],
  'layer-fixes-seq-called': ['layer-fixes-seq-called.keras'],
  'layer-fixes-seq-built': ['layer-fixes-seq-built.h5'],
};

async function load(file: string): Promise<tfl.LayersModel> {
  const opts = { warn: () => undefined, compile: false };
  const source = file.replace(/ written back by saveKerasFile$/, '');
  const { model } = await loadKerasFile(readTestBytes(join(DATA, source)), { ...opts, fileName: source });
  if (source === file) return model;
  const bytes = await encodeKerasFile(model, { warn: () => undefined });
  model.dispose();
  return (await loadKerasFile(bytes, { ...opts, fileName: `${source}-rewritten.keras` })).model;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Keras 3 layer fixes on ${backend}`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      // Each file as Keras wrote it, and loaded then written back by our Keras writer (saveKerasFile's
      // encoder: every fixed class's getConfig and weights) and loaded again.
      for (const file of FILES[slug]!.flatMap((f) => [f, `${f} written back by saveKerasFile`])) {
        it(`${file} gives Keras' outputs`, async () => {
          const model = await load(file);
          // Inputs by the names Keras' load_model gives them (a Sequential's InputLayer name).
          expect(model.inputs.map((i) => i.sourceLayer.name).sort()).toEqual(Object.keys(want.inputs).sort());
          const inputs = model.inputs.map((i) => {
            const s = want.inputs[i.sourceLayer.name]!;
            return tf.tensor(s.values, s.shape, i.dtype);
          });
          const got = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
          const outs = Array.isArray(got) ? got : [got];
          expect(outs.length).toBe(want.outputs.length);
          outs.forEach((o, k) => {
            expect(o.shape, `output ${k}`).toEqual(want.outputs[k]!.shape);
            const vals = o.dataSync();
            want.outputs[k]!.values.forEach((w, i) => expect(Math.abs(vals[i]! - w), `output ${k} element ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
          });
          tf.dispose([...inputs, ...outs]);
          model.dispose();
        });
      }
    }
  });
}
