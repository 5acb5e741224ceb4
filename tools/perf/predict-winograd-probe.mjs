// Probe (dev tool): is Winograd F(2x2,3x3) worth it on wasm? CPU ms of one image of a 3x3 SAME conv
// (tfjs fused conv2d, XNNPACK) against its Winograd parts: JS input transform on the heap, 16 XNNPACK
// matmuls [tiles, C] x [C, K], JS output transform.  node tools/perf/predict-winograd-probe.mjs H W C K
import * as os from 'node:os';
import { tf, useWasm, cpuMs } from './predict-env.mjs';
const [H, W, C, K] = process.argv.slice(2).map(Number);
await useWasm();
const be = tf.backend();
const x = tf.randomUniform([1, H, W, C]);
const f = tf.randomUniform([3, 3, C, K]);
const b = tf.randomUniform([K]);
const Th = H / 2, Tw = W / 2, P = Th * Tw;
const heap = () => be.wasm.HEAPF32;
const off = (t) => be.dataIdMap.get(t.dataId).memoryOffset / 4;
const us = Array.from({ length: 16 }, () => tf.zeros([1, P, C]));
const ws = Array.from({ length: 16 }, () => tf.randomUniform([1, C, K]));
function inputTransform() {
  const h = heap(); const xo = off(x); const uo = us.map(off);
  // tile (ti, tj) covers rows 2ti-1 .. 2ti+2, cols 2tj-1 .. 2tj+2 (SAME pad 1)
  const d = new Float32Array(16);
  for (let ti = 0; ti < Th; ti++) for (let tj = 0; tj < Tw; tj++) {
    const p = (ti * Tw + tj) * C;
    for (let c = 0; c < C; c++) {
      for (let r = 0; r < 4; r++) { const y = 2 * ti - 1 + r; for (let s = 0; s < 4; s++) { const xx = 2 * tj - 1 + s; d[r * 4 + s] = (y >= 0 && y < H && xx >= 0 && xx < W) ? h[xo + (y * W + xx) * C + c] : 0; } }
      for (let s = 0; s < 4; s++) { const d0 = d[s], d1 = d[4 + s], d2 = d[8 + s], d3 = d[12 + s]; d[s] = d0 - d2; d[4 + s] = d1 + d2; d[8 + s] = d2 - d1; d[12 + s] = d1 - d3; }
      for (let r = 0; r < 4; r++) { const q = r * 4; const d0 = d[q], d1 = d[q + 1], d2 = d[q + 2], d3 = d[q + 3];
        h[uo[q] + p + c] = d0 - d2; h[uo[q + 1] + p + c] = d1 + d2; h[uo[q + 2] + p + c] = d2 - d1; h[uo[q + 3] + p + c] = d1 - d3; }
    }
  }
}
const mm = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
function gemms() { return us.map((u, i) => mm({ inputs: { a: u, b: ws[i] }, backend: be, attrs: { transposeA: false, transposeB: false } })); }
function outputTransform(ms, out) {
  const h = heap(); const mo = ms.map((m) => be.dataIdMap.get(m.dataId).memoryOffset / 4); const oo = off(out);
  for (let ti = 0; ti < Th; ti++) for (let tj = 0; tj < Tw; tj++) {
    const p = (ti * Tw + tj) * K;
    for (let k = 0; k < K; k++) {
      const m = (i) => h[mo[i] + p + k];
      const r0 = [m(0) + m(4) + m(8), m(1) + m(5) + m(9), m(2) + m(6) + m(10), m(3) + m(7) + m(11)];
      const r1 = [m(4) - m(8) - m(12), m(5) - m(9) - m(13), m(6) - m(10) - m(14), m(7) - m(11) - m(15)];
      const o = ((2 * ti) * W + 2 * tj) * K + k;
      h[oo + o] = r0[0] + r0[1] + r0[2]; h[oo + o + K] = r0[1] - r0[2] - r0[3];
      h[oo + o + W * K] = r1[0] + r1[1] + r1[2]; h[oo + o + W * K + K] = r1[1] - r1[2] - r1[3];
    }
  }
}
const out = tf.zeros([1, H, W, K]);
const t = (fn, n = 5) => { fn(); const v = []; for (let i = 0; i < n; i++) { const c = cpuMs(); fn(); v.push(cpuMs() - c); } return v.sort((a, b) => a - b)[n >> 1].toFixed(2); };
const conv = t(() => { const y = tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: b, activation: 'relu' }); y.dataSync(); y.dispose(); });
const it = t(inputTransform);
const gm = t(() => { const r = gemms(); r.forEach((m) => be.disposeData(m.dataId)); });
const r = gemms();
const ot = t(() => outputTransform(r, out));
console.log(JSON.stringify({ H, W, C, K, convMs: conv, inputTransformMs: it, gemm16Ms: gm, outputTransformMs: ot, load: os.loadavg()[0].toFixed(1) }));
