import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedFeatureError } from '@savedkeras/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { Normalization } from '../src/normalization.js';
import { deserializeLayer, expectClose } from './helpers.js';
import { fixtureLayers, haveFixtures, openCheckpoint, readFloat, referenceCases } from './fixtures.js';

beforeAll(() => registerAllLayers());

describe('Normalization', () => {
  it('(x - mean) / sqrt(variance) per kept axis, with weights mean/variance/count', () => {
    const n = new Normalization({ name: 'norm', axis: -1 });
    n.apply(tfl.input({ shape: [2] }));
    expect(n.weights.map((w) => [w.originalName.split('/').pop(), w.shape, w.dtype])).toEqual([
      ['mean', [2], 'float32'],
      ['variance', [2], 'float32'],
      ['count', [], 'int32'],
    ]);
    n.setWeights([tf.tensor([1, 10]), tf.tensor([4, 0]), tf.scalar(5, 'int32')]);
    // variance 0 -> divided by epsilon 1e-7 (Keras backend.epsilon())
    expectClose(n.apply(tf.tensor([[3, 10], [-1, 10.5]])) as tf.Tensor, [1, 0, -1, 0.5 / 1e-7], 1e-5);
  });

  it('axis null normalizes with one global mean; invert de-normalizes; given mean/variance need no weights', () => {
    const g = new Normalization({ name: 'g', axis: null, mean: 2, variance: 9 });
    expectClose(g.apply(tf.tensor([[5, -1], [2, 8]])) as tf.Tensor, [1, -1, 0, 2]);
    expect(g.weights).toHaveLength(0);
    const inv = new Normalization({ name: 'inv', axis: 1, mean: [1, 2], variance: [4, 1], invert: true });
    expectClose(inv.apply(tf.tensor([[1, 1]])) as tf.Tensor, [3, 3]);
  });

  it('keeps several axes with a broadcast shape', () => {
    const n = new Normalization({ name: 'n2', axis: [1, 2] });
    n.apply(tfl.input({ shape: [2, 3] }));
    expect(n.weights[0].shape).toEqual([2, 3]);
    n.setWeights([tf.tensor([[0, 1, 2], [3, 4, 5]]), tf.fill([2, 3], 4), tf.scalar(1, 'int32')]);
    expectClose(n.apply(tf.tensor([[[2, 3, 4], [5, 6, 7]]])) as tf.Tensor, [1, 1, 1, 1, 1, 1]);
  });

  it('asks for the build shape when a kept axis is unknown', () => {
    const n = new Normalization({ name: 'u', axis: -1 });
    expect(() => n.apply(tfl.input({ batchShape: [null, null] }))).toThrow(UnsupportedFeatureError);
  });
});

describe.skipIf(!haveFixtures)('Normalization fixtures', () => {
  it('seq-normalization-autompg: Normalization + 3 Dense on checkpoint weights reproduces reference/expected.json', async () => {
    const [norm] = fixtureLayers('seq-normalization-autompg', 'Normalization');
    const dense = fixtureLayers('seq-normalization-autompg', 'Dense');
    const n = deserializeLayer<Normalization>('Normalization', norm.config);
    // The saved batch_input_shape is [null, null]; Keras builds the layer with the metadata's build_input_shape.
    expect(norm.metadata['build_input_shape']).toEqual({ class_name: 'TensorShape', items: [null, 8] });
    n.build([null, 8]);
    const ds = dense.map((d) => deserializeLayer<tfl.layers.Layer>('Dense', d.config));
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ batchInputShape: [null, 8] }), n, ...ds] });
    const ckpt = await openCheckpoint('seq-normalization-autompg');
    const key = (p: string) => `${p}/.ATTRIBUTES/VARIABLE_VALUE`;
    const count = await ckpt.readTensor(key('layer_with_weights-0/count'));
    n.setWeights([
      await readFloat(ckpt, key('layer_with_weights-0/mean')),
      await readFloat(ckpt, key('layer_with_weights-0/variance')),
      tf.scalar(Number((count.values as BigInt64Array)[0]), 'int32'),
    ]);
    for (let i = 0; i < 3; i++) {
      ds[i].setWeights([await readFloat(ckpt, key(`layer_with_weights-${i + 1}/kernel`)), await readFloat(ckpt, key(`layer_with_weights-${i + 1}/bias`))]);
    }
    for (const c of referenceCases('seq-normalization-autompg')) {
      const inp = c.inputs['normalization_input'];
      const got = model.predict(tf.tensor(inp.value as number[][], inp.shape)) as tf.Tensor;
      expectClose(got, (c.outputs['dense_7'].value as number[][]).flat(), c.tolerance, c.outputs['dense_7'].shape);
    }
  });

  it('legacy-tf24-intlookup-18-inputs: the 16 TF 2.4 Normalization configs build [1]-shaped weights for rank-1 inputs', () => {
    const layers = fixtureLayers('legacy-tf24-intlookup-18-inputs', 'Normalization');
    expect(layers).toHaveLength(16);
    for (const l of layers) {
      const n = deserializeLayer<Normalization>('Normalization', l.config);
      n.apply(tfl.input({ batchShape: [null] })); // their saved batch_input_shape; TF 2.4 expands rank 1 to [batch, 1]
      expect(n.weights.map((w) => w.shape)).toEqual([[1], [1], []]);
    }
  });
});
