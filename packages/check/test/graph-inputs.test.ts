import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { InputMismatchError } from '@savedkeras/common';
import { fixtureDir, requireFixtures } from '@savedkeras/testing';
import { checkModel, makeInputs } from '../src/index.js';

/**
 * Inputs that are valid for the model, derived from its saved graph: integer inputs below the size
 * of every table they index, string inputs from the model's own vocabulary, and a clear
 * INPUT_MISMATCH asking for --input when the graph does not say. The small models are made by
 * test/models/make_models.py (TensorFlow); their table sizes and vocabulary are written there.
 */
const models = path.join(path.dirname(fileURLToPath(import.meta.url)), 'models');
const model = (name: string) => new NodeFileSource(path.join(models, name));

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('integer inputs', () => {
  it('ids that index per-feature embedding tables stay below each table (ResourceGather of 4 and 7 rows)', async () => {
    const r = await checkModel(model('per-feature-embeddings'), { warn: () => undefined });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const byName = Object.fromEntries(r.inputs.map((i) => [i.name, i]));
    expect(byName['user_id']).toMatchObject({ values: 'integers', range: [0, 4], shape: [1, 5] });
    expect(byName['item_id']).toMatchObject({ values: 'integers', range: [0, 7], shape: [1, 5] });
    expect(byName['user_id']!.from).toMatch(/ResourceGather/);
  });

  it('a table the graph does not size: INPUT_MISMATCH naming the input and asking for --input; given inputs pass', async () => {
    const warnings: string[] = [];
    const err = await checkModel(model('computed-table'), { warn: (m) => warnings.push(m) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputMismatchError);
    expect((err as Error).message).toMatch(/check could not build a valid input for this model: .*ids \(integers in \[0, 10\)\).*out of range \[0, 4\)/);
    expect((err as Error).message).toContain('--input');
    expect(warnings.join('\n')).toMatch(/input ids: integers in \[0, 10\) are a guess: it indexes GatherV2/);

    const given = { ids: { dtype: 'int32', shape: [1, 6], value: [[0, 1, 2, 3, 3, 0]] } };
    const r = await checkModel(model('computed-table'), { inputs: given, warn: () => undefined });
    expect(r.ok).toBe(true);
    expect(r.inputs[0]).toMatchObject({ name: 'ids', values: 'given', shape: [1, 6] });
    expect(r.outputs[0]!.shape).toEqual([1, 6, 2]);
    await expect(checkModel(model('computed-table'), { inputs: { idz: given.ids } })).rejects.toThrow(/takes inputs ids; the given inputs lack ids and have unknown idz/);
  });
});

describe('string inputs', () => {
  it("words come from the model's own lookup table, one per element when the lookup reads whole strings", async () => {
    const r = await checkModel(model('vocab-lookup'), { warn: () => undefined });
    expect(r.ok).toBe(true);
    const word = r.inputs[0]!;
    expect(word).toMatchObject({ values: 'words', from: 'lookup table', singleWords: true });
    expect([...word.vocabulary!].sort()).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    const x = makeInputs(r.inputs, r.seed);
    const words = x['word']!.dataSync() as unknown as string[];
    expect(words).toHaveLength(4);
    for (const w of words) expect(['alpha', 'bravo', 'charlie', 'delta', 'echo']).toContain(w);
    x['word']!.dispose();
  });
});

describe.skipIf(!requireFixtures('check graph-derived inputs'))('graph-derived inputs of real fixtures', () => {
  it('TextVectorization vocabulary from graph constants (textvectorization-embedding-tf212): phrases of its words', async () => {
    const r = await checkModel(new NodeFileSource(fixtureDir('textvectorization-embedding-tf212')), { warn: () => undefined });
    expect(r.ok).toBe(true);
    const input = r.inputs[0]!;
    expect(input).toMatchObject({ values: 'words', from: 'lookup table' });
    expect(input.singleWords).toBeUndefined();
    // max_tokens 1000 minus the padding and OOV tokens the layer adds itself.
    expect(input.vocabulary!.length).toBeGreaterThan(900);
    expect(input.vocabulary!.length).toBeLessThanOrEqual(1000);
  });

  it('TF 2.4 vocabulary from the checkpoint (legacy-tf24-textvectorization: table-keys string[10000])', async () => {
    const r = await checkModel(new NodeFileSource(fixtureDir('legacy-tf24-textvectorization')), { warn: () => undefined });
    expect(r.ok).toBe(true);
    expect(r.inputs[0]).toMatchObject({ values: 'words', from: 'lookup table' });
    expect(r.inputs[0]!.vocabulary!.length).toBeGreaterThan(9990);
  });

  // The keys TensorFlow reads from the checkpoint (tf.train.load_checkpoint: layer_with_weights-0/_table/.ATTRIBUTES/table-keys).
  it('IntegerLookup keys from the checkpoint (legacy-tf24-intlookup-18-inputs: day_of_week, hour)', async () => {
    const r = await checkModel(new NodeFileSource(fixtureDir('legacy-tf24-intlookup-18-inputs')), { warn: () => undefined });
    expect(r.ok).toBe(true);
    const day = r.inputs.find((i) => i.name === 'day_of_week')!;
    const hour = r.inputs.find((i) => i.name === 'hour')!;
    expect(day).toMatchObject({ values: 'integers', from: 'lookup table' });
    expect([...(day.vocabulary as number[])].sort((a, b) => a - b)).toEqual([-1, 0, 1, 2, 3, 5, 6]);
    expect([...(hour.vocabulary as number[])].sort((a, b) => a - b)).toEqual([-1, 0, 1, 2, ...Array.from({ length: 20 }, (_, i) => i + 4)]);
  });
});
