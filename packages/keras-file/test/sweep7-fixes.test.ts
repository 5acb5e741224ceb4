// The Keras 3 models behind the session-7 sweep fixes (tools/sweep, realistic category), against Keras' own outputs:
// MultiHeadAttention after Embedding(mask_zero) (self-attention with the residual as a keras.ops `+` and as an Add
// layer; an encoder-decoder with causal self-attention and cross-attention whose value carries another mask than
// the query). Keras 3 ands the query's and the value's masks into the attention mask; savedkeras ignored them and
// gave other numbers. Run through predict() (tfjs' executor hands a layer its first input's mask only) and through
// apply() (one mask per input). Files (gzipped) and outputs: data/sweep7-fixes.py.
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
const expected = JSON.parse(readFileSync(join(DATA, 'sweep7-fixes.expected.json'), 'utf8')) as {
  models: Record<string, { formats: string[]; inputs: Record<string, Stored>; outputs: Stored[] }>;
};

const load = (file: string) => loadKerasFile(readTestBytes(join(DATA, file)), { fileName: file, warn: () => undefined, compile: false });

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`sweep7 fixes on ${backend}: Keras 3 files give Keras' outputs`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const fmt of want.formats) {
        for (const route of ['predict', 'apply'] as const) {
          it(`${slug}.${fmt} through ${route}()`, async () => {
            const { model } = await load(`${slug}.${fmt}`);
            const inputs = model.inputs.map((i) => storedTensor(want.inputs[i.sourceLayer.name]!, i.dtype));
            const arg = inputs.length === 1 ? inputs[0]! : inputs;
            const got = route === 'predict' ? model.predict(arg) : (model.apply(arg, { training: false }) as tf.Tensor | tf.Tensor[]);
            const outs = Array.isArray(got) ? got : [got];
            expect(outs.length).toBe(want.outputs.length);
            outs.forEach((o, k) => expectClose(o, want.outputs[k]!, `${slug}.${fmt} output ${k}`));
            tf.dispose([...inputs, ...outs]);
            model.dispose();
          });
        }
      }
    }
  });
}
