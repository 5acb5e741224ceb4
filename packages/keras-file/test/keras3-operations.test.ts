// Keras 3 Functional models with operation nodes (module keras.src.ops.*): the NotEqual mask of an
// Embedding(mask_zero) passed to LSTM / Bidirectional(GRU) as `mask=`, and keras.ops calls between
// layers. Files and Keras' outputs written by data/keras3-ops.py (Keras 3.15); both .keras and .h5, and each
// written back by saveKerasFile as Keras 3 operation nodes (checked once with Keras 3.15 load_model on the
// written files: the same outputs).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Stored { shape: number[]; values: number[] }
const expected = JSON.parse(readFileSync(join(DATA, 'keras3-ops.expected.json'), 'utf8')) as { models: Record<string, { inputs: Record<string, Stored>; outputs: Stored[] }> };

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Keras 3 operation nodes on ${backend}`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const file of [`${slug}.keras`, `${slug}.h5`, `${slug}.h5 written back by saveKerasFile`]) {
        it(`${file} gives Keras' outputs`, async () => {
          const source = file.split(' ')[0]!;
          let { model } = await loadKerasFile(new Uint8Array(readFileSync(join(DATA, source))), { fileName: source, warn: () => undefined, compile: false });
          if (file !== source) {
            const bytes = await encodeKerasFile(model, { warn: () => undefined });
            model.dispose();
            ({ model } = await loadKerasFile(bytes, { fileName: `${slug}-rewritten.keras`, warn: () => undefined, compile: false }));
          }
          const inputs = model.inputs.map((i) => {
            const s = want.inputs[i.sourceLayer.name]!;
            return tf.tensor(s.values, s.shape, i.dtype);
          });
          const got = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
          const outs = Array.isArray(got) ? got : [got];
          expect(outs.length).toBe(want.outputs.length);
          outs.forEach((o, k) => {
            expect(o.shape).toEqual(want.outputs[k]!.shape);
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

