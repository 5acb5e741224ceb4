import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleMlp, memorySource, referencePredict, seededRandom, writeKerasSavedModel, type ModelSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * `verifyLayers`: a layer revived from its config that throws, or disagrees with the call function
 * Keras saved for it, is replaced by its saved-function revival. Outputs are compared with the
 * float64 forward pass of @savedkeras/testing computed from the spec the graph was written from.
 */
const spec = exampleMlp();
const rand = seededRandom(11);
const x = Float32Array.from({ length: 3 * 4 }, () => rand() * 4 - 2);
const reluRef = referencePredict(spec, [x])['dense_1']!;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function predict(model: tfl.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, [3, 4])) as tf.Tensor).dataSync() as Float32Array);
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(tol);
}

describe('verifyLayers', () => {
  it('a config that disagrees with the saved graph (tanh over a relu trace): the layer is replaced, outputs are the graph\'s', async () => {
    const files = writeKerasSavedModel(spec);
    const tanh: ModelSpec = { ...spec, layers: [{ ...spec.layers[0]!, activation: 'tanh' } as (typeof spec.layers)[number], ...spec.layers.slice(1)] };
    files.set('keras_metadata.pb', writeKerasSavedModel(tanh).get('keras_metadata.pb')!);

    const plain = await loadKerasModelWithReport(memorySource(files), { warn: () => undefined });
    // Without verification the tanh config runs: far from what the saved (relu) graph computes.
    expect(Math.max(...predict(plain.model).map((v, i) => Math.abs(v - reluRef.values[i]!)))).toBeGreaterThan(1e-2);

    const warnings: string[] = [];
    const { model, report, verifiedLayers } = await loadKerasModelWithReport(memorySource(files), { verifyLayers: true, warn: (m) => warnings.push(m) });
    expect(verifiedLayers!.map((l) => [l.name, l.result])).toEqual([
      ['dense', 'replaced'],
      ['dense_1', 'ok'],
    ]);
    expect(warnings.join('\n')).toMatch(/Dense dense revived from its config: its outputs differ from its saved call function .*replaced by its saved call function/);
    // The Sequential and dense_1 from their configs, dense from its saved functions.
    expect(report).toMatchObject({ fromConfig: 2, fromSavedFunctions: 1 });
    expectClose(predict(model), reluRef.values, 1e-5);
    // Rebuilt around the replacement, the Sequential stays a Sequential.
    expect(model).toBeInstanceOf(tfl.Sequential);
    // The replacement reads the same variables: still trainable weights of the model.
    expect(model.trainableWeights.length).toBe(plain.model.trainableWeights.length);
  });

  it('a layer that throws in tfjs-layers (as BatchNormalization does on rank 5) is replaced, not a crash', async () => {
    const files = writeKerasSavedModel(spec);
    // tfjs-layers exports a factory, not the class: the class is the one registered for "Dense".
    const Dense = tf.serialization.SerializationMap.getMap().classNameMap['Dense']![0] as unknown as typeof tfl.layers.Layer;
    class BrokenDense extends Dense {
      static override className = 'Dense';
      override call(): tf.Tensor {
        throw new Error('Dense is not implemented for array of rank 2 yet');
      }
    }
    const customObjects = { Dense: BrokenDense as unknown as never };
    const plain = await loadKerasModelWithReport(memorySource(files), { customObjects, warn: () => undefined });
    expect(() => predict(plain.model)).toThrow(/not implemented/);

    const warnings: string[] = [];
    const { model, verifiedLayers } = await loadKerasModelWithReport(memorySource(files), { customObjects, verifyLayers: true, warn: (m) => warnings.push(m) });
    expect(verifiedLayers!.map((l) => [l.name, l.result])).toEqual([
      ['dense', 'replaced'],
      ['dense_1', 'replaced'],
    ]);
    expect(warnings.join('\n')).toMatch(/it throws in tfjs-layers \(Dense is not implemented for array of rank 2 yet\)/);
    expectClose(predict(model), reluRef.values, 1e-5);
  });

  it('a model whose layers agree is returned as loaded', async () => {
    const files = writeKerasSavedModel(spec);
    const { model, verifiedLayers } = await loadKerasModelWithReport(memorySource(files), { verifyLayers: true, warn: () => undefined });
    expect(verifiedLayers!.every((l) => l.result === 'ok')).toBe(true);
    expect(model).toBeInstanceOf(tfl.Sequential);
    expectClose(predict(model), reluRef.values, 1e-5);
  });
});
