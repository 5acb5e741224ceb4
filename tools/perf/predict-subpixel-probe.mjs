// Probe: a 3x3 SAME convolution of a 2x nearest-upsampled image computed on the small image (sub-pixel), against the
// direct FusedConv2D of the upsampled one, with tfjs ops (savedkeras' wasm fix of the same idea routes the direct calls too when
// the kernel fixes are installed: run it against SAVEDKERAS_ROOT=<a tree without the fix> to see tfjs' own); CPU ms per call
// (medians): the four 2x2 convolutions, and the phases as 4x the channels of one 3x3 convolution. Dev tool.
//   THREADS=1 node tools/perf/predict-subpixel-probe.mjs 8,14,14,128,64 [calls]
import * as os from 'node:os';
import { tf, useWasm, cpuMs } from './predict-env.mjs';

const [dims, callsArg] = process.argv.slice(2);
const [n, h, w, cin, cout] = dims.split(',').map(Number);
await useWasm();
const s = tf.randomUniform([n, h, w, cin], -1, 1, 'float32', 1);
const filter = tf.randomUniform([3, 3, cin, cout], -1, 1, 'float32', 2);
const bias = tf.randomUniform([cout], -1, 1, 'float32', 3);
// Phase (a, b) of the output reads source rows {i-1, i} (a = 0) or {i, i+1} (a = 1): a 2x2 filter of summed taps.
const rowsOf = (a) => (a === 0 ? [[0], [1, 2]] : [[0, 1], [2]]);
const phaseFilters = [];
for (const a of [0, 1]) for (const b of [0, 1]) {
  phaseFilters.push(tf.tidy(() => {
    const r = rowsOf(a).map((ks) => tf.addN(ks.map((k) => filter.slice([k, 0, 0, 0], [1, 3, cin, cout]))));
    const rows = tf.concat(r, 0); // [2,3,cin,cout]
    const c = rowsOf(b).map((ks) => tf.addN(ks.map((k) => rows.slice([0, k, 0, 0], [2, 1, cin, cout]))));
    return tf.concat(c, 1); // [2,2,cin,cout]
  }));
}
const pads = [0, 1].flatMap((a) => [0, 1].map((b) => [[0, 0], a === 0 ? [1, 0] : [0, 1], b === 0 ? [1, 0] : [0, 1], [0, 0]]));
// The four phases as output channels of one 3x3 convolution of the small image (zeros where a phase reads no tap).
const combined = tf.tidy(() => tf.concat(phaseFilters.map((f, i) => {
  // A phase padded top by 1 reads source rows i-1, i: taps 0-1 of the 3x3 (the zero row below), and so on.
  const [, [t, bt], [l, r]] = pads[i];
  return tf.pad(f, [[bt, t], [r, l], [0, 0], [0, 0]]);
}), 3));
const combinedOnly = () => tf.tidy(() => tf.fused.conv2d({ x: s, filter: combined, strides: 1, pad: 'same' }));
const direct = () => tf.tidy(() => tf.fused.conv2d({ x: tf.image.resizeNearestNeighbor(s, [2 * h, 2 * w]), filter, strides: 1, pad: 'same', bias }));
const sub = () => tf.tidy(() => {
  const p = phaseFilters.map((f, i) => tf.fused.conv2d({ x: s, filter: f, strides: 1, pad: pads[i], bias }));
  // interleave: [2(a), 2(b), n, h, w, c] -> [n, h, a, w, b, c]
  return tf.stack(p).reshape([2, 2, n, h, w, cout]).transpose([2, 3, 0, 4, 1, 5]).reshape([n, 2 * h, 2 * w, cout]);
});
const convOnly = () => tf.tidy(() => phaseFilters.map((f, i) => tf.fused.conv2d({ x: s, filter: f, strides: 1, pad: pads[i], bias })));
const up = tf.image.resizeNearestNeighbor(s, [2 * h, 2 * w]);
const directOnly = () => tf.tidy(() => tf.fused.conv2d({ x: up, filter, strides: 1, pad: 'same', bias }));
const d = direct(), q = sub();
const k = tf.tidy(() => tf.add(combinedOnly(), tf.tile(bias, [4])).reshape([n, h, w, 2, 2, cout]).transpose([0, 1, 3, 2, 4, 5]).reshape([n, 2 * h, 2 * w, cout]));
console.log('max |diff| four 2x2', tf.max(tf.abs(tf.sub(d, q))).dataSync()[0], 'phases as channels', tf.max(tf.abs(tf.sub(d, k))).dataSync()[0], 'max |y|', tf.max(tf.abs(d)).dataSync()[0]);
const calls = Number(callsArg ?? 50);
const fns = { direct, sub, directOnly, convOnly, combinedOnly };
const t = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
const l0 = os.loadavg()[0];
for (let i = 0; i < calls; i++) for (const [k, f] of Object.entries(fns)) { const c = cpuMs(); const y = f(); (Array.isArray(y) ? y : [y]).forEach((z) => { z.dataSync(); z.dispose(); }); t[k].push(cpuMs() - c); }
const med = (v) => v.slice().sort((p, r) => p - r)[v.length >> 1];
console.log(JSON.stringify({ dims, calls, ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +med(v).toFixed(3)])), load: `${l0.toFixed(1)}-${os.loadavg()[0].toFixed(1)}` }));
