// A/B in one process (dev tool): tf.concat of float32 tensors on tfjs-backend-wasm's own Concat against savedkeras'
// heap-concat fix, alternating call by call; CPU ms per call (medians) and whether the outputs are bit-identical.
//   node tools/perf/predict-concat-ab.mjs AXIS SHAPE SHAPE [...] [calls=N]     e.g. -1 8,256,256,64 8,256,256,64 calls=20
import * as os from 'node:os';
import { tf, cpuMs, nativeSwitch } from './predict-env.mjs';

const args = process.argv.slice(2);
const calls = Number(args.find((a) => a.startsWith('calls='))?.slice(6) ?? 20);
const axis = Number(args[0]);
const shapes = args.slice(1).filter((a) => !a.startsWith('calls=')).map((s) => s.split(',').map(Number));
const use = await nativeSwitch(['Concat']);
const xs = shapes.map((s, i) => tf.randomUniform(s, -1, 1, 'float32', i + 1));
// wasm kernels run synchronously: the timed calls do not read the output back (the first two do, to compare).
const run = (read) => { const y = tf.concat(xs, axis); const v = read ? y.dataSync() : undefined; y.dispose(); return v; };
use('native'); const a = run(true); use('fixed'); const b = run(true);
const same = a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);
const A = [], B = [];
const l0 = os.loadavg()[0];
for (let i = 0; i < calls; i++) {
  use('native'); let c = cpuMs(); run(); A.push(cpuMs() - c);
  use('fixed'); c = cpuMs(); run(); B.push(cpuMs() - c);
}
const med = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];
console.log(JSON.stringify({ axis, shapes, calls, nativeCpuMs: +med(A).toFixed(2), fixedCpuMs: +med(B).toFixed(2), ratio: +(med(B) / med(A)).toFixed(3), identical: same, load: `${l0.toFixed(1)}-${os.loadavg()[0].toFixed(1)}` }));
