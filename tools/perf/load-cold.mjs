#!/usr/bin/env node
// The bench's load timing (packages/cli/src/bench/measure.ts: one warm-up load of each, then `--runs` loads of
// savedkeras and tf.loadLayersModel alternating, in one fresh process: near-cold JIT), repeated over `--procs`
// fresh processes so that the machine's noise averages out. Reports per side the mean over processes of the
// median wall ms, process-CPU ms and main-thread CPU ms of the timed loads, and the ratios. With --profile, the timed
// savedkeras loads (or tfjs' with --tfjs) of every process are CPU-profiled and the self time summed by function
// (what the bench's cold loads spend their time on, which a warm steady-state profile does not show).
//
//   node tools/perf/load-cold.mjs [--root <repo>] [--backend wasm|cpu] [--procs 8] [--runs 5]
//        [--profile] [--tfjs] [--top 40] [--steps fn,fn] [--wait] fixture[,fixture...]
// --wait: where each side's wall time goes besides the main thread's CPU (waiting for a core, idle in the event
// loop, blocked outside it), the other threads' CPU by name, and the async resources one load makes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    procs: { type: 'string', default: '8' },
    runs: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
    tfjs: { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    steps: { type: 'string', default: '' },
    wait: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const INTERVAL_US = 50;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// The main thread's own CPU time in ns (/proc/thread-self/schedstat, Linux): the JS run, without V8's helper threads.
// The kernel brings a running thread's count up to date only at a scheduler tick or switch, so a read alone lags by up
// to a tick (4 ms at 250 Hz: a 1 ms busy loop read 0.03-2.3 ms); getrusage (process.cpuUsage) updates the calling
// thread's count first, so it is called just before (the same loop then reads 1.02-1.33 ms).
const schedstat = () => {
  process.cpuUsage();
  return fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
};
const mainNs = () => schedstat()[0];
// Where the main thread's wall time went besides running: waiting for a core (schedstat's run-queue time), idle in
// the event loop (waiting for libuv: async fs, timers), and the rest (blocked outside the loop: futex waits on V8's
// helper threads, disk). Other threads' CPU: V8's workers (GC, compilers) and libuv's pool (Node names them all `node`).
const otherThreadsNs = () => {
  let ns = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      ns += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {} // the thread ended
  }
  return ns;
};
const mainSched = () => {
  const [run, wait] = schedstat();
  const sleeps = Number(/\bvoluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))[1]);
  return { run, wait, sleeps };
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

if (values.child) {
  const { reviveSetup } = await import('./revive-setup.mjs');
  const { fixtureDir, loadOurs, tfjsLoader } = await reviveSetup({ root: values.root, backend: values.backend, tmpPrefix: 'load-cold-' });
  const name = values.child;
  const dir = await fixtureDir(name);
  const first = await loadOurs(dir);
  const tfjsLoad = await tfjsLoader(name, first);
  first.model.dispose();
  await tfjsLoad();
  const load = async () => (await loadOurs(dir)).model.dispose();
  let session = null;
  const profiles = [];
  if (values.profile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
  }
  const sk = { wall: [], cpu: [], main: [], queued: [], idle: [], blocked: [], sleeps: [], threads: [] };
  const tj = { wall: [], cpu: [], main: [], queued: [], idle: [], blocked: [], sleeps: [], threads: [] };
  for (let r = 0; r < Number(values.runs); r++) {
    for (const [fn, acc, profiled] of [[load, sk, !values.tfjs], [tfjsLoad, tj, values.tfjs]]) {
      if (session && profiled) await session.post('Profiler.start');
      const th0 = values.wait ? otherThreadsNs() : 0;
      const s0 = values.wait ? mainSched() : null;
      const e0 = performance.eventLoopUtilization();
      const c0 = cpuMs();
      const m0 = mainNs();
      const t0 = performance.now();
      await fn();
      const wall = performance.now() - t0;
      acc.wall.push(wall);
      acc.main.push((mainNs() - m0) / 1e6);
      acc.cpu.push(cpuMs() - c0);
      if (values.wait) {
        const e = performance.eventLoopUtilization(e0);
        const s1 = mainSched();
        const th1 = otherThreadsNs();
        const queued = (s1.wait - s0.wait) / 1e6;
        acc.queued.push(queued);
        acc.idle.push(e.idle);
        acc.blocked.push(Math.max(0, wall - e.idle - (s1.run - s0.run) / 1e6 - queued));
        acc.sleeps.push(s1.sleeps - s0.sleeps);
        acc.threads.push((th1 - th0) / 1e6);
      }
      if (session && profiled) profiles.push((await session.post('Profiler.stop')).profile);
    }
  }
  // With --wait, one more load of each side (untimed) counts the async resources it made by type: promises,
  // libuv requests (FSREQ*: async fs), timers and immediates, each a turn of the event loop or of the microtask queue.
  const asyncCounts = {};
  if (values.wait) {
    const { createHook } = await import('node:async_hooks');
    for (const [side, fn] of [['sk', load], ['tj', tfjsLoad]]) {
      const counts = {};
      const hook = createHook({ init: (id, type) => void (counts[type] = (counts[type] ?? 0) + 1) });
      hook.enable();
      await fn();
      hook.disable();
      asyncCounts[side] = counts;
    }
  }
  const waits = (a) => (values.wait ? { queued: median(a.queued), idle: median(a.idle), blocked: median(a.blocked), sleeps: median(a.sleeps), threads: median(a.threads) } : {});
  const self = {};
  const pkg = {};
  const steps = {};
  const stepNames = values.steps ? values.steps.split(',') : [];
  let total = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const dt = new Map();
    // Sample counts x the interval (a sample's time delta also holds the sampler's own delays).
    for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + INTERVAL_US);
    for (const [id, us] of dt) {
      const n = byId.get(id);
      const f = n.callFrame;
      if (f.url === 'node:inspector' || (f.functionName === 'dispatch' && f.url === '')) continue; // the profiler's own calls
      const file = f.url.replace(/^.*\/(packages|node_modules)\//, '').replace(/^\.pnpm\/[^/]*\/node_modules\//, '');
      const key = `${f.functionName || '(anon)'} ${file}:${f.lineNumber + 1}`;
      self[key] = (self[key] ?? 0) + us;
      const pk = f.url === '' ? f.functionName.startsWith('(') ? f.functionName : '(native)' : f.url.startsWith('node:') ? 'node:' : (/\/packages\/([^/]+)\//.exec(f.url)?.[1] ?? /node_modules\/(@tensorflow\/[^/]+|[^@/][^/]*)\//.exec(f.url)?.[1] ?? 'other');
      pkg[pk] = (pkg[pk] ?? 0) + us;
      // The outermost JS frame: after an await, an async function continues from the microtask queue with
      // only itself (and what it calls) on the stack, so this names the async step a sample belongs to.
      let outer = null;
      for (let x = id; x !== undefined; x = parent.get(x)) {
        const cf = byId.get(x).callFrame;
        if (cf.url && !cf.url.startsWith('node:')) outer = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*\/(packages|node_modules)\//, '').replace(/^\.pnpm\/[^/]*\/node_modules\//, '')}:${cf.lineNumber + 1}`;
      }
      if (outer) steps[`outer: ${outer}`] = (steps[`outer: ${outer}`] ?? 0) + us;
      for (const step of stepNames) {
        for (let x = id; x !== undefined; x = parent.get(x)) {
          if (byId.get(x).callFrame.functionName === step) {
            steps[step] = (steps[step] ?? 0) + us;
            break;
          }
        }
      }
      total += us;
    }
  }
  process.stdout.write(JSON.stringify({ sk: { wall: median(sk.wall), cpu: median(sk.cpu), main: median(sk.main), ...waits(sk) }, tj: { wall: median(tj.wall), cpu: median(tj.cpu), main: median(tj.main), ...waits(tj) }, asyncCounts, self, pkg, steps, total, loads: profiles.length }) + '\n');
  process.exit(0);
}

const here = fileURLToPath(import.meta.url);
for (const name of positionals.flatMap((p) => p.split(','))) {
  const rows = [];
  const self = {};
  const pkg = {};
  const steps = {};
  let total = 0;
  let loads = 0;
  for (let i = 0; i < Number(values.procs); i++) {
    const args = [here, '--child', name, '--backend', values.backend, '--runs', values.runs];
    if (values.root) args.push('--root', values.root);
    if (values.profile) args.push('--profile');
    if (values.tfjs) args.push('--tfjs');
    if (values.steps) args.push('--steps', values.steps);
    if (values.wait) args.push('--wait');
    const out = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').pop());
    rows.push(out);
    for (const [k, v] of Object.entries(out.self)) self[k] = (self[k] ?? 0) + v;
    for (const [k, v] of Object.entries(out.pkg)) pkg[k] = (pkg[k] ?? 0) + v;
    for (const [k, v] of Object.entries(out.steps)) steps[k] = (steps[k] ?? 0) + v;
    total += out.total;
    loads += out.loads;
  }
  const mean = (f) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const r = {
    fixture: name,
    backend: values.backend,
    procs: rows.length,
    skWallMs: +mean((r) => r.sk.wall).toFixed(2),
    tfjsWallMs: +mean((r) => r.tj.wall).toFixed(2),
    skCpuMs: +mean((r) => r.sk.cpu).toFixed(2),
    tfjsCpuMs: +mean((r) => r.tj.cpu).toFixed(2),
    skMainMs: +mean((r) => r.sk.main).toFixed(2),
    tfjsMainMs: +mean((r) => r.tj.main).toFixed(2),
    wallRatio: +mean((r) => r.sk.wall / r.tj.wall).toFixed(3),
    mainRatio: +mean((r) => r.sk.main / r.tj.main).toFixed(3),
    cpuRatio: +mean((r) => r.sk.cpu / r.tj.cpu).toFixed(3),
    load: os.loadavg()[0].toFixed(2),
  };
  console.log(JSON.stringify(r));
  if (values.wait) {
    for (const side of ['sk', 'tj']) {
      const f = (k) => mean((x) => x[side][k]).toFixed(2);
      const who = side === 'sk' ? 'savedkeras' : 'tfjs';
      console.log(`${who}: wall ${f('wall')} ms ~ main thread on CPU ${f('main')} + waiting for a core ${f('queued')} + idle in the event loop ${f('idle')} + blocked outside it ${f('blocked')} (each a median; ${f('sleeps')} sleeps); other threads' CPU ${f('threads')} ms; async resources of one load: ${JSON.stringify(rows[0].asyncCounts[side])}`);
    }
  }
  if (values.profile) {
    console.log(`profile: ${(total / 1000 / loads).toFixed(2)} ms sampled per load; by package (self):`);
    for (const [k, v] of Object.entries(pkg).sort((a, b) => b[1] - a[1])) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 1000 / loads).toFixed(3).padStart(7)} ms  ${k}`);
    if (Object.keys(steps).length) {
      console.log('inclusive (a sample counts once per step whose function is on its stack; outer: the outermost frame):');
      for (const [k, v] of Object.entries(steps).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 1000 / loads).toFixed(3).padStart(7)} ms  ${k}`);
    }
    console.log('top functions (self):');
    for (const [k, v] of Object.entries(self).sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
      console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 1000 / loads).toFixed(3).padStart(7)} ms  ${k}`);
    }
  }
}
