import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';
import { ensureBuilt, pool, repoRoot, runCli, type CliRun } from './helpers.js';

/**
 * The CLI on Keras model files, run as the built binary in a child process: `inspect`, `summary`,
 * `predict`, `convert` and `check` on `.keras` and `.h5` files (Keras 3, and a tf.keras 2 layout),
 * generated small ones (packages/keras-file/test/data, made by Keras 3 and by NumPy) and the real
 * fixtures of ../shared/fixtures/keras-files when present. What the commands print is held against
 * references computed here without savedkeras: the config as JSON, every dataset read with h5wasm
 * (the HDF5 C library) and hashed with node:crypto, Keras' predictions in the expected files, and a
 * plain tfjs load of what `convert` wrote.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(repoRoot, 'packages/keras-file/test/data');
const FIXTURES = fixturesPath('keras-files');

interface TensorJson {
  dtype: string;
  shape: number[];
  value: unknown;
}
interface Case {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  tolerance?: number;
}
interface KerasFile {
  /** Label in test names. */
  id: string;
  file: string;
  expected: string;
  /** Needs a JS class the CLI does not have (demo>ScaledDense): every command must name it in a typed error. */
  custom?: string;
}

const generated: KerasFile[] = [
  ...['seq-mlp', 'func-cnn', 'lstm'].flatMap((s) => ['keras', 'h5'].map((ext) => ({ id: `${s}.${ext}`, file: path.join(DATA, `${s}.${ext}`), expected: path.join(DATA, `${s}.expected.json`) }))),
  { id: 'keras2-mlp.h5 (tf.keras 2 layout)', file: path.join(DATA, 'keras2-mlp.h5'), expected: path.join(DATA, 'keras2-mlp.expected.json') },
];

function fixtureFiles(): KerasFile[] {
  if (!requireFixtures('cli on Keras fixture files', 'keras-files')) return [];
  return readdirSync(FIXTURES)
    .filter((slug) => existsSync(path.join(FIXTURES, slug, 'reference/expected.json')))
    .sort()
    .flatMap((slug) =>
      ['model.keras', 'model.h5']
        .filter((f) => existsSync(path.join(FIXTURES, slug, f)))
        .map((f) => ({
          id: `${slug}/${f}`,
          file: path.join(FIXTURES, slug, f),
          expected: path.join(FIXTURES, slug, 'reference/expected.json'),
          ...(slug === 'custom-layer-scaled-dense' ? { custom: 'demo>ScaledDense' } : {}),
        })),
    );
}
const fixtures = fixtureFiles();
const all = [...generated, ...fixtures];

// ---------------------------------------------------------------- the independent reference

interface Dataset {
  path: string;
  dtype: string;
  shape: number[];
  /** sha256 of the stored bytes (null for float16, which h5wasm cannot hand out). */
  sha256: string | null;
  size: number;
}
interface Reference {
  format: 'keras-zip' | 'hdf5';
  kerasVersion: string;
  /** Every layer of the config, nested ones as outer/inner, with the class (registered name for custom ones). */
  layers: { path: string; className: string }[];
  topLayers: string[];
  datasets: Dataset[];
}

let h5counter = 0;
async function h5Datasets(bytes: Uint8Array): Promise<{ datasets: Dataset[]; attrs: Record<string, unknown> }> {
  const { FS } = await h5wasm.ready;
  const name = `/ref-${h5counter++}.h5`;
  FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  try {
    const datasets: Dataset[] = [];
    const walk = (g: h5wasm.Group, prefix: string) => {
      for (const k of g.keys()) {
        const o = g.get(k);
        const p = prefix ? `${prefix}/${k}` : k;
        if (o instanceof h5wasm.Group) walk(o, p);
        else if (o instanceof h5wasm.Dataset) {
          const m = o.metadata as { type: number; size: number; signed: boolean };
          const dtype = m.type === 1 ? `float${m.size * 8}` : m.type === 0 ? `${m.signed ? 'int' : 'uint'}${m.size * 8}` : `type${m.type}`;
          const shape = [...(o.shape ?? [])];
          let sha256: string | null = null;
          if (dtype !== 'float16') {
            // Scalars (an optimizer's iteration count) come back as numbers: hashed as one element of their type.
            const raw = o.value as unknown;
            const v = ArrayBuffer.isView(raw) ? raw : scalarBytes(raw as number | bigint, dtype);
            sha256 = createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
          }
          datasets.push({ path: p, dtype, shape, sha256, size: shape.reduce((a, b) => a * b, 1) });
        }
      }
    };
    walk(f, '');
    const attrs = Object.fromEntries(Object.entries(f.attrs).map(([k, a]) => [k, (a as { value: unknown }).value]));
    return { datasets, attrs };
  } finally {
    f.close();
    FS.unlink(name);
  }
}

function scalarBytes(v: number | bigint, dtype: string): ArrayBufferView {
  switch (dtype) {
    case 'int64':
      return BigInt64Array.of(BigInt(v));
    case 'uint64':
      return BigUint64Array.of(BigInt(v));
    case 'float64':
      return Float64Array.of(Number(v));
    case 'float32':
      return Float32Array.of(Number(v));
    case 'int32':
      return Int32Array.of(Number(v));
    default:
      throw new Error(`no scalar reference for ${dtype}`);
  }
}

function configLayers(config: Record<string, unknown>): { layers: Reference['layers']; top: string[] } {
  const layers: Reference['layers'] = [];
  const walk = (entry: Record<string, unknown>, prefix: string) => {
    const cfg = (entry['config'] ?? {}) as Record<string, unknown>;
    for (const l of (cfg['layers'] ?? []) as Record<string, unknown>[]) {
      const lc = (l['config'] ?? {}) as Record<string, unknown>;
      const name = String(l['name'] ?? lc['name']);
      const reg = l['registered_name'];
      layers.push({ path: prefix ? `${prefix}/${name}` : name, className: typeof reg === 'string' && reg.includes('>') ? reg : String(l['class_name']) });
      if (Array.isArray(lc['layers'])) walk(l, prefix ? `${prefix}/${name}` : name);
    }
  };
  walk(config, '');
  // Keras' own summary lists a Functional model's InputLayers and omits a Sequential's.
  const sequential = config['class_name'] === 'Sequential';
  const top = ((((config['config'] ?? {}) as Record<string, unknown>)['layers'] ?? []) as Record<string, unknown>[])
    .filter((l) => !sequential || l['class_name'] !== 'InputLayer')
    .map((l) => String(l['name'] ?? ((l['config'] ?? {}) as Record<string, unknown>)['name']));
  return { layers, top };
}

async function reference(file: string): Promise<Reference> {
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const zip = unzipSync(bytes);
    const config = JSON.parse(new TextDecoder().decode(zip['config.json'])) as Record<string, unknown>;
    const meta = JSON.parse(new TextDecoder().decode(zip['metadata.json'])) as { keras_version: string };
    const { layers, top } = configLayers(config);
    return { format: 'keras-zip', kerasVersion: meta.keras_version, layers, topLayers: top, datasets: (await h5Datasets(zip['model.weights.h5']!)).datasets };
  }
  const { datasets, attrs } = await h5Datasets(bytes);
  const { layers, top } = configLayers(JSON.parse(String(attrs['model_config'])) as Record<string, unknown>);
  return { format: 'hdf5', kerasVersion: String(attrs['keras_version']), layers, topLayers: top, datasets };
}

const cases = (f: KerasFile) => (JSON.parse(readFileSync(f.expected, 'utf8')) as { cases: Case[] }).cases;
const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flat(Infinity as 1).map(Number) : [Number(v)]);
function relError(got: number[], want: number[]): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return worst;
}

// ---------------------------------------------------------------- runs

let tmp: string;
const runs = new Map<string, CliRun>();
const refs = new Map<string, Reference>();
const key = (cmd: string, f: KerasFile) => `${cmd} ${f.id}`;
/** A few files converted and loaded by plain tfjs: every kind of generated file and a spread of fixtures. */
const CONVERTED = new Set(['seq-mlp.keras', 'func-cnn.h5', 'lstm.keras', 'keras2-mlp.h5 (tf.keras 2 layout)', 'merge-multi-io/model.keras', 'rnn-bigru-timedistributed/model.h5', 'cnn2d-bn-pool-rmsprop/model.keras']);

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-keras-files-'));
  for (const f of all) refs.set(f.id, await reference(f.file));
  const jobs: (() => Promise<void>)[] = [];
  // Tables are as wide as the terminal ($COLUMNS, else 80, wrapping long names): a wide one, so the
  // weight paths asserted below stay on one line whatever terminal (or none, in CI) runs the tests.
  const job = (cmd: string, f: KerasFile, args: string[]) => jobs.push(async () => void runs.set(key(cmd, f), await runCli(args, { COLUMNS: '300' })));
  for (const [i, f] of all.entries()) {
    job('inspect', f, ['inspect', '--json', f.file]);
    if (generated.includes(f)) job('inspect-text', f, ['inspect', f.file]);
    job('summary', f, ['summary', '--json', f.file]);
    job('predict', f, ['predict', '--json', '--input', f.expected, f.file]);
    // check loads the model twice: every generated file and every fixture's .keras (its .h5 twin holds the same model).
    if (generated.includes(f) || f.file.endsWith('.keras')) job('check', f, ['check', '--json', '--expected', f.expected, f.file]);
    if (CONVERTED.has(f.id)) job('convert', f, ['convert', '--json', f.file, path.join(tmp, `converted-${i}`)]);
  }
  await pool(jobs, 2);
}, 900_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const ok = (r: CliRun | undefined) => {
  expect(r, 'the command ran').toBeDefined();
  expect(r!.code, r!.stderr).toBe(0);
  return r!;
};

describe.each(all)('savedkeras on $id', (f) => {
  if (!f.custom) it('inspect --json: versions, the layers of the config, every dataset with dtype, shape and the sha256 of its bytes', () => {
    const ref = refs.get(f.id)!;
    const r = JSON.parse(ok(runs.get(key('inspect', f))).stdout) as {
      format: string;
      kerasVersion: string;
      objects: { path: string; className: string }[];
      variables: { name: string; dtype: string; shape: number[]; sha256: string }[];
    };
    expect(r.format).toBe(ref.format);
    expect(r.kerasVersion).toBe(ref.kerasVersion);
    expect(r.objects.slice(1).map((o) => ({ path: o.path.replace(/^root\./, '').split('.').join('/'), className: o.className }))).toEqual(ref.layers);
    const byPath = new Map(r.variables.map((v) => [v.name, v]));
    expect([...byPath.keys()].sort()).toEqual(ref.datasets.map((d) => d.path).sort());
    for (const d of ref.datasets) {
      const v = byPath.get(d.path)!;
      expect({ dtype: v.dtype, shape: v.shape }, d.path).toEqual({ dtype: d.dtype, shape: d.shape });
      if (d.sha256) expect(v.sha256, d.path).toBe(d.sha256);
    }
  });

  if (generated.includes(f)) it('inspect: a readable report naming the format, every layer and every weight', () => {
    const out = ok(runs.get(key('inspect-text', f))).stdout;
    const ref = refs.get(f.id)!;
    expect(out).toContain(ref.format === 'keras-zip' ? 'Keras .keras file' : 'Keras .h5 file');
    expect(out).toContain(`Keras ${ref.kerasVersion}`);
    for (const l of ref.layers) expect(out).toContain(l.path.split('/').pop()!);
    for (const d of ref.datasets) expect(out).toContain(d.path);
  });

  if (!f.custom) it("summary --json: the config's top-level layers, and as many parameters as the file stores model weights", () => {
    const ref = refs.get(f.id)!;
    const r = JSON.parse(ok(runs.get(key('summary', f))).stdout) as { layers: { name: string; className: string; params: number }[]; totals: { total: number } };
    expect(r.layers.map((l) => l.name)).toEqual(ref.topLayers);
    const stored = ref.datasets.filter((d) => !/^optimizer/.test(d.path)).reduce((a, d) => a + d.size, 0);
    expect(r.totals.total).toBe(stored);
  });

  if (!f.custom) it("predict --json: Keras' outputs of every case of the expected file", () => {
    const got = JSON.parse(ok(runs.get(key('predict', f))).stdout) as Record<string, TensorJson>[];
    const want = cases(f);
    expect(got).toHaveLength(want.length);
    want.forEach((c, i) => {
      for (const [name, w] of Object.entries(c.outputs)) {
        expect(got[i]![name]?.shape, `case ${i} ${name}`).toEqual(w.shape);
        expect(relError(flat(got[i]![name]!.value), flat(w.value)), `case ${i} ${name}`).toBeLessThanOrEqual(c.tolerance ?? 1e-4);
      }
    });
  });

  if (!f.custom && (generated.includes(f) || f.file.endsWith('.keras'))) it('check --expected: the model on the default backend agrees with itself on cpu and with every expected case', () => {
    const r = JSON.parse(ok(runs.get(key('check', f))).stdout) as { ok: boolean; kind: string; backend: string; referenceBackend: string; outputs: { name: string; expectedCase?: number; ok: boolean }[] };
    expect(r).toMatchObject({ ok: true, kind: 'keras-file', referenceBackend: 'cpu' });
    const outputsPerCase = Object.keys(cases(f)[0]!.outputs).length;
    expect(r.outputs.filter((o) => o.expectedCase === undefined)).toHaveLength(outputsPerCase);
    expect(r.outputs.filter((o) => o.expectedCase !== undefined)).toHaveLength(outputsPerCase * cases(f).length);
  });

  if (f.custom) it('every command names the custom class it lacks, in a typed error', () => {
    for (const cmd of ['summary', 'predict', 'check'].filter((c) => runs.has(key(c, f)))) {
      const r = runs.get(key(cmd, f))!;
      expect(r.code, cmd).not.toBe(0);
      expect(r.stderr, cmd).toContain(f.custom);
      expect(r.stderr, cmd).toMatch(/UNSUPPORTED_LAYER|Unknown layer/);
    }
    // inspect reads the file without building the model: it lists the custom layer by its registered name.
    const r = JSON.parse(ok(runs.get(key('inspect', f))).stdout) as { objects: { className: string }[] };
    expect(r.objects.map((o) => o.className)).toContain(f.custom);
  });

  if (CONVERTED.has(f.id)) it('convert: plain tfjs loads the written model.json and gives the expected outputs', async () => {
    const r = JSON.parse(ok(runs.get(key('convert', f))).stdout) as { pluginClasses: string[] };
    const i = all.indexOf(f);
    const modelJson = path.join(tmp, `converted-${i}`, 'model.json');
    expect(existsSync(modelJson), JSON.stringify(r)).toBe(true);
    const topology = (JSON.parse(await readFile(modelJson, 'utf8')) as { modelTopology: { model_config?: { class_name: string; config: Record<string, unknown> }; class_name?: string; config?: Record<string, unknown> } }).modelTopology;
    const mc = topology.model_config ?? (topology as { class_name: string; config: Record<string, unknown> });
    const inputNames =
      mc.class_name === 'Sequential'
        ? [Object.keys(cases(f)[0]!.inputs)[0]!]
        : ((mc.config['input_layers'] ?? []) as [string][]).map((x) => x[0]);
    const plugins = r.pluginClasses.length > 0;
    for (const [k, c] of cases(f).entries()) {
      const inputsFile = path.join(tmp, `inputs-${i}-${k}.json`);
      await writeFile(inputsFile, JSON.stringify(inputNames.map((n) => ({ shape: c.inputs[n]!.shape, dtype: c.inputs[n]!.dtype, values: flat(c.inputs[n]!.value) }))));
      const out = await plainPredict(modelJson, inputsFile, plugins);
      expect(out.code, out.stderr).toBe(0);
      Object.values(c.outputs).forEach((w, j) => expect(relError(out.outs[j]!.values, flat(w.value)), `case ${k} output ${j}`).toBeLessThanOrEqual(c.tolerance ?? 1e-4));
    }
  });
});

function plainPredict(modelJson: string, inputsFile: string, withPlugins: boolean): Promise<{ code: number; outs: { values: number[] }[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(here, 'plain-tfjs-predict.mjs'), modelJson, inputsFile, ...(withPlugins ? ['--with-plugins'] : [])], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, outs: err ? [] : (JSON.parse(stdout) as { values: number[] }[]), stderr });
    });
  });
}

describe('check on a Keras file catches what is wrong', () => {
  const wrongKernel = { NODE_OPTIONS: `--import=${pathToFileURL(path.join(here, 'support/wrong-wasm-softmax.mjs')).href}` };
  const seq = generated[0]!;

  it('a wrong wasm kernel: the outputs differ from the same file on cpu and from Keras (exit 1, both named)', async () => {
    const r = await runCli(['check', '--json', '--backend', 'wasm', '--expected', seq.expected, seq.file], wrongKernel);
    expect(r.code, r.stderr).toBe(1);
    const res = JSON.parse(r.stdout) as { ok: boolean; problems: string[] };
    expect(res.ok).toBe(false);
    expect(res.problems.some((p) => p.startsWith('against the reference backend: probs'))).toBe(true);
    expect(res.problems.some((p) => p.startsWith('against expected case 0: probs'))).toBe(true);
    expect(r.stderr).toMatch(/check failed/);
  });

  it('outputs that are not what Keras gave fail against the expected case only', async () => {
    const doc = JSON.parse(readFileSync(seq.expected, 'utf8')) as { cases: Case[] };
    const c = doc.cases[0]!;
    const w = Object.values(c.outputs)[0]!;
    (w.value as number[][])[0]![0]! += 0.01;
    const file = path.join(tmp, 'tampered-expected.json');
    await writeFile(file, JSON.stringify({ cases: [c] }));
    const r = await runCli(['check', '--json', '--expected', file, seq.file]);
    expect(r.code).toBe(1);
    const res = JSON.parse(r.stdout) as { problems: string[]; outputs: { expectedCase?: number; ok: boolean }[] };
    expect(res.outputs.filter((o) => !o.ok).map((o) => o.expectedCase)).toEqual([0]);
    expect(res.problems).toHaveLength(1);
  });

  it('--layers and --expected are refused where they do not apply, with typed errors', async () => {
    const a = await runCli(['check', '--layers', seq.file]);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/UNSUPPORTED_FEATURE/);
    const bad = path.join(tmp, 'no-cases.json');
    await writeFile(bad, '{"cases": []}');
    const b = await runCli(['check', '--expected', bad, seq.file]);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/INPUT_MISMATCH[\s\S]*no cases/);
  });
});
