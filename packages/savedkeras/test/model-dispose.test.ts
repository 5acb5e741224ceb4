import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { DataType } from '@savedkeras/proto';
import { EXAMPLES, memorySource, referencePredict, relabelDtype, renameClass, writeKerasSavedModel } from '@savedkeras/testing';
import { loadKerasModel, loadKerasModelWithReport } from '../src/index.js';

// Issue 14 item 4: tf.memory().numTensors before a load equals numTensors after the model's
// dispose(), whether its layers were revived from config, fell back to saved functions, or the
// load failed. Each model first predicts (an independent float64 reference) so a model that
// freed too much would fail too.

const spec = () => EXAMPLES['mlp']!.spec();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function loadPredictDispose(files: Map<string, Uint8Array>, revived: 'config' | 'savedFunctions'): Promise<number> {
  const before = tf.memory().numTensors;
  const { model, report } = await loadKerasModelWithReport(memorySource(files), { compile: false, warn: () => {} });
  // The layers really were revived the way the test says.
  expect(report.fromSavedFunctions > 0).toBe(revived === 'savedFunctions');
  const data = Array.from({ length: 8 }, (_, i) => (i % 5) - 1.5);
  const x = tf.tensor2d(data, [2, 4]);
  const y = model.predict(x) as tf.Tensor;
  const want = Object.values(referencePredict(spec(), [data]))[0]!;
  Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 4));
  tf.dispose([x, y]);
  model.dispose();
  return tf.memory().numTensors - before;
}

describe('a model leaves no tensors after dispose()', () => {
  test('layers revived from config', async () => {
    expect(await loadPredictDispose(writeKerasSavedModel(spec()), 'config')).toBe(0);
  });

  test('layers that fell back to their saved functions (an unknown class name)', async () => {
    const files = renameClass(writeKerasSavedModel(spec()), 'Dense', 'UnknownDense');
    expect(await loadPredictDispose(files, 'savedFunctions')).toBe(0);
  });

  test('a failed load', async () => {
    const before = tf.memory().numTensors;
    const files = relabelDtype(writeKerasSavedModel(spec()), 'kernel', DataType.INT32);
    await expect(loadKerasModel(memorySource(files), { compile: false })).rejects.toThrow(/int32/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a class name that lies about being an InputLayer', () => {
  test('Dense layers renamed InputLayer are not dropped as inputs: they run their saved functions and predict right', async () => {
    const files = renameClass(writeKerasSavedModel(spec()), 'Dense', 'InputLayer');
    // Before the fix the layers vanished and predict returned its input; now the reference values, nothing leaked.
    expect(await loadPredictDispose(files, 'savedFunctions')).toBe(0);
  });
});
