import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../src/index.js';
import { ensureBuilt, runCli } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-example-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('savedkeras example', () => {
  it('writes a model that inspect reads: path alone on stdout', async () => {
    const dir = path.join(tmp, 'mlp');
    const r = await runCli(['example', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${dir}\n`);
    const inspected = await runCli(['inspect', dir, '--json']);
    expect(inspected.code).toBe(0);
    const report = JSON.parse(inspected.stdout) as InspectReport;
    expect(report.objects.find((o) => o.path === 'root')?.className).toBe('Sequential');
    expect(report.signatures.map((s) => s.name)).toEqual(['serving_default']);
    expect(report.variables.length).toBeGreaterThan(0);
    for (const v of report.variables) expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the two-input example is a Functional model with two inputs', async () => {
    const dir = path.join(tmp, 'two');
    expect((await runCli(['example', dir, '--model', 'two-inputs'])).code).toBe(0);
    const report = JSON.parse((await runCli(['inspect', dir, '--json'])).stdout) as InspectReport;
    expect(report.objects.find((o) => o.path === 'root')?.className).toBe('Functional');
    expect(report.signatures[0].inputs).toHaveLength(2);
  });

  it('refuses to write into a non-empty folder without --force', async () => {
    const dir = path.join(tmp, 'occupied');
    await mkdir(dir);
    await writeFile(path.join(dir, 'saved_model.pb'), 'mine');
    const r = await runCli(['example', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error [IO]');
    expect(r.stderr).toContain('--force');
    expect((await runCli(['example', dir, '--force'])).code).toBe(0);
  });
});
