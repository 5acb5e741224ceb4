import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { fromTensor } from '@savedkeras/check';
import { encodeKerasFile } from 'savedkeras';
import { JSON_CHUNK_CHARS, OutputValues, readOutput, writeOutputsJson } from '../src/predict/output-values.js';
import { ensureBuilt, runCli } from './helpers.js';

// `predict` used to turn each output into nested JS arrays and the whole result into one string:
// a [2, 1e8] one-hot output (StringLookup max_tokens 1e8, which the library predicts in ms) crashed
// the CLI untyped at 3.2 GB ("Invalid array length"), and any output past ~5e8 characters of JSON
// cannot be one JS string at all. Outputs are now kept flat and the JSON is written in chunks.

const chunksOf = (doc: unknown): string[] => {
  const chunks: string[] = [];
  writeOutputsJson(doc, (c) => chunks.push(c));
  return chunks;
};

describe('the JSON form of predict outputs, written in chunks', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is the text JSON.stringify(outputs, null, 1) gives for the tensor JSON of every kind of output', async () => {
    const tensors: Record<string, tf.Tensor> = {
      floats: tf.tensor([[0.5, -0, NaN], [Infinity, -Infinity, 1e-30]], [2, 3], 'float32'),
      ints: tf.tensor([[[1, -2]], [[3, 2147483647]]], [2, 1, 2], 'int32'),
      flags: tf.tensor([true, false, true], [3], 'bool'),
      words: tf.tensor(['a', 'é', ''], [3, 1], 'string'),
      bytes: tf.tensor([new Uint8Array([0, 255, 1]), new Uint8Array([104, 105])] as unknown as string[], [2], 'string'),
      scalar: tf.scalar(7.25),
      empty: tf.zeros([2, 0, 3]),
      // Output names a tensor-JSON object also has: they are names, nothing else.
      kind: tf.tensor([1], [1, 1]),
      ['__proto__']: tf.tensor([2], [1]),
    };
    const labels: Record<string, string> = { ints: 'int64' };
    const ours = Object.create(null) as Record<string, OutputValues>;
    const reference = Object.create(null) as Record<string, unknown>;
    for (const [name, t] of Object.entries(tensors)) {
      ours[name] = await readOutput(t, labels[name] ?? t.dtype);
      reference[name] = await fromTensor(t, labels[name] ?? t.dtype);
    }
    tf.dispose(Object.values(tensors));
    expect(Object.keys(ours)).toContain('__proto__');
    expect(chunksOf(ours).join('')).toBe(JSON.stringify(reference, null, 1) + '\n');
    // A list of cases (one --input file holding several) is a list of such objects.
    expect(chunksOf([ours, {}]).join('')).toBe(JSON.stringify([reference, {}], null, 1) + '\n');
  });

  it('holds about one chunk of text at a time, however large the output', () => {
    const n = 3_000_000;
    const flat = new Float32Array(n);
    for (let i = 0; i < n; i += 1000) flat[i] = i;
    const chunks = chunksOf({ y: new OutputValues('float32', [3, n / 3], 'number', flat) });
    expect(chunks.length).toBeGreaterThan(10);
    // A chunk ends at the first piece that reaches the bound; no piece is longer than a value and its indent.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(JSON_CHUNK_CHARS + 100);
    const got = JSON.parse(chunks.join('')) as { y: { shape: number[]; value: number[][] } };
    expect(got.y.shape).toEqual([3, n / 3]);
    expect(got.y.value.flat()).toEqual(Array.from(flat));
  });
});

describe('savedkeras predict on a model with a large output', () => {
  // RepeatVector(n) of a 2-feature input: [1, n, 2], every row the input (Keras' definition). No weights:
  // the file is ~1 KB and the output's size comes from the config alone.
  const n = 150_000;
  let tmp: string;
  let model: string;
  let input: string;

  beforeAll(async () => {
    ensureBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-large-output-'));
    const x = tfl.input({ shape: [2], name: 'x' });
    const m = tfl.model({ inputs: x, outputs: tfl.layers.repeatVector({ n, name: 'rep' }).apply(x) as tfl.SymbolicTensor });
    model = path.join(tmp, 'repeat.keras');
    await writeFile(model, await encodeKerasFile(m, { warn: () => undefined }));
    m.dispose();
    input = path.join(tmp, 'in.json');
    await writeFile(input, JSON.stringify({ x: { dtype: 'float32', shape: [1, 2], value: [[0.25, -3]] } }));
  }, 120_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the human form shows the first values, the count and the statistics', async () => {
    const r = await runCli(['--backend', 'cpu', 'predict', model, '--input', input]);
    expect(r.stderr).toMatch(/ran the Keras model/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rep float32 [1, ${n}, 2]`);
    expect(r.stdout).toContain(`[0.25, -3, 0.25, -3, 0.25, -3, 0.25, -3, 0.25, -3, 0.25, -3 … (${2 * n} values)]`);
    expect(r.stdout).toContain('min -3  max 0.25  mean -1.375');
  }, 120_000);

  it('--json and --output write every value, nested like the shape', async () => {
    const out = path.join(tmp, 'out.json');
    const r = await runCli(['--backend', 'cpu', 'predict', model, '--input', input, '--json', '--output', out]);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; value: number[][][] }>;
    expect(Object.keys(got)).toEqual(['rep']);
    expect(got['rep']!.shape).toEqual([1, n, 2]);
    expect(got['rep']!.value[0]).toHaveLength(n);
    expect(got['rep']!.value[0]!.every((row) => row.length === 2 && row[0] === 0.25 && row[1] === -3)).toBe(true);
    expect(await readFile(out, 'utf8')).toBe(r.stdout);
  }, 120_000);
});

describe('predict refuses outputs past limits.maxOutputBytes before reading them out of the backend', () => {
  // On wasm the outputs live in the wasm heap and reading them copies them out once (session 6:
  // [2, 1e8] float32 took 1.74 GB). A writer-made RepeatVector(2^27) of one feature is 512 MiB per
  // row (per sample under maxComputedTensorElements, so it loads); 3 rows are 1.5 GiB of output.
  const n = 2 ** 27;
  let tmp: string;
  let model: string;
  let input: string;

  beforeAll(async () => {
    ensureBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-output-limit-'));
    const x = tfl.input({ shape: [1], name: 'x' });
    const m = tfl.model({ inputs: x, outputs: tfl.layers.repeatVector({ n, name: 'rep' }).apply(x) as tfl.SymbolicTensor });
    model = path.join(tmp, 'repeat.keras');
    await writeFile(model, await encodeKerasFile(m, { warn: () => undefined }));
    m.dispose();
    input = path.join(tmp, 'in.json');
    await writeFile(input, JSON.stringify({ x: { dtype: 'float32', shape: [3, 1], value: [[1], [2], [3]] } }));
  }, 120_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the real CLI (wasm, the default backend) is LIMIT naming the output, its shape and bytes, before the model runs', async () => {
    const r = await runCli(['predict', model, '--input', input]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error [LIMIT]: the outputs of this case hold ${3 * n * 4} bytes (rep [3, ${n}, 1] float32), above the limit of ${2 ** 30} bytes (limits.maxOutputBytes); refused before it runs`,
    );
  }, 120_000);

  it('an output whose size is known only once it ran is refused before it is read', async () => {
    const { predict } = await import('../src/predict/run.js');
    const { NodeFileSource } = await import('@savedkeras/backend-node');
    // Dense over a variable-length sequence: [rows, None, 3] until it runs.
    const x = tfl.input({ shape: [null, 2], name: 'seq' });
    const m = tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 3, name: 'proj' }).apply(x) as tfl.SymbolicTensor });
    const dir = await mkdtemp(path.join(tmpdir(), 'savedkeras-output-limit-seq-'));
    const file = path.join(dir, 'seq.keras');
    await writeFile(file, await encodeKerasFile(m, { warn: () => undefined }));
    m.dispose();
    const before = tf.memory().numTensors;
    const cases = [{ seq: { dtype: 'float32', shape: [2, 50, 2], value: Array.from({ length: 2 }, () => Array.from({ length: 50 }, () => [1, 2])) } }];
    const e = await predict(tf, new NodeFileSource(file), cases as never, { maxOutputBytes: 1000 }).then(
      () => undefined,
      (err: unknown) => err as { code?: string; message?: string },
    );
    expect(e?.code).toBe('LIMIT');
    expect(e?.message).toContain('the outputs of this case hold 1200 bytes (proj [2, 50, 3] float32), above the limit of 1000 bytes (limits.maxOutputBytes); refused before they are read');
    expect(tf.memory().numTensors, 'tensors left').toBe(before);
    // Under the limit it answers.
    const ok = await predict(tf, new NodeFileSource(file), cases as never, { maxOutputBytes: 1200 });
    expect(ok.outputs[0]!['proj']!.shape).toEqual([2, 50, 3]);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});
