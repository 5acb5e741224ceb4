// In-process A/B of load CPU: the default route (weights by checkpoint key names where it applies), the same
// load with the key route turned off (the checkpoint object graph), and tf.loadLayersModel of the same model
// converted to tfjs' format, alternating load by load in one process. CPU: the main thread's (from
// /proc/thread-self/stat, 10 ms ticks summed over all loads) and the process's (process.cpuUsage, which also
// counts V8's GC helpers and libuv threads; summed, and the median load's). Allocated bytes per load: V8's sampling heap profiler (every
// object, including those freed by minor GCs), on separate loads.
//   pnpm build && node tools/perf/load-ab.mjs --backend wasm|cpu [--rounds 40] fixture-dir-or-slug ...
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); if (i < 0) return d; const v = args[i + 1]; args.splice(i, 2); return v; };
const backend = opt('--backend', 'wasm');
const rounds = Number(opt('--rounds', '40'));
const { selectBackend, NodeFileSource, layersModelFromFiles } = await import(path.join(repo, 'packages/backend-node/dist/index.js'));
const { loadKerasModelWithReport } = await import(path.join(repo, 'packages/savedkeras/dist/index.js'));
const { convertLoadedModel } = await import(path.join(repo, 'packages/cli/dist/convert/convert-model.js'));
const tfl = await import(path.join(repo, 'packages/cli/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.node.js'));
await selectBackend(backend);
const shared = process.env.SAVEDKERAS_SHARED ?? path.resolve(repo, '../shared');
class NoKeyRoute {}

const ticks = () => { const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
const proc = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const session = new Session();
session.connect();

async function allocated(fn) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let total = 0;
  const walk = (n) => { for (const s of n.selfSize ? [n.selfSize] : []) total += s; n.children.forEach(walk); };
  walk(profile.head);
  return total;
}

for (const a of args) {
  const dir = a.includes('/') ? a : path.join(shared, 'fixtures/savedmodels', a);
  const loads = {
    keys: async () => (await loadKerasModelWithReport(new NodeFileSource(dir), { warn: () => {} })),
    graph: async () => (await loadKerasModelWithReport(new NodeFileSource(dir), { warn: () => {}, customObjects: { __no_key_route__: NoKeyRoute } })),
  };
  const first = await loads.keys();
  const byKeys = first.graph?.weightsByKeyNames === true;
  const tmp = mkdtempSync(path.join(tmpdir(), 'load-ab-'));
  await convertLoadedModel(first.model, first.report, tmp, { verify: false });
  first.model.dispose();
  const tfjs = async () => ({ model: await tfl.loadLayersModel(layersModelFromFiles(path.join(tmp, 'model.json'))) });
  const all = { ...loads, tfjs };
  for (const f of Object.values(all)) for (let i = 0; i < 5; i++) (await f()).model.dispose();
  const main = { keys: 0, graph: 0, tfjs: 0 };
  const cpu = { keys: 0, graph: 0, tfjs: 0 };
  const each = { keys: [], graph: [], tfjs: [] };
  const order = Object.entries(all);
  for (let r = 0; r < rounds; r++) {
    // Each round starts with the next one: a load pays for the garbage the one before it left (tfjs' 3 MB of
    // weights buffers after a large model), which a fixed order would always charge to the same one.
    for (let j = 0; j < order.length; j++) {
      const [k, f] = order[(r + j) % order.length];
      const t0 = ticks(); const p0 = proc();
      const { model } = await f();
      const p = proc() - p0;
      main[k] += ticks() - t0; cpu[k] += p; each[k].push(p);
      model.dispose();
    }
  }
  const alloc = {};
  for (const [k, f] of Object.entries(all)) {
    let sum = 0;
    for (let i = 0; i < 5; i++) sum += await allocated(async () => (await f()).model.dispose());
    alloc[k] = Math.round(sum / 5 / 1000);
  }
  rmSync(tmp, { recursive: true, force: true });
  // The median load's process CPU: robust against the loads a busy machine descheduled or a major GC landed in.
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const med = { keys: median(each.keys), graph: median(each.graph), tfjs: median(each.tfjs) };
  const ms = (t) => ((t * 10) / rounds).toFixed(2);
  const pm = (t) => (t / rounds).toFixed(2);
  console.log(`${path.basename(dir)} ${backend} (route ${byKeys ? 'keys' : 'object graph'}): main ms/load keys ${ms(main.keys)} graph ${ms(main.graph)} tfjs ${ms(main.tfjs)} | ratio keys/tfjs ${(main.keys / main.tfjs).toFixed(2)} graph/tfjs ${(main.graph / main.tfjs).toFixed(2)} | process ms/load keys ${pm(cpu.keys)} graph ${pm(cpu.graph)} tfjs ${pm(cpu.tfjs)} ratio ${(cpu.keys / cpu.tfjs).toFixed(2)} / ${(cpu.graph / cpu.tfjs).toFixed(2)} | median process ms keys ${med.keys.toFixed(2)} graph ${med.graph.toFixed(2)} tfjs ${med.tfjs.toFixed(2)} ratio ${(med.keys / med.tfjs).toFixed(2)} / ${(med.graph / med.tfjs).toFixed(2)} | alloc KB keys ${alloc.keys} graph ${alloc.graph} tfjs ${alloc.tfjs}`);
}
session.disconnect();
