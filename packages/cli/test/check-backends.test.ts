import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@savedkeras/check';
import { ensureBuilt, runCli } from './helpers.js';

/**
 * `check` cannot be fooled by the backend under test: the saved graph (the reference) runs on the
 * cpu backend while the model runs on the selected one. A CLI child process gets a deliberately
 * wrong wasm kernel (support/wrong-wasm-softmax.mjs: Softmax halves its outputs).
 */
const wrongKernel = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'support/wrong-wasm-softmax.mjs')).href;
const withWrongKernel = { NODE_OPTIONS: `--import=${wrongKernel}` };
let tmp: string;
let mlp: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-check-backends-'));
  mlp = path.join(tmp, 'mlp');
  expect((await runCli(['example', mlp])).code).toBe(0);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('check with a wrong kernel on the backend under test', () => {
  it('fails with exit 1 and a message naming the output; --json says which backend ran each side', async () => {
    const r = await runCli(['--backend', 'wasm', 'check', mlp, '--json'], withWrongKernel);
    expect(r.code, r.stderr).toBe(1);
    const res = JSON.parse(r.stdout) as CheckResult;
    expect(res).toMatchObject({ ok: false, backend: 'wasm', referenceBackend: 'cpu' });
    expect(res.outputs[0]).toMatchObject({ name: 'dense_1', ok: false });
    // Halved probabilities: off by half of each softmax output (they sum to 1, so the largest is >= 1/3).
    expect(res.maxAbsDiff!).toBeGreaterThan(1 / 6 - 1e-6);
    expect(r.stderr).toMatch(/check failed: dense_1: max \|diff\| /);
    expect(r.stderr).toMatch(/on wasm\) does not give the answers of its saved graph \(on cpu\)/);
    expect(r.stderr).not.toContain('error [');

    const human = await runCli(['--backend', 'wasm', 'check', mlp], withWrongKernel);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^FAIL /);
    expect(human.stdout).toMatch(/dense_1 .* DIFFERS/);
    expect(human.stdout).toContain('model on wasm, reference on cpu');
  });

  it('with --layers it also names the layer whose kernel is wrong (the softmax Dense), and passes the one before it', async () => {
    const r = await runCli(['--backend', 'wasm', 'check', mlp, '--json', '--layers'], withWrongKernel);
    expect(r.code, r.stderr).toBe(1);
    const res = JSON.parse(r.stdout) as CheckResult;
    expect(res).toMatchObject({ ok: false, backend: 'wasm', referenceBackend: 'cpu', firstBadLayer: 'dense_1' });
    const byName = new Map(res.layers!.map((l) => [l.name, l]));
    expect(byName.get('dense')).toMatchObject({ compared: true, ok: true });
    expect(byName.get('dense_1')).toMatchObject({ compared: true, ok: false });
    expect(byName.get('dense_1')!.maxAbsDiff!).toBeGreaterThan(1 / 6 - 1e-6);
    expect(r.stderr).toMatch(/check failed: dense_1: max \|diff\| /);
    expect(r.stderr).toMatch(/first layer that disagrees.*dense_1/);
    // Without the wrong kernel every layer agrees.
    const ok = JSON.parse((await runCli(['--backend', 'wasm', 'check', mlp, '--json', '--layers'])).stdout) as CheckResult;
    expect(ok).toMatchObject({ ok: true, firstBadLayer: null });
    expect(ok.layers!.map((l) => [l.name, l.compared, l.ok])).toEqual([['dense', true, true], ['dense_1', true, true]]);
  });

  it('with --reference-backend wasm both sides share the wrong kernel and agree: why cpu is the default', async () => {
    const r = await runCli(['--backend', 'wasm', 'check', mlp, '--json', '--reference-backend', 'wasm'], withWrongKernel);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, backend: 'wasm', referenceBackend: 'wasm' });
  });

  it('the same model passes on wasm without the wrong kernel, and on cpu with it', async () => {
    const ok = JSON.parse((await runCli(['--backend', 'wasm', 'check', mlp, '--json'])).stdout) as CheckResult;
    expect(ok).toMatchObject({ ok: true, backend: 'wasm', referenceBackend: 'cpu' });
    const cpu = await runCli(['--backend', 'cpu', 'check', mlp, '--json'], withWrongKernel);
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(JSON.parse(cpu.stdout)).toMatchObject({ ok: true, backend: 'cpu', referenceBackend: 'cpu' });
  });

  it('rejects an unknown --reference-backend as a usage error', async () => {
    expect((await runCli(['check', mlp, '--reference-backend', 'webgl'])).code).toBe(2);
  });
});
