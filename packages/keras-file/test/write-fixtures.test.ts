import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { registerLayer } from '@savedkeras/revive';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';
import { ScaledDense } from './scaled-dense.js';
import { expectedCases, haveKerasFixtures, KERAS_FIXTURES, kerasFixtureSlugs, relError, toTensor } from './support.js';

// Every fixture read from .keras, written back with the writer, and read again: the written file
// must give Keras' own predictions (reference/expected.json). With SAVEDKERAS_WRITE_DIR set the
// written files are also kept there, for checking them with Keras itself (scripts/check_written.py).
const have = haveKerasFixtures('keras-file write round trip');
const slugs = have ? kerasFixtureSlugs() : [];
const keep = process.env['SAVEDKERAS_WRITE_DIR'];

describe.runIf(have)('written .keras files reproduce Keras predictions', () => {
  beforeAll(async () => {
    registerAllLayers();
    registerLayer('demo>ScaledDense', ScaledDense as never);
    await selectBackend('cpu');
  });
  for (const slug of slugs) {
    it(slug, async () => {
      const src = new Uint8Array(readFileSync(join(KERAS_FIXTURES, slug, 'model.keras')));
      const { model } = await loadKerasFile(src, { warn: () => undefined, compile: false });
      const written = await encodeKerasFile(model);
      if (keep) {
        mkdirSync(keep, { recursive: true });
        writeFileSync(join(keep, `${slug}.keras`), written);
      }
      const { model: again } = await loadKerasFile(written, { warn: () => undefined, compile: false });
      for (const c of expectedCases(slug)) {
        const inputs = again.inputs.map((inp) => toTensor(c.inputs[inp.sourceLayer.name]!));
        const arg = inputs.length === 1 ? inputs[0]! : inputs;
        const out = (inputs.some((t) => t.dtype === 'string') ? again.apply(arg, { training: false }) : again.predict(arg)) as tf.Tensor | tf.Tensor[];
        const outs = Array.isArray(out) ? out : [out];
        again.outputs.forEach((o, i) => {
          const want = c.outputs[o.sourceLayer.name]!;
          expect(relError(outs[i]!.dataSync() as Float32Array, (want.value as number[]).flat(Infinity as 1) as number[])).toBeLessThanOrEqual(c.tolerance ?? 1e-4);
        });
        tf.dispose([...inputs, ...outs]);
      }
      model.dispose();
      again.dispose();
    });
  }
});
void existsSync;
