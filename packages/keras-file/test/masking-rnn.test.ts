// Keras 3 models where a Masking layer feeds recurrent layers (Masking -> LSTM -> GRU; Masking -> Bidirectional GRU),
// against Keras' own outputs. Keras 3 saves the mask as an explicit `mask=` argument computed by NotEqual + Any
// operation nodes; tfjs-layers propagates the same mask from the Masking layer. Inputs have masked steps in the
// middle and at the end, and a step with one masked feature only (not masked). Files and outputs written by
// data/masking-rnn.py (Keras 3.15), .keras and .h5 alike.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Stored { shape: number[]; values: number[] }
const expected = JSON.parse(readFileSync(join(DATA, 'masking-rnn.expected.json'), 'utf8')) as { models: Record<string, { inputs: Record<string, Stored>; outputs: Stored[] }> };

const load = (file: string) => loadKerasFile(new Uint8Array(readFileSync(join(DATA, file))), { fileName: file, warn: () => undefined, compile: false });

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Masking before recurrent layers on ${backend}: Keras 3 files give Keras' outputs`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const file of [`${slug}.keras`, `${slug}.h5`]) {
        it(file, async () => {
          const { model } = await load(file);
          const s = want.inputs['x']!;
          const x = tf.tensor(s.values, s.shape);
          const y = model.predict(x) as tf.Tensor;
          const w = want.outputs[0]!;
          expect(y.shape).toEqual(w.shape);
          const vals = y.dataSync();
          w.values.forEach((v, i) => expect(Math.abs(vals[i]! - v), `element ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
          // The mask matters: the same input without masking gives other numbers (so the test can fail).
          const unmasked = tf.tidy(() => tf.where(tf.equal(x, 0), tf.fill(x.shape, 1e-3), x));
          if (slug === 'masking-rnn-stack') {
            const y2 = model.predict(unmasked) as tf.Tensor;
            expect(Math.max(...Array.from(tf.tidy(() => tf.abs(tf.sub(y2, y)).dataSync())))).toBeGreaterThan(1e-3);
            y2.dispose();
          }
          tf.dispose([x, y, unmasked]);
          model.dispose();
        });
      }
    }
  });
}
