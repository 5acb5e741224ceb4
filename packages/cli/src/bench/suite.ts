import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './measure.js';
import { GENERATED_BENCH_MODELS } from './generated-models.js';
import { judgeRun, previousBaseline, timeReference, type MachineReference, type ReferenceCheckpoint, type RowReference } from './machine-reference.js';
import { renderResultsMarkdown } from './markdown.js';
import { ratio } from './stats.js';
import { findTfPython, timeInTensorFlow, type TfTiming } from './tf-timing.js';

/**
 * Real fixtures of different kinds (MLP, LSTM in two shards, CNN with batch norm, U-Net, embeddings, TimeDistributed
 * conv+LSTM, multi-input memory network, custom attention, subclassed GRU, a SELU conv encoder, an upsampling conv
 * decoder, a Conv2DTranspose GAN generator).
 */
const BENCH_FIXTURES = [
  'seq-mlp-coinflip-ref',
  'legacy-tf22-large-2shard-lstm',
  'cnn-mnist-bn',
  'unet-denoise-autoencoder',
  'seq-embedding-flatten-spam-tf25',
  'timedistributed-lrcn-video-tf27',
  'memnet-babi-multi-input',
  'attention-custom-transformer-encoder',
  'subclassed-gru-generator-emptyconfig',
  'legacy-tf23-cnn-encoder',
  'legacy-tf23-upsampling-decoder',
  'cgan-generator-multiply-tf215',
];

/**
 * Threaded XNNPACK (`--threads 2`: backend-node/src/wasm-threads.ts; the CLI's default, opt-in for library users)
 * is measured as a third backend on the convolution models, where it is meant to help; the `wasm` rows run
 * single-threaded (`--threads 1`), as a library user gets it by default.
 */
const WASM_THREADS_BACKEND = 'wasm-2threads';
const THREADED_MODELS = [
  'cnn-mnist-bn',
  'unet-denoise-autoencoder',
  'timedistributed-lrcn-video-tf27',
  'generated-cnn-50mb',
  'legacy-tf23-cnn-encoder',
  'legacy-tf23-upsampling-decoder',
  'cgan-generator-multiply-tf215',
];

/**
 * The convolution models (issue 15: convolutions <= 2x TensorFlow CPU on the default backend) are also run in
 * TensorFlow after their wasm rows, with the same thread count: `wasm` against one TensorFlow thread, `wasm-2threads`
 * against TensorFlow's default (one thread per core), when a Python with TensorFlow is found (tf-timing.ts).
 */
const TF_COMPARED_MODELS = THREADED_MODELS;
const TF_THREADS: Record<string, number> = { wasm: 1, [WASM_THREADS_BACKEND]: 0 };

/** A table row: the CLI's numbers, and TensorFlow's on the rows compared with it (tfRatio undefined: not compared; null: not measured). */
export type SuiteRow = BenchResult & { tfPredictMs?: number | null; tfRatio?: number | null; tf?: TfTiming; reference?: RowReference };

/**
 * Rows left out by default, with the reason (written under the table): the U-Net and the video model
 * on plain-JS cpu take minutes per batch, too much of the suite's ~15 minutes on 2 cores.
 */
const SKIPPED_ROWS: { model: string; backend: string; reason: string }[] = [
  { model: 'unet-denoise-autoencoder', backend: 'cpu', reason: 'left out: one predict of a batch of 8 takes minutes on the plain-JS cpu backend (wasm and tfjs-node are the backends for it)' },
  { model: 'timedistributed-lrcn-video-tf27', backend: 'cpu', reason: 'left out: one predict of a batch of 8 videos takes ~14 s of CPU on the plain-JS cpu backend (8 calls would be 2 of the suite\'s 15 minutes)' },
];

export interface SuiteOptions {
  repoRoot: string;
  /** Backends to run every model on (default: wasm, the one `savedkeras` picks without tfjs-node, and cpu; `wasm-2threads` on THREADED_MODELS). */
  backends?: string[];
  runs?: number;
  /** Only models whose name contains one of these. */
  only?: string[];
  /** Where results go (default <repoRoot>/bench/results.json and <repoRoot>/docs/benchmarks.md). */
  resultsFile?: string;
  docsFile?: string;
  note?: (message: string) => void;
  /** Python with TensorFlow for the tfRatio rows (default: findTfPython; null: none). */
  tfPython?: string | null;
}

interface SuiteModel {
  name: string;
  source: 'fixture' | 'generated';
  description: string;
}

export interface SuiteResults {
  date: string;
  /** loadAverage: the 1-minute load average when the suite started and ended (other processes share the cores). */
  /** reference: the machine's own speed while the suite ran (machine-reference.ts). */
  machine: { cpu: string; cores: number; memoryBytes: number; os: string; node: string; loadAverage?: [number, number]; reference?: MachineReference };
  runs: number;
  models: SuiteModel[];
  results: (SuiteRow | { model: string; backend: string; error: string })[];
  /** Rows not run, with why. */
  skipped?: { model: string; backend: string; reason: string }[];
  /** Wall-clock seconds the suite took. */
  seconds?: number;
  /** Notes on the whole suite (written under the table). */
  notes?: string[];
  /** Rows still to run when this was written (the files are rewritten after every row, so a stopped suite leaves what it measured). */
  pending?: { model: string; backend: string }[];
}

/** Generates the large models, runs `savedkeras bench --json` on every model and backend (one process each), writes results.json and the docs table. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResults> {
  const note = options.note ?? ((m: string) => process.stderr.write(m + '\n'));
  const backends = options.backends ?? ['wasm', 'cpu', WASM_THREADS_BACKEND];
  const started = performance.now();
  const runs = options.runs ?? 5;
  const wanted = (name: string) => !options.only || options.only.some((o) => name.includes(o));
  const fixturesDir = nodePath.resolve(options.repoRoot, '../shared/fixtures/savedmodels');
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  const tmp = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-bench-models-'));
  const models: (SuiteModel & { dir: string })[] = [];
  const loadAtStart = loadavg()[0];
  try {
    if (existsSync(fixturesDir)) {
      for (const slug of BENCH_FIXTURES.filter(wanted)) {
        if (existsSync(nodePath.join(fixturesDir, slug))) models.push({ name: slug, source: 'fixture', description: 'real fixture', dir: nodePath.join(fixturesDir, slug) });
      }
    } else {
      note(`fixtures not found at ${fixturesDir}: benchmarking generated models only`);
    }
    const { writeKerasSavedModel, writeToDirectory } = await import('@savedkeras/savedmodel-writer');
    for (const g of GENERATED_BENCH_MODELS.filter((m) => wanted(m.name))) {
      note(`generating ${g.name}`);
      const dir = nodePath.join(tmp, g.name);
      await writeToDirectory(writeKerasSavedModel(g.spec()), dir);
      models.push({ name: g.name, source: 'generated', description: g.description, dir });
    }
    const results: SuiteResults['results'] = [];
    const skipped: NonNullable<SuiteResults['skipped']> = [];
    const rows: { m: (typeof models)[number]; backend: string }[] = [];
    for (const m of models) {
      for (const backend of backends) {
        if (backend === WASM_THREADS_BACKEND && !options.backends && !THREADED_MODELS.includes(m.name)) continue;
        const skip = options.backends ? undefined : SKIPPED_ROWS.find((s) => s.model === m.name && s.backend === backend);
        if (skip) skipped.push(skip);
        else rows.push({ m, backend });
      }
    }
    const tfPython = options.tfPython === undefined ? findTfPython(options.repoRoot) : options.tfPython;
    const tfNotes: string[] = [];
    if (!tfPython && models.some((m) => TF_COMPARED_MODELS.includes(m.name))) {
      tfNotes.push('TensorFlow timings (TF ms, tfRatio): not measured: no Python with TensorFlow found (set SAVEDKERAS_BENCH_PYTHON, or put a venv at ../tfvenv)');
    }
    const resultsFile = options.resultsFile ?? nodePath.join(options.repoRoot, 'bench/results.json');
    const docsFile = options.docsFile ?? nodePath.join(options.repoRoot, 'docs/benchmarks.md');
    const cpu = cpus();
    // The machine's own speed, timed before every row and after the last, against this run's fastest (or the previous run's).
    const checkpoints: ReferenceCheckpoint[] = [];
    const previous = previousBaseline(await readJson(resultsFile), { cpu: cpu[0]?.model ?? 'unknown', node: process.version });
    const write = async (done: number): Promise<SuiteResults> => {
      const judged = judgeRun(checkpoints, rows.length, previous);
      results.forEach((r, i) => {
        const verdict = judged.rows[i];
        if (!('error' in r) && verdict) r.reference = verdict;
      });
      const suite: SuiteResults = {
        date: new Date().toISOString(),
        machine: {
          cpu: cpu[0]?.model ?? 'unknown',
          cores: cpu.length,
          memoryBytes: totalmem(),
          os: `${platform()} ${release()}`,
          node: process.version,
          loadAverage: [Number(loadAtStart.toFixed(2)), Number(loadavg()[0].toFixed(2))],
          reference: judged.reference,
        },
        runs,
        models: models.map(({ dir: _dir, ...m }) => m),
        results,
        skipped,
        seconds: Math.round((performance.now() - started) / 1000),
        ...(done < rows.length ? { pending: rows.slice(done).map((r) => ({ model: r.m.name, backend: r.backend })) } : {}),
        ...(tfNotes.length > 0 ? { notes: tfNotes } : {}),
      };
      await mkdir(nodePath.dirname(resultsFile), { recursive: true });
      await writeFile(resultsFile, JSON.stringify(suite, null, 2) + '\n');
      await updateDocs(docsFile, renderResultsMarkdown(suite));
      return suite;
    };
    let suite: SuiteResults | undefined;
    for (let i = 0; i < rows.length; i++) {
      const { m, backend } = rows[i]!;
      checkpoints.push(timeReference(i));
      note(`bench ${m.name} on ${backend} (${new Date().toISOString().slice(11, 19)}, row ${i + 1} of ${rows.length})`);
      const r = await runBench(bin, m.dir, backend, runs);
      const row: SuiteResults['results'][number] = 'error' in r ? { model: m.name, backend, error: r.error } : { ...r, model: m.name, backend };
      if (!('error' in row) && TF_COMPARED_MODELS.includes(m.name) && backend in TF_THREADS) {
        row.tfPredictMs = null;
        row.tfRatio = null;
        if (tfPython) {
          note(`timing ${m.name} in TensorFlow (${TF_THREADS[backend] === 1 ? '1 thread' : 'default threads'})`);
          const tf = await timeInTensorFlow(tfPython, options.repoRoot, m.dir, TF_THREADS[backend]!, row.batch);
          if ('error' in tf) row.notes = [...row.notes, `no TensorFlow timing: ${tf.error}`];
          else Object.assign(row, { tf, tfPredictMs: tf.ms, tfRatio: ratio(row.predictMs, tf.ms) });
        }
      }
      results.push(row);
      if (i === rows.length - 1) checkpoints.push(timeReference(rows.length));
      suite = await write(i + 1);
    }
    suite ??= await write(rows.length);
    note(`wrote ${resultsFile} and ${docsFile}`);
    return suite;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function runBench(bin: string, dir: string, backend: string, runs: number): Promise<BenchResult | { error: string }> {
  const threads = backend === WASM_THREADS_BACKEND;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, '--backend', threads ? 'wasm' : backend, '--threads', threads ? '2' : '1', 'bench', dir, '--json', '--runs', String(runs)],
      // The env too: the bench's rss-probe children select their backend as a library user does.
      { maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', SAVEDKERAS_WASM_THREADS: threads ? '2' : '1' } },
      (err, stdout, stderr) => {
        if (err) resolve({ error: stderr.trim().split('\n').filter((l) => /error/.test(l))[0] ?? err.message });
        else resolve(JSON.parse(stdout) as BenchResult);
      },
    );
  });
}

/** A JSON file's value, or undefined when it is missing or not JSON. */
async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const START = '<!-- bench:results:start (written by `pnpm bench`; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated part of docs/benchmarks.md, keeping the hand-written text around it. */
export async function updateDocs(file: string, generated: string): Promise<void> {
  const old = existsSync(file) ? await readFile(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const i = old.indexOf(START);
  const j = old.indexOf(END);
  const body = `${START}\n${generated}${END}`;
  const text = i >= 0 && j > i ? old.slice(0, i) + body + old.slice(j + END.length) : `${old.trimEnd()}\n\n${body}\n`;
  await mkdir(nodePath.dirname(file), { recursive: true });
  await writeFile(file, text);
}
