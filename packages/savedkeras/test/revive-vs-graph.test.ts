import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { seededRandom } from '@savedkeras/testing';
import { loadKerasModelWithReport, loadSavedModel } from '../src/index.js';
import { fixtureDir, haveFixtures } from './fixtures.js';

const have = haveFixtures('revived-vs-saved-graph tests');

/**
 * Keras fixtures the revive path handles through plugin layers, saved call functions, lookup
 * vocabularies or nested/odd structures: the revived LayersModel must give the same outputs as
 * the model's own saved serving graph on the same input. How each one revives is pinned too.
 */
const CASES: { slug: string; how: { fromSavedFunctions: number; minPlugins?: number } }[] = [
  { slug: 'attention-timeseries', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'functional-ff-layernorm-slicing', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'functional-lstm-tfoplambda', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'custom-tcn-layer', how: { fromSavedFunctions: 2, minPlugins: 1 } },
  { slug: 'attention-custom-transformer-encoder', how: { fromSavedFunctions: 1 } },
  { slug: 'dot-recommender-tf25', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'seq-normalization-autompg', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'potato-nested-preprocessing', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'textvectorization-embedding-tf212', how: { fromSavedFunctions: 0, minPlugins: 1 } },
  { slug: 'legacy-tf24-intlookup-18-inputs', how: { fromSavedFunctions: 1, minPlugins: 1 } },
  { slug: 'legacy-tf24-textvectorization', how: { fromSavedFunctions: 1 } },
  { slug: 'subclassed-caption-encoder-noconfig', how: { fromSavedFunctions: 1 } },
  { slug: 'subclassed-gru-generator-emptyconfig', how: { fromSavedFunctions: 1 } },
  { slug: 'seq2seq-lstm-decoder-multi-io', how: { fromSavedFunctions: 0 } },
  { slug: 'timedistributed-lrcn-video-tf27', how: { fromSavedFunctions: 0 } },
  { slug: 'seq-gru-coinflip', how: { fromSavedFunctions: 0, minPlugins: 1 } },
];

describe.skipIf(!have)('revived models agree with their own saved serving graph', () => {
  for (const { slug, how } of CASES) {
    it(`${slug}`, async () => {
      const source = new NodeFileSource(fixtureDir(slug));
      const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
      expect(report.fromSavedFunctions).toBe(how.fromSavedFunctions);
      if (how.minPlugins) expect(report.fromPlugins).toBeGreaterThanOrEqual(how.minPlugins);

      const sm = await loadSavedModel(source);
      const sig = sm.signatures['serving_default'];
      const rand = seededRandom(5);
      const feeds: Record<string, tf.Tensor> = {};
      for (const inp of sig.inputs) {
        const modelShape = model.inputs[report.inputNames.indexOf(inp.name)]?.shape;
        const shape = (inp.shape ?? [1]).map((d, i) => (d >= 0 ? d : i === 0 ? 1 : (modelShape?.[i] ?? 4)));
        const n = shape.reduce((a, b) => a * b, 1);
        // uniform [0, 1) floats stay valid where a float input feeds an Embedding (they cast to index 0)
        feeds[inp.name] =
          inp.dtype === 'string'
            ? tf.tensor(Array.from({ length: n }, (_, i) => ['the cat sat', 'on a mat', 'graphs of tensors'][i % 3]), shape, 'string')
            : inp.tfjsDtype === 'int32'
              ? tf.tensor(Int32Array.from({ length: n }, () => Math.floor(rand() * 3)), shape, 'int32')
              : tf.tensor(Float32Array.from({ length: n }, () => rand()), shape, 'float32');
      }
      const want = sig(feeds);
      const xs = report.inputNames.map((name) => feeds[name]);
      expect(xs.every((x) => x !== undefined)).toBe(true);
      // tfjs predict() cannot batch string tensors: those models run through apply().
      const strings = xs.some((x) => x.dtype === 'string');
      const arg = xs.length === 1 ? xs[0] : xs;
      const got = (strings ? model.apply(arg, { training: false }) : model.predict(arg)) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(got) ? got : [got];
      expect(outs.length).toBe(report.outputNames.length);
      outs.forEach((o, i) => {
        const w = want[report.outputNames[i]];
        expect(w, `output ${report.outputNames[i]}`).toBeDefined();
        expect(o.shape).toEqual(w.shape);
        const a = o.dataSync();
        const b = w.dataSync() as Float32Array;
        for (let j = 0; j < b.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j])));
      });
      sm.dispose();
    });
  }
});
