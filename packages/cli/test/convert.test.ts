import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { loadKerasModel } from 'savedkeras';
import { referencePredict, writeKerasSavedModel, writeToDirectory, type ModelSpec } from '@savedkeras/testing';
import { ensureBuilt, fixturesDir, loadManifest, runCli } from './helpers.js';

/**
 * `savedkeras convert` writes a tfjs layers model that PLAIN TensorFlow.js (a child process that
 * imports only tfjs-core, tfjs-layers and the cpu backend) loads and that predicts what the
 * SavedModel predicts: savedkeras' own load of the fixture, or the float64 reference of a generated model.
 */

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'plain-tfjs-predict.mjs');
interface Out {
  shape: number[];
  values: number[];
}

function plainPredict(modelJson: string, inputsFile: string, withPlugins = false): Promise<{ code: number; outs: Out[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [childScript, modelJson, inputsFile, ...(withPlugins ? ['--with-plugins'] : [])], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, outs: err ? [] : (JSON.parse(stdout) as Out[]), stderr });
    });
  });
}

/** Deterministic inputs for every model input: floats in [-1, 1), or 0/1 for integer inputs. */
function inputsFor(shapes: (number | null)[][], dtypes: string[], batch = 3): { shape: number[]; dtype: string; values: number[] }[] {
  return shapes.map((s, k) => {
    const shape = s.map((d, i) => (i === 0 ? batch : (d ?? 32)));
    const n = shape.reduce((a, d) => a * d, 1);
    const int = dtypes[k] === 'int32';
    const values = Array.from({ length: n }, (_, i) => (int ? (i * 7 + k) % 2 : Math.sin(i * 12.9898 + k * 78.233)));
    return { shape, dtype: int ? 'int32' : 'float32', values };
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let tmp: string;
beforeAll(async () => {
  ensureBuilt();
  await tf.setBackend('cpu');
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-convert-test-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('convert a generated model', () => {
  // Functional, two inputs, a shared layer, Concatenate, Dropout, two outputs; the 1100x1000 kernel
  // (4.4 MB) makes the weights span two 4 MiB shards.
  const spec: ModelSpec = {
    kind: 'Functional',
    name: 'two_in',
    layers: [
      { className: 'InputLayer', name: 'a', shape: [550] },
      { className: 'InputLayer', name: 'b', shape: [550] },
      { className: 'Concatenate', name: 'cat', inbound: [['a', 'b']] },
      { className: 'Dense', name: 'wide', units: 1000, activation: 'tanh', inbound: [['cat']] },
      { className: 'Dropout', name: 'drop', rate: 0.3, inbound: [['wide']] },
      { className: 'Dense', name: 'head', units: 4, activation: 'softmax', inbound: [['drop']] },
      { className: 'Dense', name: 'score', units: 1, activation: 'sigmoid', inbound: [['wide']] },
    ],
    inputs: ['a', 'b'],
    outputs: ['head', 'score'],
    seed: 9,
  };

  it('writes model.json and 4 MiB shards named as tfjs names them; plain tfjs predicts the reference', async () => {
    const dir = path.join(tmp, 'gen');
    const out = path.join(tmp, 'gen-tfjs');
    await writeToDirectory(writeKerasSavedModel(spec), dir);
    const run = await runCli(['--backend', 'cpu', 'convert', dir, out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const res = JSON.parse(run.stdout) as { files: string[]; weightBytes: number; pluginClasses: string[]; maxAbsDiff: number };
    const weightBytes = (1100 * 1000 + 1000 + 1000 * 4 + 4 + 1000 + 1) * 4;
    expect(res.weightBytes).toBe(weightBytes);
    expect(res.files).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(statSync(path.join(out, 'group1-shard1of2.bin')).size).toBe(4 * 1024 * 1024);
    expect(statSync(path.join(out, 'group1-shard2of2.bin')).size).toBe(weightBytes - 4 * 1024 * 1024);
    expect(res.pluginClasses).toEqual([]);
    expect(res.maxAbsDiff).toBe(0);

    const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toBe('savedkeras');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(json.modelTopology.class_name).toBe('Model'); // tfjs' name for a functional model

    const inputs = inputsFor([[null, 550], [null, 550]], ['float32', 'float32']);
    const inputsFile = path.join(tmp, 'gen-inputs.json');
    await writeFile(inputsFile, JSON.stringify(inputs));
    const plain = await plainPredict(path.join(out, 'model.json'), inputsFile);
    expect(plain.code, plain.stderr).toBe(0);
    const ref = referencePredict(spec, inputs.map((x) => x.values));
    expect(plain.outs.map((o) => o.shape)).toEqual([ref.head.shape, ref.score.shape]);
    expect(maxDiff(plain.outs[0].values, ref.head.values)).toBeLessThan(1e-5);
    expect(maxDiff(plain.outs[1].values, ref.score.values)).toBeLessThan(1e-5);
  });

  it('refuses a non-empty output folder unless --force', async () => {
    const dir = path.join(tmp, 'small');
    const out = path.join(tmp, 'small-out');
    await writeToDirectory(writeKerasSavedModel({ kind: 'Sequential', input: { shape: [3] }, layers: [{ className: 'Dense', name: 'd', units: 2 }] }), dir);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'keep.txt'), 'x');
    const refused = await runCli(['--backend', 'cpu', 'convert', dir, out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty/);
    expect(existsSync(path.join(out, 'model.json'))).toBe(false);
    const forced = await runCli(['--backend', 'cpu', 'convert', dir, out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/tf\.loadLayersModel loads it and predicts the same/);
    expect(readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'keep.txt', 'model.json']);
  });
});

const manifest = loadManifest();
describe.skipIf(!manifest)('convert real fixtures', () => {
  /** Converts a fixture, runs plain tfjs on it and compares with savedkeras' own load of the SavedModel. */
  async function roundTrip(slug: string, withPlugins: boolean) {
    const out = path.join(tmp, slug);
    const run = await runCli(['--backend', 'cpu', 'convert', path.join(fixturesDir, slug), out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const res = JSON.parse(run.stdout) as { pluginClasses: string[]; maxAbsDiff: number | null };
    const model = await loadKerasModel(new NodeFileSource(path.join(fixturesDir, slug)), { warn: () => {} });
    try {
      const inputs = inputsFor(
        model.inputs.map((i) => i.shape),
        model.inputs.map((i) => i.dtype),
      );
      const inputsFile = path.join(tmp, `${slug}-inputs.json`);
      await writeFile(inputsFile, JSON.stringify(inputs));
      const plain = await plainPredict(path.join(out, 'model.json'), inputsFile, withPlugins);
      const xs = inputs.map((x) => tf.tensor(x.values, x.shape, x.dtype as tf.DataType));
      const want = model.predict(xs.length === 1 ? xs[0] : xs);
      const wants = Array.isArray(want) ? want : [want];
      return { res, plain, wants: wants.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })) };
    } finally {
      model.dispose();
    }
  }

  for (const slug of ['seq-mlp-coinflip-ref', 'legacy-tf22-large-2shard-lstm', 'legacy-tf23-cnn-gap-dynamic', 'legacy-tf23-cnn-compiled']) {
    it(`${slug}: plain tfjs loads the converted model and predicts what savedkeras predicts`, async () => {
      const { res, plain, wants } = await roundTrip(slug, false);
      expect(res.pluginClasses).toEqual([]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.outs.map((o) => o.shape)).toEqual(wants.map((w) => w.shape));
      plain.outs.forEach((o, i) => expect(maxDiff(o.values, wants[i].values)).toBeLessThan(1e-5));
    });
  }

  it('cnn-mnist-bn (L2 regularizers): model.json names @savedkeras/layers; plain tfjs cannot load it, with the import it predicts the same', async () => {
    const { res, plain, wants } = await roundTrip('cnn-mnist-bn', true);
    expect(res.pluginClasses).toContain('L2');
    const json = JSON.parse(readFileSync(path.join(tmp, 'cnn-mnist-bn', 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.savedkeras.requires).toEqual({ package: '@savedkeras/layers', classes: res.pluginClasses });
    expect(plain.code, plain.stderr).toBe(0);
    plain.outs.forEach((o, i) => expect(maxDiff(o.values, wants[i].values)).toBeLessThan(1e-5));
    const bare = await plainPredict(path.join(tmp, 'cnn-mnist-bn', 'model.json'), path.join(tmp, 'cnn-mnist-bn-inputs.json'), false);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/L2/);
  });

  it('seq-gru-coinflip (GRU with reset_after, a @savedkeras/layers class): loads with the import and predicts the same', async () => {
    const { res, plain, wants } = await roundTrip('seq-gru-coinflip', true);
    expect(res.pluginClasses).toContain('GRU');
    expect(plain.code, plain.stderr).toBe(0);
    plain.outs.forEach((o, i) => expect(maxDiff(o.values, wants[i].values)).toBeLessThan(1e-5));
  });

  it('a model that runs from saved functions is refused with UNSUPPORTED_FEATURE, exit 1 and no files', async () => {
    const out = path.join(tmp, 'argmax');
    const run = await runCli(['--backend', 'cpu', 'convert', path.join(fixturesDir, 'custom-argmax-nested-autoencoder-tf29'), out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\[UNSUPPORTED_FEATURE\].*cannot be expressed as a plain TensorFlow\.js layers model/);
    expect(run.stderr).toMatch(/Argmax/);
    expect(existsSync(path.join(out, 'model.json'))).toBe(false);
  });
});
