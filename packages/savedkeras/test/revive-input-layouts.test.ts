import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { exampleFunctionalTwoInputs, memorySource, referencePredict, seededRandom, writeKerasSavedModel, type SequentialSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * How a Sequential model's input was given, each as the TF 2.x versions write it: Keras' own
 * InputLayer (`input_shape` on the first layer), an explicit InputLayer, or both (an explicit
 * InputLayer followed by a layer that was given `input_shape` too, the TF 2.0-beta case of issue 11).
 */
const INPUTS: Record<string, SequentialSpec['input']> = {
  'input_shape on the first layer': { shape: [2, 3] },
  'explicit InputLayer': { shape: [2, 3], explicit: true },
  'explicit InputLayer, then a layer with input_shape': { shape: [2, 3], explicit: true, onFirstLayer: true },
};

const VERSIONS: { tfVersion: string; legacy?: boolean }[] = [
  { tfVersion: '2.0.0' },
  { tfVersion: '2.1.0' },
  { tfVersion: '2.2.0' },
  { tfVersion: '2.3.0' },
  { tfVersion: '2.4.0', legacy: true },
  { tfVersion: '2.5.0' },
  { tfVersion: '2.7.0' },
  { tfVersion: '2.10.0' },
  { tfVersion: '2.15.0' },
];

function spec(input: SequentialSpec['input']): SequentialSpec {
  return {
    kind: 'Sequential',
    input,
    layers: [
      { className: 'Flatten', name: 'flatten' },
      { className: 'Dense', name: 'dense', units: 4, activation: 'relu' },
      { className: 'Dense', name: 'dense_1', units: 2 },
    ],
    seed: 3,
  };
}

describe('Sequential input layouts of every TF 2.x version rebuild from their config', () => {
  for (const v of VERSIONS) {
    for (const [what, input] of Object.entries(INPUTS)) {
      it(`TF ${v.tfVersion}: ${what}`, async () => {
        const s = spec(input);
        const warnings: string[] = [];
        const { model, report } = await loadKerasModelWithReport(memorySource(writeKerasSavedModel(s, v)), { compile: false, warn: (m) => warnings.push(m) });
        expect(warnings).toEqual([]);
        expect(report.fromSavedFunctions).toBe(0);
        expect(report.objects.find((o) => o.path === 'root')?.how).toBe('network');
        expect(model.inputs[0]!.shape).toEqual([null, 2, 3]);
        expect(report.inputNames).toEqual([input.explicit ? 'input_1' : 'flatten_input']);
        // The InputLayer is not a layer of the rebuilt model's body: three layers as Keras lists them.
        expect(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name)).toEqual(['flatten', 'dense', 'dense_1']);

        const rand = seededRandom(9);
        const x = Float32Array.from({ length: 3 * 6 }, () => rand() * 2 - 1);
        const want = referencePredict(s, [x])['dense_1']!;
        const xt = tf.tensor(x, [3, 2, 3]);
        const y = model.predict(xt) as tf.Tensor;
        expect(y.shape).toEqual(want.shape);
        const got = y.dataSync();
        want.values.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(1e-5));
        tf.dispose([xt, y]);
        model.dispose();
      });
    }
  }
});

describe('Functional InputLayers of every TF 2.x version', () => {
  for (const v of VERSIONS) {
    it(`TF ${v.tfVersion}: two inputs, a shared layer, two outputs`, async () => {
      const s = exampleFunctionalTwoInputs();
      const warnings: string[] = [];
      const { model, report } = await loadKerasModelWithReport(memorySource(writeKerasSavedModel(s, v)), { compile: false, warn: (m) => warnings.push(m) });
      expect(warnings).toEqual([]);
      expect(report.fromSavedFunctions).toBe(0);
      expect(report.inputNames).toEqual(['x_main', 'aux']);
      const rand = seededRandom(4);
      const xs = [0, 1].map(() => Float32Array.from({ length: 2 * 4 }, () => rand() * 2 - 1));
      const ref = referencePredict(s, xs);
      const ts = xs.map((x) => tf.tensor(x, [2, 4]));
      const ys = model.predict(ts) as tf.Tensor[];
      report.outputNames.forEach((name, i) => {
        const got = ys[i]!.dataSync();
        ref[name]!.values.forEach((w, j) => expect(Math.abs(got[j]! - w)).toBeLessThan(1e-5));
      });
      tf.dispose([...ts, ...ys]);
      model.dispose();
    });
  }
});
