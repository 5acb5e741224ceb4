import './helpers.js';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { BatchNormalization } from '../src/batch-normalization.js';
import { installKernelFixes } from '@savedkeras/kernels';

// Ranks 3-4 on axis 1 run tfjs' FusedBatchNorm with broadcast parameters, which the cpu backend
// gets wrong unless savedkeras' kernel fixes are installed (as selectBackend does for users).
beforeAll(async () => {
  registerAllLayers();
  await installKernelFixes('cpu');
});

interface Case {
  axis: number;
  epsilon: number;
  shape: number[];
  x: number[];
  gamma: number[];
  beta: number[];
  movingMean: number[];
  movingVariance: number[];
  y: number[];
}
// Made by keras.layers.BatchNormalization in TensorFlow 2.21 (see the file's "generator").
const reference = JSON.parse(readFileSync(new URL('./tf-reference/batch-normalization.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('BatchNormalization at every rank (tfjs-layers throws above 4)', () => {
  it('tfjs-layers alone cannot do rank 5 (the gap this class fills)', () => {
    const Tfjs = Object.getPrototypeOf(BatchNormalization) as new (a: object) => tfl.layers.Layer;
    const layer = new Tfjs({ axis: -1 });
    expect(() => layer.apply(tf.zeros([1, 2, 2, 2, 3]))).toThrow(/rank 5/);
  });

  it.each(reference.cases.map((c) => [`rank ${c.shape.length} axis ${c.axis}`, c] as const))('%s matches TensorFlow', (_, c) => {
    const cls = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization']![0];
    expect(cls).toBe(BatchNormalization); // revival gets this class, not tfjs-layers' own
    const layer = new BatchNormalization({ axis: c.axis, epsilon: c.epsilon } as never);
    const x = tf.tensor(c.x, c.shape);
    layer.apply(x);
    layer.setWeights([tf.tensor(c.gamma), tf.tensor(c.beta), tf.tensor(c.movingMean), tf.tensor(c.movingVariance)]);
    const y = (layer.apply(x) as tf.Tensor).dataSync();
    expect(y.length).toBe(c.y.length);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - c.y[i]!) / (1 + Math.abs(c.y[i]!)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('ranks up to 4 still run tfjs-layers code', () => {
    const layer = new BatchNormalization({ axis: -1 } as never);
    const y = layer.apply(tf.ones([2, 3, 4])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    expect(Array.from(y.dataSync()).every((v) => Math.abs(v - 1 / Math.sqrt(1 + 1e-3)) < 1e-6)).toBe(true);
  });
});
