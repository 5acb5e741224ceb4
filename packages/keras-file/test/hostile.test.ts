import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@savedkeras/common';

// Hostile .keras / .h5 files (crafted ones and a seeded batch of mutants) loaded by a separate
// process through the built package, as a user's program would meet them: inspect, then load and
// predict. Every case must end in success or a typed SavedKerasError within seconds, with the
// process' peak memory bounded, and the same process must still load a good file correctly afterwards.
const here = dirname(fileURLToPath(import.meta.url));
const DATA = join(here, 'data');
const CHILD = join(here, 'support/hostile-child.mjs');
const DIST = join(here, '../dist/index.js');
const bytes = (name: string) => new Uint8Array(readFileSync(join(DATA, name)));

/** Limits the cases must stay within (a healthy load of these small files takes ~100 ms and ~250 MB). */
const MAX_CASE_MS = 5_000;
const MAX_RSS_MB = 1_200;
const HANG_MS = 30_000;

interface Case {
  name: string;
  bytes: Uint8Array;
  /** The error code it must give (crafted cases); mutants may also load. */
  code?: string;
  message?: RegExp;
}
interface Line {
  i: number;
  kind: 'ok' | 'typed' | 'untyped';
  code?: string;
  message?: string;
  stack?: string;
  ms: number;
  maxRssMb: number;
  tensors: number;
}

// ---------------------------------------------------------------- crafted zips

/** Byte offsets of every local header and central-directory entry whose file name is `name`. */
function headersOf(zip: Uint8Array, name: string): { local: number[]; central: number[] } {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const want = strToU8(name);
  const is = (at: number) => want.every((b, k) => zip[at + k] === b) && zip.length > at + want.length;
  const local: number[] = [];
  const central: number[] = [];
  for (let i = 0; i + 46 < zip.length; i++) {
    const sig = dv.getUint32(i, true);
    if (sig === 0x04034b50 && dv.getUint16(i + 26, true) === want.length && is(i + 30)) local.push(i);
    if (sig === 0x02014b50 && dv.getUint16(i + 28, true) === want.length && is(i + 46)) central.push(i);
  }
  return { local, central };
}

/** Sets an entry's declared uncompressed size (local header +22, central directory +24), or its method (+8 / +10). */
function patch(zip: Uint8Array, name: string, edit: { originalSize?: number; method?: number }): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  const { local, central } = headersOf(out, name);
  expect(local.length + central.length, `headers of ${name}`).toBe(2);
  for (const at of local) {
    if (edit.originalSize !== undefined) dv.setUint32(at + 22, edit.originalSize, true);
    if (edit.method !== undefined) dv.setUint16(at + 8, edit.method, true);
  }
  for (const at of central) {
    if (edit.originalSize !== undefined) dv.setUint32(at + 24, edit.originalSize, true);
    if (edit.method !== undefined) dv.setUint16(at + 10, edit.method, true);
  }
  return out;
}

function craftedCases(): Case[] {
  const keras = bytes('seq-mlp.keras');
  const parts = unzipSync(keras);
  const rezip = (files: Record<string, Uint8Array | [Uint8Array, { level: 0 | 9 }]>) => zipSync(files as Parameters<typeof zipSync>[0], { level: 0 });
  const zeros = new Uint8Array(8 << 20);
  const bomb = rezip({ 'config.json': parts['config.json']!, 'metadata.json': parts['metadata.json']!, 'model.weights.h5': [zeros, { level: 9 }] });
  const many: Record<string, Uint8Array> = { 'config.json': parts['config.json']!, 'model.weights.h5': parts['model.weights.h5']! };
  for (let i = 0; i < 10_001; i++) many[`assets/x${i}`] = new Uint8Array(0);
  const withWeights = (w: Uint8Array) => rezip({ 'config.json': parts['config.json']!, 'metadata.json': parts['metadata.json']!, 'model.weights.h5': w });
  const h5 = bytes('seq-mlp.h5');
  return [
    { name: 'zip bomb: 8 MiB of zeros deflated ~1000:1', bytes: bomb, code: 'LIMIT', message: /zip bomb/ },
    { name: 'zip bomb whose declared size lies (1000 bytes)', bytes: patch(bomb, 'model.weights.h5', { originalSize: 1000 }), code: 'FORMAT', message: /claims to inflate to only 1000/ },
    { name: 'stored entry whose declared size lies', bytes: patch(keras, 'model.weights.h5', { originalSize: 12 }), code: 'FORMAT', message: /stored zip entry model\.weights\.h5/ },
    { name: 'config.json claiming 1 GiB', bytes: patch(keras, 'config.json', { originalSize: 1 << 30 }), code: 'LIMIT', message: /config\.json claims/ },
    { name: 'unknown compression method (bzip2)', bytes: patch(keras, 'model.weights.h5', { method: 12 }), code: 'UNSUPPORTED_FEATURE', message: /compression method 12/ },
    { name: '10,001 zip entries', bytes: rezip(many), code: 'LIMIT', message: /more than 10000 entries/ },
    { name: 'asset path leaving the archive (assets/../../evil)', bytes: rezip({ ...parts, 'assets/../../evil.txt': strToU8('x') }), code: 'PATH_ESCAPE' },
    { name: 'zip without config.json', bytes: rezip({ 'model.weights.h5': parts['model.weights.h5']! }), code: 'FORMAT', message: /no config\.json/ },
    { name: 'config.json that is not JSON', bytes: rezip({ ...parts, 'config.json': strToU8('{"class_name": "Sequ') }), code: 'FORMAT', message: /not valid JSON/ },
    { name: 'config.json nested 100,000 levels deep', bytes: rezip({ ...parts, 'config.json': strToU8('['.repeat(100_000) + ']'.repeat(100_000)) }), code: 'FORMAT' },
    { name: '.keras truncated to half', bytes: keras.slice(0, keras.length >> 1), code: 'FORMAT' },
    { name: '.keras truncated to its first 40 bytes', bytes: keras.slice(0, 40), code: 'FORMAT' },
    { name: '.h5 truncated to half', bytes: h5.slice(0, h5.length >> 1), code: 'FORMAT' },
    { name: '.h5 signature then garbage', bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i < 8 ? [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a][i]! : (i * 131) & 0xff)), code: 'FORMAT' },
    { name: 'HDF5 dataset claiming [2^20, 2^20] float32', bytes: bytes('hostile/huge-shape.h5'), code: 'LIMIT', message: /\[1048576, 1048576\]/ },
    { name: 'HDF5 dataset whose shape is 4x the layer kernel', bytes: bytes('hostile/shape-lie.h5'), code: 'FORMAT', message: /\[5, 8\] in the layer but \[20, 8\] in the file/ },
    { name: 'kernel stored as strings (dtype lie)', bytes: bytes('hostile/string-weight.h5'), code: 'UNSUPPORTED_FEATURE', message: /dtype/ },
    { name: 'kernel stored as a compound type (jsfive cannot even describe it)', bytes: bytes('hostile/compound-weight.h5'), code: 'FORMAT', message: /Compound/ },
    { name: 'kernel listed in weight_names but missing', bytes: bytes('hostile/missing-weight.h5'), code: 'FORMAT', message: /hidden\/kernel/ },
    { name: '.h5 without model_config (weights only)', bytes: bytes('hostile/no-config.h5'), code: 'UNSUPPORTED_FEATURE', message: /model_config/ },
    { name: 'model.weights.h5 whose layer group links back to its parent (a cycle)', bytes: withWeights(bytes('hostile/cycle.weights.h5')), code: 'FORMAT', message: /linked more than once/ },
    { name: 'model.weights.h5 with 40 nested groups under a layer', bytes: withWeights(bytes('hostile/deep.weights.h5')), code: 'LIMIT', message: /nested deeper than 32/ },
  ];
}

// ---------------------------------------------------------------- seeded mutants

/** Byte-level mutants of small Keras files: bit flips, overwritten runs, truncations, and mutated weight files re-zipped. */
function mutants(seed: number, count: number): Case[] {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const bases = ['seq-mlp.keras', 'seq-mlp.h5', 'lstm.keras', 'func-cnn.h5', 'keras2-mlp.h5', 'f16-dense.keras'].map((n) => ({ n, b: bytes(n) }));
  const out: Case[] = [];
  for (let k = 0; k < count; k++) {
    const { n, b } = bases[k % bases.length]!;
    const op = int(4);
    let m: Uint8Array;
    let what: string;
    // .keras files: mutate inside the weights file, which stored entries put at a fixed offset of the zip.
    const inner = n.endsWith('.keras') && op === 3 ? unzipSync(b) : undefined;
    const target = inner ? inner['model.weights.h5']! : b;
    if (op === 0 || op === 3) {
      m = target.slice();
      const flips = 1 + int(8);
      for (let j = 0; j < flips; j++) m[int(m.length)]! ^= 1 << int(8);
      what = `${flips} bit flips${inner ? ' in model.weights.h5' : ''}`;
    } else if (op === 1) {
      m = target.slice();
      const at = int(m.length);
      const len = 1 + int(64);
      const v = [0x00, 0xff, 0x7f, int(256)][int(4)]!;
      m.fill(v, at, at + len);
      what = `${len} bytes at ${at} set to ${v}`;
    } else {
      const at = int(target.length);
      m = target.slice(0, at);
      what = `truncated to ${at} bytes`;
    }
    if (inner) m = zipSync({ ...inner, 'model.weights.h5': m }, { level: 0 });
    out.push({ name: `mutant ${k}: ${n}, ${what}`, bytes: m });
  }
  return out;
}

// ---------------------------------------------------------------- the child run

let tmp: string;
let lines: Line[] = [];
let healthy: { healthy: number[]; maxRssMb: number } | undefined;
let hang: string | undefined;
const crafted = craftedCases();
const SEED = 20261203;
const batch = mutants(SEED, 240);
const all = [...crafted, ...batch];

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: build @savedkeras/keras-file first (pnpm build)`);
  tmp = mkdtempSync(join(tmpdir(), 'savedkeras-hostile-keras-'));
  const list = all.map((c, i) => {
    const file = join(tmp, `case-${i}`);
    writeFileSync(file, c.bytes);
    return { file, name: c.name.includes('.h5') ? 'case.h5' : 'case.keras' };
  });
  const exp = JSON.parse(readFileSync(join(DATA, 'seq-mlp.expected.json'), 'utf8')) as { cases: { inputs: { features: { shape: number[]; value: number[][] } }; outputs: { probs: { value: number[][] } } }[] };
  writeFileSync(join(tmp, 'list.json'), JSON.stringify({ cases: list, healthy: { file: join(DATA, 'seq-mlp.keras'), input: exp.cases[0]!.inputs.features } }));
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=768', CHILD, join(tmp, 'list.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let stderr = '';
    let timer = setTimeout(() => kill(), HANG_MS);
    const kill = () => {
      hang = `no answer within ${HANG_MS} ms after case ${lines.length} (${all[lines.length]?.name}); stderr: ${stderr.slice(-500)}`;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as Line & { healthy?: number[] };
        buf = buf.slice(nl + 1);
        if (line.healthy) healthy = line as unknown as typeof healthy;
        else lines.push(line);
        clearTimeout(timer);
        timer = setTimeout(() => kill(), HANG_MS);
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', () => {
      clearTimeout(timer);
      if (!healthy && !hang) hang = `the child ended early after ${lines.length} cases: ${stderr.slice(-1500)}`;
      resolve();
    });
  });
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hostile .keras / .h5 files', () => {
  it('every case ran to an end (no hang, no crash of the process)', () => {
    expect(hang).toBeUndefined();
    expect(lines).toHaveLength(all.length);
  });

  crafted.forEach((c, i) => {
    it(`${c.name}: a typed ${c.code} error`, () => {
      const l = lines[i]!;
      expect(l, 'ran').toBeDefined();
      expect({ kind: l.kind, code: l.code }, `${l.message}\n${l.stack ?? ''}`).toEqual({ kind: 'typed', code: c.code });
      if (c.message) expect(l.message).toMatch(c.message);
      expect(l.ms).toBeLessThan(MAX_CASE_MS);
    });
  });

  it(`a batch of ${batch.length} seeded mutants (seed ${SEED}): each loads or gives a typed error, within seconds`, () => {
    const results = lines.slice(crafted.length);
    const untyped = results.filter((l) => l.kind === 'untyped').map((l) => `${all[l.i]!.name}: ${l.message}\n${l.stack}`);
    expect(untyped).toEqual([]);
    const slow = results.filter((l) => l.ms >= MAX_CASE_MS).map((l) => `${all[l.i]!.name}: ${l.ms} ms`);
    expect(slow).toEqual([]);
    // Mutants hit zip and HDF5 structure as well as weight bytes (which load: Keras files carry no checksums).
    expect(results.filter((l) => l.kind === 'typed').length).toBeGreaterThan(batch.length / 4);
  });

  it('memory stays bounded and nothing leaks: peak RSS under the bound, no tensors left behind', () => {
    const mutantsTyped = lines.slice(crafted.length).filter((l) => l.kind === 'typed').length;
    console.info(
      `[hostile] ${lines.length} cases (${crafted.length} crafted, ${batch.length} mutants: ${mutantsTyped} typed errors, ${batch.length - mutantsTyped} loaded); ` +
        `slowest ${Math.max(...lines.map((l) => l.ms))} ms; peak RSS ${Math.max(...lines.map((l) => l.maxRssMb))} MB`,
    );
    expect(Math.max(...lines.map((l) => l.maxRssMb))).toBeLessThan(MAX_RSS_MB);
    const leaking = lines.filter((l) => l.tensors > 0).map((l) => `${all[l.i]!.name}: ${l.tensors} tensors`);
    expect(leaking).toEqual([]);
  });

  it('the process is healthy afterwards: a good file still gives Keras\' predictions', () => {
    const exp = JSON.parse(readFileSync(join(DATA, 'seq-mlp.expected.json'), 'utf8')) as { cases: { outputs: { probs: { value: number[][] } } }[] };
    const want = exp.cases[0]!.outputs.probs.value.flat();
    expect(healthy).toBeDefined();
    healthy!.healthy.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
  });
});
