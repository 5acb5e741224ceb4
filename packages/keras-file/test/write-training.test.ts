import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unzipSync } from 'fflate';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, H5File, loadKerasFile } from '../src/index.js';
import { resolveLimits } from '@savedkeras/common';
import { haveKerasFixtures, KERAS_FIXTURES, relError, toTensor, type TensorJson } from './support.js';

// The writer keeps what Keras 3 needs to resume training: compile_config and the optimizer's
// variables. Files Keras trained (test/data/*-trained.keras) are loaded, written again, and the
// written file must hold Keras' own optimizer variables and compile config, and training resumed
// from it must take the step Keras took (weights_after, made by Keras: scripts/make_test_data.py).
// scripts/check_written_training.py has Keras 3 itself load the written files (SAVEDKERAS_WRITE_DIR).
const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const bytes = (name: string) => new Uint8Array(readFileSync(join(DATA, name)));
const flat = (t: TensorJson) => (Array.isArray(t.value) ? (t.value as number[]).flat(Infinity as 1) : [t.value]) as number[];
const keep = process.env['SAVEDKERAS_WRITE_DIR'];

function weightsFile(keras: Uint8Array): H5File {
  return new H5File(unzipSync(keras)['model.weights.h5']!, 'model.weights.h5', resolveLimits());
}
function optimizerVars(h5: H5File): { shape: number[]; values: number[] }[] {
  return (h5.keys('optimizer/vars') ?? []).map((k) => {
    const a = h5.read(`optimizer/vars/${k}`);
    return { shape: a.shape, values: Array.from(a.values) };
  });
}
const configOf = (keras: Uint8Array) => JSON.parse(new TextDecoder().decode(unzipSync(keras)['config.json'])) as Record<string, unknown>;

beforeAll(async () => {
  registerAllLayers();
  await selectBackend('cpu');
});

describe.each(['seq-mlp', 'func-cnn', 'lstm'])('%s-trained.keras written again', (slug) => {
  it("holds Keras' compile config and optimizer variables (iteration, learning rate, every slot)", async () => {
    const original = bytes(`${slug}-trained.keras`);
    const { model } = await loadKerasFile(original, { warn: () => undefined });
    const written = await encodeKerasFile(model, { warn: () => undefined });
    if (keep) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, `${slug}-trained.keras`), written);
    }
    const want = configOf(original)['compile_config'] as Record<string, Record<string, unknown>>;
    const got = configOf(written)['compile_config'] as Record<string, Record<string, unknown>>;
    expect(got['optimizer']!['class_name']).toBe(want['optimizer']!['class_name']);
    const wc = want['optimizer']!['config'] as Record<string, unknown>;
    const gc = got['optimizer']!['config'] as Record<string, unknown>;
    for (const k of ['learning_rate', 'beta_1', 'beta_2', 'epsilon', 'rho', 'momentum', 'centered', 'nesterov', 'amsgrad']) {
      if (k in wc) expect(gc[k], k).toBeCloseTo(wc[k] as number, 6);
    }
    expect({ loss: got['loss'], metrics: got['metrics'] }).toEqual({ loss: want['loss'], metrics: want['metrics'] });
    const a = optimizerVars(weightsFile(original));
    const b = optimizerVars(weightsFile(written));
    expect(b.map((x) => x.shape)).toEqual(a.map((x) => x.shape));
    a.forEach((x, i) => expect(relError(b[i]!.values, x.values), `optimizer/vars/${i}`).toBeLessThanOrEqual(1e-7));
    model.dispose();
  });

  it("training resumed from the written file takes Keras' step", async () => {
    const { model } = await loadKerasFile(bytes(`${slug}-trained.keras`), { warn: () => undefined });
    const { model: again, report } = await loadKerasFile(await encodeKerasFile(model, { warn: () => undefined }), { warn: () => undefined });
    model.dispose();
    const exp = (JSON.parse(readFileSync(join(DATA, `${slug}.expected.json`), 'utf8')) as { train_step: { inputs: Record<string, TensorJson>; target: TensorJson; weights_after: Record<string, TensorJson[]>; iterations_before: number } }).train_step;
    expect(report.optimizerState).toMatchObject({ restored: true, iterations: exp.iterations_before });
    const xs = again.inputs.map((i) => toTensor(exp.inputs[i.sourceLayer.name]!));
    const y = tf.cast(toTensor(exp.target), 'float32');
    await again.trainOnBatch(xs.length === 1 ? xs[0]! : xs, y);
    for (const [layer, weights] of Object.entries(exp.weights_after)) {
      const got = again.getLayer(layer).weights;
      for (const [i, w] of weights.entries()) expect(relError((await got[i]!.read().data()) as Float32Array, flat(w)), `${layer} ${i}`).toBeLessThanOrEqual(2e-4);
    }
    tf.dispose([...xs, y]);
    again.dispose();
  });
});

describe('a model built and trained in JavaScript', () => {
  it("tfjs' Adam: compile config and m, v slots written in Keras' order; read back the same", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], activation: 'relu', name: 'h' }), tfl.layers.dense({ units: 2, name: 'o' })] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.tensor2d([[1, 2, 3, 4], [0.5, -1, 0, 2]]);
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    await model.trainOnBatch(x, y);
    await model.trainOnBatch(x, y);
    const written = await encodeKerasFile(model, { warn: () => undefined });
    if (keep) writeFileSync(join(keep, 'js-adam.keras'), written);
    const cc = configOf(written)['compile_config'] as Record<string, Record<string, unknown>>;
    expect(cc['loss']).toBe('mean_squared_error');
    expect(cc['optimizer']).toMatchObject({ class_name: 'Adam', config: { learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999 } });
    const vars = optimizerVars(weightsFile(written));
    expect(vars[0]!.values).toEqual([2]); // iterations
    const adam = (await model.optimizer.getWeights()) as { name: string; tensor: tf.Tensor }[];
    const byName = new Map(adam.map((w) => [w.name, w.tensor]));
    // Keras' order: for each trainable variable (h kernel, h bias, o kernel, o bias): momentum, velocity.
    const order = model.trainableWeights.flatMap((w) => ['m', 'v'].map((s) => `${(w.read() as tf.Variable).name}/${s}`));
    for (const [i, name] of order.entries()) expect(vars[i + 2]!.values, name).toEqual(Array.from(await byName.get(name)!.data()));
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('a Keras fixture trained with AdamW (tfjs trains it as Adam)', () => {
  const have = haveKerasFixtures('AdamW write-back');
  it.runIf(have)('is written back as AdamW with its weight decay, and the optimizer variables Keras saved', async () => {
    const original = new Uint8Array(readFileSync(join(KERAS_FIXTURES, 'cnn2d-separable-depthwise-adamw/model.keras')));
    const { model } = await loadKerasFile(original, { warn: () => undefined });
    const written = await encodeKerasFile(model, { warn: () => undefined });
    const want = (configOf(original)['compile_config'] as Record<string, Record<string, unknown>>)['optimizer']!;
    const got = (configOf(written)['compile_config'] as Record<string, Record<string, unknown>>)['optimizer']!;
    expect(got['class_name']).toBe('AdamW');
    expect((got['config'] as Record<string, number>)['weight_decay']).toBeCloseTo((want['config'] as Record<string, number>)['weight_decay']!, 9);
    const a = optimizerVars(weightsFile(original));
    const b = optimizerVars(weightsFile(written));
    expect(b.length).toBe(a.length);
    a.forEach((x, i) => expect(relError(b[i]!.values, x.values), `optimizer/vars/${i}`).toBeLessThanOrEqual(1e-7));
    model.dispose();
  });
});
