/**
 * Child process of `savedkeras bench`: loads one model once in a fresh process and prints its
 * memory as JSON on stdout. A fresh process is the only clean baseline: in the bench process,
 * memory freed by earlier runs stays mapped (malloc arenas, V8 pages, the wasm heap never
 * shrinks) and would be reused, hiding what a load really needs.
 *
 * Usage: node --expose-gc rss-probe.js <savedkeras|tfjs> <path> <backend>
 * (path: the SavedModel folder, or the converted model.json for tfjs).
 *
 * peakRssBytes is the larger of the kernel's high-water mark (process.resourceUsage().maxRSS,
 * getrusage's ru_maxrss) and RSS sampled every 2 ms during the load; the baseline is RSS after
 * every module is imported, the backend initialised and a full GC, just before the load.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { loadKerasModelWithReport } from 'savedkeras';
import { layersModelFromFiles } from '../convert/layers-model-files.js';

export interface RssProbeResult {
  mode: 'savedkeras' | 'tfjs';
  backend: string;
  baselineRssBytes: number;
  peakRssBytes: number;
  /** Peak seen by the 2 ms sampler alone (a lower bound: it cannot run inside synchronous work). */
  sampledPeakRssBytes: number;
  /** RSS once the load returned and a full GC ran, the model still held. */
  afterRssBytes: number;
  loadMs: number;
}

async function main(): Promise<void> {
  const [mode, path, backend] = process.argv.slice(2);
  if ((mode !== 'savedkeras' && mode !== 'tfjs') || !path) throw new Error('usage: rss-probe.js <savedkeras|tfjs> <path> [backend]');
  const choice = await selectBackend(backend || undefined);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const baseline = process.memoryUsage.rss();
  let sampled = baseline;
  const timer = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 2);
  const t0 = performance.now();
  const model =
    mode === 'tfjs'
      ? await tfl.loadLayersModel(layersModelFromFiles(path))
      : (await loadKerasModelWithReport(new NodeFileSource(path), { warn: () => {} })).model;
  const loadMs = performance.now() - t0;
  clearInterval(timer);
  sampled = Math.max(sampled, process.memoryUsage.rss());
  const hwm = process.resourceUsage().maxRSS * 1024;
  gc();
  const result: RssProbeResult = {
    mode,
    backend: choice.name,
    baselineRssBytes: baseline,
    peakRssBytes: Math.max(hwm, sampled),
    sampledPeakRssBytes: sampled,
    afterRssBytes: process.memoryUsage.rss(),
    loadMs,
  };
  model.dispose();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
