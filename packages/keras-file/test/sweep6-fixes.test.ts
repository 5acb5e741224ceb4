// The Keras 3 models behind the session-6 sweep fixes (tools/sweep, realistic category), against Keras' own outputs:
// a seq2seq LSTM whose decoder starts from the encoder's [h, c] (Keras 3 saves `initial_state` as a keyword argument
// holding a list of tensors: it was dropped, the decoder started from zeros) beside a GRU started from one state; an
// autoencoder whose output is a nested Functional's call (Keras 3 numbers that call from 1 in `output_layers`: the
// file was refused); a TextVectorization -> transformer classifier on rank-1 strings run through apply() (the CLI's
// route; a tensor fed twice to MultiHeadAttention was disposed too early). Files (gzipped) and outputs: data/sweep6-fixes.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { readTestBytes } from '@savedkeras/fixtures';
import { registerAllLayers } from '@savedkeras/layers';
import { loadKerasFile } from '../src/index.js';
import { expectClose, storedTensor, type Stored } from './support.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const expected = JSON.parse(readFileSync(join(DATA, 'sweep6-fixes.expected.json'), 'utf8')) as {
  models: Record<string, { formats: string[]; inputs: Record<string, Stored>; outputs: Stored[] }>;
};

const load = (file: string) => loadKerasFile(readTestBytes(join(DATA, file)), { fileName: file, warn: () => undefined, compile: false });


for (const backend of ['wasm', 'cpu'] as const) {
  describe(`sweep6 fixes on ${backend}: Keras 3 files give Keras' outputs`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const fmt of want.formats) {
        it(`${slug}.${fmt}`, async () => {
          const { model } = await load(`${slug}.${fmt}`);
          const inputs = model.inputs.map((i) => storedTensor(want.inputs[i.sourceLayer.name]!, i.dtype));
          const arg = inputs.length === 1 ? inputs[0]! : inputs;
          // Strings of rank 1 go through apply(), as the CLI runs them; the rest through predict().
          const got = inputs[0]!.dtype === 'string' ? model.apply(arg, { training: false }) as tf.Tensor | tf.Tensor[] : model.predict(arg);
          const outs = Array.isArray(got) ? got : [got];
          expect(outs.length).toBe(want.outputs.length);
          outs.forEach((o, k) => expectClose(o, want.outputs[k]!, `${slug}.${fmt} output ${k}`));
          tf.dispose([...inputs, ...outs]);
          model.dispose();
        });
      }
    }
  });
}
