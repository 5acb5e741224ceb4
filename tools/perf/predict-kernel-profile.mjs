// CPU time of every wasm kernel call of a revived model's predict (a process.cpuUsage() wrapper around each registered
// kernel), by kernel and input shape, and the share outside kernels. Dev tool.
//   THREADS=1 node tools/perf/predict-kernel-profile.mjs cnn-mnist-bn [calls]
import * as os from 'node:os';
import { tf, useWasm, loadKerasModel, modelDir, cpuMs } from './predict-env.mjs';

const [name, callsArg] = process.argv.slice(2);
const backendName = await useWasm();
const model = await loadKerasModel(await modelDir(name));
const batch = Number(process.env.BATCH ?? 8);
const x = model.inputs.map((i) => {
  const shape = [batch, ...i.shape.slice(1).map((d) => d ?? 8)];
  return i.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape, 0, 1, 'float32', 8);
});
const feed = x.length === 1 ? x[0] : x;
const stats = new Map();
let depth = 0;
for (const k of tf.getKernelsForBackend(backendName)) {
  const fn = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, backendName);
  tf.registerKernel({ ...k, kernelFunc: (args) => {
    if (depth++ > 0) { try { return fn(args); } finally { depth--; } }
    const c = cpuMs();
    try { return fn(args); } finally {
      depth--;
      const key = `${k.kernelName} ${Object.values(args.inputs).filter(Boolean).map((t) => JSON.stringify(t.shape)).join(' ')}`;
      const s = stats.get(key) ?? { ms: 0, n: 0 };
      s.ms += cpuMs() - c; s.n++; stats.set(key, s);
    }
  } });
}
const run = () => { const y = model.predict(feed); (Array.isArray(y) ? y : [y]).forEach((t) => { t.dataSync(); t.dispose(); }); };
for (let i = 0; i < Number(process.env.WARM ?? 3); i++) run();
stats.clear();
const calls = Number(callsArg ?? 50);
const l0 = os.loadavg()[0];
const c0 = cpuMs();
for (let i = 0; i < calls; i++) run();
const total = (cpuMs() - c0) / calls;
const rows = [...stats].map(([k, s]) => [k, s.ms / calls, s.n / calls]).sort((a, b) => b[1] - a[1]);
const inK = rows.reduce((a, r) => a + r[1], 0);
console.log(`${name} ${backendName} threads=${process.env.THREADS ?? 1} batch=${batch}: ${total.toFixed(2)} ms CPU per predict (with wrappers), kernels ${inK.toFixed(2)} ms, outside kernels ${(100 * (1 - inK / total)).toFixed(0)} %, load ${l0.toFixed(1)}-${os.loadavg()[0].toFixed(1)}`);
const byKernel = new Map();
for (const [k, ms] of rows) { const n = k.split(' ')[0]; byKernel.set(n, (byKernel.get(n) ?? 0) + ms); }
console.log('by kernel: ' + [...byKernel].sort((a, b) => b[1] - a[1]).map(([n, ms]) => `${n} ${(100 * ms / total).toFixed(1)} %`).join(', '));
for (const [k, ms, n] of rows.slice(0, Number(process.env.TOP ?? 15))) console.log(`  ${(100 * ms / total).toFixed(1).padStart(5)} %  ${ms.toFixed(3).padStart(8)} ms  x${n}  ${k}`);
