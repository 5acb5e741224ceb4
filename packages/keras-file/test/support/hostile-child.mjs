// Runs hostile Keras files through the built @savedkeras/keras-file in one process, as a user's
// program would meet them: inspect (no tfjs) then load and predict. Prints one JSON line per case:
// {i, kind: ok|typed|untyped, code, message, ms, maxRssMb}. The parent (hostile.test.ts) kills it when
// a case takes too long. Last, a healthy file must still load and predict (the process is not poisoned).
// Usage: node --max-old-space-size=512 hostile-child.mjs <list.json>   (list: [{file, name}], then a healthy {file, name, input})
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllLayers } from '@savedkeras/layers';
import { SavedKerasError } from '@savedkeras/common';
import { inspectKerasFile, loadKerasFile } from '../../dist/index.js';

await tf.setBackend('cpu');
tf.backend().firstUse = false;
registerAllLayers();
const { cases, healthy } = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function run(bytes, name) {
  await inspectKerasFile(bytes, { fileName: name });
  const { model } = await loadKerasFile(bytes, { fileName: name, warn: () => undefined });
  try {
    const xs = model.inputs.map((i) => tf.zeros(i.shape.map((d) => (d === null || d < 0 ? 2 : d)), i.dtype === 'string' ? 'float32' : i.dtype));
    const out = model.predict(xs.length === 1 ? xs[0] : xs);
    for (const o of Array.isArray(out) ? out : [out]) o.dataSync();
    tf.dispose([...xs, out]);
  } finally {
    model.dispose();
  }
}

for (const [i, c] of cases.entries()) {
  const t0 = performance.now();
  let line;
  try {
    await run(new Uint8Array(readFileSync(c.file)), c.name);
    line = { i, kind: 'ok' };
  } catch (e) {
    const typed = e instanceof SavedKerasError;
    line = { i, kind: typed ? 'typed' : 'untyped', code: e?.code, name: e?.name, message: String(e?.message ?? e).slice(0, 300), stack: typed ? undefined : String(e?.stack ?? '').slice(0, 1500) };
  }
  line.ms = Math.round(performance.now() - t0);
  line.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  line.tensors = tf.memory().numTensors;
  process.stdout.write(JSON.stringify(line) + '\n');
}
const { model } = await loadKerasFile(new Uint8Array(readFileSync(healthy.file)), { warn: () => undefined });
const x = tf.tensor(healthy.input.value, healthy.input.shape);
const y = model.predict(x);
process.stdout.write(JSON.stringify({ healthy: Array.from(y.dataSync()), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
