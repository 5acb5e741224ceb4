import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@savedkeras/check';
import { decodeMessage, encodeMessage, type SavedModel } from '@savedkeras/proto';
import { exampleFunctionalTwoInputs, exampleMlp, referencePredict, writeKerasSavedModel } from '@savedkeras/testing';
import type { SummaryReport } from '../src/summary/report.js';
import { ensureBuilt, runCli } from './helpers.js';

/**
 * summary / predict / check on the generated example models (no ../shared needed): outputs are
 * compared with @savedkeras/testing's float64 forward pass computed from the spec's own weights.
 */
let tmp: string;
let mlp: string;
let two: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-cmds-'));
  mlp = path.join(tmp, 'mlp');
  two = path.join(tmp, 'two');
  expect((await runCli(['example', mlp])).code).toBe(0);
  expect((await runCli(['example', two, '--model', 'two-inputs'])).code).toBe(0);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function inputsFile(name: string, content: unknown): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function expectClose(got: unknown, want: ArrayLike<number>, tol = 1e-5): void {
  const flat = (Array.isArray(got) ? got.flat(Infinity as 1) : [got]) as number[];
  expect(flat).toHaveLength(want.length);
  flat.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!))));
}

describe('savedkeras check on the example models', () => {
  it('mlp: ok against serving_default, JSON contract fields', async () => {
    const r = await runCli(['--backend', 'cpu', 'check', mlp, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as CheckResult;
    expect(res).toMatchObject({ ok: true, kind: 'keras', reference: 'serving_default', tolerance: 1e-4, backend: 'cpu', randomOutputs: 'none' });
    expect(res.revived).toEqual({ fromConfig: 3, fromSavedFunctions: 0, fromPlugins: 0 });
    expect(res.outputs.map((o) => ({ name: o.name, shape: o.shape }))).toEqual([{ name: 'dense_1', shape: [1, 3] }]);
    expect(res.maxAbsDiff).toBeLessThanOrEqual(1e-6);
    expect(res.inputs).toEqual([expect.objectContaining({ name: 'dense_input', dtype: 'float32', shape: [1, 4], values: 'normal' })]);
  });

  it('two-inputs: model order differs from the signature order; --seed changes the input, --tolerance is reported', async () => {
    const a = JSON.parse((await runCli(['check', two, '--json', '--seed', '1', '--tolerance', '1e-6'])).stdout) as CheckResult;
    expect(a.ok).toBe(true);
    expect(a.tolerance).toBe(1e-6);
    expect(a.seed).toBe(1);
    expect(a.outputs.map((o) => o.name)).toEqual(['head', 'score']);
    expect(a.inputs.map((i) => i.name)).toEqual(['x_main', 'aux']);
    const human = await runCli(['check', two]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^OK /);
    expect(human.stdout).toMatch(/head\s+\[1, 3\]/);
  });

  it('a config that disagrees with the saved graph fails: exit 1, ok false, the output flagged', async () => {
    // The graph (serving function and weights) of a relu model with the Keras config of a tanh model.
    const dir = path.join(tmp, 'hybrid');
    await cp(mlp, dir, { recursive: true });
    const spec = exampleMlp();
    spec.layers[0] = { ...spec.layers[0]!, activation: 'tanh' } as (typeof spec.layers)[number];
    await writeFile(path.join(dir, 'keras_metadata.pb'), writeKerasSavedModel(spec).get('keras_metadata.pb')!);
    const r = await runCli(['check', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('check failed: dense_1: max |diff|');
    expect(r.stderr).not.toContain('error [');
    const res = JSON.parse(r.stdout) as CheckResult;
    expect(res.ok).toBe(false);
    expect(res.outputs[0]).toMatchObject({ name: 'dense_1', ok: false, compared: true });
    expect(res.maxRelDiff!).toBeGreaterThan(1e-4);

    // Without a serving signature the root's _default_save_signature is the reference, and it disagrees too.
    const bytes = await readFile(path.join(dir, 'saved_model.pb'));
    const sm = decodeMessage<SavedModel>('SavedModel', bytes, 'saved_model.pb');
    delete sm.metaGraphs[0]!.signatureDef['serving_default'];
    await writeFile(path.join(dir, 'saved_model.pb'), encodeMessage('SavedModel', sm));
    const r2 = await runCli(['check', dir, '--json']);
    expect(r2.code).toBe(1);
    const res2 = JSON.parse(r2.stdout) as CheckResult;
    expect(res2.reference).toBe('root._default_save_signature');
    expect(res2.ok).toBe(false);
    const human = await runCli(['check', dir]);
    expect(human.stdout).toMatch(/^FAIL /);
    expect(human.stdout).toMatch(/dense_1 .* DIFFERS/);

    // --layers names the layer whose config disagrees with its own saved call function: dense (tanh vs relu).
    const layers = await runCli(['check', dir, '--layers', '--json']);
    expect(layers.code).toBe(1);
    const res3 = JSON.parse(layers.stdout) as CheckResult;
    expect(res3.firstBadLayer).toBe('dense');
    expect(res3.layers!.map((l) => [l.name, l.ok])).toEqual([
      ['dense', false],
      ['dense_1', true],
    ]);
    expect(layers.stderr).toMatch(/first layer that disagrees with its saved call function: dense \(Dense, revived from config\)/);
  });

  it('the unmodified model without a serving signature passes against _default_save_signature', async () => {
    const dir = path.join(tmp, 'nosig');
    await cp(mlp, dir, { recursive: true });
    const sm = decodeMessage<SavedModel>('SavedModel', await readFile(path.join(dir, 'saved_model.pb')), 'saved_model.pb');
    delete sm.metaGraphs[0]!.signatureDef['serving_default'];
    await writeFile(path.join(dir, 'saved_model.pb'), encodeMessage('SavedModel', sm));
    const res = JSON.parse((await runCli(['check', dir, '--json'])).stdout) as CheckResult;
    expect(res).toMatchObject({ ok: true, reference: 'root._default_save_signature' });
  });

  it('bad options are usage errors (exit 2)', async () => {
    expect((await runCli(['check', mlp, '--tolerance', 'abc'])).code).toBe(2);
    expect((await runCli(['check', mlp, '--seed', '1.5'])).code).toBe(2);
  });
});

describe('savedkeras predict on the example models', () => {
  const x = [0.5, -1.25, 2, 0.125];

  it('mlp: the outputs of the float64 reference, human and JSON forms, --output file', async () => {
    const file = await inputsFile('mlp-in.json', { dense_input: { dtype: 'float32', shape: [1, 4], value: [x] } });
    const out = path.join(tmp, 'mlp-out.json');
    const r = await runCli(['predict', mlp, '--input', file, '--json', '--output', out]);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; value: number[][] }>;
    const want = referencePredict(exampleMlp(), { dense_input: x });
    expect(Object.keys(got)).toEqual(['dense_1']);
    expect(got['dense_1']!.shape).toEqual([1, 3]);
    expectClose(got['dense_1']!.value, want['dense_1']!.values);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(got);

    const human = await runCli(['predict', mlp, '--input', file]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^dense_1 float32 \[1, 3\]\n {2}\[/);
  });

  it('the signature runs too (--signature), and a list of cases gives a list of outputs', async () => {
    const cases = [x, [1, 1, 1, 1], [0, 0, 0, 0]];
    const file = await inputsFile('mlp-cases.json', cases.map((v) => ({ dense_input: { dtype: 'float32', shape: [1, 4], value: [v] } })));
    for (const extra of [[], ['--signature', 'serving_default']]) {
      const r = await runCli(['predict', mlp, '--input', file, '--json', ...extra]);
      expect(r.code).toBe(0);
      const got = JSON.parse(r.stdout) as Record<string, { value: number[][] }>[];
      expect(got).toHaveLength(3);
      got.forEach((g, i) => expectClose(g['dense_1']!.value, referencePredict(exampleMlp(), { dense_input: cases[i]! })['dense_1']!.values));
    }
  });

  it('two-inputs: inputs by name in any order, two outputs by name', async () => {
    const aux = [1, 0, -1, 0.5];
    const file = await inputsFile('two-in.json', {
      aux: { dtype: 'float32', shape: [1, 4], value: [aux] },
      x_main: { dtype: 'float32', shape: [1, 4], value: [x] },
    });
    const r = await runCli(['predict', two, '--input', file, '--json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { shape: number[]; value: number[][] }>;
    const want = referencePredict(exampleFunctionalTwoInputs(), { x_main: x, aux });
    expect(Object.keys(got)).toEqual(['head', 'score']);
    expectClose(got['head']!.value, want['head']!.values);
    expectClose(got['score']!.value, want['score']!.values);
  });

  it('inputs that do not fit: INPUT_MISMATCH naming what is wrong, nothing on stdout', async () => {
    const bad: [unknown, RegExp][] = [
      [{ x: { dtype: 'float32', shape: [1, 4], value: [x] } }, /missing dense_input; unknown x/],
      [{ dense_input: { dtype: 'float32', shape: [1, 4], value: [[1, 2, 3]] } }, /holds 3 values, the shape needs 4/],
      [{ dense_input: { dtype: 'float32', shape: [1, 5], value: [[1, 2, 3, 4, 5]] } }, /has shape \[1, 5\], the model takes \[None, 4\]/],
      [{ dense_input: { dtype: 'float32', shape: [1, 4], value: [[1, 2, 'x', 4]] } }, /element 2 is "x", not a number/],
      [{ dense_input: { dtype: 'complex64', shape: [1, 4], value: [x] } }, /dtype "complex64" is not supported/],
      ['{"dense_input": ', /is not valid JSON/],
      [[], /empty list/],
    ];
    for (const [content, message] of bad) {
      const r = await runCli(['predict', mlp, '--input', await inputsFile('bad.json', content)]);
      expect(r.code, String(message)).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('error [INPUT_MISMATCH]');
      expect(r.stderr).toMatch(message);
    }
    // The signature runs shapes it does not declare, as TensorFlow does, and fails when its graph cannot.
    const wide = await inputsFile('wide.json', { dense_input: { dtype: 'float32', shape: [1, 5], value: [[1, 2, 3, 4, 5]] } });
    const run = await runCli(['predict', mlp, '--input', wide, '--signature', 'serving_default']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/warning: signature serving_default: input dense_input has shape \[1, 5\], the signature declares \[None, 4\]; running it/);
    expect(run.stderr).toMatch(/error \[INPUT_MISMATCH\]: .*dense_input has shape \[1, 5\], the signature declares \[None, 4\], and the graph cannot run on it/);
    const file = await inputsFile('ok.json', { dense_input: { dtype: 'float32', shape: [1, 4], value: [x] } });
    const sig = await runCli(['predict', mlp, '--input', file, '--signature', 'nope']);
    expect(sig.code).toBe(1);
    expect(sig.stderr).toMatch(/error \[INPUT_MISMATCH\]: no signature "nope".*\n.*serving_default/);
    const missing = await runCli(['predict', mlp, '--input', path.join(tmp, 'no-such.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error [IO]: inputs file not found');
    expect((await runCli(['predict', mlp])).code).toBe(2); // --input is required
  });
});

describe('savedkeras summary on the example models', () => {
  it('mlp: layers, shapes, params from the spec; totals', async () => {
    const r = await runCli(['summary', mlp, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as SummaryReport;
    expect(s.className).toBe('Sequential');
    expect(s.layers.map((l) => [l.name, l.className, l.outputShape, l.params, l.revived])).toEqual([
      ['dense', 'Dense', [null, 8], 4 * 8 + 8, 'config'],
      ['dense_1', 'Dense', [null, 3], 8 * 3 + 3, 'config'],
    ]);
    expect(s.totals).toEqual({ total: 67, trainable: 67, nonTrainable: 0 });
    expect(s.inputs).toEqual([{ name: 'dense_input', shape: [null, 4], dtype: 'float32', jsDtype: 'float32' }]);
    const human = await runCli(['summary', mlp]);
    expect(human.stdout).toContain('dense_1 (Dense)');
    expect(human.stdout).toMatch(/\[None, 8\]\s+40\s+config/);
    expect(human.stdout).toContain('Total params: 67');
  });

  it('two-inputs: connections of the shared layer, as Keras prints them', async () => {
    const s = JSON.parse((await runCli(['summary', two, '--json'])).stdout) as SummaryReport;
    const byName = Object.fromEntries(s.layers.map((l) => [l.name, l]));
    expect(byName['shared_dense']!.connectedTo).toEqual(['x_main[0][0]', 'aux[0][0]']);
    expect(byName['concatenate']!.connectedTo).toEqual(['shared_dense[0][0]', 'shared_dense[1][0]']);
    expect(byName['shared_dense']!.outputShape).toEqual([null, 6]);
    expect(s.totals.total).toBe(4 * 6 + 6 + (12 * 3 + 3) + (12 + 1));
    expect(s.outputs.map((o) => o.name)).toEqual(['head', 'score']);
    expect((await runCli(['summary', two])).stdout).toContain('Connected to');
  });
});
