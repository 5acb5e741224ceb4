import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
await selectBackend('wasm');
const dtype = process.argv[2];
const x = tf.tensor3d([1,0,1,1,0,0,1,0,1,0,0,1], [6, 2, 1], dtype);
const r = tf.reverse(x, [0]);
console.log(dtype, Array.from(r.dataSync()), 'expected', [0,1,1,0,0,1,0,0,1,1,0,1].join(','));
