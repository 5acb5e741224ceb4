// A/B in one process: tfjs-layers' predict of a revived model against a flat call plan (every layer's `call` in
// topological order, tensors in an array, one tidy). CPU ms per call of batch 8, alternating call by call.
//   THREADS=1 node tools/perf/predict-flat-ab.mjs cnn-mnist-bn [calls]
import * as os from 'node:os';
import { tf, tfl, useWasm, loadKerasModel, fixture, cpuMs } from './predict-env.mjs';

const [name, callsArg] = process.argv.slice(2);
await useWasm();
const model = await loadKerasModel(fixture(name));
const batch = Number(process.env.BATCH ?? 8);
const inputs = model.inputs.map((i) => {
  const shape = [batch, ...i.shape.slice(1).map((d) => d ?? 8)];
  return i.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape, 0, 1, 'float32', 8);
});
const x = inputs.length === 1 ? inputs[0] : inputs;

function plan(m) {
  const net = m.model && !(m.inputs && m.nodesByDepth) ? m.model : m;
  const inner = net.nodesByDepth ? net : m.model;
  const depths = Object.keys(inner.nodesByDepth).map(Number).sort((a, b) => b - a);
  const steps = [];
  const slot = new Map();
  inner.inputs.forEach((t, i) => slot.set(t.id, i));
  let next = inner.inputs.length;
  for (const d of depths) {
    for (const node of inner.nodesByDepth[d]) {
      const layer = node.outboundLayer;
      if (layer instanceof tfl.layers.inputLayer({ inputShape: [1] }).constructor) continue;
      const ins = node.inputTensors.map((t) => slot.get(t.id));
      const outs = node.outputTensors.map((t) => { slot.set(t.id, next); return next++; });
      steps.push({ layer, ins, outs, kwargs: { ...(node.callArgs ?? {}) } });
    }
  }
  const outputs = inner.outputs.map((t) => slot.get(t.id));
  return { steps, outputs, size: next, inner };
}
const p = plan(model);
function runFlat(xs) {
  return tf.tidy(() => {
    const vals = new Array(p.size);
    (Array.isArray(xs) ? xs : [xs]).forEach((t, i) => { vals[i] = t; });
    for (const s of p.steps) {
      const ins = s.ins.map((i) => vals[i]);
      const out = s.layer.call(ins.length === 1 ? ins[0] : ins, s.kwargs);
      const list = Array.isArray(out) ? out : [out];
      s.outs.forEach((o, k) => { vals[o] = list[k]; });
    }
    const outs = p.outputs.map((i) => vals[i]);
    return outs.length === 1 ? outs[0] : outs;
  });
}
const read = (y) => (Array.isArray(y) ? y : [y]).map((t) => { t.dataSync(); t.dispose(); });
// agreement
{
  const a = model.predict(x); const b = runFlat(x);
  const al = Array.isArray(a) ? a : [a]; const bl = Array.isArray(b) ? b : [b];
  const diff = Math.max(...al.map((t, i) => tf.max(tf.abs(tf.sub(t, bl[i]))).dataSync()[0]));
  console.log(`steps ${p.steps.length}, max |predict - flat| = ${diff}`);
  read(a); read(b);
}
for (let i = 0; i < 3; i++) { read(model.predict(x)); read(runFlat(x)); }
const calls = Number(callsArg ?? 100);
const A = [], B = [], E = [];
const outNames = model.outputs.map((o) => o.name);
const la = os.loadavg()[0];
for (let i = 0; i < calls; i++) {
  let c = cpuMs(); read(model.predict(x)); A.push(cpuMs() - c);
  c = cpuMs(); read(runFlat(x)); B.push(cpuMs() - c);
  c = cpuMs(); read(tf.tidy(() => model.execute(x, outNames))); E.push(cpuMs() - c);
}
const med = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
console.log(JSON.stringify({ name, backend: tf.getBackend(), threads: process.env.THREADS ?? 1, calls, predictCpuMs: +med(A).toFixed(3), flatCpuMs: +med(B).toFixed(3), executeCpuMs: +med(E).toFixed(3), ratio: +(med(B) / med(A)).toFixed(3), load: [la.toFixed(1), os.loadavg()[0].toFixed(1)], tensors: tf.memory().numTensors }));
