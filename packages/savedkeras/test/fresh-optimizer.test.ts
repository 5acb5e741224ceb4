import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, memorySource, writeKerasSavedModel } from '@savedkeras/testing';
import { loadKerasModel } from '../src/index.js';

/**
 * A model compiled without its optimizer state (the default) trains from a fresh Keras Adam.
 * Keras' first Adam step (t = 1, m = v = 0) is lr·(1-β1)g·sqrt(1-β2)/(1-β1) / (sqrt(1-β2)|g| + ε)
 * = lr·g/(|g| + ε/sqrt(1-β2)): every weight with a gradient moves by just under lr. Before the fix
 * the step count was read before tfjs initialised it, so every weight became NaN.
 */
describe('fit from a freshly compiled Keras optimizer', () => {
  it('the first Adam step moves each weight by lr·|g|/(|g| + ε/sqrt(1-β2)), and the loss goes down', async () => {
    await tf.setBackend('cpu');
    const model = await loadKerasModel(memorySource(writeKerasSavedModel(EXAMPLES.mlp.spec())), { warn: () => {} });
    const opt = model.optimizer as unknown as { learningRate: number; epsilon: number; beta2: number };
    const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const xs = tf.tensor2d([[0, 1, 2, 3], [3, 2, 1, 0]]);
    const ys = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
    const first = await model.fit(xs, ys, { epochs: 1, batchSize: 2, shuffle: false });
    expect(Number.isFinite(first.history.loss[0] as number)).toBe(true);
    // One step: every weight with a gradient moves by just under lr (float32 weights: a little rounding).
    let most = 0;
    model.trainableWeights.forEach((w, i) => {
      const now = w.read().dataSync();
      for (let j = 0; j < now.length; j++) {
        const d = Math.abs(now[j] - before[i][j]);
        expect(d).toBeLessThanOrEqual(opt.learningRate * (1 + 1e-3) + 1e-6);
        most = Math.max(most, d);
      }
    });
    expect(most).toBeGreaterThan(0.9 * opt.learningRate);
    const more = await model.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false });
    const losses = more.history.loss as number[];
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[2]).toBeLessThan(first.history.loss[0] as number);
    model.dispose();
  });
});
