// Writes the small models of test/data with savedkeras' own .keras writer (built dist), from
// models built in JavaScript with fixed weights. scripts/make_test_data.py then has Keras 3 load
// each one, predict on fixed inputs, train one step, and save .h5 / trained .keras twins.
//   node packages/keras-file/scripts/write-test-models.mjs packages/keras-file/test/data
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { encodeKerasFile } from '../dist/index.js';

await tf.setBackend('cpu');
const out = process.argv[2];
mkdirSync(out, { recursive: true });

/** Deterministic weights: a fixed sine pattern, so the files are reproducible. */
function fill(model) {
  let k = 1;
  for (const w of model.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    // Variances must stay positive; the rest may take any sign.
    const positive = /variance/.test(w.name);
    const v = Float32Array.from({ length: n }, (_, i) => (positive ? 0.6 + 0.4 * Math.abs(Math.sin(0.37 * (i + 1) * k)) : 0.5 * Math.sin(0.37 * (i + 1) * k)));
    w.write(tf.tensor(v, w.shape));
    k++;
  }
}

const models = {
  // Sequential MLP: Dense, BatchNormalization (moving stats), softmax.
  'seq-mlp': () => {
    const m = tfl.sequential({ name: 'seq_mlp' });
    m.add(tfl.layers.inputLayer({ batchInputShape: [null, 5], name: 'features' }));
    m.add(tfl.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }));
    m.add(tfl.layers.batchNormalization({ name: 'bn' }));
    m.add(tfl.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }));
    return m;
  },
  // Functional CNN with two inputs, a shared Dense and a merge.
  'func-cnn': () => {
    const img = tfl.input({ shape: [6, 6, 2], name: 'image' });
    const extra = tfl.input({ shape: [4], name: 'extra' });
    let x = tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(img);
    x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x);
    x = tfl.layers.flatten({ name: 'flat' }).apply(x);
    const e = tfl.layers.dense({ units: 3, activation: 'tanh', name: 'extra_proj' }).apply(extra);
    const merged = tfl.layers.concatenate({ name: 'merge' }).apply([x, e]);
    const y = tfl.layers.dense({ units: 2, name: 'score' }).apply(merged);
    return tfl.model({ inputs: [img, extra], outputs: y, name: 'func_cnn' });
  },
  // Recurrent: LSTM over a sequence.
  'lstm': () => {
    const m = tfl.sequential({ name: 'lstm_model' });
    m.add(tfl.layers.inputLayer({ batchInputShape: [null, 4, 3], name: 'steps' }));
    m.add(tfl.layers.lstm({ units: 5, name: 'lstm' }));
    m.add(tfl.layers.dense({ units: 1, name: 'y' }));
    return m;
  },
};

for (const [slug, make] of Object.entries(models)) {
  const model = make();
  fill(model);
  writeFileSync(join(out, `${slug}.keras`), await encodeKerasFile(model));
  console.log(`wrote ${slug}.keras`);
}
