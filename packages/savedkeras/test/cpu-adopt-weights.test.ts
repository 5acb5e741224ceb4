import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { memorySource, writeKerasSavedModel, type SequentialSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * On the cpu backend a restored weight takes the checkpoint's values as its storage in place (no tensor made,
 * assigned and freed per weight). What must hold: every weight holds exactly the values written into the
 * checkpoint (the writer's own float32 arrays are the reference), the model trains and disposes like any
 * other, and bytes a weight took are not changed by training it (a second load from the same files gives
 * the saved values again).
 */

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(seed * 3.7 + i * 0.9) * 0.5);
const SPEC: SequentialSpec = {
  kind: 'Sequential',
  name: 'adopt',
  input: { shape: [3] },
  layers: [
    { className: 'Dense', name: 'a', units: 4, activation: 'tanh', kernel: values(12, 1), bias: values(4, 2) },
    { className: 'Dense', name: 'b', units: 2, kernel: values(8, 3), bias: values(2, 4) },
  ],
  seed: 3,
};
const WANT = [values(12, 1), values(4, 2), values(8, 3), values(2, 4)];

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => vi.restoreAllMocks());

describe('cpu backend: weights restored in place', () => {
  const files = writeKerasSavedModel(SPEC);

  it('holds the checkpoint values exactly, without a write() per weight', async () => {
    const write = vi.spyOn(tfl.LayerVariable.prototype, 'write');
    const start = tf.memory().numTensors;
    const { model } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    expect(write).not.toHaveBeenCalled();
    expect(model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(WANT.map((v) => Array.from(v)));
    // One tensor per weight is all the load leaves (no zero-filled value left behind).
    expect(tf.memory().numTensors - start).toBe(4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('trains like any model, and training does not reach the loaded bytes', async () => {
    const { model } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    await model.fit(tf.tensor2d([[1, -2, 0.5]]), tf.tensor2d([[3, -3]]), { epochs: 1, verbose: 0 });
    const kernel = Array.from(model.weights[0]!.read().dataSync());
    expect(kernel).not.toEqual(Array.from(WANT[0]!));
    model.dispose();
    const again = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    expect(again.model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(WANT.map((v) => Array.from(v)));
    again.model.dispose();
  });
});
