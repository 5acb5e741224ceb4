#!/usr/bin/env node
// Load cost of savedkeras against tf.loadLayersModel of the same model, in one process (issue 15 item 2).
// The machine is shared: wall clock is noise, so this measures CPU time and allocated bytes.
//
//   node tools/perf/revive-ab.mjs [--root <repo>] [--backend wasm|cpu] [--loads 60] [--mode cpu|alloc]
//                                 [--json out.json] fixture[,fixture...]
//
// A fixture is a folder name under ../shared/fixtures/savedmodels, a path, or `generated-2000-variables`
// (written by @savedkeras/savedmodel-writer into a temporary folder once per run).
// --root: the repository whose built dist/ is loaded (default: this one), so that two builds can be
//   compared by running this script against each in alternating processes (tools/perf/revive-abrun.sh).
// mode cpu: after warm-ups, savedkeras and tfjs loads alternate; per load: process CPU (process.cpuUsage:
//   all threads, incl. V8's GC helpers) and main-thread CPU (/proc/thread-self/stat, 10 ms ticks summed over
//   all loads). mode alloc: bytes allocated per load (V8's sampling heap profiler, 512-byte interval,
//   objects freed by minor and major GC included), averaged over the loads.
// Both sides do the same work: tfjs loads the model `savedkeras convert` writes (model.json + shards,
// with the training config when the model has one, so tf.loadLayersModel compiles it too).
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { reviveSetup } from './revive-setup.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    loads: { type: 'string', default: '60' },
    warm: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
  },
});
const { repo: root, fixtureDir, loadOurs, tfjsLoader } = await reviveSetup({ root: values.root, backend: values.backend, tmpPrefix: 'revive-ab-' });

function mainThreadTicks() {
  const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks
}
const TICK_MS = 10;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function allocatedBytes(session, fn, n) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < n; i++) await fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  // Each sample stands for samplingInterval bytes on average (Poisson sampling by allocated bytes).
  return (profile.samples.length * 512) / n;
}

const results = [];
for (const name of positionals.flatMap((p) => p.split(','))) {
  const dir = await fixtureDir(name);
  const load = async () => (await loadOurs(dir)).model.dispose();
  const first = await loadOurs(dir);
  let tfjsLoad = null;
  if (!values['no-tfjs']) {
    try {
      tfjsLoad = await tfjsLoader(name, first);
    } catch (e) {
      console.error(`${name}: no tfjs comparison (${e.message.split('\n')[0]})`);
    }
  }
  first.model.dispose();
  const warm = Number(values.warm);
  for (let i = 0; i < warm; i++) {
    await load();
    if (tfjsLoad) await tfjsLoad();
  }
  const n = Number(values.loads);
  const row = { fixture: name, backend: values.backend, root, loads: n, compiled: first.report.compile?.compiled ?? false };
  if (values.mode === 'alloc') {
    const session = new Session();
    session.connect();
    row.skAllocKB = Math.round((await allocatedBytes(session, load, n)) / 1024);
    if (tfjsLoad) row.tfjsAllocKB = Math.round((await allocatedBytes(session, tfjsLoad, n)) / 1024);
    session.disconnect();
  } else {
    const sk = { proc: 0, ticks: 0 };
    const tj = { proc: 0, ticks: 0 };
    for (let i = 0; i < n; i++) {
      for (const [fn, acc] of tfjsLoad ? (i % 2 ? [[tfjsLoad, tj], [load, sk]] : [[load, sk], [tfjsLoad, tj]]) : [[load, sk]]) {
        const c0 = cpuMs();
        const t0 = mainThreadTicks();
        await fn();
        acc.ticks += mainThreadTicks() - t0;
        acc.proc += cpuMs() - c0;
      }
    }
    row.skProcMs = +(sk.proc / n).toFixed(2);
    row.skMainMs = +((sk.ticks * TICK_MS) / n).toFixed(2);
    if (tfjsLoad) {
      row.tfjsProcMs = +(tj.proc / n).toFixed(2);
      row.tfjsMainMs = +((tj.ticks * TICK_MS) / n).toFixed(2);
      row.procRatio = +(row.skProcMs / row.tfjsProcMs).toFixed(2);
      row.mainRatio = +(row.skMainMs / row.tfjsMainMs).toFixed(2);
    }
  }
  if (tfjsLoad && row.tfjsAllocKB) row.allocRatio = +(row.skAllocKB / row.tfjsAllocKB).toFixed(2);
  results.push(row);
  console.log(JSON.stringify(row));
}
if (values.json) fs.writeFileSync(values.json, JSON.stringify(results, null, 2));
