// A/B in one process: a revived model's predict with tfjs-backend-wasm's own kernels KERNELS against savedkeras' fixes
// of them, alternating call by call; CPU ms per call (medians) and the largest output difference. Dev tool.
//   THREADS=1 node tools/perf/predict-kernel-ab.mjs cnn-mnist-bn FusedBatchNorm[,Other] [calls]
import { tf, alternate, loadKerasModel, modelDir, nativeSwitch, randomInputs } from './predict-env.mjs';

const [name, kernels, callsArg] = process.argv.slice(2);
const use = await nativeSwitch(kernels.split(','));
const model = await loadKerasModel(await modelDir(name));
const x = randomInputs(model, Number(process.env.BATCH ?? 8));
const run = () => { const y = model.predict(x); const l = Array.isArray(y) ? y : [y]; const v = l.map((t) => t.dataSync()); l.forEach((t) => t.dispose()); return v; };
use('native'); const a = run(); use('fixed'); const b = run();
let diff = 0;
a.forEach((v, i) => v.forEach((e, j) => { diff = Math.max(diff, Math.abs(e - b[i][j])); }));
const calls = Number(callsArg ?? 50);
const { nativeCpuMs, fixedCpuMs, ratio, load } = alternate(calls, run, use);
console.log(JSON.stringify({ name, kernels, threads: Number(process.env.THREADS ?? 1), calls, nativeCpuMs, fixedCpuMs, ratio, maxAbsDiff: diff, load }));
