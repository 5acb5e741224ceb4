import './helpers.js';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { TimeDistributed } from '../src/time-distributed.js';
import { expectClose } from './helpers.js';

beforeAll(() => registerAllLayers());

interface Case {
  name: string;
  shape: number[];
  x: number[];
  weights: { shape: number[]; values: number[] }[];
  yShape: number[];
  y: number[];
}
// Made by keras.layers.TimeDistributed in TensorFlow 2.21 (time-distributed.py beside the JSON).
const reference = JSON.parse(readFileSync(new URL('./tf-reference/time-distributed.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The wrapped layer of each reference case, built with tfjs-layers' own classes. */
const inner: Record<string, () => tfl.layers.Layer> = {
  'conv2d same relu': () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
  'dense tanh': () => tfl.layers.dense({ units: 5, activation: 'tanh' }),
  maxpooling2d: () => tfl.layers.maxPooling2d({ poolSize: 2 }),
  flatten: () => tfl.layers.flatten(),
  'conv1d valid': () => tfl.layers.conv1d({ filters: 3, kernelSize: 2 }),
};

function run(c: Case): tf.Tensor {
  const layer = new TimeDistributed({ layer: inner[c.name]!() } as never);
  const x = tf.tensor(c.x, c.shape);
  layer.apply(x);
  if (c.weights.length > 0) layer.setWeights(c.weights.map((w) => tf.tensor(w.values, w.shape)));
  return layer.apply(x) as tf.Tensor;
}

describe('TimeDistributed folds time into the batch', () => {
  it('revival gets this class, not tfjs-layers\' own', () => {
    expect(tf.serialization.SerializationMap.getMap().classNameMap['TimeDistributed']![0]).toBe(TimeDistributed);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))('%s matches TensorFlow', (_, c) => {
    expectClose(run(c), c.y, 1e-5, c.yShape);
  });

  it('runs the wrapped layer once, without the per-step unstack/stack of tfjs-layers', async () => {
    const c = reference.cases.find((k) => k.name === 'conv2d same relu')!;
    run(c); // build outside the profile
    const profile = await tf.profile(() => run(c));
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).not.toContain('Unpack');
    expect(kernels).not.toContain('Pack');
    expect(kernels.filter((k) => k === 'Conv2D' || k === 'FusedConv2D').length).toBe(2); // 1 build-time apply + 1
  });

  it('a nested Sequential inside matches the same layers applied frame by frame', () => {
    const seq = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), tfl.layers.flatten()] });
    const layer = new TimeDistributed({ layer: seq } as never);
    const x = tf.randomUniform([2, 3, 4, 4, 1], -1, 1, 'float32', 7);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 18]);
    const frames = tf.unstack(x, 1).map((f) => seq.predict(f) as tf.Tensor);
    expectClose(y, tf.stack(frames, 1).dataSync(), 1e-6);
  });

  it('keeps tfjs-layers\' config: a Keras JSON round-trips through fromConfig/getConfig', async () => {
    const model = tfl.sequential({
      layers: [new TimeDistributed({ layer: tfl.layers.dense({ units: 2 }), batchInputShape: [null, 3, 4] } as never)],
    });
    const again = (await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as never)) as tfl.Sequential;
    expect(again.layers[0]).toBeInstanceOf(TimeDistributed);
    expect(again.layers[0]!.getWeights().map((w) => w.shape)).toEqual([[4, 2], [2]]);
  });
});
