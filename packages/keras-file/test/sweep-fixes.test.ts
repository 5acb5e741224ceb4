// The Keras 3 models behind the session-5 sweep fixes (tools/sweep), against Keras' own outputs: Resizing with
// pad_to_aspect_ratio / crop_to_aspect_ratio (both interpolations), String/IntegerLookup in every output mode with
// idf_weights / mask / OOV settings, an adapted TextVectorization and StringLookup in tf_idf mode, a transformer
// block (MultiHeadAttention(h, h) plus a residual of h; a `__tensor__` constant in an Add node). Files and outputs
// written by data/sweep-fixes.py (Keras 3.15), .keras and .h5 alike.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { NotSavedError } from '@savedkeras/common';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Stored { shape: number[]; dtype: string; values: (number | string)[] }
const expected = JSON.parse(readFileSync(join(DATA, 'sweep-fixes.expected.json'), 'utf8')) as { models: Record<string, { inputs: Record<string, Stored>; outputs: Stored[] }> };

const load = (file: string) => loadKerasFile(new Uint8Array(readFileSync(join(DATA, file))), { fileName: file, warn: () => undefined, compile: false });

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`sweep fixes on ${backend}: Keras 3 files give Keras' outputs`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      // An adapted vocabulary is not in a .h5 file (tested below).
      const files = slug === 'sweep-fixes-adapted-tfidf' ? [`${slug}.keras`] : [`${slug}.keras`, `${slug}.h5`];
      for (const file of files) {
        it(file, async () => {
          const { model } = await load(file);
          const inputs = model.inputs.map((i) => {
            const s = want.inputs[i.sourceLayer.name]!;
            return s.dtype === 'string' ? tf.tensor(s.values as string[], s.shape, 'string') : tf.tensor(s.values as number[], s.shape, i.dtype);
          });
          const got = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
          const outs = Array.isArray(got) ? got : [got];
          expect(outs.length).toBe(want.outputs.length);
          outs.forEach((o, k) => {
            expect(o.shape, `output ${k}`).toEqual(want.outputs[k]!.shape);
            const vals = o.dataSync();
            want.outputs[k]!.values.forEach((w, i) => expect(Math.abs(vals[i]! - (w as number)), `output ${k} element ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w as number))));
          });
          tf.dispose([...inputs, ...outs]);
          model.dispose();
        });
      }
    }
  });
}

describe('a Keras 3 .h5 file of adapted lookup layers', () => {
  it('is refused naming the layer: .h5 does not keep an adapted vocabulary (Keras itself fails on the file)', async () => {
    const err = await load('sweep-fixes-adapted-tfidf.h5').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NotSavedError);
    expect((err as Error).message).toMatch(/sweep-fixes-adapted-tfidf\.h5/);
    expect((err as Error).message).toMatch(/TextVectorization "text_vectorization" has no saved vocabulary/);
  });
});
