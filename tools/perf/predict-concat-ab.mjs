// A/B in one process (dev tool): tf.concat of float32 tensors on tfjs-backend-wasm's own Concat against savedkeras'
// heap-concat fix, alternating call by call; CPU ms per call (medians) and whether the outputs are bit-identical.
//   node tools/perf/predict-concat-ab.mjs AXIS SHAPE SHAPE [...] [calls=N]     e.g. -1 8,256,256,64 8,256,256,64 calls=20
import { tf, alternate, nativeSwitch } from './predict-env.mjs';

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
const { nativeCpuMs, fixedCpuMs, ratio, load } = alternate(calls, run, use);
console.log(JSON.stringify({ axis, shapes, calls, nativeCpuMs, fixedCpuMs, ratio, identical: same, load }));
