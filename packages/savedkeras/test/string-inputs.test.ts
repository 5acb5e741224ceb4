import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { loadKerasModelWithReport, loadSavedModel } from '../src/index.js';
import { fixtureDir, haveFixtures } from './fixtures.js';

const have = haveFixtures('string-input fixture tests');

const TEXTS = [
  'the cat sat on the mat',
  'graphs of tensors',
  'attention is all you need',
  'a survey of deep learning',
  'quantum computing for physics',
  'on a mat',
  'neural networks learn',
];

/**
 * Text models through tfjs' standard API (model.predict / predictOnBatch / fit / evaluate), which
 * batches with numeric-only ops: string batches go through the revived model's own batching.
 * Reference: the model's own saved serving graph on the same strings.
 */
describe.skipIf(!have)('string inputs through the standard tfjs API', () => {
  for (const { slug, classes } of [
    { slug: 'textvectorization-embedding-tf212', classes: 30 },
    { slug: 'legacy-tf24-textvectorization', classes: 1 },
  ]) {
    it(`${slug}: predict (several batches), predictOnBatch and evaluate`, async () => {
      const source = new NodeFileSource(fixtureDir(slug));
      const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
      expect(model.inputs[0].dtype).toBe('string');
      const x = tf.tensor(TEXTS, [TEXTS.length, 1], 'string');

      const sm = await loadSavedModel(source);
      const sig = sm.signatures['serving_default'];
      const want = sig({ [sig.inputs[0].name]: x })[report.outputNames[0]];

      const got = model.predict(x, { batchSize: 3 }) as tf.Tensor;
      expect(got.shape).toEqual(want.shape);
      const a = got.dataSync();
      const b = want.dataSync() as Float32Array;
      for (let j = 0; j < b.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j])));
      const once = (model.predictOnBatch(x) as tf.Tensor).dataSync();
      for (let j = 0; j < b.length; j++) expect(Math.abs(once[j] - b[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j])));

      expect(report.compile.compiled).toBe(true);
      // Labels as Keras takes them: class indices [N, 1] (sparse loss) or 0/1 (binary).
      const y = tf.tensor(TEXTS.map((_, i) => (classes > 1 ? i % classes : i % 2)), [TEXTS.length, 1], 'float32');
      const evaluated = model.evaluate(x, y, { batchSize: 4 });
      const lossBefore = (Array.isArray(evaluated) ? evaluated[0] : evaluated).dataSync()[0];
      // The loss of the saved graph's predictions, by hand: sparse cross-entropy or binary cross-entropy.
      const yv = y.dataSync();
      let expectedLoss = 0;
      for (let r = 0; r < TEXTS.length; r++) {
        const p = classes > 1 ? b[r * classes + yv[r]] : yv[r] === 1 ? b[r] : 1 - b[r];
        expectedLoss -= Math.log(Math.min(Math.max(p, 1e-7), 1 - 1e-7));
      }
      expect(lossBefore).toBeCloseTo(expectedLoss / TEXTS.length, 4);

      // fit() on string inputs: text-fit.test.ts (one SGD step against TensorFlow).
    });
  }
});
