// Layers real exports use that savedkeras refused until session 6, loaded from Keras 3.15 .keras and .h5 files (and
// the .keras re-written by our writer) and held against Keras' own outputs: the Keras `Identity` layer next to an
// `Identity` initializer, GlobalAveragePooling1D's masked mean (Embedding mask_zero through Identity, Masking),
// keepdims / channels_first, GlobalMaxPooling1D over a mask (Keras ignores it), and StringLookup / IntegerLookup with
// num_oov_indices > 1 (FarmHash64 / SipHash buckets for strings and oov_method='farmhash'). Files and numbers:
// data/coverage-layers.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers, resolveKerasObject } from '@savedkeras/layers';
import { expectOutputsAgree, modelUnderTest, type Stored } from './support.js';
import { loadKerasFile } from '../src/index.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Expected {
  generator: string;
  models: Record<string, { inputs: Record<string, Stored>; outputs: Record<string, Stored> }>;
}
const expected = JSON.parse(readFileSync(join(DATA, 'coverage-layers.expected.json'), 'utf8')) as Expected;


async function load(file: string, bytes?: Uint8Array): Promise<tfl.LayersModel> {
  const { model } = await loadKerasFile(bytes ?? new Uint8Array(readFileSync(join(DATA, file))), { fileName: file, warn: () => undefined, compile: false });
  return model;
}

describe('the Keras Identity layer and tfjs\' Identity initializer share a name', () => {
  it('a layer config named Identity resolves to the layer, an initializer config to tfjs\' initializer', async () => {
    registerAllLayers();
    await selectBackend('cpu');
    const layer = resolveKerasObject('layer', 'Identity');
    const init = resolveKerasObject('initializer', 'Identity');
    expect(layer?.origin).toBe('plugin');
    expect(init?.origin).toBe('tfjs');
    const made = tfl.initializers.identity({ gain: 2 }).apply([2, 2]);
    expect(Array.from(made.dataSync())).toEqual([2, 0, 0, 2]);
    // tfjs' own nested deserialization (a Dense's kernel_initializer) looks the name up in its serialization map.
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap['Identity']!;
    const viaMap = fromConfig(cls, { gain: 3 }) as unknown as { apply(s: number[]): tf.Tensor };
    expect(Array.from(viaMap.apply([2, 2]).dataSync())).toEqual([3, 0, 0, 3]);
    expect(init?.value).toBe(cls);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`session 6 layer coverage on ${backend} (${expected.generator})`, () => {
    beforeAll(async () => {
      registerAllLayers();
      await selectBackend(backend);
    });
    for (const [slug, want] of Object.entries(expected.models)) {
      for (const file of [`${slug}.keras`, `${slug}.h5`, `${slug}.keras written back by saveKerasFile`]) {
        it(`${file}: every output agrees with Keras (${Object.keys(want.outputs).join(', ')})`, async () => {
          const model = await modelUnderTest(file, load);
          expectOutputsAgree(model, want, file);
          model.dispose();
        });
      }
    }
  });
}
