import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { loadKerasModel, loadKerasModelWithReport, loadSavedModel } from '../src/index.js';
import { fixtureDir, haveFixtures } from './fixtures.js';

const have = haveFixtures('text-model fit tests');

/** TensorFlow's loss, gradient and loss after one SGD step (text-fit/generate.py). */
interface StepReference {
  texts: string[];
  tokens: number[][];
  learningRate: number;
  models: Record<string, {
    labels: number[];
    lossBefore: number;
    lossAfter: number;
    variables: { name: string; shape: number[]; gradNorm: number; grad: [number, number][] }[];
  }>;
}
const ref = JSON.parse(readFileSync(new URL('./text-fit/sgd-step.json', import.meta.url), 'utf8')) as StepReference;

/**
 * The model in inference mode while training (TensorFlow's numbers are in inference mode): Dropout
 * layers off, and layers run from saved functions called with their inference trace. Returns the undo.
 */
function dropoutOff(model: tfl.LayersModel): () => void {
  const undo: (() => void)[] = [];
  for (const layer of model.layers) {
    const l = layer as unknown as { rate: number; call: (i: unknown, k: Record<string, unknown>) => unknown };
    if (layer.getClassName() === 'Dropout') {
      const rate = l.rate;
      l.rate = 0;
      undo.push(() => void (l.rate = rate));
    } else if (layer instanceof tfl.LayersModel) undo.push(dropoutOff(layer));
    else if (layer.constructor.name === 'RevivedLayer') {
      const call = l.call;
      l.call = (i, k) => call.call(layer, i, { ...k, training: false });
      undo.push(() => void (l.call = call));
    }
  }
  return () => undo.forEach((f) => f());
}

/** Trainable weights by their saved (Keras) names. */
function weightsByName(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

const close = (got: number, want: number, rel: number, abs = 0) => Math.abs(got - want) <= abs + rel * Math.abs(want);

/**
 * model.fit / evaluate on text models (string inputs through TextVectorization, and token ids
 * through Embedding) against TensorFlow: one full-batch SGD step must give TensorFlow's loss
 * before the step, TensorFlow's gradient (as the weight change / learning rate) and TensorFlow's
 * loss after it. On the cpu backend and on wasm (the Node default), where tfjs' own Embedding
 * gradient has no kernel at all.
 */
describe.skipIf(!have)('model.fit on text models equals TensorFlow', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases = [
    { slug: 'textvectorization-embedding-tf212', backend: 'cpu', loss: 'sparseCategoricalCrossentropy' },
    { slug: 'textvectorization-embedding-tf212', backend: 'wasm', loss: 'sparseCategoricalCrossentropy' },
    { slug: 'seq-embedding-flatten-spam-tf25', backend: 'cpu', loss: 'binaryCrossentropy' },
  ] as const;
  for (const { slug, backend, loss } of cases) {
    it(`${slug} on ${backend}: one SGD step gives TensorFlow's loss, gradient and next loss`, async () => {
      if (backend === 'wasm') await selectBackend('wasm');
      else await tf.setBackend('cpu');
      expect(tf.getBackend()).toBe(backend);
      const want = ref.models[slug];
      const model = await loadKerasModel(new NodeFileSource(fixtureDir(slug)), { warn: () => {} });
      dropoutOff(model);
      const strings = model.inputs[0].dtype === 'string';
      const n = want.labels.length;
      const x = strings ? tf.tensor(ref.texts, [n, 1], 'string') : tf.tensor(ref.tokens, [n, 8], 'float32');
      const y = tf.tensor(want.labels, [n, 1], 'float32');
      const lr = ref.learningRate;
      model.compile({ optimizer: tf.train.sgd(lr), loss });

      const before = weightsByName(model);
      const history = await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false });
      expect(close(history.history.loss[0] as number, want.lossBefore, 1e-4)).toBe(true);
      const after = weightsByName(model);

      for (const v of want.variables) {
        const b = before.get(v.name);
        const a = after.get(v.name);
        expect(b, `${v.name} among ${[...before.keys()].join(', ')}`).toBeDefined();
        let sq = 0;
        for (let i = 0; i < b!.length; i++) sq += ((b![i] - a![i]) / lr) ** 2;
        expect(close(Math.sqrt(sq), v.gradNorm, 2e-3), `${v.name}: |step / lr| ${Math.sqrt(sq)} vs TF gradient norm ${v.gradNorm}`).toBe(true);
        for (const [i, g] of v.grad) {
          const step = (b![i] - a![i]) / lr;
          expect(close(step, g, 2e-3, 2e-4 * v.gradNorm), `${v.name}[${i}]: ${step} vs TF ${g}`).toBe(true);
        }
      }
      const evaluated = model.evaluate(x, y, { batchSize: 4 }) as tf.Scalar;
      const lossAfter = evaluated.dataSync()[0];
      expect(close(lossAfter, want.lossAfter, 1e-3)).toBe(true);
      expect(lossAfter).toBeLessThan(want.lossBefore);
      model.dispose();
    });
  }

  it('legacy-tf24-textvectorization (saved functions): first fit loss is the serving graph\'s, the step lowers it; batches, shuffle, validation', async () => {
    await tf.setBackend('cpu');
    const source = new NodeFileSource(fixtureDir('legacy-tf24-textvectorization'));
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
    // Its inner Sequential runs from saved functions (no Keras config for it in TF 2.4's metadata).
    expect(model.layers.map((l) => l.constructor.name)).toContain('RevivedLayer');
    const dropoutOn = dropoutOff(model);
    const n = ref.texts.length;
    const x = tf.tensor(ref.texts, [n, 1], 'string');
    const labels = ref.texts.map((_, i) => i % 2);
    const y = tf.tensor(labels, [n, 1], 'float32');
    // Reference: binary cross-entropy of the saved serving graph's own probabilities, by hand.
    const sm = await loadSavedModel(source);
    const sig = sm.signatures['serving_default'];
    const p = sig({ [sig.inputs[0].name]: x })[report.outputNames[0]].dataSync();
    let expected = 0;
    for (let r = 0; r < n; r++) {
      const q = Math.min(Math.max(p[r], 1e-7), 1 - 1e-7);
      expected -= labels[r] === 1 ? Math.log(q) : Math.log(1 - q);
    }
    expected /= n;

    const lr = 0.01;
    model.compile({ optimizer: tf.train.sgd(lr), loss: 'binaryCrossentropy' });
    const before = model.trainableWeights.map((w) => w.read().clone());
    const first = await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false });
    expect(close(first.history.loss[0] as number, expected, 1e-4), `${first.history.loss[0]} vs ${expected}`).toBe(true);
    const lossAfter = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];
    expect(lossAfter).toBeLessThan(expected);

    // The step is -lr × the gradient: checked against central differences of the loss at the old
    // weights, for the bias and for the embedding entry that moved most (Embedding runs in the graph).
    const after = model.trainableWeights.map((w) => w.read().dataSync().slice());
    model.trainableWeights.forEach((w, i) => w.write(before[i]));
    const loss = () => tf.tidy(() => tfl.metrics.binaryCrossentropy(y, model.predict(x) as tf.Tensor).mean().dataSync()[0]);
    for (const suffix of ['embeddings', 'bias']) {
      const k = model.trainableWeights.findIndex((w) => w.originalName.endsWith(suffix));
      const old = before[k].dataSync();
      let at = 0;
      for (let j = 0; j < old.length; j++) if (Math.abs(old[j] - after[k][j]) > Math.abs(old[at] - after[k][at])) at = j;
      const moved = (h: number) => {
        const v = old.slice();
        v[at] += h;
        model.trainableWeights[k].write(tf.tensor(v, before[k].shape));
        return loss();
      };
      const h = 1e-2;
      const numeric = (moved(h) - moved(-h)) / (2 * h);
      model.trainableWeights[k].write(before[k]);
      const step = (old[at] - after[k][at]) / lr;
      expect(close(step, numeric, 2e-2, 1e-4), `${suffix}[${at}]: step / lr ${step} vs central difference ${numeric}`).toBe(true);
    }

    // Several batches (the last one short), shuffled, with a validation split and the training trace
    // (its Dropout on): the standard history.
    dropoutOn();
    const epochs: number[] = [];
    const many = await model.fit(x, y, { epochs: 3, batchSize: 2, validationSplit: 0.3, callbacks: { onEpochEnd: async (e) => void epochs.push(e) } });
    expect(epochs).toEqual([0, 1, 2]);
    expect(many.history.loss).toHaveLength(3);
    expect(many.history.val_loss).toHaveLength(3);
    for (const v of [...many.history.loss, ...many.history.val_loss]) expect(Number.isFinite(v)).toBe(true);
    model.dispose();
  });
});
