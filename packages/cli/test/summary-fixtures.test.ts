import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../src/index.js';
import type { SummaryReport } from '../src/summary/report.js';
import { ensureBuilt, fixturesDir, loadManifest, pool, runCli, type CliRun } from './helpers.js';

/**
 * `savedkeras summary` parameter totals equal the sizes of the model's variables in the checkpoint
 * (as `inspect --json` lists them: everything but optimizer state and metric accumulators), and
 * the trainable / non-trainable split follows the variables' saved trainable flags.
 */
const manifest = loadManifest();

const SAMPLE = [
  'cnn-mnist-bn', // BatchNormalization moving statistics: non-trainable
  'memnet-babi-multi-input', // nested Sequential encoders
  'legacy-tf23-bilstm-batchnorm', // Bidirectional LSTM, legacy metadata
  'legacy-tf24-intlookup-18-inputs', // 18 inputs, Normalization and IntegerLookup
  'legacy-tf21-stylegan-custom-layers', // revived from saved functions
  'dot-recommender-tf25', // two Embeddings, TFOpLambda
];

const summaries = new Map<string, CliRun>();
const inspections = new Map<string, CliRun>();

function modelVariables(report: InspectReport) {
  return report.variables.filter(
    (v) =>
      v.checkpointKey !== null &&
      !v.path.startsWith('root.optimizer') &&
      !v.path.startsWith('root.keras_api.metrics') &&
      !v.checkpointKey.includes('.OPTIMIZER_SLOT'),
  );
}
const size = (shape: number[] | null) => (shape ?? []).reduce((a, b) => a * b, 1);

describe.skipIf(manifest === null)('savedkeras summary on real fixtures', () => {
  beforeAll(async () => {
    ensureBuilt();
    const jobs = SAMPLE.flatMap((slug) => [
      async () => void summaries.set(slug, await runCli(['--backend', 'wasm', 'summary', path.join(fixturesDir, slug), '--json'])),
      async () => void inspections.set(slug, await runCli(['inspect', path.join(fixturesDir, slug), '--json'])),
    ]);
    await pool(jobs, 2);
  }, 300_000); // many CLI runs; under load on 2 cores they take minutes, not the default 2

  it.each(SAMPLE)('%s: totals are the checkpoint variable sizes', (slug) => {
    const run = summaries.get(slug)!;
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as SummaryReport;
    const vars = modelVariables(JSON.parse(inspections.get(slug)!.stdout) as InspectReport);
    expect(s.totals.total).toBe(vars.reduce((n, v) => n + size(v.shape), 0));
    expect(s.totals.trainable).toBe(vars.filter((v) => v.trainable).reduce((n, v) => n + size(v.shape), 0));
    expect(s.totals.nonTrainable).toBe(s.totals.total - s.totals.trainable);
    // The rows add up to the total when no layer shares weights with another.
    expect(s.layers.reduce((n, l) => n + l.params, 0)).toBe(s.totals.total);
    expect(s.backend).toBe('wasm');
  });

  it('the human form: a Functional table with connections, and how each layer was revived', async () => {
    const r = await runCli(['summary', path.join(fixturesDir, 'memnet-babi-multi-input')], { COLUMNS: '160' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Model: "model" \(Functional\)/);
    expect(r.stdout).toContain('Connected to');
    expect(r.stdout).toMatch(/lstm \(LSTM\)\s+\[None, 32\]\s+32,384\s+concatenate\[0\]\[0\]\s+config/);
    expect(r.stdout).toContain('Total params: 38,730');
    const stylegan = await runCli(['summary', path.join(fixturesDir, 'legacy-tf21-stylegan-custom-layers')]);
    expect(stylegan.stdout).toMatch(/root \(Model\) runs its saved TensorFlow functions/);
  });

  it('a SavedModel without a Keras model: UNSUPPORTED_FEATURE pointing at the signatures', async () => {
    const r = await runCli(['summary', path.join(fixturesDir, 'keras3-export-mlp-tf216')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error [UNSUPPORTED_FEATURE]');
    expect(r.stderr).toContain('holds no Keras model');
    expect(r.stderr).toContain('savedkeras inspect');
  });

  it('Keras layers saved without Keras metadata (a TF-Agents policy) are listed with their checkpoint weights', async () => {
    const r = await runCli(['summary', path.join(fixturesDir, 'tfagents-policy-cartpole'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { layers: { path: string; name: string | null; params: number; depth: number }[]; totals: { total: number } };
    // The checkpoint's Dense variables: [4, 64] + [64], [64, 64] + [64], [64, 9] + [9] (fixture manifest).
    expect(s.layers.map((l) => [l.path.split('.').slice(-2).join('.'), l.name, l.params, l.depth])).toEqual([
      ['_wrapped_policy._q_network', null, 320 + 4160 + 585, 0],
      ['_sequential_layers.0', 'sequential/dense', 4 * 64 + 64, 1],
      ['_sequential_layers.1', 'sequential/dense_1', 64 * 64 + 64, 1],
      ['_sequential_layers.2', 'sequential/dense_2', 64 * 9 + 9, 1],
    ]);
    expect(s.totals.total).toBe(5065);
    const human = await runCli(['summary', path.join(fixturesDir, 'tfagents-policy-cartpole')]);
    expect(human.stdout).toContain('Keras layers in the object graph');
    expect(human.stdout).toContain('Total params: 5,065');
  });
});
