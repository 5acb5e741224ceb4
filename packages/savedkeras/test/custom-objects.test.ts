import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@savedkeras/backend-node';
import { loadKerasModelWithReport } from '../src/index.js';

// customObjects of every kind Keras has (activation, regularizer, initializer, constraint, loss,
// metric) and a from_logits loss, on small Keras 3 models whose answers Keras gave
// (custom-objects/generate.py): predict, evaluate (loss with the regularizer's penalty, the metric)
// and one SGD step (gradient through the custom activation, loss and penalty; constraint after it)
// must equal Keras'.
const here = join(dirname(fileURLToPath(import.meta.url)), 'custom-objects');
const expected = JSON.parse(readFileSync(join(here, 'expected.json'), 'utf8')) as {
  x: number[][];
  y: number[][];
  predicted: number[][];
  loss_before: number;
  metric_before: number;
  weights_after_one_sgd_step: Record<string, number[] | number[][]>;
  labels: number[];
  logits_loss_before: number;
  logits_weights_after_one_sgd_step: Record<string, number[] | number[][]>;
};

const scaledTanh = (x: tf.Tensor) => tf.mul(1.5, tf.tanh(x));

class SumOfSquares extends tf.serialization.Serializable {
  static className = 'SumOfSquares';
  constructor(private readonly config: { factor: number }) {
    super();
  }
  apply(w: tf.Tensor): tf.Scalar {
    return tf.mul(this.config.factor, tf.sum(tf.square(w)));
  }
  getConfig() {
    return { ...this.config };
  }
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

class Filled extends tf.serialization.Serializable {
  static className = 'Filled';
  constructor(private readonly config: { value: number }) {
    super();
  }
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    return tf.fill(shape, this.config.value, dtype);
  }
  getConfig() {
    return { ...this.config };
  }
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

class ClipTo extends tf.serialization.Serializable {
  static className = 'ClipTo';
  constructor(private readonly config: { limit: number }) {
    super();
  }
  apply(w: tf.Tensor): tf.Tensor {
    return tf.clipByValue(w, -this.config.limit, this.config.limit);
  }
  getConfig() {
    return { ...this.config };
  }
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

const customObjects = {
  scaled_tanh: scaledTanh,
  'demo>SumOfSquares': SumOfSquares,
  Filled, // a plain name matches Keras' registered `demo>Filled`
  ClipTo,
  scaled_mse: (t: tf.Tensor, p: tf.Tensor) => tf.mul(2, tf.mean(tf.square(tf.sub(t, p)), -1)),
  mean_abs_error_x3: (t: tf.Tensor, p: tf.Tensor) => tf.mul(3, tf.mean(tf.abs(tf.sub(t, p)), -1)),
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

async function expectWeightsAfterStep(model: tfl.LayersModel, want: Record<string, number[] | number[][]>, before: Float32Array[]): Promise<void> {
  const names = Object.keys(want);
  expect(model.weights.map((w) => w.originalName)).toEqual(names);
  let moved = 0;
  for (const [i, w] of model.weights.entries()) {
    const got = await w.read().data();
    const ref = (want[names[i]!] as number[] | number[][]).flat();
    expect(maxDiff(got, ref), names[i]).toBeLessThan(2e-6);
    moved = Math.max(moved, maxDiff(got, before[i]!));
  }
  expect(moved).toBeGreaterThan(1e-3); // the step did move the weights
}

describe('customObjects of every kind, and from_logits losses, as Keras computes them', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('activation, regularizer, initializer, constraint, loss and metric: predict, evaluate and one SGD step equal Keras', async () => {
    const warnings: string[] = [];
    const { model, report } = await loadKerasModelWithReport(join(here, 'model.keras'), { customObjects, warn: (m) => warnings.push(m) });
    expect(report.compile.compiled, warnings.join('\n')).toBe(true);
    const x = tf.tensor2d(expected.x);
    const y = tf.tensor2d(expected.y);
    expect(maxDiff(await (model.predict(x) as tf.Tensor).data(), expected.predicted.flat())).toBeLessThan(1e-5);
    // tfjs' evaluate leaves the regularizers' penalty out; Keras' includes it (and so does fit's loss below).
    const penalty = (await tf.mul(0.01, tf.sum(tf.square(model.getLayer('hidden').getWeights()[0]!))).data())[0]!;
    const [loss, metric] = (model.evaluate(x, y, { batchSize: 5 }) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
    expect(metric).toBeCloseTo(expected.metric_before, 5);
    expect(loss! + penalty).toBeCloseTo(expected.loss_before, 5);
    const before = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const history = await model.fit(x, y, { batchSize: 5, epochs: 1, shuffle: false, verbose: 0 });
    expect(history.history['loss']![0] as number).toBeCloseTo(expected.loss_before, 5);
    await expectWeightsAfterStep(model, expected.weights_after_one_sgd_step, before);
    expect(Math.max(...Array.from(await model.weights[0]!.read().data()).map(Math.abs))).toBeLessThanOrEqual(0.3 + 1e-7);
    model.dispose();

    // The constraint mattered: the same step without it lands elsewhere (entries pushed past ±0.3).
    const free = (await loadKerasModelWithReport(join(here, 'model.keras'), { customObjects, warn: () => undefined })).model;
    (free.weights[0] as unknown as { constraint: unknown }).constraint = null;
    await free.fit(x, y, { batchSize: 5, epochs: 1, shuffle: false, verbose: 0 });
    const unclipped = await free.weights[0]!.read().data();
    expect(Math.max(...Array.from(unclipped).map(Math.abs))).toBeGreaterThan(0.3 + 1e-4);
    free.dispose();
  });

  it('without the custom loss it loads uncompiled and says how to register it', async () => {
    const warnings: string[] = [];
    const { scaled_mse: _dropped, ...rest } = customObjects;
    const { model, report } = await loadKerasModelWithReport(join(here, 'model.keras'), { customObjects: rest, warn: (m) => warnings.push(m) });
    expect(report.compile.compiled).toBe(false);
    expect(warnings.join('\n')).toMatch(/scaled_mse[\s\S]*customObjects/);
    model.dispose();
  });

  it('without the custom activation the typed error names it as the file saved it (demo>scaled_tanh) and how to register it', async () => {
    // Keras wrote {class_name: 'function', config: 'demo>scaled_tanh'}; tfjs looks it up as scaledTanh, a name no user registers.
    const { scaled_tanh: _dropped, ...rest } = customObjects;
    const error = await loadKerasModelWithReport(join(here, 'model.keras'), { customObjects: rest, warn: () => undefined }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_LAYER' });
    expect((error as Error).message).toContain('activation "demo>scaled_tanh"');
    expect((error as { hint?: string }).hint).toMatch(/customObjects: \{ "demo>scaled_tanh"[\s\S]*registerActivation\("demo>scaled_tanh"/);
    // The hint's name is one the load accepts.
    const { model } = await loadKerasModelWithReport(join(here, 'model.keras'), { customObjects: { ...rest, 'demo>scaled_tanh': scaledTanh }, warn: () => undefined });
    model.dispose();
  });

  it('SparseCategoricalCrossentropy(from_logits=True): compiled; evaluate and one SGD step equal Keras', async () => {
    const { model, report } = await loadKerasModelWithReport(join(here, 'logits.keras'), { warn: () => undefined });
    expect(report.compile.compiled).toBe(true);
    const x = tf.tensor2d(expected.x);
    const labels = tf.tensor2d(expected.labels, [expected.labels.length, 1]);
    const loss = (model.evaluate(x, labels, { batchSize: 5 }) as tf.Scalar).dataSync()[0]!;
    expect(loss).toBeCloseTo(expected.logits_loss_before, 5);
    const before = model.weights.map((w) => w.read().dataSync() as Float32Array);
    await model.fit(x, labels, { batchSize: 5, epochs: 1, shuffle: false, verbose: 0 });
    await expectWeightsAfterStep(model, expected.logits_weights_after_one_sgd_step, before);
    model.dispose();
  });
});
