import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasSavedModel, writeToDirectory, type ModelSpec } from '@savedkeras/testing';
import { ensureBuilt, runCli } from './helpers.js';

// The CLI runs the wasm backend threaded by default (one XNNPACK thread per core); --threads 1 and
// SAVEDKERAS_WASM_THREADS=1 turn it off. The built binary, on a generated convolution model: the threaded run
// must give the single-threaded numbers, and both those of the plain-JS cpu backend (another implementation).

let tmp: string;
let model: string;
let input: string;
beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-threads-test-'));
  const spec: ModelSpec = {
    kind: 'Sequential',
    input: { name: 'image', shape: [12, 12, 3] },
    layers: [
      { className: 'Conv2D', name: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      { className: 'BatchNormalization', name: 'batch_normalization' },
      { className: 'MaxPooling2D', name: 'max_pooling2d' },
      { className: 'Conv2D', name: 'conv2d_1', filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu' },
      { className: 'Flatten', name: 'flatten' },
      { className: 'Dense', name: 'dense', units: 4, activation: 'softmax' },
    ],
    seed: 21,
  };
  model = path.join(tmp, 'model');
  await writeToDirectory(writeKerasSavedModel(spec), model);
  const shape = [4, 12, 12, 3];
  const value = Array.from({ length: 4 * 12 * 12 * 3 }, (_, i) => Math.sin(i * 0.37) * 2);
  input = path.join(tmp, 'input.json');
  await writeFile(input, JSON.stringify({ image: { dtype: 'float32', shape, value } }));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function predict(args: string[], env: Record<string, string> = {}): Promise<{ backendLine: string; values: number[] }> {
  const run = await runCli([...args, 'predict', model, '--input', input, '--json'], { SAVEDKERAS_WASM_THREADS: '', ...env });
  expect(run.code, run.stderr).toBe(0);
  const backendLine = run.stderr.split('\n').find((l) => l.startsWith('backend:')) ?? '';
  const out = JSON.parse(run.stdout) as Record<string, { shape: number[]; value: number[] }>;
  const [only] = Object.values(out);
  expect(only?.shape).toEqual([4, 4]);
  return { backendLine, values: only!.value.flat(Infinity as 1) as number[] };
}

describe('savedkeras CLI: threaded wasm by default', () => {
  it('runs XNNPACK on one thread per core unless told otherwise, with the single-threaded numbers', async () => {
    const cores = Math.min(availableParallelism(), 8);
    const byDefault = await predict(['--backend', 'wasm']);
    expect(byDefault.backendLine).toBe(cores >= 2 ? `backend: wasm (simd on, threads on: ${cores})` : 'backend: wasm (simd on, threads off)');
    const two = await predict(['--backend', 'wasm', '--threads', '2']);
    expect(two.backendLine).toBe('backend: wasm (simd on, threads on: 2)');
    const off = await predict(['--backend', 'wasm', '--threads', '1']);
    expect(off.backendLine).toBe('backend: wasm (simd on, threads off)');
    const offByEnv = await predict(['--backend', 'wasm'], { SAVEDKERAS_WASM_THREADS: '1' });
    expect(offByEnv.backendLine).toBe('backend: wasm (simd on, threads off)');
    const cpu = await predict(['--backend', 'cpu']);
    expect(cpu.backendLine).toBe('backend: cpu');

    expect(off.values).toHaveLength(16);
    for (const run of [byDefault, two, offByEnv]) run.values.forEach((v, i) => expect(Math.abs(v - off.values[i]!)).toBeLessThan(1e-6));
    off.values.forEach((v, i) => expect(Math.abs(v - cpu.values[i]!)).toBeLessThan(1e-5));
    // softmax rows: real, different probabilities (not a constant or empty output)
    expect(new Set(off.values.map((v) => v.toFixed(4))).size).toBeGreaterThan(4);
  });

  it('refuses a thread count that is not a whole number of at least 1', async () => {
    const run = await runCli(['--threads', '0', 'predict', model, '--input', input]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("option '--threads <n>' argument '0' is invalid");
  });
});
