// What real exports use and savedkeras refused until session 7, loaded from Keras 3.15 .keras and .h5 files (and the
// .keras re-written by our writer) and held against Keras' own outputs: Keras 3's GetItem operation (tensor slicing
// in a Functional model), keras.applications ConvNeXt's LayerScale / StochasticDepth, ConvLSTM2D written back.
// Files and numbers: data/coverage7.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { FormatError, InputMismatchError, UnsupportedFeatureError } from '@savedkeras/common';
import { KerasOperation, registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, inspectKerasFile, kerasConfigOf, loadKerasFile } from '../src/index.js';
import { expectOutputsAgree, modelUnderTest, type Stored } from './support.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
interface Expected {
  generator: string;
  models: Record<string, { inputs: Record<string, Stored>; outputs: Record<string, Stored> }>;
}
const expected = parseStoredJson<Expected>(readFileSync(join(DATA, 'coverage7.expected.json'), 'utf8'));

async function load(file: string, bytes?: Uint8Array): Promise<tfl.LayersModel> {
  const { model } = await loadKerasFile(bytes ?? readTestBytes(join(DATA, file)), { fileName: file, warn: () => undefined, compile: false });
  return model;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`session 7 coverage on ${backend} (${expected.generator})`, () => {
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

// Keras 3.15 load_model read every file written back here (checked once, outputs equal to Keras' stored ones; before
// session 7 it refused the ConvLSTM2D one: `implementation` argument, weights outside `cell/`; and every operation
// node, written as a tfjs 'KerasOperation'). Pinned without Python: the same weight arrays at the same paths as
// Keras' own file, and each entry as Keras names it.
describe('saveKerasFile writes these models as Keras 3.15 does', () => {
  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
  });
  it.each(Object.keys(expected.models).map((s) => `${s}.keras`))('%s', async (file) => {
    const bytes = readTestBytes(join(DATA, file));
    const model = await load(file);
    const written = await encodeKerasFile(model, { warn: () => undefined });
    const config = kerasConfigOf(model);
    model.dispose();
    const arrays = async (b: Uint8Array) => (await inspectKerasFile(b)).weights.filter((w) => !w.optimizer).map((w) => `${w.path} [${w.shape.join(',')}] ${w.sha256}`).sort();
    expect(await arrays(written)).toEqual(await arrays(bytes));
    const entries = (((config['config'] as Record<string, unknown>)['layers']) as Record<string, unknown>[]).map((e) => `${String(e['module'])} ${String(e['class_name'])}`);
    const kerasConfig = JSON.parse(new TextDecoder().decode(unzipSync(bytes)['config.json'])) as { config: { layers: Record<string, unknown>[] } };
    expect(new Set(entries)).toEqual(new Set(kerasConfig.config.layers.map((e) => `${String(e['module'])} ${String(e['class_name'])}`)));
    expect(JSON.stringify(config)).not.toContain('"implementation"');
  });
});

describe('GetItem keys: bad ones are typed errors', () => {
  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
  });
  const kt = { class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: ['x', 0, 0] } };
  const op = (key: unknown) => new KerasOperation({ name: 'get_item', operation: 'GetItem', module: 'keras.src.ops.numpy', callArgs: [kt, key as never] });
  const slice = (start: number | null, stop: number | null, step: number | null) => ({ class_name: '__slice__', config: { start, stop, step } });

  it('an index past an unknown dim is checked when the call has its size (Keras: the same at call time)', () => {
    const layer = op(5);
    expect(layer.computeOutputShape([null, 4])).toEqual([4]);
    const x = tf.zeros([3, 4]);
    expect(() => layer.apply(x)).toThrow(InputMismatchError);
    expect(() => layer.apply(x)).toThrow(/index 5 is out of bounds for axis 0 of size 3/);
    expect(() => op([slice(null, null, null), -5]).apply(x)).toThrow(/index -5 is out of bounds for axis 1 of size 4/);
    expect(() => op([0, 0, 0]).apply(x)).toThrow(/too many indices \(3\) for a tensor of rank 2/);
    x.dispose();
  });

  it('malformed keys (step 0, two ellipses, tensors or floats) are refused by name', () => {
    const x = tf.zeros([3, 4]);
    const ell = { class_name: '__ellipsis__', config: {} };
    expect(() => op([slice(null, null, 0)]).apply(x)).toThrow(FormatError);
    expect(() => op([ell, ell]).apply(x)).toThrow(/only one ellipsis/);
    expect(() => op([1.5]).apply(x)).toThrow(UnsupportedFeatureError);
    expect(() => op([true]).apply(x)).toThrow(UnsupportedFeatureError);
    expect(() => op([slice(0, kt as never, 1)]).apply(x)).toThrow(/only integer bounds/);
    x.dispose();
  });

  it('huge bounds clamp as Python slices do, and the work is the output\'s size', () => {
    const x = tf.range(0, 12).reshape([3, 4]);
    const y = op([slice(-1e15, 1e15, 2), slice(2 ** 53, null, -3)]).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([3, 0, 11, 8]);
    tf.dispose([x, y]);
  });
});
