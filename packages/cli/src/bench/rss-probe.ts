/**
 * Child process of `savedkeras bench`: loads one model once in a fresh process and prints its
 * memory as JSON on stdout. A fresh process is the only clean baseline: in the bench process,
 * memory freed by earlier runs stays mapped (malloc arenas, V8 pages, the wasm heap never
 * shrinks) and would be reused, hiding what a load really needs.
 *
 * Usage: node --expose-gc rss-probe.js <savedkeras|tfjs> <path> <backend>
 * (path: the SavedModel folder, or the converted model.json for tfjs).
 *
 * peakRssBytes is the larger of the kernel's high-water mark and RSS sampled every 2 ms during
 * the load. On Linux the mark is VmHWM of /proc/self/status, reset just before the load (writing
 * 5 to /proc/self/clear_refs), so neither start-up nor the parent counts: getrusage's ru_maxrss
 * (process.resourceUsage().maxRSS) is not used there because it keeps the high-water mark of the
 * forked parent's address space across exec (a bench parent holding a 100 MB model made a child
 * look 1x heavier). Elsewhere maxRSS is used (peakReset false: an upper bound).
 *
 * The baseline is RSS just before the load, after every module is imported, the backend initialised, one warm-up load of
 * a tiny model by the same loader (so the one-time costs of running the loader's code at all,
 * lazy compilation and V8 heap growth, are not charged to the weights) and a full GC.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layersModelFromFiles, NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { loadKerasModelWithReport } from 'savedkeras';

export interface RssProbeResult {
  mode: 'savedkeras' | 'tfjs';
  backend: string;
  baselineRssBytes: number;
  peakRssBytes: number;
  /** Peak seen by the 2 ms sampler alone (a lower bound: it cannot run inside synchronous work). */
  sampledPeakRssBytes: number;
  /** The kernel's high-water mark was reset before the load (Linux); else peakRssBytes may include start-up. */
  peakReset: boolean;
  /** RSS once the load returned and a full GC ran, the model still held. */
  afterRssBytes: number;
  loadMs: number;
}

/** Resets the kernel's peak-RSS counter of this process (Linux 4.0+); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM of /proc/self/status in bytes (this process's peak RSS since the last reset), or null. */
function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** One load of a tiny generated model (Dense 4 -> 3) by the loader being measured. */
async function warmUp(mode: 'savedkeras' | 'tfjs'): Promise<void> {
  const { writeKerasSavedModel } = await import('@savedkeras/savedmodel-writer');
  const { MemorySource } = await import('@savedkeras/common');
  const files = writeKerasSavedModel({ kind: 'Sequential', input: { shape: [4] }, layers: [{ className: 'Dense', name: 'dense', units: 3 }] });
  const { model } = await loadKerasModelWithReport(new MemorySource(files), { warn: () => {} });
  if (mode === 'tfjs') {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    (await tfl.loadLayersModel(tf.io.fromMemory(artifacts!))).dispose();
  }
  model.dispose();
}

async function main(): Promise<void> {
  const [mode, path, backend] = process.argv.slice(2);
  if ((mode !== 'savedkeras' && mode !== 'tfjs') || !path) throw new Error('usage: rss-probe.js <savedkeras|tfjs> <path> [backend]');
  const choice = await selectBackend(backend || undefined);
  await warmUp(mode);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const baseline = process.memoryUsage.rss();
  const peakReset = resetPeakRss();
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
  const hwm = peakReset ? (vmHwm() ?? 0) : process.resourceUsage().maxRSS * 1024;
  gc();
  const result: RssProbeResult = {
    mode,
    backend: choice.name,
    baselineRssBytes: baseline,
    peakRssBytes: Math.max(hwm, sampled),
    sampledPeakRssBytes: sampled,
    peakReset,
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
