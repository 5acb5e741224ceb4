// The weighted layer classes @savedkeras/layers added or fixed in session 5 (GroupNormalization,
// Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, grouped Conv1D/Conv2D), revived from a SavedModel's
// keras_metadata.pb: the project's writer saves each as a Config layer (its tf.keras 2 class name and
// config as keras_metadata.pb holds them) with Keras' own weights, and the loaded model must give Keras'
// own outputs. Weights and numbers: keras-file/test/data/new-layers-*.keras + new-layers.expected.json
// (Keras 3.15, new-layers.py) and layers/test/tf-reference/layer-fixes.json (TensorFlow 2.21 / Keras 3.15).
// Not here: ConvLSTM1D and stacked-cell RNNs (tf.keras 2 keeps their variables in nested cell objects,
// which the writer does not lay out), Hashing/HashedCrossing (string inputs: the writer's inputs are float32).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { memorySource, writeKerasSavedModel, type ConfigLayerSpec, type FunctionalSpec } from '@savedkeras/testing';
import { loadKerasFile, loadKerasModelWithReport } from '../src/index.js';

interface Stored { shape: number[]; values: number[] }
const data = (file: string) => new URL(`../../keras-file/test/data/${file}`, import.meta.url);
const expected = parseStoredJson<{ generator: string; models: Record<string, { inputs: Record<string, Stored>; outputs: Record<string, Stored> }> }>(
  readFileSync(data('new-layers.expected.json'), 'utf8'),
);
const layerFixes = parseStoredJson<{ generator: string; cases: { name: string; x: Stored; y: Stored; weights: Stored[] }[] }>(
  readFileSync(new URL('../../layers/test/tf-reference/layer-fixes.json', import.meta.url), 'utf8'),
);

const zeros = { class_name: 'Zeros', config: {} };
const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const noRegularizers = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
const conv = (c: Record<string, unknown>) => ({ data_format: 'channels_last', activation: 'linear', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros, ...noRegularizers, ...c });
const groupNorm = (c: Record<string, unknown>) => ({
  axis: -1, epsilon: 0.001, center: true, scale: true, beta_initializer: zeros, gamma_initializer: { class_name: 'Ones', config: {} },
  beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, ...c,
});

/** tf.keras 2 class names and configs (get_config, snake_case) of the layers of new-layers.py, by layer name. */
const KERAS2: Record<string, { model: string; className: string; config: Record<string, unknown> }> = {
  group_norm: { model: 'new-layers-seq1d', className: 'GroupNormalization', config: groupNorm({ groups: 2 }) },
  conv1d_t_same: { model: 'new-layers-seq1d', className: 'Conv1DTranspose', config: conv({ filters: 3, kernel_size: [3], strides: [2], padding: 'same', output_padding: null, dilation_rate: [1] }) },
  conv1d_t_valid: { model: 'new-layers-seq1d', className: 'Conv1DTranspose', config: conv({ filters: 2, kernel_size: [3], strides: [2], padding: 'valid', output_padding: [1], dilation_rate: [1], activation: 'relu' }) },
  depthwise1d: { model: 'new-layers-seq1d', className: 'DepthwiseConv1D', config: conv({ kernel_size: [3], strides: [1], padding: 'same', depth_multiplier: 2, dilation_rate: [1], depthwise_initializer: glorot }) },
  depthwise1d_s2: { model: 'new-layers-seq1d', className: 'DepthwiseConv1D', config: conv({ kernel_size: [3], strides: [2], padding: 'valid', depth_multiplier: 1, dilation_rate: [1], depthwise_initializer: glorot }) },
  sepconv1d: { model: 'new-layers-seq1d', className: 'SeparableConv1D', config: conv({ filters: 5, kernel_size: [3], strides: [1], padding: 'same', depth_multiplier: 2, dilation_rate: [1], activation: 'relu' }) },
  sepconv1d_dilated: { model: 'new-layers-seq1d', className: 'SeparableConv1D', config: conv({ filters: 2, kernel_size: [2], strides: [1], padding: 'valid', depth_multiplier: 1, dilation_rate: [2] }) },
  group_norm2d: { model: 'new-layers-img2d', className: 'GroupNormalization', config: groupNorm({ groups: 3, epsilon: 0.01 }) },
  instance_norm: { model: 'new-layers-img2d', className: 'GroupNormalization', config: groupNorm({ groups: -1, center: false }) },
};

/** Grouped convolutions of layer-fixes.json (one layer each; weights kernel, bias in Keras' order). */
const GROUPED: Record<string, { className: string; config: Record<string, unknown> }> = {
  'Conv2D groups 2 same': { className: 'Conv2D', config: conv({ filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', dilation_rate: [1, 1], groups: 2 }) },
  'Conv2D groups 4 strides 2 relu': { className: 'Conv2D', config: conv({ filters: 8, kernel_size: [3, 3], strides: [2, 2], padding: 'valid', dilation_rate: [1, 1], groups: 4, activation: 'relu' }) },
  'Conv1D groups 2': { className: 'Conv1D', config: conv({ filters: 6, kernel_size: [3], strides: [1], padding: 'valid', dilation_rate: [1], groups: 2 }) },
  'Conv1D groups 3 causal dilated': { className: 'Conv1D', config: conv({ filters: 6, kernel_size: [3], strides: [1], padding: 'causal', dilation_rate: [2], groups: 3 }) },
};

function expectKerasNumbers(got: tf.Tensor, want: Stored, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const vals = got.dataSync();
  want.values.forEach((v, i) => expect(Math.abs(vals[i]! - v), `${what} element ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
}

/** A one-input Functional model of Config layers on `x`, saved without traced functions, revived from keras_metadata.pb. */
async function revive(xShape: number[], layers: ConfigLayerSpec[]) {
  const spec: FunctionalSpec = { kind: 'Functional', inputs: ['x'], layers: [{ className: 'InputLayer', name: 'x', shape: xShape }, ...layers], outputs: layers.map((l) => l.name) };
  const { model, report } = await loadKerasModelWithReport(memorySource(writeKerasSavedModel(spec, { withFunctions: false })), { warn: () => {} });
  expect(report.fromSavedFunctions).toBe(0);
  return model;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`weighted layer classes revived from keras_metadata.pb on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    for (const slug of ['new-layers-seq1d', 'new-layers-img2d']) {
      const names = Object.keys(KERAS2).filter((n) => KERAS2[n]!.model === slug);
      it(`${slug}: ${names.join(', ')} with Keras' weights give Keras' outputs (${expected.generator})`, async () => {
        // Keras' stored weights, read from its .keras file (in Keras' variable order).
        const { model: keras } = await loadKerasFile(readTestBytes(data(`${slug}.keras`).pathname), { warn: () => undefined, compile: false });
        const want = expected.models[slug]!;
        const layers: ConfigLayerSpec[] = names.map((name) => ({
          className: 'Config',
          name,
          inbound: [['x']],
          keras: { className: KERAS2[name]!.className, config: KERAS2[name]!.config },
          outputShape: want.outputs[name]!.shape.slice(1),
          variables: keras.getLayer(name).weights.map((w) => ({ attr: w.originalName.split('/').pop()!, shape: w.shape as number[], values: w.read().dataSync() as Float32Array })),
        }));
        keras.dispose();
        const m = await revive(want.inputs['x']!.shape.slice(1), layers);
        expect(m.layers.slice(1).map((l) => l.getClassName())).toEqual(names.map((n) => KERAS2[n]!.className));
        const x = tf.tensor(want.inputs['x']!.values, want.inputs['x']!.shape);
        const outs = [m.predict(x)].flat();
        outs.forEach((o, k) => expectKerasNumbers(o, want.outputs[names[k]!]!, names[k]!));
        tf.dispose([x, ...outs]);
        m.dispose();
      });
    }

    it(`grouped Conv1D/Conv2D with TensorFlow's weights give its outputs (${layerFixes.generator})`, async () => {
      for (const [name, k] of Object.entries(GROUPED)) {
        const c = layerFixes.cases.find((x) => x.name === name)!;
        const m = await revive(c.x.shape.slice(1), [{
          className: 'Config',
          name: 'grouped',
          inbound: [['x']],
          keras: k,
          outputShape: c.y.shape.slice(1),
          variables: c.weights.map((w, i) => ({ attr: ['kernel', 'bias'][i]!, shape: w.shape, values: Float32Array.from(w.values) })),
        }]);
        const x = tf.tensor(c.x.values, c.x.shape);
        const y = m.predict(x) as tf.Tensor;
        expectKerasNumbers(y, c.y, name);
        tf.dispose([x, y]);
        m.dispose();
      }
    });
  });
}
