// A/B in one process (dev tool): savedkeras' Winograd convolution on tfjs-backend-wasm under two settings of its
// measuring variables (WINOGRAD_CHUNK_BYTES, read per call), alternating call by call. Per call (medians): CPU ms of
// the process (all threads, including the thread pool's waits), CPU ms of the main thread (/proc/thread-self, Linux),
// wall ms (means something only on an idle machine), and the largest difference between the two settings' outputs.
//   THREADS=2 node tools/perf/predict-winograd-env-ab.mjs N H W C K VAR=a VAR=b [calls]   one fused 3x3 conv call shape
//   THREADS=2 node tools/perf/predict-winograd-env-ab.mjs <model> VAR=a VAR=b [calls]     a model's predict (batch BATCH, 8)
// A setting `native` runs tfjs-backend-wasm's own (Fused)Conv2D instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { tf, loadKerasModel, modelDir, cpuMs, nativeSwitch, randomInputs } from './predict-env.mjs';

const mainMs = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const args = process.argv.slice(2);
const byShape = !Number.isNaN(Number(args[0]));
const [what, settings, callsArg] = byShape ? [args.slice(0, 5).join(' '), args.slice(5, 7), args[7]] : [args[0], args.slice(1, 3), args[3]];
const swap = await nativeSwitch(['FusedConv2D', 'Conv2D']);
let run;
if (byShape) {
  const [n, h, w, c, k] = args.slice(0, 5).map(Number);
  const x = tf.randomUniform([n, h, w, c], -1, 1, 'float32', 1);
  const f = tf.randomUniform([3, 3, c, k], -0.3, 0.3, 'float32', 2);
  const b = tf.randomUniform([k], -0.1, 0.1, 'float32', 3);
  run = () => { const y = tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: b, activation: 'relu' }); const v = y.dataSync(); y.dispose(); return [v]; };
} else {
  const model = await loadKerasModel(await modelDir(what));
  const x = randomInputs(model, Number(process.env.BATCH ?? 8));
  run = () => { const y = model.predict(x); const l = Array.isArray(y) ? y : [y]; const v = l.map((t) => t.dataSync()); l.forEach((t) => t.dispose()); return v; };
}
const use = (setting) => {
  if (setting === 'native') return swap('native');
  swap('fixed');
  const [name, value] = setting.split('=');
  process.env[name] = value;
};
use(settings[0]); const a = run(); use(settings[1]); const b = run();
let diff = 0;
a.forEach((v, i) => v.forEach((e, j) => { diff = Math.max(diff, Math.abs(e - b[i][j])); }));
const calls = Number(callsArg ?? 5);
const m = settings.map(() => ({ cpu: [], main: [], wall: [] }));
const l0 = os.loadavg()[0];
for (let i = 0; i < calls; i++) {
  settings.forEach((s, j) => {
    use(s);
    const c0 = cpuMs(), m0 = mainMs(), t0 = performance.now();
    run();
    m[j].cpu.push(cpuMs() - c0); m[j].main.push(mainMs() - m0); m[j].wall.push(performance.now() - t0);
  });
}
const med = (v) => +v.slice().sort((p, q) => p - q)[v.length >> 1].toFixed(2);
console.log(JSON.stringify({ what, threads: Number(process.env.THREADS ?? 1), calls,
  ...Object.fromEntries(settings.map((s, j) => [s, { cpuMs: med(m[j].cpu), mainMs: med(m[j].main), wallMs: med(m[j].wall) }])),
  maxAbsDiff: diff, load: `${l0.toFixed(1)}-${os.loadavg()[0].toFixed(1)}` }));
