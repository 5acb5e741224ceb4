import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { DataType } from '@savedkeras/proto';
import {
  EXAMPLES,
  denseUnits,
  memorySource,
  prefixAmplifiedIndex,
  referencePredict,
  relabelDtype,
  renameClass,
  writeKerasSavedModel,
  type ModelSpec,
  type TensorRef,
} from '@savedkeras/testing';
import { FormatError, LimitError, SavedKerasError, loadKerasModel, loadSavedModel, openSavedModel } from '../src/index.js';

// Issue 14: Keras SavedModels edited with valid structure (CRCs recomputed): a checkpoint that lies
// about dtypes, configs that ask for gigabytes of weights, class names that are Object builtins,
// an index whose keys expand to gigabytes. Each ends in a typed error, frees what it made, and the
// next load in the process is right.

const spec = () => EXAMPLES['mlp']!.spec();
const good = () => writeKerasSavedModel(spec());

async function failure(files: Map<string, Uint8Array>, how: 'keras' | 'signatures' = 'keras'): Promise<Error> {
  const before = tf.memory().numTensors;
  let err: Error | undefined;
  try {
    if (how === 'keras') (await loadKerasModel(memorySource(files), { compile: false })).dispose();
    else (await loadSavedModel(memorySource(files))).dispose();
  } catch (e) {
    err = e as Error;
  }
  expect(err, 'the load should have failed').toBeDefined();
  expect(tf.memory().numTensors).toBe(before); // a failed load frees everything it created
  return err!;
}

async function expectHealthy() {
  const s = spec();
  const model = await loadKerasModel(memorySource(writeKerasSavedModel(s)), { compile: false });
  const width = model.inputs[0]!.shape[1]!;
  const data = Array.from({ length: 2 * width }, (_, i) => (i % 5) - 1.5);
  const x = tf.tensor2d(data, [2, width]);
  const y = model.predict(x) as tf.Tensor;
  const want = Object.values(referencePredict(s, [data]))[0]!;
  Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 4));
  tf.dispose([x, y]);
  model.dispose();
}

describe('hostile Keras SavedModels with valid structure', () => {
  test('a float32 kernel relabelled int32 (CRCs recomputed) is refused, as TensorFlow refuses it', async () => {
    const files = relabelDtype(good(), 'kernel', DataType.INT32);
    for (const how of ['keras', 'signatures'] as const) {
      const e = await failure(files, how);
      expect(e).toBeInstanceOf(FormatError);
      expect(e.message).toMatch(/is declared float32 but the checkpoint stores .*kernel.* as int32/);
      expect((e as FormatError).file).toBe('variables/variables.index');
    }
    await expectHealthy();
  });

  test('a Dense of 12.5M units (saved kernel small) allocates nothing: without saved functions a typed error, with them the saved functions run', async () => {
    const rss0 = process.memoryUsage().rss;
    const noFunctions = denseUnits(writeKerasSavedModel(spec(), { withFunctions: false }), 12_500_000);
    for (let i = 0; i < 6; i++) {
      const e = await failure(noFunctions);
      expect(e).toBeInstanceOf(FormatError);
      expect(e.message).toMatch(/larger than any value the checkpoint holds for this layer/);
    }
    // With saved call functions the Keras fallback applies: the layers run as saved, with the saved weights.
    const model = await loadKerasModel(memorySource(denseUnits(good(), 12_500_000)), { compile: false, warn: () => {} });
    expect(model.layers[0]!.getClassName()).not.toBe('Dense');
    model.dispose();
    expect(process.memoryUsage().rss - rss0).toBeLessThan(512 * 2 ** 20);
    await expectHealthy();
  });

  test('Dense units 1e8 without a saved-function fallback is a typed error, not a RangeError', async () => {
    const e = await failure(denseUnits(writeKerasSavedModel(spec(), { withFunctions: false }), 100_000_000));
    expect(e).toBeInstanceOf(SavedKerasError);
    await expectHealthy();
  });

  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    test(`a layer class_name of ${name} is an unknown class, not an Object builtin`, async () => {
      const e = await failure(renameClass(writeKerasSavedModel(spec(), { withFunctions: false }), 'Dense', name));
      expect(e).toBeInstanceOf(SavedKerasError);
      expect(e.message).toContain(name);
    });
  }

  test('a variables.index whose shared prefixes expand to 5 GB of keys is a LIMIT, in bounded memory', async () => {
    const files = good();
    const index = prefixAmplifiedIndex(100_000);
    expect(index.length).toBeLessThan(600_000);
    files.set('variables/variables.index', index);
    const rss0 = process.memoryUsage().rss;
    let err: unknown;
    try {
      await openSavedModel(memorySource(files));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    expect(String(err)).toMatch(/maxIndexKeyBytes/);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(1024 * 2 ** 20);
    // Inside the limit the same index reads.
    const small = good();
    small.set('variables/variables.index', prefixAmplifiedIndex(100));
    await expect(openSavedModel(memorySource(small))).resolves.toBeDefined();
    await expectHealthy();
  });

  /** A Functional SavedModel calling one Dense `n` times in a chain (its node i feeds node i + 1). */
  const sharedChain = (n: number): ModelSpec => ({
    kind: 'Functional',
    name: 'shared_chain',
    layers: [
      { className: 'InputLayer', name: 'x', shape: [4] },
      { className: 'Dense', name: 'sh', units: 4, activation: 'tanh', inbound: [['x'], ...Array.from({ length: n - 1 }, (_, i): TensorRef[] => [['sh', i]])] },
      { className: 'Dense', name: 'out', units: 2, inbound: [[['sh', n - 1]]] },
    ],
    inputs: ['x'],
    outputs: ['out'],
    seed: 5,
  });

  test('a layer shared 30 times in a chain (keras_metadata.pb) revives with the float64 answer; 3,000 times without saved functions is LIMIT, not a stack overflow', async () => {
    const s = sharedChain(30);
    const model = await loadKerasModel(memorySource(writeKerasSavedModel(s)), { compile: false });
    const data = [0.5, -1, 2, 0.25];
    const y = model.predict(tf.tensor2d([data])) as tf.Tensor;
    const want = Object.values(referencePredict(s, [data]))[0]!;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 4));
    tf.dispose(y);
    model.dispose();

    // Without saved call functions (with them, the model falls back to running them as saved).
    const err = await failure(writeKerasSavedModel(sharedChain(3000), { withFunctions: false }));
    expect(err).toBeInstanceOf(LimitError);
    expect(err.message).toMatch(/calling layer sh makes the network 2049 layer calls deep, past the 2048/);
    await expectHealthy();
  });
});

