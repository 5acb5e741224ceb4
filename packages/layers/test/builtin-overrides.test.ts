import './helpers.js';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseStoredJson } from '@savedkeras/fixtures';
import { BUILTIN_OVERRIDES, LAYER_CLASSES, registerAllLayers } from '../src/index.js';

beforeAll(() => registerAllLayers());

interface Stored {
  shape: number[];
  values: number[];
}
interface Case {
  name: string;
  className: string;
  config: Record<string, unknown>;
  x: Stored;
  weights: Stored[];
  y: Stored;
  /** Every output, when the layer returns several (an RNN with return_state). */
  ys?: Stored[];
  /** d/dx and d/dweights of sum(y · r), by TensorFlow's GradientTape. */
  gradient?: { r: Stored; x: Stored; weights: Stored[] };
}
// Keras 3 layers in TensorFlow 2.21 with the stored weights (see the file's "generator").
const reference = JSON.parse(readFileSync(new URL('./tf-reference/layer-gaps.json', import.meta.url), 'utf8')) as { cases: Case[] };
// Dilated DepthwiseConv2D and bilinear UpSampling2D (tf-reference/depthwise-conv2d.py writes them).
reference.cases.push(...(JSON.parse(readFileSync(new URL('./tf-reference/depthwise-conv2d.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases);
// ReLU with negative_slope / threshold / max_value (tf-reference/relu.py writes them).
reference.cases.push(...(JSON.parse(readFileSync(new URL('./tf-reference/relu.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases);
// Grouped Conv1D/Conv2D, LayerNormalization rms_scaling, CenterCrop, stacked-cell RNN (tf-reference/layer-fixes.py writes them).
const layerFixes = parseStoredJson<{ cases: Case[] }>(readFileSync(new URL('./tf-reference/layer-fixes.json', import.meta.url), 'utf8')).cases;
reference.cases.push(...layerFixes);
// channels_first Conv1D, dilated Conv2DTranspose (tf-reference/conv-fixes.py writes them; found by tools/sweep).
reference.cases.push(...(JSON.parse(readFileSync(new URL('./tf-reference/conv-fixes.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases);

function worstDiff(y: tf.Tensor, want: Stored): number {
  const got = y.dataSync();
  let worst = 0;
  want.values.forEach((w, i) => (worst = Math.max(worst, Math.abs(got[i]! - w) / (1 + Math.abs(w)))));
  return worst;
}

function build(c: Case): tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[c.className]!;
  // what revival deserializes (a stacked-cell RNN: tfjs' RNN around the overriding StackedRNNCells)
  expect(entry[0]).toBe(c.className === 'RNN' ? entry[0] : LAYER_CLASSES[c.className]);
  const layer = entry[1](entry[0], JSON.parse(JSON.stringify(c.config))) as tfl.layers.Layer;
  if (c.className === 'RNN') expect((layer as unknown as { cell: unknown }).cell).toBeInstanceOf(LAYER_CLASSES['StackedRNNCells']!);
  return layer;
}

describe('tfjs-layers built-ins savedkeras overrides, against TensorFlow', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const layer = build(c);
    const x = tf.tensor(c.x.values, c.x.shape);
    layer.apply(x);
    if (c.weights.length) layer.setWeights(c.weights.map((w) => tf.tensor(w.values, w.shape)));
    const out = layer.apply(x) as tf.Tensor | tf.Tensor[];
    const ys = Array.isArray(out) ? out : [out];
    const want = c.ys ?? [c.y];
    expect(ys.length).toBe(want.length);
    ys.forEach((y, k) => {
      expect(y.shape, `output ${k}`).toEqual(want[k]!.shape);
      expect(worstDiff(y, want[k]!), `output ${k}`).toBeLessThan(1e-5);
    });
  });

  it.each(layerFixes.filter((c) => c.gradient).map((c) => [c.name, c] as const))('%s: gradients of x and the weights as TensorFlow', (_, c) => {
    const layer = build(c);
    const x = tf.tensor(c.x.values, c.x.shape);
    layer.apply(x);
    layer.setWeights(c.weights.map((w) => tf.tensor(w.values, w.shape)));
    const r = tf.tensor(c.gradient!.r.values, c.gradient!.r.shape);
    const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, r)) as tf.Scalar, vars);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, r)))(x);
    expect(worstDiff(dx, c.gradient!.x)).toBeLessThan(1e-5);
    vars.forEach((v, i) => expect(worstDiff(grads[v.name]!, c.gradient!.weights[i]!), `weight ${i}`).toBeLessThan(1e-5));
  });

  it('every tfjs-layers built-in savedkeras overrides is pinned against TensorFlow numbers in a test', () => {
    // class -> the stored TensorFlow outputs its test holds it against (a new override must add its own)
    const PINS: Record<string, string> = {
      BatchNormalization: './tf-reference/batch-normalization.json',
      Conv1D: './tf-reference/layer-gaps.json',
      Conv2D: './tf-reference/layer-fixes.json',
      Conv2DTranspose: './tf-reference/conv-fixes.json',
      LayerNormalization: './tf-reference/layer-fixes.json',
      StackedRNNCells: './tf-reference/layer-fixes.json',
      ELU: './tf-reference/layer-gaps.json',
      ReLU: './tf-reference/relu.json',
      Softmax: './tf-reference/layer-gaps.json',
      SeparableConv2D: './tf-reference/layer-gaps.json',
      DepthwiseConv2D: './tf-reference/depthwise-conv2d.json',
      UpSampling2D: './tf-reference/depthwise-conv2d.json',
      TimeDistributed: './tf-reference/time-distributed.json',
      // the override is Embedding's gradient: one SGD step of a text model vs TensorFlow (savedkeras text-fit.test.ts)
      Embedding: '../../savedkeras/test/text-fit/sgd-step.json',
      // zeroed outputs at masked steps: Keras 3 files of Masking -> Bidirectional GRU vs Keras (keras-file masking-rnn.test.ts)
      Bidirectional: '../../keras-file/test/data/masking-rnn.expected.json',
      // masked mean, keepdims, channels_first: Keras 3 files vs Keras (keras-file coverage-layers.test.ts)
      GlobalAveragePooling1D: '../../keras-file/test/data/coverage-layers.expected.json',
      GlobalMaxPooling1D: '../../keras-file/test/data/coverage-layers.expected.json',
      GlobalAveragePooling2D: '../../keras-file/test/data/coverage-layers.expected.json',
      GlobalMaxPooling2D: '../../keras-file/test/data/coverage-layers.expected.json',
      // grouped Conv3D: Keras 3 files vs Keras (keras-file coverage7.test.ts)
      Conv3D: '../../keras-file/test/data/coverage7.expected.json',
    };
    expect([...BUILTIN_OVERRIDES].sort()).toEqual(Object.keys(PINS).sort());
    for (const [cls, file] of Object.entries(PINS)) {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(text, `${cls}: ${file}`).toMatch(/TensorFlow 2\.\d+/);
      if (file.endsWith('layer-gaps.json')) expect(reference.cases.some((c) => c.className === cls), cls).toBe(true);
    }
  });

  it('the symbolic output shape of a causal Conv1D matches what it computes', () => {
    const c = reference.cases.find((k) => k.name.startsWith('Conv1D causal strides 2'))!;
    const layer = build(c);
    expect(layer.computeOutputShape([null, ...c.x.shape.slice(1)] as never)).toEqual([null, ...c.y.shape.slice(1)]);
  });
});
