// A/B in one process (dev tool): one (Fused)Conv2D call shape on tfjs-backend-wasm's own kernel against savedkeras'
// Winograd fix, alternating call by call; CPU ms (medians), the largest difference between the two and against a
// float64 direct convolution.   node tools/perf/predict-winograd-ab.mjs N H W C K [calls] [relu|linear] [same|valid]
import { tf, alternate, nativeSwitch } from './predict-env.mjs';
const [N, H, W, C, K, callsArg, act = 'relu', pad = 'same'] = process.argv.slice(2);
const [n, h, w, c, k] = [N, H, W, C, K].map(Number);
const use = await nativeSwitch(['FusedConv2D']);
const x = tf.randomUniform([n, h, w, c], -1, 1, 'float32', 1);
const f = tf.randomUniform([3, 3, c, k], -0.3, 0.3, 'float32', 2);
const b = tf.randomUniform([k], -0.1, 0.1, 'float32', 3);
const run = () => { const y = tf.fused.conv2d({ x, filter: f, strides: 1, pad, bias: b, activation: act }); const v = y.dataSync(); y.dispose(); return v; };
use('native'); const A0 = run(); use('fixed'); const B0 = run();
// float64 reference
const xv = x.dataSync(), fv = f.dataSync(), bv = b.dataSync();
const ho = pad === 'same' ? h : h - 2, wo = pad === 'same' ? w : w - 2, p = pad === 'same' ? 1 : 0;
let dNative = 0, dFix = 0, dAB = 0, scale = 0;
const samples = Math.min(A0.length, 200000);
for (let s = 0; s < samples; s++) {
  const i = Math.floor((s * 2654435761) % A0.length);
  const kk = i % k, ox = Math.floor(i / k) % wo, oy = Math.floor(i / k / wo) % ho, nn = Math.floor(i / k / wo / ho);
  let acc = bv[kk];
  for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) {
    const y = oy + r - p, xx = ox + q - p;
    if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
    for (let cc = 0; cc < c; cc++) acc += xv[((nn * h + y) * w + xx) * c + cc] * fv[((r * 3 + q) * c + cc) * k + kk];
  }
  if (act === 'relu') acc = Math.max(acc, 0);
  scale = Math.max(scale, Math.abs(acc));
  dNative = Math.max(dNative, Math.abs(A0[i] - acc)); dFix = Math.max(dFix, Math.abs(B0[i] - acc)); dAB = Math.max(dAB, Math.abs(A0[i] - B0[i]));
}
const calls = Number(callsArg ?? 5);
const { nativeCpuMs, fixedCpuMs, load } = alternate(calls, run, use);
console.log(JSON.stringify({ shape: [n, h, w, c, k], act, pad, m: process.env.WINOGRAD_M ?? '4', nativeMs: +nativeCpuMs.toFixed(1), winogradMs: +fixedCpuMs.toFixed(1), x: +(nativeCpuMs / fixedCpuMs).toFixed(2), maxAbsVsF64: { native: dNative, winograd: dFix }, maxAbs: scale, load }));
