import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layersModelFromFiles, NodeFileSource } from '@savedkeras/backend-node';
import { CheckpointReader } from '@savedkeras/proto';
import { loadKerasModelWithReport, loadSavedModel, type ReviveReport } from 'savedkeras';
import { convertLoadedModel } from '../convert/convert-model.js';
import { maxAbsDiff, predictValues, sampleModelInputs } from '@savedkeras/check';
import type { RssProbeResult } from './rss-probe.js';
import { median, ratio, round, timed } from './stats.js';

export interface BenchOptions {
  /** Measured runs per timing (medians are reported). Default 5. */
  runs?: number;
  /** Batch size of the predict timings. Default 8. */
  batch?: number;
  /** tfjs backend the caller initialised (its name goes into the result). */
  backend: string;
  /** Measure peak RSS in child processes (default true). */
  rss?: boolean;
  /** Progress notes (stderr). */
  note?: (message: string) => void;
}

/**
 * One model's numbers. Times are medians over `runs` runs after one warm-up, in one process;
 * memory comes from a fresh child process per loader (see rss-probe.ts). Every ratio is defined
 * so that the target reads the same way in docs/benchmarks.md.
 */
export interface BenchResult {
  model: string;
  backend: string;
  runs: number;
  batch: number;
  /** Bytes of the revived model's weights (what its variables hold). */
  weightBytes: number;
  /** Variables the model restores from the checkpoint. */
  variables: number;
  /** Bytes of the checkpoint's data shards (variables.data-*), optimizer slots included. */
  shardBytes: number;
  /** SavedModel folder -> ready tf.LayersModel with savedkeras. */
  loadMs: number;
  /** The same model converted by `savedkeras convert`, loaded with plain tf.loadLayersModel from model.json + shards read with fs. */
  tfjsLoadMs: number | null;
  /** loadMs / tfjsLoadMs: <= 1 means savedkeras loads as fast as tfjs' own format. */
  loadRatio: number | null;
  /** CheckpointReader.open + readMany of every tensor: crc-verified typed arrays. */
  readMs: number;
  /** fs.readFile of every data shard (and the index), the bytes alone. */
  rawReadMs: number;
  /** rawReadMs / readMs: the fraction of raw read speed the verified read reaches (1 = as fast as readFile). */
  readRatio: number | null;
  readMBps: number;
  rawReadMBps: number;
  /** Peak RSS of a fresh process during one savedkeras load (the median of 3 processes). */
  peakRssBytes: number | null;
  baselineRssBytes: number | null;
  /** (peakRssBytes - baselineRssBytes) / weightBytes: memory a load needs per byte of weights (1 = the weights alone). */
  rssOverWeights: number | null;
  /** The same for tf.loadLayersModel of the converted model. */
  tfjsRssOverWeights: number | null;
  /** model.predict on one batch (+ reading the outputs back). */
  predictMs: number | null;
  /** Calls of each predict path the medians are taken over (alternating; see moreCalls). */
  predictCalls: number;
  /** serving_default of the saved graph (loadSavedModel) on the same batch. */
  savedFunctionPredictMs: number | null;
  /** savedFunctionPredictMs / predictMs: <= 1.5 is the target for running the saved graph. */
  graphRatio: number | null;
  /** Largest output difference between the saved graph and the revived model (a sanity check, not a timing). */
  graphMaxAbsDiff: number | null;
  /** Why a number is missing. */
  notes: string[];
}

/** Runs every measurement of BenchResult on the SavedModel at `dir`. */
export async function benchModel(dir: string, options: BenchOptions): Promise<BenchResult> {
  const runs = Math.max(1, options.runs ?? 5);
  const batch = Math.max(1, options.batch ?? 8);
  const note = options.note ?? (() => {});
  const notes: string[] = [];
  const root = nodePath.resolve(dir);
  const load = () => loadKerasModelWithReport(new NodeFileSource(root), { warn: () => {} });

  // Warm-up load, kept for conversion and predict timings.
  note('loading (warm-up) and converting to a tfjs layers model');
  const { model, report } = await load();
  const tmp = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-bench-'));
  try {
    let modelJson: string | null = null;
    try {
      await convertLoadedModel(model, report, tmp, { verify: false });
      modelJson = nodePath.join(tmp, 'model.json');
    } catch (e) {
      notes.push(`no tfjs comparison: ${firstLine(e)}`);
    }
    const tfjsLoad = modelJson ? () => tfl.loadLayersModel(layersModelFromFiles(modelJson!)) : null;
    if (tfjsLoad) (await tfjsLoad()).dispose();

    note(`timing loads (${runs} runs each)`);
    const loadTimes: number[] = [];
    const tfjsTimes: number[] = [];
    for (let r = 0; r < runs; r++) {
      const a = await timed(load);
      a.value.model.dispose();
      loadTimes.push(a.ms);
      if (tfjsLoad) {
        const b = await timed(tfjsLoad);
        b.value.dispose();
        tfjsTimes.push(b.ms);
      }
    }

    note('timing weight reads');
    const reads = await measureReads(root, runs);

    note('timing predict');
    const predict = await measurePredict(root, model, report, batch, runs, notes);

    let rss: { sk: RssProbeResult; tfjs: RssProbeResult | null } | null = null;
    if (options.rss !== false) {
      note('measuring peak memory in fresh processes');
      rss = await measureRss(root, modelJson, options.backend, notes);
    }

    const weightBytes = report.weights.reduce((s, w) => s + w.weight.shape.reduce<number>((a, d) => a * (d ?? 0), 1) * dtypeBytes(w.weight.dtype), 0);
    const loadMs = median(loadTimes);
    const tfjsLoadMs = tfjsLoad ? median(tfjsTimes) : null;
    const over = (p: RssProbeResult | null | undefined) => (p && weightBytes > 0 ? round((p.peakRssBytes - p.baselineRssBytes) / weightBytes, 3) : null);
    return {
      model: nodePath.basename(root),
      backend: options.backend,
      runs,
      batch,
      weightBytes,
      variables: report.weights.length,
      shardBytes: reads.shardBytes,
      loadMs: round(loadMs),
      tfjsLoadMs: tfjsLoadMs === null ? null : round(tfjsLoadMs),
      loadRatio: ratio(loadMs, tfjsLoadMs),
      readMs: round(reads.readMs),
      rawReadMs: round(reads.rawReadMs),
      readRatio: ratio(reads.rawReadMs, reads.readMs),
      readMBps: round(reads.totalBytes / 1e6 / (reads.readMs / 1000), 1),
      rawReadMBps: round(reads.totalBytes / 1e6 / (reads.rawReadMs / 1000), 1),
      peakRssBytes: rss?.sk.peakRssBytes ?? null,
      baselineRssBytes: rss?.sk.baselineRssBytes ?? null,
      rssOverWeights: over(rss?.sk),
      tfjsRssOverWeights: over(rss?.tfjs),
      predictMs: predict.predictMs === null ? null : round(predict.predictMs, 3),
      predictCalls: predict.calls,
      savedFunctionPredictMs: predict.graphMs === null ? null : round(predict.graphMs, 3),
      graphRatio: ratio(predict.graphMs, predict.predictMs),
      graphMaxAbsDiff: predict.diff,
      notes,
    };
  } finally {
    model.dispose();
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Our read (index + every tensor, crc-checked, as typed arrays) against fs.readFile of the same
 * files, alternating so that both see the same page cache and machine load.
 */
async function measureReads(root: string, runs: number): Promise<{ readMs: number; rawReadMs: number; shardBytes: number; totalBytes: number }> {
  const source = new NodeFileSource(root);
  const probe = await CheckpointReader.open(source);
  const files = [probe.indexFile, ...Array.from({ length: probe.numShards }, (_, i) => probe.shardFile(i))].map((f) => nodePath.join(root, f));
  let shardBytes = 0;
  let totalBytes = 0;
  const ours = async () => {
    const reader = await CheckpointReader.open(new NodeFileSource(root));
    const got = await reader.readMany(reader.keys());
    return got.size;
  };
  const raw = async () => {
    let n = 0;
    for (const f of files) n += (await readFile(f)).length;
    return n;
  };
  await ours();
  totalBytes = await raw();
  shardBytes = totalBytes - (await readFile(files[0])).length;
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < runs; r++) {
    a.push((await timed(ours)).ms);
    b.push((await timed(raw)).ms);
  }
  return { readMs: median(a), rawReadMs: median(b), shardBytes, totalBytes };
}

async function measurePredict(
  root: string,
  model: tfl.LayersModel,
  report: ReviveReport,
  batch: number,
  runs: number,
  notes: string[],
): Promise<{ predictMs: number | null; graphMs: number | null; diff: number | null; calls: number }> {
  const inputs = sampleModelInputs(model, batch);
  if (!inputs) {
    notes.push('no predict timing: the model takes string inputs');
    return { predictMs: null, graphMs: null, diff: null, calls: 0 };
  }
  try {
    predictValues(model, inputs);
    let sm: Awaited<ReturnType<typeof loadSavedModel>> | null = null;
    let graphCall: (() => Float32Array[]) | null = null;
    let feedMade: tf.Tensor[] = [];
    try {
      sm = await loadSavedModel(new NodeFileSource(root));
      const sig = sm.signatures['serving_default'] ?? Object.values(sm.signatures)[0];
      if (!sig) throw new Error('the SavedModel has no signature');
      const feed = signatureFeed(sig.inputs, report.inputNames, inputs);
      feedMade = Object.values(feed).filter((t) => !inputs.includes(t));
      const call = () =>
        tf.tidy(() => {
          const out = sig(feed);
          const names = report.outputNames.every((n) => n in out) ? report.outputNames : Object.keys(out);
          return names.map((n) => Float32Array.from(out[n].dataSync() as ArrayLike<number>));
        });
      call();
      graphCall = call;
    } catch (e) {
      notes.push(`no saved-function timing: ${firstLine(e)}`);
    }
    try {
      // The two paths alternate call by call (layers, graph, layers, ...), so both see the same machine
      // load; see callCount for how many calls each side gets.
      const predictTimes: number[] = [];
      const graphTimes: number[] = [];
      let expected: Float32Array[] = [];
      let got: Float32Array[] = [];
      let spent = 0;
      while (moreCalls(predictTimes.length, spent, runs)) {
        const t = await timed(() => predictValues(model, inputs));
        predictTimes.push(t.ms);
        expected = t.value;
        spent += t.ms;
        if (graphCall) {
          const g = await timed(graphCall);
          graphTimes.push(g.ms);
          got = g.value;
          spent += g.ms;
        }
      }
      const graphMs = graphCall ? median(graphTimes) : null;
      const diff = graphCall ? maxAbsDiff(expected, got) : null;
      return { predictMs: median(predictTimes), graphMs, diff: diff === null ? null : Number(diff.toPrecision(3)), calls: predictTimes.length };
    } finally {
      tf.dispose(feedMade);
      sm?.dispose();
    }
  } finally {
    tf.dispose(inputs);
  }
}

/** Fewest predict calls per path, whatever the time. */
export const MIN_PREDICT_CALLS = 3;
/** Millisecond models are called until both paths together took this long (hundreds of calls), so one descheduling does not decide the median. */
const MIN_PREDICT_MS = 2000;
/** Most calls per path. */
export const MAX_PREDICT_CALLS = 400;
/** Slow models stop at MIN_PREDICT_CALLS once both paths together took this long, even when `runs` asks for more. */
const MAX_PREDICT_MS = 60_000;

/**
 * Whether the alternating predict loop makes another (layers, graph) pair of calls, after `calls`
 * pairs that took `spentMs` in all: at least MIN_PREDICT_CALLS; `runs` unless that passes
 * MAX_PREDICT_MS; and more until MIN_PREDICT_MS (at most MAX_PREDICT_CALLS).
 */
export function moreCalls(calls: number, spentMs: number, runs: number): boolean {
  if (calls < MIN_PREDICT_CALLS) return true;
  if (calls < runs && spentMs < MAX_PREDICT_MS) return true;
  return spentMs < MIN_PREDICT_MS && calls < MAX_PREDICT_CALLS;
}

/** Signature inputs from the model's inputs: by Keras input name, else by position; cast to the signature's dtype. */
function signatureFeed(
  sigInputs: readonly { name: string; tfjsDtype: string }[],
  modelInputNames: readonly string[],
  inputs: tf.Tensor[],
): Record<string, tf.Tensor> {
  const feed: Record<string, tf.Tensor> = {};
  sigInputs.forEach((s, k) => {
    const i = modelInputNames.indexOf(s.name);
    const t = inputs[i >= 0 ? i : k];
    if (!t) throw new Error(`no model input for signature input ${s.name}`);
    feed[s.name] = t.dtype === s.tfjsDtype ? t : tf.cast(t, s.tfjsDtype as tf.DataType);
  });
  return feed;
}

const RSS_PROBES = 3;

async function measureRss(
  root: string,
  modelJson: string | null,
  backend: string,
  notes: string[],
): Promise<{ sk: RssProbeResult; tfjs: RssProbeResult | null } | null> {
  const probe = fileURLToPath(new URL('./rss-probe.js', import.meta.url));
  if (!existsSync(probe)) {
    notes.push('no memory numbers: the rss probe runs from the built CLI (dist/) only');
    return null;
  }
  const run = (mode: string, path: string) =>
    new Promise<RssProbeResult>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', probe, mode, path, backend], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`rss probe (${mode}) failed: ${stderr.trim().split('\n')[0] || err.message}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RssProbeResult);
      });
    });
  // The median of RSS_PROBES fresh processes per loader (by peak - baseline): one process can
  // meet a GC late or early.
  const medianOf = async (mode: string, path: string) => {
    const got: RssProbeResult[] = [];
    for (let i = 0; i < RSS_PROBES; i++) got.push(await run(mode, path));
    got.sort((a, b) => a.peakRssBytes - a.baselineRssBytes - (b.peakRssBytes - b.baselineRssBytes));
    return got[got.length >> 1];
  };
  try {
    const sk = await medianOf('savedkeras', root);
    const tfjs = modelJson ? await medianOf('tfjs', modelJson) : null;
    return { sk, tfjs };
  } catch (e) {
    notes.push(`no memory numbers: ${firstLine(e)}`);
    return null;
  }
}

function dtypeBytes(dtype: string): number {
  return dtype === 'bool' ? 1 : 4; // tfjs keeps float32, int32 (and complex64 parts) in 4 bytes
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
