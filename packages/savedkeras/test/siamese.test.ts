import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { loadSavedModel } from '../src/index.js';

/**
 * Issue 10's Siamese shape of model: a shared embedding applied to two inputs and a custom distance
 * layer (sqrt(max(sum((a - b)^2), epsilon))), plus the distance of an embedding to itself (exactly
 * epsilon's root in TensorFlow, the output the issue saw turn NaN). Run on wasm and cpu against the
 * outputs TensorFlow 2.21 gave (models/siamese-euclidean.json; generator models/siamese-euclidean.py).
 */
const dir = fileURLToPath(new URL('./models/siamese-euclidean', import.meta.url));
const tfRef = JSON.parse(readFileSync(new URL('./models/siamese-euclidean.json', import.meta.url), 'utf8')) as {
  inputs: Record<string, number[][]>;
  outputs: Record<string, number[][]>;
};

describe('a Siamese SavedModel with a custom squared-distance layer, against TensorFlow', () => {
  it.each(['wasm', 'cpu'])('on %s every output (the self-distance too) is TensorFlow\'s, no NaN', async (backend) => {
    await selectBackend(backend as 'wasm' | 'cpu');
    const sm = await loadSavedModel(new NodeFileSource(dir));
    const sig = sm.signatures['serving_default']!;
    const feeds = Object.fromEntries(Object.entries(tfRef.inputs).map(([k, v]) => [k, tf.tensor2d(v)]));
    const out = sig(feeds);
    expect(Object.keys(out).sort()).toEqual(Object.keys(tfRef.outputs).sort());
    for (const [name, want] of Object.entries(tfRef.outputs)) {
      const got = out[name]!.dataSync();
      const w = want.flat();
      expect(got.length).toBe(w.length);
      w.forEach((v, i) => expect(Math.abs(got[i]! - v), `${name}[${i}] on ${backend}: ${got[i]} vs ${v}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    }
    // the self-distance: sqrt(epsilon) in TensorFlow for every row
    expect([...out['output_1']!.dataSync()].every((v) => Math.abs(v - Math.sqrt(1e-7)) < 1e-8)).toBe(true);
    tf.dispose([...Object.values(feeds), ...Object.values(out)]);
  });
});
