#!/usr/bin/env node
// Where a savedkeras load spends its CPU (issue 15 item 2): the inspector's sampling profiler over many loads
// of one model in one process, after warm-ups. Prints the share of samples by package (innermost frame's
// file), the top functions by self time, and the inclusive share of the steps named by --steps.
//
//   node tools/perf/revive-profile.mjs [--root <repo>] [--backend wasm|cpu] [--loads 100] [--tfjs]
//        [--steps name,name] [--top 40] [--save out.cpuprofile] fixture
//
// --tfjs profiles tf.loadLayersModel of the converted model instead (same process set-up).
// Shares, not times: on a loaded machine the sampler is starved, so compare shares and use revive-ab.mjs for times.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { reviveSetup } from './revive-setup.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    loads: { type: 'string', default: '100' },
    warm: { type: 'string', default: '15' },
    tfjs: { type: 'boolean', default: false },
    steps: { type: 'string', default: '' },
    top: { type: 'string', default: '40' },
    save: { type: 'string' },
  },
});
const { fixtureDir, loadOurs, tfjsLoader } = await reviveSetup({ root: values.root, backend: values.backend, tmpPrefix: 'revive-prof-' });
const name = positionals[0];
const dir = await fixtureDir(name);
let load = async () => (await loadOurs(dir)).model.dispose();
if (values.tfjs) {
  const first = await loadOurs(dir);
  load = await tfjsLoader(name, first);
  first.model.dispose();
}
for (let i = 0; i < Number(values.warm); i++) await load();

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
for (let i = 0; i < Number(values.loads); i++) await load();
const { profile } = await session.post('Profiler.stop');
session.disconnect();
if (values.save) fs.writeFileSync(values.save, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)').map((n) => n.id));
let total = 0;
for (const [id, c] of counts) if (!idle.has(id)) total += c;

function pkg(url) {
  if (!url) return '(native/gc)';
  let m = url.match(/packages\/([\w-]+)\/dist/);
  if (m) return `savedkeras:${m[1]}`;
  m = url.match(/node_modules\/(@[\w-]+\/[\w.-]+|[\w.-]+)\/(?!.*node_modules)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node';
  return url;
}
const byPkg = new Map();
const bySelf = new Map();
for (const [id, c] of counts) {
  if (idle.has(id)) continue;
  const f = byId.get(id).callFrame;
  const p = f.functionName === '(garbage collector)' ? '(gc)' : pkg(f.url);
  byPkg.set(p, (byPkg.get(p) ?? 0) + c);
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  bySelf.set(key, (bySelf.get(key) ?? 0) + c);
}
const pct = (c) => `${((100 * c) / total).toFixed(1)} %`;
console.log(`${name} ${values.tfjs ? '(tfjs loadLayersModel)' : '(savedkeras)'} ${values.backend}: ${total} samples over ${values.loads} loads`);
console.log('\nby package (self):');
for (const [p, c] of [...byPkg].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(c).padStart(7)}  ${p}`);
console.log('\ntop self:');
for (const [k, c] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(c).padStart(7)}  ${k}`);
const steps = values.steps ? values.steps.split(',') : [];
if (steps.length) {
  console.log('\ninclusive (a sample counts once per step whose function is on its stack):');
  for (const step of steps) {
    let c = 0;
    for (const [id, n] of counts) {
      if (idle.has(id)) continue;
      for (let x = id; x !== undefined; x = parent.get(x)) {
        if (byId.get(x).callFrame.functionName === step) {
          c += n;
          break;
        }
      }
    }
    console.log(`  ${pct(c).padStart(7)}  ${step}`);
  }
}
