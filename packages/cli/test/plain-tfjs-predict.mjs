// Loads a converted model.json with plain TensorFlow.js (tfjs-core + tfjs-layers + the cpu
// backend; no savedkeras) and prints its predictions as JSON. With --with-plugins it first imports
// @savedkeras/layers, as model.json's userDefinedMetadata asks for plugin classes.
// Usage: node plain-tfjs-predict.mjs <model.json> <inputs.json> [--with-plugins]
// inputs.json: [{ shape: number[], dtype: string, values: number[] }, ...] in model input order.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const [modelJson, inputsFile, flag] = process.argv.slice(2);
if (flag === '--with-plugins') await import('@savedkeras/layers');
await tf.setBackend('cpu');
const dir = path.dirname(modelJson);
const handler = {
  load: async () => {
    const json = JSON.parse(await readFile(modelJson, 'utf8'));
    return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const buffers = [];
      for (const group of manifest) {
        for (const p of group.paths) {
          const b = await readFile(path.join(dir, p));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        }
      }
      return [tf.io.getWeightSpecs(manifest), buffers];
    });
  },
};
const model = await tfl.loadLayersModel(handler);
const inputs = JSON.parse(await readFile(inputsFile, 'utf8')).map((x) => tf.tensor(x.values, x.shape, x.dtype));
const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
const outs = Array.isArray(out) ? out : [out];
process.stdout.write(JSON.stringify(outs.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }))) + '\n');
