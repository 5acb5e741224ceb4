import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs a small script in a fresh Node process (the wasm module starts once per process). */
function runNode(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: here, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

// The built package (dist), as users run it.
const SCRIPT = `
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/index.js';
const wasm = await import('@tensorflow/tfjs-backend-wasm');
const choice = await selectBackend('wasm');
const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1);
const w = tf.randomNormal([3, 3, 4, 8], 0, 1, 'float32', 2);
const y = Array.from(await tf.conv2d(x, w, 1, 'same').data());
console.log(JSON.stringify({ threads: wasm.getThreadsCount(), feature: choice.features.threads, xs: Array.from(await x.data()), ws: Array.from(await w.data()), y }));
`;

describe('threaded wasm in Node (SAVEDKERAS_WASM_THREADS)', () => {
  it('runs XNNPACK on 2 threads, computes a convolution like the single-threaded build, and the process exits by itself', async () => {
    const threaded = await runNode(SCRIPT, { SAVEDKERAS_WASM_THREADS: '2' });
    expect(threaded.code, threaded.stderr).toBe(0); // exits: the unref'd pthread workers do not keep Node alive
    const t = JSON.parse(threaded.stdout.trim().split('\n').at(-1)!) as { threads: number; feature: boolean; xs: number[]; ws: number[]; y: number[] };
    expect(t.threads).toBe(2);
    expect(t.feature).toBe(true);
    const plain = await runNode(SCRIPT, { SAVEDKERAS_WASM_THREADS: '' });
    const p = JSON.parse(plain.stdout.trim().split('\n').at(-1)!) as typeof t;
    expect(p.threads).toBe(1);
    expect(p.feature).toBe(false);
    expect(t.xs).toEqual(p.xs); // same seeded inputs
    // A direct sum computed here, for one output element, guards against both builds being wrong alike.
    const at = (n: number, i: number, j: number, c: number) => (i < 0 || j < 0 || i > 8 || j > 8 ? 0 : t.xs[((n * 9 + i) * 9 + j) * 4 + c]!);
    let want = 0;
    for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) for (let c = 0; c < 4; c++) want += at(1, 4 + di, 5 + dj, c) * t.ws[(((di + 1) * 3 + (dj + 1)) * 4 + c) * 8 + 3]!;
    expect(Math.abs(t.y[((1 * 9 + 4) * 9 + 5) * 8 + 3]! - want)).toBeLessThan(1e-4);
    t.y.forEach((v, i) => expect(Math.abs(v - p.y[i]!)).toBeLessThan(1e-4));
  });
});
