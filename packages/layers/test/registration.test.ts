import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYER_CLASSES, SUPPORTED_LAYERS, registerActivation, registerAllLayers, resolveKerasObject } from '../src/index.js';
import { L1, L2 } from '../src/regularizers.js';
import { deserializeLayer, expectClose } from './helpers.js';
import { fixtureLayers, haveFixtures, kerasNodes, fixturesDir, pythonicToTs, decodeJsonUtils } from './fixtures.js';
import fs from 'node:fs';

beforeAll(() => registerAllLayers());

const classNameMap = () => tf.serialization.SerializationMap.getMap().classNameMap;

describe('registration', () => {
  it('registers every supported class under its Keras name, idempotently', () => {
    registerAllLayers();
    registerAllLayers();
    // The Identity layer is found through the Keras registry only: tfjs' map keeps its Identity initializer there.
    for (const name of SUPPORTED_LAYERS) {
      if (name === 'Identity') {
        expect(resolveKerasObject('layer', name)?.value).toBe(LAYER_CLASSES[name]);
        expect(classNameMap()[name]?.[0]).not.toBe(LAYER_CLASSES[name]);
      } else expect(classNameMap()[name]?.[0]).toBe(LAYER_CLASSES[name]);
    }
    expect(SUPPORTED_LAYERS).toContain('TFOpLambda');
    expect(SUPPORTED_LAYERS).toContain('GRU');
  });

  it('activations tfjs lacks resolve by Keras and camelCased names', () => {
    const x = tf.tensor([-4, -1, 0, 1, 4]);
    const act = (name: string) => tfl.layers.activation({ activation: name as never }).apply(x) as tf.Tensor;
    const xs = [-4, -1, 0, 1, 4];
    expectClose(act('silu'), xs.map((v) => v / (1 + Math.exp(-v))));
    expectClose(act('hardSilu'), xs.map((v) => (v * Math.min(6, Math.max(0, v + 3))) / 6));
    expectClose(act('hard_swish'), xs.map((v) => (v * Math.min(6, Math.max(0, v + 3))) / 6));
    expectClose(act('exponential'), xs.map(Math.exp), 1e-5);
    // tfjs' own: gelu is the exact erf form, relu6, softsign, mish
    expectClose(act('gelu'), [-4 * 3.167e-5, -0.15865525, 0, 0.84134475, 3.99987335], 1e-4);
    expectClose(act('relu6'), [0, 0, 0, 1, 4]);
    expectClose(act('softsign'), xs.map((v) => v / (1 + Math.abs(v))));
  });

  it('registerActivation adds a custom function name (e.g. a model\'s own "clip")', () => {
    registerActivation('clip', (t) => tf.where(tf.less(t, 1), tf.onesLike(t), t));
    const dense = deserializeLayer<tfl.layers.Layer>('Dense', { name: 'd', units: 1, activation: 'clip', useBias: false });
    dense.apply(tfl.input({ shape: [1] }));
    dense.setWeights([tf.tensor([[1]])]);
    expectClose(dense.apply(tf.tensor([[0.5], [3]])) as tf.Tensor, [1, 3]);
  });

  it('L1 / L2 regularizers (Keras configs {l1} / {l2}) compute l * sum|w| and l * sum w^2', () => {
    const w = tf.tensor([1, -2, 3]);
    const l2 = deserializeLayer<L2>('L2', { l2: 0.5 } as never);
    expectClose(l2.apply(w), [0.5 * 14]);
    expect(l2.getConfig()).toEqual({ l2: 0.5 });
    const l1 = deserializeLayer<L1>('L1', { l1: 0.1 } as never);
    expectClose(l1.apply(w), [0.6]);
    expect(new L2().getConfig()).toEqual({ l2: 0.01 });
  });
});

describe.skipIf(!haveFixtures)('fixture configs', () => {
  it('cnn-mnist-bn: the Dense with kernel_regularizer {class_name: L2} deserializes and adds the L2 loss', () => {
    const dense = fixtureLayers('cnn-mnist-bn', 'Dense').find((d) => d.config['kernelRegularizer'] !== null)!;
    expect((dense.config['kernelRegularizer'] as { className: string }).className).toBe('L2');
    const layer = deserializeLayer<tfl.layers.Layer>('Dense', dense.config);
    layer.apply(tfl.input({ shape: [3] }));
    const kernel = tf.ones([3, 128]);
    layer.setWeights([kernel, tf.zeros([128])]);
    const loss = layer.losses[0]() as tf.Scalar;
    expectClose(loss, [0.009999999776482582 * 3 * 128], 1e-5);
  });

  /**
   * Every saved config of a class this package provides, across all fixture models, through
   * tfjs' serialization map (what a reviver does).
   */
  it('every fixture config of a supported class deserializes (except custom Python functions)', () => {
    const ok: Record<string, number> = {};
    const failed: string[] = [];
    for (const slug of fs.readdirSync(fixturesDir).filter((d) => fs.statSync(`${fixturesDir}/${d}`).isDirectory())) {
      for (const n of kerasNodes(slug)) {
        const cls = n.metadata['class_name'];
        if (typeof cls !== 'string' || !SUPPORTED_LAYERS.includes(cls)) continue;
        const config = pythonicToTs(decodeJsonUtils(n.metadata['config'])) as tf.serialization.ConfigDict;
        const slow = config['units'] !== undefined; // fast weight init if the test builds
        try {
          const layer = deserializeLayer<tfl.layers.Layer>(cls, config);
          if (slow) layer.setFastWeightInitDuringBuild(true);
          ok[cls] = (ok[cls] ?? 0) + 1;
        } catch (e) {
          failed.push(`${slug} ${n.path} ${cls}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    console.log('deserialized fixture configs by class:', JSON.stringify(ok), '\nnot deserialized:', failed);
    expect(failed).toEqual([expect.stringMatching(/legacy-tf24-textvectorization .* TextVectorization: .*custom_?[sS]tandardization/)]);
    expect(ok).toMatchObject({ Resizing: 1, TFOpLambda: 11, SlicingOpLambda: 16, Subtract: 8, Normalization: 17, Attention: 2, GRU: 2, GRUCell: 2, MultiHeadAttention: 1, EinsumDense: 4 });
  });
});
