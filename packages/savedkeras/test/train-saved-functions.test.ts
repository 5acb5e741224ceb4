import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { loadKerasModelWithReport } from '../src/index.js';
import { fixtureDir, haveFixtures } from './fixtures.js';

const have = haveFixtures('training through saved functions');

describe.skipIf(!have)('a subclassed model revived from its saved functions trains', () => {
  it('subclassed-gru-generator-emptyconfig: fit() changes the weights the graph reads and lowers the loss', async () => {
    // keras.Model subclass (GRU + two Dense) with an empty config: only its traced call function can revive it.
    const { model, report } = await loadKerasModelWithReport(new NodeFileSource(fixtureDir('subclassed-gru-generator-emptyconfig')), {
      warn: () => {},
      compile: false,
    });
    expect(report.fromSavedFunctions).toBe(1);
    expect(model.trainableWeights.length).toBeGreaterThan(0);
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });

    const x = tf.randomUniform([4, 100, 65], 0, 1, 'float32', 1);
    const y = tf.randomUniform([4, 100, 65], 0, 1, 'float32', 2);
    const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const lossBefore = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];
    const hist = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    const lossAfter = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];

    const after = model.trainableWeights.map((w) => w.read().dataSync());
    expect(after.some((a, i) => a.some((v, j) => v !== before[i][j]))).toBe(true);
    expect(hist.history['loss'].length).toBe(3);
    // plain SGD: every epoch's loss is below the one before (gradients through the saved graph point downhill)
    const losses = hist.history['loss'] as number[];
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]);
    expect(lossAfter).toBeLessThan(lossBefore);
  }, 120_000);
});
