import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { exampleMlp, fixtureDir, requireFixtures, writeKerasSavedModel, type ModelSpec } from '@savedkeras/testing';
import { checkModel } from '../src/index.js';

/**
 * `checkModel({ layers: true })`: every layer revived from its config against the call function
 * Keras saved for it, on the tensors it receives inside the model; the first that disagrees is named.
 */
let tmp: string;

async function writeModel(dir: string, files: Map<string, Uint8Array>): Promise<string> {
  for (const [name, bytes] of files) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), bytes);
  }
  return dir;
}

beforeAll(async () => {
  await selectBackend('wasm');
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-layer-check-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('per-layer check', () => {
  it('a generated MLP: each Dense agrees with its saved call function', async () => {
    const dir = await writeModel(path.join(tmp, 'mlp'), writeKerasSavedModel(exampleMlp()));
    const r = await checkModel(new NodeFileSource(dir), { layers: true, warn: () => undefined });
    expect(r.ok).toBe(true);
    expect(r.firstBadLayer).toBeNull();
    expect(r.layers!.map((l) => [l.name, l.className, l.how, l.compared, l.ok])).toEqual([
      ['dense', 'Dense', 'config', true, true],
      ['dense_1', 'Dense', 'config', true, true],
    ]);
  });

  it('forced disagreement: a config that says tanh over a graph traced with relu names the first layer, dense', async () => {
    const spec = exampleMlp();
    const relu = writeKerasSavedModel(spec);
    const tanh: ModelSpec = { ...spec, layers: [{ ...spec.layers[0]!, activation: 'tanh' } as (typeof spec.layers)[number], ...spec.layers.slice(1)] };
    // The saved graph and weights of the relu model, the Keras config of the tanh one.
    relu.set('keras_metadata.pb', writeKerasSavedModel(tanh).get('keras_metadata.pb')!);
    const dir = await writeModel(path.join(tmp, 'hybrid'), relu);
    const r = await checkModel(new NodeFileSource(dir), { layers: true, warn: () => undefined });
    expect(r.ok).toBe(false);
    expect(r.firstBadLayer).toBe('dense');
    const [dense, dense1] = r.layers!;
    expect(dense).toMatchObject({ name: 'dense', compared: true, ok: false });
    // tanh(z) vs relu(z) on standard-normal inputs: they differ by far more than float noise.
    expect(dense!.maxAbsDiff!).toBeGreaterThan(0.05);
    // dense_1 gets the (tanh) activations the model really feeds it, and agrees with its own saved function.
    expect(dense1).toMatchObject({ name: 'dense_1', compared: true, ok: true });
    expect(r.problems.join('\n')).toMatch(/first layer that disagrees with its saved call function: dense \(Dense, revived from config\): max \|diff\| /);
  });
});

describe.skipIf(!requireFixtures('per-layer check'))('per-layer check of real fixtures', () => {
  it.each([
    ['memnet-babi-multi-input', 15],
    ['cnn-mnist-bn', 12],
  ])('%s: every config-revived layer (nested Sequentials too) agrees with its saved call function', async (slug, count) => {
    const r = await checkModel(new NodeFileSource(fixtureDir(slug)), { layers: true, warn: () => undefined });
    expect(r.problems).toEqual([]);
    expect(r.layers).toHaveLength(count);
    for (const l of r.layers!) {
      expect(l.compared, `${l.name}: ${l.skipped}`).toBe(true);
      expect(l.ok, l.name).toBe(true);
    }
  });

  it('textvectorization-embedding-tf212 (string input): the layers after the text preprocessing are compared, the skipped one says why', async () => {
    const r = await checkModel(new NodeFileSource(fixtureDir('textvectorization-embedding-tf212')), { layers: true, warn: () => undefined });
    expect(r.problems).toEqual([]);
    expect(r.layers!.map((l) => [l.name, l.compared, l.ok])).toEqual([
      ['text_vectorization_8', false, true],
      ['projecao', true, true],
      ['global_average_pooling1d_8', true, true],
      ['dense_8', true, true],
      ['activation_8', true, true],
    ]);
    expect(r.layers![0]!.skipped).toBe('its call function was not saved');
  });
});
