import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
const vals = [1,0,1,1,0,0,1,0,1,0,0,1,1,1,0,0,0,1,0,1,1,0,1,0];
const ops = {
  reverse0: (x) => tf.reverse(x, [0]), reverse1: (x) => tf.reverse(x, [1]), reverse2: (x) => tf.reverse(x, [2]),
  transpose: (x) => tf.transpose(x, [1, 0, 2]), transpose2: (x) => tf.transpose(x, [2, 1, 0]),
  tile: (x) => tf.tile(x, [1, 2, 3]), slice: (x) => tf.slice(x, [1, 0, 1], [2, 2, 1]),
  stridedSlice: (x) => tf.stridedSlice(x, [0, 0, 0], [6, 2, 2], [2, 1, 1]),
  concat: (x) => tf.concat([x, x], 1), stack: (x) => tf.stack([x, x], 1), unstack: (x) => tf.unstack(x, 1)[1],
  gather: (x) => tf.gather(x, [3, 1, 1], 0), pad: (x) => tf.pad(x, [[1, 0], [0, 1], [0, 0]]),
  reshape: (x) => tf.reshape(x, [3, 4, 2]), expand: (x) => tf.expandDims(x, 1), split: (x) => tf.split(x, 2, 1)[1],
  gatherND: (x) => tf.gatherND(x, [[1, 0], [5, 1]]), mirrorPad: (x) => tf.mirrorPad(x, [[1, 1], [0, 0], [0, 0]], 'reflect'),
  where: (x) => tf.where(x, tf.onesLike(x).cast('float32'), tf.zerosLike(x).cast('float32')),
  logicalNot: (x) => tf.logicalNot(x), broadcastTo: (x) => tf.broadcastTo(tf.slice(x, [0, 0, 0], [1, 2, 2]), [3, 2, 2]),
  batchToSpace: (x) => tf.reshape(x, [6, 2, 2, 1]).slice([0,0,0,0],[4,2,2,1]).batchToSpaceND([2, 2], [[0, 0], [0, 0]]),
  oneHotLike: (x) => tf.cast(x, 'int32'), any: (x) => tf.any(x, 1), all: (x) => tf.all(x, 2),
};
const only = process.argv[2];
const run = async (backend) => { await tf.setBackend(backend); const x = tf.tensor3d(vals, [6, 2, 2], 'bool'); const out = {}; for (const [k, f] of Object.entries(ops).filter(([k]) => !only || k === only)) { try { out[k] = Array.from(f(x).dataSync()).join(','); } catch (e) { out[k] = 'ERR ' + e.message.slice(0, 60); } } return out; };
const c = await run('cpu'); const w = await run('wasm');
for (const k of Object.keys(ops).filter((k) => !only || k === only)) if (c[k] !== w[k]) console.log('DIFF', k, '\n cpu ', c[k], '\n wasm', w[k]);
console.log('checked', Object.keys(ops).length);
