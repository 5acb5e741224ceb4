import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
await selectBackend('wasm');
const what = process.argv[2];
for (let i = 0; i < 200; i++) {
  const c = tf.tensor2d([1, 0], [2, 1], 'bool');
  if (what === 'tile') { const t = tf.tile(c, [1, 3]); t.dataSync(); t.dispose(); }
  if (what === 'select') { const t = tf.tile(c, [1, 3]); const s = tf.where(t, tf.ones([2, 3]), tf.zeros([2, 3])); s.dataSync(); tf.dispose([t, s]); }
  c.dispose();
  const big = tf.randomNormal([64, 64]); const m = tf.matMul(big, big); m.dataSync(); tf.dispose([big, m]);
}
console.log(what, 'done', tf.memory().numTensors);
