#!/usr/bin/env node
// Which code allocates the bytes of a savedkeras load (issue 15 item 2: GC pressure): V8's sampling heap
// profiler over many loads of one model (objects later freed by minor and major GC included), bytes per
// load by package and by allocating function (self), and inclusive bytes of the functions named by --steps.
//
//   node tools/perf/revive-alloc.mjs [--root <repo>] [--backend wasm|cpu] [--loads 50] [--tfjs]
//        [--steps name,name] [--top 40] fixture
//
// --callers name,name: bytes allocated by each of those functions (self), by their caller.
// Inclusive attribution sees synchronous stacks only (an await starts a new stack).
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { reviveSetup } from './revive-setup.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    loads: { type: 'string', default: '50' },
    warm: { type: 'string', default: '10' },
    tfjs: { type: 'boolean', default: false },
    steps: { type: 'string', default: '' },
    top: { type: 'string', default: '40' },
    callers: { type: 'string', default: '' },
  },
});
const { fixtureDir, loadOurs, tfjsLoader } = await reviveSetup({ root: values.root, backend: values.backend, tmpPrefix: 'revive-alloc-' });
const name = positionals[0];
const dir = await fixtureDir(name);
let load = async () => (await loadOurs(dir)).model.dispose();
if (values.tfjs) {
  const first = await loadOurs(dir);
  load = await tfjsLoader(name, first);
  first.model.dispose();
}
for (let i = 0; i < Number(values.warm); i++) await load();

const INTERVAL = 256;
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const n = Number(values.loads);
for (let i = 0; i < n; i++) await load();
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

// Samples by node id; each stands for INTERVAL bytes on average.
const perNode = new Map();
for (const s of profile.samples) perNode.set(s.nodeId, (perNode.get(s.nodeId) ?? 0) + 1);
const byPkg = new Map();
const bySelf = new Map();
const steps = values.steps ? values.steps.split(',') : [];
const byStep = new Map(steps.map((s) => [s, 0]));
const callerOf = new Set(values.callers ? values.callers.split(',') : []);
const byCaller = new Map();
let total = 0;
function pkg(url) {
  if (!url) return '(native)';
  let m = url.match(/packages\/([\w-]+)\/dist/);
  if (m) return `savedkeras:${m[1]}`;
  m = url.match(/node_modules\/(@[\w-]+\/[\w.-]+|[\w.-]+)\/(?!.*node_modules)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node';
  return url;
}
function walk(node, stack) {
  const f = node.callFrame;
  stack.push(f.functionName);
  const c = perNode.get(node.id) ?? 0;
  if (c) {
    total += c;
    const p = pkg(f.url);
    byPkg.set(p, (byPkg.get(p) ?? 0) + c);
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + c);
    for (const s of steps) if (stack.includes(s)) byStep.set(s, byStep.get(s) + c);
    if (callerOf.has(f.functionName)) {
      const k = `${f.functionName} < ${stack.slice(-4, -1).reverse().join(' < ')}`;
      byCaller.set(k, (byCaller.get(k) ?? 0) + c);
    }
  }
  for (const ch of node.children ?? []) walk(ch, stack);
  stack.pop();
}
walk(profile.head, []);
const kb = (c) => `${((c * INTERVAL) / n / 1024).toFixed(0)} KB`;
console.log(`${name} ${values.tfjs ? '(tfjs loadLayersModel)' : '(savedkeras)'} ${values.backend}: ${kb(total)} allocated per load (${n} loads)`);
console.log('\nby package:');
for (const [p, c] of [...byPkg].sort((a, b) => b[1] - a[1])) console.log(`  ${kb(c).padStart(9)}  ${p}`);
console.log('\ntop allocating functions (self):');
for (const [k, c] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${kb(c).padStart(9)}  ${k}`);
if (steps.length) {
  console.log('\ninclusive:');
  for (const [s, c] of byStep) console.log(`  ${kb(c).padStart(9)}  ${s}`);
}
if (callerOf.size) {
  console.log('\nby caller:');
  for (const [k, c] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${kb(c).padStart(9)}  ${k}`);
}
