import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const model = path.join(here, 'float64-model', 'model');
/** TensorFlow's outputs for the model's inputs (float64-model/generate.py). */
const expected = JSON.parse(readFileSync(path.join(here, 'float64-model', 'expected.json'), 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, { dtype: string; shape: number[]; value: unknown }>;
};

describe('float64 and int64 are reported as saved, with the dtype JS computes in', () => {
  beforeAll(() => ensureBuilt());

  it('inspect lists the signature as saved', async () => {
    const r = await runCli(['inspect', model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('k int64 (int32 in JS) [None]');
    expect(r.stdout).toContain('x float64 (float32 in JS) [None, 2]');
    expect(r.stdout).toMatch(/outputs: k2 int64 \(int32 in JS\) \[None\], y float64 \(float32 in JS\) \[None, 1\]/);
  });

  it("predict returns TensorFlow's outputs labelled with their saved dtypes", async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'savedkeras-dtypes-')), 'in.json');
    await writeFile(file, JSON.stringify(expected.inputs));
    const json = await runCli(['--backend', 'cpu', 'predict', model, '--input', file, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const got = JSON.parse(json.stdout) as Record<string, { dtype: string; shape: number[]; value: unknown }>;
    for (const [name, want] of Object.entries(expected.outputs)) {
      expect(got[name]!.dtype).toBe(want.dtype);
      expect(got[name]!.shape).toEqual(want.shape);
      expect(got[name]!.value).toEqual(want.value); // exact in float32 too
    }
    const human = await runCli(['--backend', 'cpu', 'predict', model, '--input', file]);
    expect(human.stdout).toContain('y float64 (float32 in JS) [2, 1]');
    expect(human.stdout).toContain('k2 int64 (int32 in JS) [2]');
  });
});
