import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasSavedModel, writeToDirectory, type ModelSpec } from '@savedkeras/testing';
import { boundOf, headingAnchor, MISS_BOUNDS } from '../src/bench/bounds.js';
import { renderResultsMarkdown } from '../src/bench/markdown.js';
import { MAX_PREDICT_CALLS, MIN_PREDICT_CALLS, moreCalls, type BenchResult } from '../src/bench/measure.js';
import { updateDocs, type SuiteResults } from '../src/bench/suite.js';
import { ensureBuilt, runCli } from './helpers.js';

/** `savedkeras bench --json` on a small generated model: every field is there and consistent. Nothing is timed against a bound. */

let tmp: string;
beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-bench-test-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const spec: ModelSpec = {
  kind: 'Sequential',
  input: { shape: [6] },
  layers: [
    { className: 'Dense', name: 'dense', units: 5, activation: 'relu' },
    { className: 'Dense', name: 'dense_1', units: 2, activation: 'softmax' },
  ],
  seed: 2,
};

describe('savedkeras bench --json', () => {
  it('reports every field, with ratios that follow from the times and sizes it reports', async () => {
    const dir = path.join(tmp, 'model');
    await writeToDirectory(writeKerasSavedModel(spec), dir);
    const run = await runCli(['--backend', 'cpu', 'bench', dir, '--json', '--runs', '2', '--batch', '3']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/backend: cpu/);
    const r = JSON.parse(run.stdout) as BenchResult;
    expect(r.backend).toBe('cpu');
    expect(r.runs).toBe(2);
    expect(r.batch).toBe(3);
    expect(r.model).toBe('model');
    expect(r.variables).toBe(4);
    expect(r.weightBytes).toBe((6 * 5 + 5 + 5 * 2 + 2) * 4);
    expect(r.shardBytes).toBe(statSync(path.join(dir, 'variables/variables.data-00000-of-00001')).size);
    for (const k of ['loadMs', 'tfjsLoadMs', 'readMs', 'rawReadMs', 'predictMs', 'savedFunctionPredictMs'] as const) {
      expect(r[k], k).toBeGreaterThan(0);
    }
    // Ratios come from unrounded medians, the times printed are rounded (to 0.01 ms): agree within 2 %
    // plus what that rounding can move a ratio of sub-millisecond times.
    const near = (got: number | null, num: number, den: number) =>
      expect(Math.abs(got! - num / den) / (num / den)).toBeLessThan(0.02 + 0.01 / Math.min(num, den));
    near(r.loadRatio, r.loadMs, r.tfjsLoadMs!);
    near(r.readRatio, r.rawReadMs, r.readMs);
    near(r.graphRatio, r.savedFunctionPredictMs!, r.predictMs!);
    // A model of a few hundred bytes may not move RSS by a page: peak >= baseline, and the ratio follows.
    expect(r.peakRssBytes).toBeGreaterThanOrEqual(r.baselineRssBytes!);
    const grown = r.peakRssBytes! - r.baselineRssBytes!;
    if (grown === 0) expect(r.rssOverWeights).toBe(0);
    else near(r.rssOverWeights, grown, r.weightBytes);
    expect(r.tfjsRssOverWeights).toBeGreaterThanOrEqual(0);
    // The saved graph and the revived model compute the same function.
    expect(r.graphMaxAbsDiff).toBeLessThan(1e-5);
    expect(r.notes).toEqual([]);
  });

  it('prints a readable report without --json, and rejects a bad --runs', async () => {
    const dir = path.join(tmp, 'model');
    const run = await runCli(['--backend', 'cpu', 'bench', dir, '--runs', '1', '--no-rss']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/loadRatio/);
    expect(run.stdout).toMatch(/readRatio/);
    expect(run.stdout).toMatch(/graphRatio/);
    const bad = await runCli(['bench', dir, '--runs', '0']);
    expect(bad.code).toBe(2);
  });

  it('fails with exit 1 on a folder that is not a SavedModel', async () => {
    const run = await runCli(['--backend', 'cpu', 'bench', path.join(tmp, 'nope'), '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/MISSING_FILE/);
  });
});

describe('how many predict calls the bench makes', () => {
  it('makes at least 3 calls, `runs` calls unless they pass a minute, and more on millisecond models up to 2 s', () => {
    expect(moreCalls(MIN_PREDICT_CALLS - 1, 10 * 60_000, 5)).toBe(true); // a 10-minute model still gets 3 calls
    expect(moreCalls(MIN_PREDICT_CALLS, 61_000, 5)).toBe(false);
    expect(moreCalls(4, 30_000, 5)).toBe(true);
    expect(moreCalls(5, 30_000, 5)).toBe(false);
    expect(moreCalls(5, 1_500, 5)).toBe(true); // millisecond model: keep calling until 2 s
    expect(moreCalls(MAX_PREDICT_CALLS, 10, 5)).toBe(false);
    expect(moreCalls(50, 2_000, 5)).toBe(false);
  });
});

describe('benchmark docs', () => {
  const result = (over: Partial<BenchResult>): BenchResult => ({
    model: 'm',
    backend: 'wasm',
    runs: 3,
    batch: 8,
    weightBytes: 100e6,
    variables: 6,
    shardBytes: 100e6,
    loadMs: 300,
    tfjsLoadMs: 400,
    loadRatio: 0.75,
    readMs: 100,
    rawReadMs: 60,
    readRatio: 0.6,
    readMBps: 1000,
    rawReadMBps: 1666,
    peakRssBytes: 300e6,
    baselineRssBytes: 90e6,
    rssOverWeights: 2.1,
    tfjsRssOverWeights: 3,
    predictMs: 10,
    predictCalls: 200,
    savedFunctionPredictMs: 12,
    graphRatio: 1.2,
    graphMaxAbsDiff: 0,
    notes: [],
    ...over,
  });
  const suite: SuiteResults = {
    date: '2025-01-02T03:04:05.000Z',
    machine: { cpu: 'Test CPU', cores: 2, memoryBytes: 2 ** 34, os: 'linux', node: 'v20' },
    runs: 3,
    models: [{ name: 'm', source: 'generated', description: 'a test model' }],
    results: [
      result({}),
      result({ backend: 'cpu', notes: ['no tfjs comparison: x'], tfjsLoadMs: null, loadRatio: null }),
      { model: 'broken', backend: 'cpu', error: 'error [FORMAT]: bad' },
      result({ model: 'small', weightBytes: 1e6, loadRatio: 1.8, readRatio: 0.3, rssOverWeights: 4.3, graphRatio: 1.4 }),
      { ...result({ model: 'unet-denoise-autoencoder', weightBytes: 1e6, loadRatio: 0.9, predictMs: 30 }), tfPredictMs: 10, tfRatio: 3 },
      { ...result({ model: 'cnn-mnist-bn', backend: 'wasm-2threads', weightBytes: 1e6, loadRatio: 0.9 }), tfPredictMs: null, tfRatio: null },
    ],
    notes: ['a suite note'],
  };

  it('renders one row per model and backend, marking missed targets and naming machine and date', () => {
    const md = renderResultsMarkdown(suite);
    expect(md).toMatch(/2025-01-02 on Test CPU \(2 cores, 16 GiB\)/);
    const rows = md.split('\n').filter((l) => l.startsWith('| m |'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/0\.75 ✓/); // loadRatio met
    expect(rows[0]).toMatch(/\*\*0\.60\*\* ✗/); // readRatio missed
    expect(rows[0]).toMatch(/\*\*2\.10\*\* ✗/); // rssOverWeights missed
    expect(rows[0]).toMatch(/\| \*\*missed\*\*: readRatio, rssOverWeights \|$/);
    expect(rows[1]).toMatch(/\| – \|/);
    expect(rows[1]).toMatch(/\| \*\*missed\*\*: readRatio, rssOverWeights; not measured: loadRatio \|$/);
    // Under 10 MB of weights readRatio and rssOverWeights are not targets; loadRatio and graphRatio are.
    const small = md.split('\n').find((l) => l.startsWith('| small |'))!;
    expect(small).toMatch(/\*\*1\.80\*\* ✗/);
    expect(small).toMatch(/\| 0\.30 \|/);
    expect(small).toMatch(/\| 4\.30 \|/);
    expect(small).toMatch(/1\.40 ✓ \| – \| – \| \*\*missed\*\*: loadRatio \|$/);
    // Convolution rows compared with TensorFlow: tfRatio marked, or "not measured" without TensorFlow.
    const unet = md.split('\n').find((l) => l.startsWith('| unet-denoise-autoencoder |'))!;
    expect(unet).toMatch(/\| 10\.00 \| \*\*3\.00\*\* ✗ \| \*\*missed\*\*: tfRatio \|$/);
    const cnn = md.split('\n').find((l) => l.startsWith('| cnn-mnist-bn |'))!;
    expect(cnn).toMatch(/\| – \| – \| not measured: tfRatio \|$/);
    expect(md).toMatch(/- a suite note/);
    expect(md).toMatch(/\| broken \| cpu \| failed: error \[FORMAT\]: bad \|/);
    expect(md).toMatch(/- m \(cpu\): no tfjs comparison: x/);
    expect(md).toMatch(/- m: a test model/);
  });

  it('writes what bounds every missed target under the table, one line per row and target, linking its profile', () => {
    const md = renderResultsMarkdown(suite);
    const section = md.slice(md.indexOf('What bounds each miss'));
    const lines = section.split('\n').filter((l) => l.startsWith('- ') && / (loadRatio|readRatio|rssOverWeights|graphRatio|tfRatio) [\d.]+: /.test(l));
    // m (wasm): readRatio, rssOverWeights; m (cpu): the same; small: loadRatio; the U-Net: tfRatio.
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      '- m (wasm) readRatio 0.60',
      '- m (wasm) rssOverWeights 2.10',
      '- m (cpu) readRatio 0.60',
      '- m (cpu) rssOverWeights 2.10',
      '- small (wasm) loadRatio 1.80',
      '- unet-denoise-autoencoder (wasm) tfRatio 3.00',
    ]);
    const unet = lines.find((l) => l.includes('unet-denoise-autoencoder'))!;
    expect(unet).toContain(boundOf('tfRatio', 'unet-denoise-autoencoder', 'wasm')!.bound);
    expect(unet).toMatch(/\(\[profile\]\(#session-9-the-winograd-products-on-two-threads-concat-on-the-heap\)\)$/);
  });

  it('every bound links a heading that exists in docs/benchmarks.md', () => {
    const doc = readFileSync(new URL('../../../docs/benchmarks.md', import.meta.url), 'utf8');
    const anchors = new Set(doc.split('\n').filter((l) => /^#{2,4} /.test(l)).map((l) => headingAnchor(l.replace(/^#+ /, ''))));
    for (const b of MISS_BOUNDS) expect(anchors, `${b.target} ${String(b.models)}: ${b.profile}`).toContain(headingAnchor(b.profile));
    expect(headingAnchor('Session 5: batch norm, threads by default, convolutions (issue 15 items 4-6)')).toBe('session-5-batch-norm-threads-by-default-convolutions-issue-15-items-4-6');
  });

  it('updateDocs replaces only the part between the markers', async () => {
    const file = path.join(tmp, 'benchmarks.md');
    await updateDocs(file, 'first table\n');
    const first = await readFile(file, 'utf8');
    await writeFile(file, `# Title\n\nhand-written intro\n\n${first.slice(first.indexOf('<!--'))}\n## Profiles\n\nkept\n`);
    await updateDocs(file, 'second table\n');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/hand-written intro/);
    expect(text).toMatch(/## Profiles\n\nkept/);
    expect(text).toMatch(/second table/);
    expect(text).not.toMatch(/first table/);
  });
});
