// Layers and activations the session 8 sweep found real Keras 3 models use and savedkeras refused, loaded from Keras 3.15
// .keras and .h5 files (and the .keras re-written by our writer) and held against Keras' own outputs: RMSNormalization,
// the adaptive poolings, the 3.8+ augmentation layers (identity at inference), sparsemax (Keras 3.15's formula, see
// @savedkeras/layers' activations) and sparse_sigmoid, a masked Embedding -> Add -> GlobalAveragePooling1D.
// Files and numbers: data/sweep8.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { registerAllLayers } from '@savedkeras/layers';
import { loadKerasFile } from '../src/index.js';
import { expectOutputsAgree, modelUnderTest, type Stored } from './support.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Expected {
  generator: string;
  models: Record<string, { formats: string[]; inputs: Record<string, Stored>; outputs: Record<string, Stored> }>;
}
const expected = parseStoredJson<Expected>(readFileSync(join(DATA, 'sweep8.expected.json'), 'utf8'));

async function load(file: string, bytes?: Uint8Array): Promise<tfl.LayersModel> {
  const { model } = await loadKerasFile(bytes ?? readTestBytes(join(DATA, file)), { fileName: file, warn: () => undefined, compile: false });
  return model;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`session 8 sweep layers on ${backend} (${expected.generator})`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      const files = [...want.formats.map((f) => `${slug}.${f}`), `${slug}.keras written back by saveKerasFile`];
      for (const file of files) {
        it(`${file}: every output agrees with Keras (${Object.keys(want.outputs).join(', ')})`, async () => {
          const model = await modelUnderTest(file, load);
          expectOutputsAgree(model, want, file);
          model.dispose();
        });
      }
    }
  });
}

describe("Keras 3.15's sparsemax is not the simplex projection (keras-team/keras#23425): ours follows Keras", () => {
  it('the stored Keras outputs include rows that do not sum to 1, and rows with a support of 2+', () => {
    const s = expected.models['sweep8-sparse-activations']!.outputs['sparsemax']!;
    const v = tf.tensor(s.values as number[], s.shape);
    const sums = tf.sum(v, -1).arraySync() as number[];
    const support = tf.sum(tf.cast(tf.greater(v, 0), 'int32'), -1).arraySync() as number[];
    expect(support.some((k) => k >= 2)).toBe(true);
    expect(sums.some((x) => Math.abs(x - 1) > 1e-3)).toBe(true);
  });
});

describe('a sparsemax model from a Keras after 3.15 is loaded with a warning (its sparsemax may be the corrected one)', () => {
  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
  });
  const file = 'sweep8-sparse-activations.keras';
  async function warnings(version?: string): Promise<string[]> {
    let bytes = readTestBytes(join(DATA, file));
    if (version) {
      const entries = unzipSync(bytes);
      const meta = JSON.parse(new TextDecoder().decode(entries['metadata.json'])) as Record<string, unknown>;
      entries['metadata.json'] = strToU8(JSON.stringify({ ...meta, keras_version: version }));
      bytes = zipSync(entries);
    }
    const seen: string[] = [];
    const { model } = await loadKerasFile(bytes, { fileName: file, warn: (m) => seen.push(m), compile: false });
    model.dispose();
    return seen.filter((m) => m.includes('sparsemax'));
  }
  it('Keras 3.15.1 (the stored file): no warning', async () => {
    expect(await warnings()).toEqual([]);
  });
  it('Keras 3.16.0: one warning naming the layer', async () => {
    const w = await warnings('3.16.0');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^sparsemax: sparsemax is computed as Keras 3\.15/);
  });
});
