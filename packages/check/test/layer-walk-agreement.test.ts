import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { exampleMlp, fixtureDir, memorySource, requireFixtures, writeKerasSavedModel, type ModelSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport, type ModelSource } from 'savedkeras';
import { checkModel } from '../src/index.js';

/**
 * `check --layers` (compare and report) and `verifyLayers` (compare, replace what disagrees) walk the
 * network with one function (revive's compareLayerCalls): on the same model they must name the same
 * layers and agree on each: check's ok = verify's "ok", check's disagreement = verify's "replaced",
 * check's skip = verify's "not verified". They feed different inputs (check: its planned input;
 * verify: a seeded sample), so a disagreement both find is the layer's, not the input's.
 */
beforeAll(async () => {
  await selectBackend('wasm');
});

type Verdict = 'ok' | 'disagrees' | 'skipped';

async function bothVerdicts(open: () => ModelSource, customObjects?: Record<string, never>): Promise<{ check: [string, Verdict][]; verify: [string, Verdict][] }> {
  const checked = await checkModel(open(), { layers: true, customObjects, warn: () => undefined });
  const verified = await loadKerasModelWithReport(open(), { verifyLayers: true, customObjects, warn: () => undefined });
  verified.model.dispose();
  return {
    check: checked.layers!.map((l) => [l.name, !l.compared ? 'skipped' : l.ok ? 'ok' : 'disagrees']),
    verify: verified.verifiedLayers!.map((l) => [l.name, l.result === 'ok' ? 'ok' : l.result === 'replaced' ? 'disagrees' : 'skipped']),
  };
}

/** The built-in tfjs-layers class `name`, subclassed to double its outputs (a wrong layer that does not throw). */
function doubled(name: string): never {
  const Base = tf.serialization.SerializationMap.getMap().classNameMap[name]![0] as unknown as typeof tfl.layers.Layer;
  return class extends Base {
    static override className = name;
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
      return tf.mul(super.call(inputs, kwargs) as tf.Tensor, 2);
    }
  } as never;
}

describe('check --layers and verifyLayers agree (one walk)', () => {
  it('a generated MLP whose first Dense config (tanh) disagrees with its saved graph (relu)', async () => {
    const spec = exampleMlp();
    const files = writeKerasSavedModel(spec);
    const tanh: ModelSpec = { ...spec, layers: [{ ...spec.layers[0]!, activation: 'tanh' } as (typeof spec.layers)[number], ...spec.layers.slice(1)] };
    files.set('keras_metadata.pb', writeKerasSavedModel(tanh).get('keras_metadata.pb')!);
    const { check, verify } = await bothVerdicts(() => memorySource(files));
    expect(check).toEqual([
      ['dense', 'disagrees'],
      ['dense_1', 'ok'],
    ]);
    expect(verify).toEqual(check);
  });

  it.skipIf(!requireFixtures('layer walk agreement'))('memnet-babi-multi-input (three nested Sequentials) with a wrong Embedding class: both name the three embeddings', async () => {
    const open = () => new NodeFileSource(fixtureDir('memnet-babi-multi-input'));
    const { check, verify } = await bothVerdicts(open, { Embedding: doubled('Embedding') });
    expect(check).toHaveLength(15);
    expect(check.filter(([, v]) => v !== 'ok').map(([n]) => n).sort()).toEqual(['sequential/embedding', 'sequential_1/embedding_1', 'sequential_2/embedding_2']);
    expect(check.filter(([, v]) => v !== 'ok').every(([, v]) => v === 'disagrees')).toBe(true);
    expect(verify).toEqual(check);
    // And as saved, every layer agrees in both.
    const plain = await bothVerdicts(open);
    expect(plain.check.every(([, v]) => v === 'ok')).toBe(true);
    expect(plain.verify).toEqual(plain.check);
  });

  it.skipIf(!requireFixtures('layer walk agreement'))('textvectorization-embedding-tf212 (string input): the same layer is skipped by both', async () => {
    const { check, verify } = await bothVerdicts(() => new NodeFileSource(fixtureDir('textvectorization-embedding-tf212')), { Dense: doubled('Dense') });
    expect(check).toEqual([
      ['text_vectorization_8', 'skipped'],
      ['projecao', 'ok'],
      ['global_average_pooling1d_8', 'ok'],
      ['dense_8', 'disagrees'],
      ['activation_8', 'ok'],
    ]);
    expect(verify).toEqual(check);
  });
});
