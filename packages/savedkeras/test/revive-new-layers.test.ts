// The weightless layer classes @savedkeras/layers added in session 5, revived from a SavedModel's
// keras_metadata.pb as tf.keras 2 writes it: a model made by the project's SavedModel writer with a
// Dropout in each layer's place, whose Keras metadata (the layer's own node and the model config)
// then names the layer in tf.keras' spelling. Inputs and Keras 3.15's outputs are those of
// keras-file/test/data/new-layers.expected.json (new-layers.py), so the numbers are Keras' own.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson } from '@savedkeras/fixtures';
import { decodeSavedMetadata, encodeMessage } from '@savedkeras/proto';
import { memorySource, writeKerasSavedModel, type FunctionalSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

interface Stored { shape: number[]; values: number[] }
const expected = parseStoredJson<{
  generator: string;
  models: Record<string, { inputs: Record<string, Stored>; outputs: Record<string, Stored> }>;
}>(readFileSync(new URL('../../keras-file/test/data/new-layers.expected.json', import.meta.url), 'utf8'));

/** tf.keras 2 configs of the layers (as keras_metadata.pb holds them), by the output name in new-layers.expected.json. */
const base = (name: string) => ({ name, trainable: true, dtype: 'float32' });
const CASES: Record<string, { model: string; className: string; config: Record<string, unknown> }> = {
  unit_norm: { model: 'new-layers-seq1d', className: 'UnitNormalization', config: { axis: -1 } },
  unit_norm_axes: { model: 'new-layers-seq1d', className: 'UnitNormalization', config: { axis: [1, 2] } },
  spatial_dropout1d: { model: 'new-layers-seq1d', className: 'SpatialDropout1D', config: { rate: 0.4, noise_shape: null, seed: null } },
  activity_reg: { model: 'new-layers-seq1d', className: 'ActivityRegularization', config: { activity_regularizer: null, l1: 0.01, l2: 0.02 } },
  cropping1d: { model: 'new-layers-seq1d', className: 'Cropping1D', config: { cropping: { class_name: '__tuple__', items: [1, 2] } } },
  zero_padding1d: { model: 'new-layers-seq1d', className: 'ZeroPadding1D', config: { padding: { class_name: '__tuple__', items: [2, 1] } } },
  upsampling1d: { model: 'new-layers-seq1d', className: 'UpSampling1D', config: { size: 3 } },
  spatial_dropout3d: { model: 'new-layers-vol3d', className: 'SpatialDropout3D', config: { rate: 0.3, noise_shape: null, seed: null, data_format: 'channels_last' } },
  cropping3d: { model: 'new-layers-vol3d', className: 'Cropping3D', config: { cropping: [[1, 0], [1, 2], [0, 1]], data_format: 'channels_last' } },
  zero_padding3d: { model: 'new-layers-vol3d', className: 'ZeroPadding3D', config: { padding: [[1, 0], [0, 2], [1, 1]], data_format: 'channels_last' } },
  upsampling3d: { model: 'new-layers-vol3d', className: 'UpSampling3D', config: { size: [2, 1, 2], data_format: 'channels_last' } },
  cropping3d_cf: { model: 'new-layers-vol3d', className: 'Cropping3D', config: { cropping: [[0, 1], [1, 1], [1, 0]], data_format: 'channels_first' } },
  upsampling3d_cf: { model: 'new-layers-vol3d', className: 'UpSampling3D', config: { size: [2, 2, 2], data_format: 'channels_first' } },
  spatial_dropout2d: { model: 'new-layers-img2d', className: 'SpatialDropout2D', config: { rate: 0.3, noise_shape: null, seed: null, data_format: 'channels_last' } },
};

/** Rewrites every Keras object JSON named `layer` (its own node, and its entry in the model config) as the real class. */
function renameInMetadata(files: Map<string, Uint8Array>, replacements: Map<string, { className: string; config: Record<string, unknown> }>): Map<string, Uint8Array> {
  const meta = decodeSavedMetadata(files.get('keras_metadata.pb')!);
  const swap = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(swap);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const cfg = o['config'] as Record<string, unknown> | undefined;
    const name = typeof o['name'] === 'string' ? o['name'] : typeof cfg?.['name'] === 'string' ? cfg['name'] : undefined;
    const r = name !== undefined && o['class_name'] === 'Dropout' ? replacements.get(name) : undefined;
    const out = Object.fromEntries(Object.entries(o).map(([k, x]) => [k, swap(x)]));
    if (r) {
      out['class_name'] = r.className;
      out['config'] = { ...base(name!), ...r.config };
    }
    return out;
  };
  const nodes = meta.nodes.map((n) => ({ ...n, metadata: JSON.stringify(swap(JSON.parse(n.metadata))) }));
  const patched = new Map(files);
  patched.set('keras_metadata.pb', encodeMessage('SavedMetadata', { nodes }));
  return patched;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`new layer classes revived from keras_metadata.pb on ${backend} (numbers: ${expected.generator})`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });
    for (const model of ['new-layers-seq1d', 'new-layers-vol3d', 'new-layers-img2d']) {
      const names = Object.keys(CASES).filter((n) => CASES[n]!.model === model);
      it(`${model}: ${names.join(', ')}`, async () => {
        const want = expected.models[model]!;
        const x = want.inputs['x']!;
        const spec: FunctionalSpec = {
          kind: 'Functional',
          inputs: ['x'],
          layers: [{ className: 'InputLayer', name: 'x', shape: x.shape.slice(1) }, ...names.map((name) => ({ className: 'Dropout' as const, name, rate: 0.5, inbound: [['x']] }))],
          outputs: names,
        };
        const files = renameInMetadata(writeKerasSavedModel(spec, { withFunctions: false }), new Map(names.map((n) => [n, CASES[n]!])));
        const { model: m, report } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
        expect(report.fromSavedFunctions).toBe(0);
        expect(m.layers.map((l) => l.getClassName()).slice(1)).toEqual(names.map((n) => CASES[n]!.className));
        const input = tf.tensor(x.values, x.shape);
        const outs = [m.predict(input)].flat();
        expect(outs.length).toBe(names.length);
        outs.forEach((o, k) => {
          const w = want.outputs[names[k]!]!;
          expect(o.shape, names[k]).toEqual(w.shape);
          const got = o.dataSync();
          w.values.forEach((v, i) => expect(Math.abs(got[i]! - v), `${names[k]} element ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
        });
        tf.dispose([input, ...outs]);
        m.dispose();
      });
    }
  });
}
