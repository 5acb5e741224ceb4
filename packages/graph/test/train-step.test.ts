// A model's own training step run in JavaScript: train-step/model is a small tf.Module SavedModel whose
// train_* signatures compute GradientTape gradients and apply them with ResourceApply* ops (the way Keras
// 2 optimizers and custom train steps save them). Each signature runs three steps from the saved weights;
// after every step the loss and every variable (weights and optimizer slots) must match what TensorFlow
// computed from the same SavedModel (train-step/expected.json, written by train-step/generate.py).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { fsSource } from '@savedkeras/testing';
import { loadSignatures } from '../src/index.js';

await tf.setBackend('cpu');

interface Values { shape: number[]; values: number[] }
interface Step { loss: number; variables: Record<string, Values> }
interface Case { model?: string; inputs: Record<string, Values & { dtype: string }>; steps: Step[] }

const dir = fileURLToPath(new URL('./train-step/', import.meta.url));
const expected = (JSON.parse(readFileSync(dir + 'expected.json', 'utf8')) as { cases: Record<string, Case> }).cases;

async function load(model = 'model') {
  const source = fsSource(dir + model);
  const checkpoint = await CheckpointReader.open(source);
  const graph = await SavedModelGraph.load(source, { checkpointGraph: await checkpoint.readObjectGraph() });
  return loadSignatures(graph, checkpoint, { loadAllVariables: true });
}

describe('a saved training step changes the weights as TensorFlow does', () => {
  for (const [name, c] of Object.entries(expected)) {
    it(name, async () => {
      const model = await load(c.model);
      try {
        const sig = model.signatures[name];
        expect(sig, `signature ${name}`).toBeDefined();
        expect(sig!.unsupportedOps().map((u) => u.op).join(" ")).toBe("");
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype.startsWith('int') ? 'int32' : 'float32')]));
        c.steps.forEach((step, s) => {
          const before = tf.memory().numTensors;
          const out = sig!(inputs);
          expect(Math.abs(out.loss!.dataSync()[0]! - step.loss), `step ${s + 1} loss`).toBeLessThan(1e-5 * Math.max(1, Math.abs(step.loss)));
          tf.dispose(Object.values(out));
          // (the first call also caches the graph's Const values)
          if (s > 0) expect(tf.memory().numTensors, `tensors left behind by step ${s + 1}`).toBe(before);
          for (const [path, want] of Object.entries(step.variables)) {
            const v = model.variables.get(path);
            expect(v, `variable ${path}`).toBeDefined();
            expect(v!.shape, `${path} shape`).toEqual(want.shape);
            const got = v!.dataSync();
            const worst = want.values.reduce((m, e, i) => Math.max(m, Math.abs(got[i]! - e) / Math.max(1, Math.abs(e))), 0);
            expect(worst, `step ${s + 1}: ${path} differs from TensorFlow by ${worst}`).toBeLessThan(2e-5);
          }
        });
        tf.dispose(Object.values(inputs));
      } finally {
        model.dispose();
      }
    });
  }
});
