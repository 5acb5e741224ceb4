import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { registerLayer } from '@savedkeras/revive';
import { loadKerasFile } from '../src/index.js';
import { ScaledDense } from './scaled-dense.js';
import { expectedCases, haveKerasFixtures, KERAS_FIXTURES, kerasFixtureSlugs, relError, toTensor } from './support.js';

// Every Keras 3 fixture, from .keras and from .h5, against Keras' own model.predict outputs
// (reference/expected.json), on the default backend (wasm) and on cpu.
const have = haveKerasFixtures('keras-file fixture tests');
const slugs = have ? kerasFixtureSlugs() : [];

for (const backend of ['wasm', 'cpu'] as const) {
  describe.runIf(have)(`Keras 3 fixtures on ${backend}`, () => {
    beforeAll(async () => {
      registerAllLayers();
      registerLayer('demo>ScaledDense', ScaledDense as never);
      await selectBackend(backend);
    });
    it('finds the fixtures', () => expect(slugs.length).toBeGreaterThanOrEqual(17));
    for (const slug of slugs) {
      for (const file of ['model.keras', 'model.h5']) {
        const path = join(KERAS_FIXTURES, slug, file);
        if (!existsSync(path)) continue;
        it(`${slug}/${file}`, async () => {
          const warnings: string[] = [];
          const { model } = await loadKerasFile(new Uint8Array(readFileSync(path)), { fileName: file, warn: (m) => warnings.push(m) });
          for (const c of expectedCases(slug)) {
            const inputs = model.inputs.map((inp) => {
              const name = inp.sourceLayer.name;
              const t = c.inputs[name];
              if (!t) throw new Error(`no input ${name} in expected.json`);
              return toTensor(t);
            });
            // tfjs' predict() slices batches of numbers only: string inputs run through apply().
            const arg = inputs.length === 1 ? inputs[0]! : inputs;
            const direct = inputs.some((t) => t.dtype === 'string');
            const out = (direct ? model.apply(arg, { training: false }) : model.predict(arg)) as tf.Tensor | tf.Tensor[];
            const outs = Array.isArray(out) ? out : [out];
            const names = model.outputs.map((o) => o.sourceLayer.name);
            for (const [i, name] of names.entries()) {
              const want = c.outputs[name];
              expect(want, `expected output ${name}`).toBeDefined();
              expect(outs[i]!.shape).toEqual(want!.shape);
              const err = relError(outs[i]!.dataSync() as Float32Array, (want!.value as number[]).flat(Infinity as 1) as number[]);
              expect(err, `${name} (warnings: ${warnings.join('; ')})`).toBeLessThanOrEqual(c.tolerance ?? 1e-4);
            }
            tf.dispose([...inputs, ...outs]);
          }
          model.dispose();
        });
      }
    }
  });
}
