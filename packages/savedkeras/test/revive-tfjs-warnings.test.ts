import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { loadKerasModelWithReport } from '../src/index.js';
import { fixtureDir, haveFixtures } from './fixtures.js';

const have = haveFixtures('tfjs warning tests');

/**
 * Keras ignores a layer's batch_input_shape unless the layer starts a Sequential; tfjs warns on
 * every call whose input rank differs from it. Structured-data models (TF 2.4 Normalization and
 * IntegerLookup configs say [None] where they take [None, 1]) printed one warning per layer.
 */
describe.skipIf(!have)('revived layers print no tfjs rank warnings', () => {
  afterEach(() => vi.restoreAllMocks());

  // Potato's Conv2D config says [None, 32, 256, 256, 3] (a batch size folded in); building the model is enough there.
  for (const [slug, run] of [['legacy-tf24-intlookup-18-inputs', true], ['potato-nested-preprocessing', false]] as const) {
    it(slug, async () => {
      const printed: string[] = [];
      vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void printed.push(a.map(String).join(' ')));
      const { model } = await loadKerasModelWithReport(new NodeFileSource(fixtureDir(slug)), { compile: false, warn: () => {} });
      // Run it too: tfjs checks input ranks on every apply.
      if (run) {
        const xs = model.inputs.map((t) => tf.ones([2, ...t.shape.slice(1).map((d) => d ?? 1)], t.dtype));
        tf.dispose(model.predict(xs.length === 1 ? xs[0]! : xs));
        tf.dispose(xs);
      }
      expect(printed.filter((p) => /rank of the input tensor/.test(p))).toEqual([]);
      model.dispose();
    });
  }
});
