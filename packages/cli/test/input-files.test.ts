import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, referencePredict } from '@savedkeras/testing';
import { ensureBuilt, runCli } from './helpers.js';

/**
 * `--input` files through the real binary: only regular files are read, within a size cap;
 * input and output names that are Object.prototype members; .npy inputs (written by numpy and by
 * hand); predict runs all rows as one batch unless --batch-size says otherwise.
 */
const here = path.dirname(new URL(import.meta.url).pathname);
const float64Model = path.join(here, 'float64-model', 'model');
const namesModel = path.join(here, 'proto-names-model', 'model');
let tmp: string;
let mlp: string;
let socketServer: Server | undefined;

/** A .npy (format 1.0) of float32 `values` with `shape`, as numpy.save writes it. */
function npyFloat32(values: number[], shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(new Float32Array(values).buffer)]);
}

function expectTyped(r: { code: number; stdout: string; stderr: string }, code: string, text: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`error \\[${code}\\]: (.*/)?${text.source}`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-input-files-'));
  mlp = path.join(tmp, 'mlp');
  const made = await runCli(['example', mlp]);
  expect(made.code, made.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  socketServer?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('--input reads regular files only, within limits.maxInputFileBytes', () => {
  it('/dev/zero (a device that never ends, stat size 0) is refused before reading', async () => {
    expectTyped(await runCli(['predict', mlp, '--input', '/dev/zero']), 'IO', /\/dev\/zero is a character device; --input reads regular files only/);
  });

  it('a FIFO without a writer is refused at once, not waited on', async () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expectTyped(await runCli(['predict', mlp, '--input', fifo]), 'IO', /fifo is a FIFO \(named pipe\)/);
    expectTyped(await runCli(['check', mlp, '--input', fifo]), 'IO', /fifo is a FIFO/);
  });

  it('a socket and a folder are refused; a symlink to /dev/zero is refused by what it points at', async () => {
    const sock = path.join(tmp, 'sock');
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer!.listen(sock, resolve));
    expectTyped(await runCli(['predict', mlp, '--input', sock]), 'IO', /sock is a socket/);
    expectTyped(await runCli(['predict', mlp, '--input', tmp]), 'IO', /savedkeras-input-files-\w+ is a folder/);
    const link = path.join(tmp, 'zero-link.json');
    execFileSync('ln', ['-s', '/dev/zero', link]);
    expectTyped(await runCli(['predict', mlp, '--input', link]), 'IO', /zero-link\.json is a character device/);
  });

  it('a file over 512 MiB (sparse: no disk used) is a LIMIT naming the limit', async () => {
    const big = path.join(tmp, 'big.json');
    const h = await open(big, 'w');
    await h.truncate(512 * 2 ** 20 + 1);
    await h.close();
    expectTyped(await runCli(['predict', mlp, '--input', big]), 'LIMIT', /big\.json is 536870913 bytes; inputs files are limited to 536870912 bytes \(limits\.maxInputFileBytes\)/);
  });

  it('a missing file is IO naming it', async () => {
    expectTyped(await runCli(['predict', mlp, '--input', path.join(tmp, 'nope.json')]), 'IO', /inputs file not found: .*nope\.json/);
  });
});

describe('input and output names that are Object.prototype members', () => {
  /** TensorFlow's outputs (proto-names-model/generate.py). */
  const expected = JSON.parse(readFileSync(path.join(here, 'proto-names-model', 'expected.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, { shape: number[]; value: unknown }>;
  };

  it('a signature with inputs constructor, toString and outputs __proto__, hasOwnProperty gives TensorFlow\'s outputs', async () => {
    const file = path.join(tmp, 'names.json');
    await writeFile(file, JSON.stringify(expected.inputs));
    const r = await runCli(['--backend', 'cpu', 'predict', namesModel, '--input', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { shape: number[]; value: unknown }>;
    expect(Object.keys(got).sort()).toEqual(['__proto__', 'hasOwnProperty']);
    for (const [name, want] of Object.entries(expected.outputs)) {
      expect(got[name]!.shape).toEqual(want.shape);
      expect(got[name]!.value).toEqual(want.value); // exact: small binary fractions
    }
  });

  it('an input missing because only constructor-like names are given is reported missing, and __proto__ is reported unknown, not dropped', async () => {
    const file = path.join(tmp, 'proto-input.json');
    await writeFile(file, '{"__proto__": {"dtype": "float32", "shape": [1, 4], "value": [[1, 2, 3, 4]]}}');
    expectTyped(await runCli(['predict', mlp, '--input', file]), 'INPUT_MISMATCH', /.*missing dense_input; unknown __proto__/);
    const only = path.join(tmp, 'only-tostring.json');
    await writeFile(only, JSON.stringify({ toString: expected.inputs['toString'] }));
    expectTyped(await runCli(['predict', namesModel, '--input', only]), 'INPUT_MISMATCH', /.*missing constructor/);
  });
});

describe('.npy inputs', () => {
  it('NAME=file.npy per input (files written by numpy: float64 and int64) give TensorFlow\'s outputs', async () => {
    const expected = JSON.parse(readFileSync(path.join(here, 'float64-model', 'expected.json'), 'utf8')) as {
      outputs: Record<string, { dtype: string; shape: number[]; value: unknown }>;
    };
    const dir = path.join(here, 'float64-model');
    const r = await runCli(['--backend', 'cpu', 'predict', float64Model, '--input', `x=${dir}/x.npy`, '--input', `k=${dir}/k.npy`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; value: unknown }>;
    for (const [name, want] of Object.entries(expected.outputs)) expect(got[name]).toEqual(want);
    // Names from the .npy side are prototype-safe too: numpy-written files into constructor / toString.
    const names = path.join(here, 'proto-names-model');
    const n = await runCli(['--backend', 'cpu', 'predict', namesModel, '--input', `constructor=${names}/a.npy`, '--input', `toString=${names}/b.npy`, '--json']);
    expect(n.code, n.stderr).toBe(0);
    const want = JSON.parse(readFileSync(path.join(names, 'expected.json'), 'utf8')) as { outputs: Record<string, { value: unknown }> };
    expect((JSON.parse(n.stdout) as Record<string, { value: unknown }>)['__proto__']!.value).toEqual(want.outputs['__proto__']!.value);
  });

  it('one unnamed .npy feeds a one-input Keras model: predict equals an independent float64 reference; check --input passes', async () => {
    const rows = 5;
    const data = Array.from({ length: rows * 4 }, (_, i) => Math.sin(i * 1.7) * 2);
    const file = path.join(tmp, 'x.npy');
    await writeFile(file, npyFloat32(data, [rows, 4]));
    const r = await runCli(['predict', mlp, '--input', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = Object.values(JSON.parse(r.stdout) as Record<string, { shape: number[]; value: number[][] }>)[0]!;
    const want = Object.values(referencePredict(EXAMPLES['mlp']!.spec(), [Float32Array.from(data)]))[0]!;
    expect(got.shape).toEqual(want.shape);
    got.value.flat().forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 5));
    const c = await runCli(['check', mlp, '--input', file, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect((JSON.parse(c.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('bad .npy files and mixes are typed errors naming the file', async () => {
    const trunc = path.join(tmp, 'trunc.npy');
    await writeFile(trunc, npyFloat32([1, 2, 3, 4], [2, 2]).subarray(0, 134));
    expectTyped(await runCli(['predict', mlp, '--input', trunc]), 'FORMAT', /.*trunc\.npy.*not a valid \.npy file: shape \(2, 2\) of <f4 needs more than the 6 bytes/);
    const x = path.join(tmp, 'x.npy');
    expectTyped(await runCli(['predict', float64Model, '--input', x]), 'INPUT_MISMATCH', /an input without a name feeds a model with one input; this one takes 2/);
    expectTyped(await runCli(['predict', float64Model, '--input', `x=${x}`, '--input', `x=${x}`]), 'INPUT_MISMATCH', /input x is given twice/);
    const json = path.join(tmp, 'names.json');
    expectTyped(await runCli(['predict', float64Model, '--input', json, '--input', `k=${x}`]), 'INPUT_MISMATCH', /names\.json is not a \.npy file/);
  });
});

describe('predict runs all rows as one batch unless --batch-size says otherwise', () => {
  it('20,000 rows in one run and in batches of 7,000 (uneven last batch) give the same reference values', async () => {
    const rows = 20_000;
    const data = Array.from({ length: rows * 4 }, (_, i) => ((i * 7919) % 1000) / 250 - 2);
    const file = path.join(tmp, 'rows.npy');
    await writeFile(file, npyFloat32(data, [rows, 4]));
    const want = Object.values(referencePredict(EXAMPLES['mlp']!.spec(), [Float32Array.from(data)]))[0]!;
    for (const extra of [[], ['--batch-size', '7000']]) {
      const out = path.join(tmp, `rows-${extra.length}.json`);
      const r = await runCli(['--backend', 'cpu', 'predict', mlp, '--input', file, '--output', out, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const got = Object.values(JSON.parse(readFileSync(out, 'utf8')) as Record<string, { shape: number[]; value: number[][] }>)[0]!;
      expect(got.shape).toEqual([rows, 3]);
      const flat = got.value.flat();
      let worst = 0;
      flat.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want.values[i]!))));
      expect(worst).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('--batch-size must be a positive integer', async () => {
    const r = await runCli(['predict', mlp, '--input', path.join(tmp, 'x.npy'), '--batch-size', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('batch size must be an integer >= 1');
  });
});
