import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { loadKerasModelWithReport } from '../src/index.js';
import { fixtureDir, haveFixtures, type TensorJson } from './fixtures.js';

/**
 * `verifyLayers` on real SavedModels: layers of nested models, a model that takes strings, a
 * Sequential root. A layer class made deliberately wrong (its outputs doubled, passed as a custom
 * object under the built-in's name, so every layer of that class is revived with it) must be found,
 * replaced by its saved call function and reported; the repaired model must give TensorFlow's
 * answers (tf-reference/verify-layers.json: TF 2.21 outputs of each fixture's serving signature).
 */
const have = haveFixtures('verifyLayers fixture tests');
const reference = JSON.parse(readFileSync(new URL('./tf-reference/verify-layers.json', import.meta.url), 'utf8')) as {
  cases: Record<string, { inputs: Record<string, TensorJson>; outputs: Record<string, TensorJson> }>;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The built-in tfjs-layers class `name`, subclassed to double its outputs (a wrong layer that does not throw). */
function doubled(name: string): unknown {
  const Base = tf.serialization.SerializationMap.getMap().classNameMap[name]![0] as unknown as typeof tfl.layers.Layer;
  return class extends Base {
    static override className = name;
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
      return tf.mul(super.call(inputs, kwargs) as tf.Tensor, 2);
    }
  };
}

async function load(slug: string, brokenClass?: string) {
  const warnings: string[] = [];
  const loaded = await loadKerasModelWithReport(new NodeFileSource(fixtureDir(slug)), {
    verifyLayers: true,
    warn: (m) => warnings.push(m),
    ...(brokenClass ? { customObjects: { [brokenClass]: doubled(brokenClass) as never } } : {}),
  });
  return { ...loaded, warnings };
}

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** The model's prediction on the stored TF case (inputs in the model's input order) vs TF's outputs. */
function expectTfAnswers(model: tfl.LayersModel, slug: string, tol = 1e-4): void {
  const c = reference.cases[slug]!;
  const xs = model.inputs.map((input) => {
    const key = Object.keys(c.inputs).find((k) => input.name.startsWith(k)) ?? Object.keys(c.inputs)[model.inputs.indexOf(input)]!;
    const t = c.inputs[key]!;
    return tf.tensor(flat(t.value) as never, t.shape, t.dtype as tf.DataType);
  });
  const y = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
  const want = Object.values(c.outputs)[0]!;
  expect(y.shape).toEqual(want.shape);
  const got = y.dataSync();
  const w = flat(want.value) as number[];
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[i]! - w[i]!) / (1 + Math.abs(w[i]!)));
  expect(worst).toBeLessThan(tol);
  tf.dispose([...xs, y]);
}

describe.skipIf(!have)('verifyLayers on real SavedModels', () => {
  it('memnet-babi-multi-input: the layers inside its three nested Sequentials are verified by name', async () => {
    const { verifiedLayers, warnings } = await load('memnet-babi-multi-input');
    const results = new Map(verifiedLayers!.map((l) => [l.name, l.result]));
    for (const name of ['sequential/embedding', 'sequential/dropout', 'sequential_1/embedding_1', 'sequential_2/embedding_2', 'lstm', 'dense']) {
      expect(results.get(name), name).toBe('ok');
    }
    expect(verifiedLayers!.every((l) => l.result === 'ok')).toBe(true);
    expect(verifiedLayers).toHaveLength(15);
    expect(warnings.filter((w) => /verifyLayers/.test(w))).toEqual([]);
  });

  it('memnet-babi-multi-input with a wrong Embedding: the three nested embeddings are replaced, the nested models stay Sequentials, TF answers', async () => {
    const plain = await loadKerasModelWithReport(new NodeFileSource(fixtureDir('memnet-babi-multi-input')), {
      customObjects: { Embedding: doubled('Embedding') as never },
      warn: () => undefined,
    });
    // The broken class really is wrong: without verification the model misses TF's answers.
    expect(() => expectTfAnswers(plain.model, 'memnet-babi-multi-input')).toThrow();

    const { model, report, verifiedLayers, warnings } = await load('memnet-babi-multi-input', 'Embedding');
    const replaced = verifiedLayers!.filter((l) => l.result === 'replaced');
    expect(replaced.map((l) => l.name).sort()).toEqual(['sequential/embedding', 'sequential_1/embedding_1', 'sequential_2/embedding_2']);
    expect(replaced.every((l) => /outputs differ from its saved call function/.test(l.reason!))).toBe(true);
    expect(warnings.filter((w) => /replaced by its saved call function \(verifyLayers\)/.test(w))).toHaveLength(3);
    // Reported: each replaced object now runs its saved functions.
    for (const l of replaced) expect(report.objects.find((o) => o.path === l.path)?.how).toBe('savedFunctions');
    expect(report.fromSavedFunctions).toBe(3);
    const nested = model.layers.filter((l) => l instanceof tfl.LayersModel);
    expect(nested.map((l) => l.name).sort()).toEqual(['sequential', 'sequential_1', 'sequential_2']);
    expect(nested.every((l) => l instanceof tfl.Sequential)).toBe(true);
    expectTfAnswers(model, 'memnet-babi-multi-input');
  });

  it('memnet-babi-multi-input as saved: nothing verification made outlives the disposed model', async () => {
    const before = tf.memory().numTensors;
    const { model } = await load('memnet-babi-multi-input');
    expectTfAnswers(model, 'memnet-babi-multi-input');
    model.dispose();
    // The saved functions' cached graph constants and the checkpoint captures they read are freed too (31 tensors were left before).
    expect(tf.memory().numTensors).toBe(before);
  });

  it('textvectorization-embedding-tf212 (string input): the layers after TextVectorization are verified, what was skipped is said', async () => {
    const { verifiedLayers, warnings } = await load('textvectorization-embedding-tf212');
    expect(verifiedLayers!.map((l) => [l.name, l.result])).toEqual([
      ['text_vectorization_8', 'not verified'],
      ['projecao', 'ok'],
      ['global_average_pooling1d_8', 'ok'],
      ['dense_8', 'ok'],
      ['activation_8', 'ok'],
    ]);
    expect(verifiedLayers![0]!.reason).toBe('its call function was not saved');
    expect(warnings).toContain('verifyLayers: 1 layer(s) not verified: text_vectorization_8 (its call function was not saved)');
  });

  it('textvectorization-embedding-tf212 with a wrong Dense: replaced after the string preprocessing; the model still predicts on strings, TF answers', async () => {
    const { model, verifiedLayers } = await load('textvectorization-embedding-tf212', 'Dense');
    expect(verifiedLayers!.find((l) => l.name === 'dense_8')).toMatchObject({ result: 'replaced' });
    expectTfAnswers(model, 'textvectorization-embedding-tf212');
  });

  it('seq-mlp-coinflip-ref with a wrong Dense: every Dense replaced and the model stays a Sequential, TF answers', async () => {
    const { model, verifiedLayers } = await load('seq-mlp-coinflip-ref', 'Dense');
    expect(verifiedLayers!.map((l) => [l.name, l.result])).toEqual([
      ['dense', 'replaced'],
      ['dense_1', 'replaced'],
      ['dense_2', 'replaced'],
    ]);
    expect(model).toBeInstanceOf(tfl.Sequential);
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'dense_2']);
    expectTfAnswers(model, 'seq-mlp-coinflip-ref');
  });
});
