import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { memorySource, writeKerasSavedModel, type OptimizerSpec, type SequentialSpec } from '@savedkeras/testing';
import { CheckpointReader } from '@savedkeras/proto';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * Resumed training: one fit() step of a loaded model equals the update Keras' own formulas give
 * from the checkpoint's optimizer state (iterations, slots, hyper-parameters), computed here by
 * hand in float64. Models are generated (Keras OptimizerV2 layout, TF < 2.11); the slots are read
 * from the checkpoint by the keys TensorFlow gives them (`<variable>/.OPTIMIZER_SLOT/optimizer/<slot>`).
 * Epsilon is large (1e-2) and second moments small, so that tfjs' own formulas (epsilon elsewhere)
 * are measurably off: each case also checks that they would be.
 */

const X = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.5],
  [-1, 1, 0.75],
  [0.2, -0.3, 0.4],
];
const Y = [
  [1, 0],
  [0, 1],
  [0.5, -0.5],
  [2, 1],
];

function spec(optimizer: OptimizerSpec): SequentialSpec {
  return {
    kind: 'Sequential',
    name: 'sequential',
    input: { shape: [3] },
    layers: [{ className: 'Dense', name: 'dense', units: 2 }],
    compile: { optimizer: { epsilon: 1e-2, iterations: 10, slotScale: 1e-4, ...optimizer }, loss: 'mse', metrics: [], trained: true },
    seed: 5,
  };
}

type Slots = Record<string, Float64Array>;
interface Param {
  value: Float64Array;
  grad: Float64Array;
  slots: Slots;
}
type Rule = (p: Param, step: number) => Float64Array;

/** d(mse)/d(kernel), d(mse)/d(bias) for y = xW + b, mse = mean over batch and units of (y - t)^2. */
function mseGradients(kernel: Float64Array, bias: Float64Array): [Float64Array, Float64Array] {
  const n = X.length;
  const units = 2;
  const gK = new Float64Array(kernel.length);
  const gB = new Float64Array(bias.length);
  for (let r = 0; r < n; r++) {
    for (let u = 0; u < units; u++) {
      let y = bias[u];
      for (let i = 0; i < 3; i++) y += X[r][i] * kernel[i * units + u];
      const d = (2 * (y - Y[r][u])) / (n * units);
      gB[u] += d;
      for (let i = 0; i < 3; i++) gK[i * units + u] += X[r][i] * d;
    }
  }
  return [gK, gB];
}

const map = (a: Float64Array, f: (x: number, i: number) => number) => Float64Array.from(a, f);

interface Case {
  name: string;
  optimizer: OptimizerSpec;
  slotNames: string[];
  keras: Rule;
  /** The same step with tfjs' built-in optimizer's formula (to show the difference is measurable). */
  tfjs: Rule;
}

const lr = 0.05;
const eps = 1e-2;
const CASES: Case[] = [
  {
    name: 'Adam (epsilon added to sqrt(v), bias correction in the step size)',
    optimizer: { className: 'Adam', learningRate: lr },
    slotNames: ['m', 'v'],
    keras: ({ value, grad, slots }, step) => {
      const t = step + 1;
      const alpha = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      return map(value, (w, i) => {
        const m = slots.m[i] + (grad[i] - slots.m[i]) * (1 - 0.9);
        const v = slots.v[i] + (grad[i] ** 2 - slots.v[i]) * (1 - 0.999);
        return w - (alpha * m) / (Math.sqrt(v) + eps);
      });
    },
    tfjs: ({ value, grad, slots }, step) => {
      const t = step + 1;
      return map(value, (w, i) => {
        const m = 0.9 * slots.m[i] + 0.1 * grad[i];
        const v = 0.999 * slots.v[i] + 0.001 * grad[i] ** 2;
        return w - (lr * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + eps);
      });
    },
  },
  {
    name: 'RMSprop without momentum (OptimizerV2: epsilon outside the square root)',
    optimizer: { className: 'RMSprop', learningRate: lr, rho: 0.9 },
    slotNames: ['rms'],
    keras: ({ value, grad, slots }) =>
      map(value, (w, i) => {
        const rms = 0.9 * slots.rms[i] + 0.1 * grad[i] ** 2;
        return w - (lr * grad[i]) / (Math.sqrt(rms) + eps);
      }),
    tfjs: ({ value, grad, slots }) =>
      map(value, (w, i) => {
        const rms = 0.9 * slots.rms[i] + 0.1 * grad[i] ** 2;
        return w - (lr * grad[i]) / Math.sqrt(rms + eps);
      }),
  },
  {
    name: 'RMSprop centered with momentum (TF ApplyCenteredRMSProp: epsilon inside)',
    optimizer: { className: 'RMSprop', learningRate: lr, rho: 0.8, momentum: 0.5, centered: true, slotScale: 0.02 },
    slotNames: ['rms', 'momentum', 'mg'],
    keras: ({ value, grad, slots }) =>
      map(value, (w, i) => {
        const rms = 0.8 * slots.rms[i] + 0.2 * grad[i] ** 2;
        const mg = 0.8 * slots.mg[i] + 0.2 * grad[i];
        const mom = 0.5 * slots.momentum[i] + (lr * grad[i]) / Math.sqrt(rms - mg * mg + eps);
        return w - mom;
      }),
    // tfjs' centered RMSprop is the same rule; its difference here is only in where the slots come from.
    tfjs: ({ value, grad }) => map(value, (w, i) => w - (lr * grad[i]) / Math.sqrt(0.2 * grad[i] ** 2 - (0.2 * grad[i]) ** 2 + eps)),
  },
  {
    name: 'SGD with momentum (velocity accumulates -lr·g)',
    optimizer: { className: 'SGD', learningRate: lr, momentum: 0.9, slotScale: 0.05 },
    slotNames: ['momentum'],
    keras: ({ value, grad, slots }) => map(value, (w, i) => w + (0.9 * slots.momentum[i] - lr * grad[i])),
    tfjs: ({ value, grad, slots }) => map(value, (w, i) => w - lr * (0.9 * slots.momentum[i] + grad[i])),
  },
  {
    name: 'SGD with Nesterov momentum',
    optimizer: { className: 'SGD', learningRate: lr, momentum: 0.9, nesterov: true, slotScale: 0.05 },
    slotNames: ['momentum'],
    keras: ({ value, grad, slots }) =>
      map(value, (w, i) => {
        const a = 0.9 * slots.momentum[i] - lr * grad[i];
        return w + 0.9 * a - lr * grad[i];
      }),
    tfjs: ({ value, grad, slots }) => map(value, (w, i) => w - lr * (grad[i] + 0.9 * (0.9 * slots.momentum[i] + grad[i]))),
  },
];

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('training resumes from the optimizer state Keras saved', () => {
  for (const c of CASES) {
    it(`${c.name}: one fit() step equals Keras' update from the saved slots`, async () => {
      const files = writeKerasSavedModel(spec(c.optimizer));
      const { model, report } = await loadKerasModelWithReport(memorySource(files), { warn: () => {}, loadOptimizerState: true });
      expect(report.compile.compiled).toBe(true);
      expect(report.compile.optimizerState).toEqual({ iterations: 10, slots: 2 * c.slotNames.length });

      // The state as saved, read straight from the checkpoint by TensorFlow's keys.
      const ckpt = await CheckpointReader.open(memorySource(files));
      const read = async (key: string) => Float64Array.from((await ckpt.readTensor(key)).values as Float32Array);
      const iter = Number((await ckpt.readTensor('optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE')).values[0]);
      expect(iter).toBe(10);
      const params: Param[] = [];
      const kernel = await read('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE');
      const bias = await read('layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE');
      const [gK, gB] = mseGradients(kernel, bias);
      for (const [attr, value, grad] of [['kernel', kernel, gK], ['bias', bias, gB]] as const) {
        const slots: Slots = {};
        for (const s of c.slotNames) slots[s] = await read(`layer_with_weights-0/${attr}/.OPTIMIZER_SLOT/optimizer/${s}/.ATTRIBUTES/VARIABLE_VALUE`);
        params.push({ value, grad, slots });
      }
      const want = params.map((p) => c.keras(p, iter));
      const tfjsWould = params.map((p) => c.tfjs(p, iter));

      await model.fit(tf.tensor(X), tf.tensor(Y), { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });
      const got = model.trainableWeights.map((w) => w.read().dataSync());
      const moved = Math.max(...want.map((w, i) => maxDiff(w, params[i].value)));
      const tolerance = 1e-6 + 1e-4 * moved; // float32 arithmetic on a step of size `moved`
      for (let i = 0; i < 2; i++) expect(maxDiff(got[i], want[i])).toBeLessThan(tolerance);
      // The check can fail: tfjs' formula (or fresh slots) lands measurably elsewhere.
      expect(Math.max(...tfjsWould.map((w, i) => maxDiff(w, want[i])))).toBeGreaterThan(20 * tolerance);
      expect(model.optimizer.iterations).toBe(11);
    });
  }
});
