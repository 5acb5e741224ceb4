// tf.nn.depth_to_space / space_to_depth TFOpLambda layers revived from their Keras config, against the
// numbers TensorFlow computed (tf-reference-depth-space.json, written by
// packages/graph/test/tf-reference/generate.py).
import './helpers.js';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import type { TFOpLambda } from '../src/tf-op-lambda.js';
import { deserializeLayer } from './helpers.js';

interface RefTensor { shape: number[]; values: number[] }
interface RefCase { function: string; kwargs: Record<string, unknown>; via?: string; input: RefTensor; output: RefTensor }

const cases = (JSON.parse(readFileSync(new URL('./tf-reference-depth-space.json', import.meta.url), 'utf8')) as { cases: RefCase[] }).cases;

beforeAll(() => registerAllLayers());

describe('TFOpLambda depth_to_space / space_to_depth from config', () => {
  for (const c of cases) {
    it(`${c.function} ${JSON.stringify(c.kwargs)}${c.via ? ` (TF via ${c.via})` : ''}`, () => {
      // the config a Keras 2 TFOpLambda layer saves; the call kwargs come from its inbound node
      const layer = deserializeLayer<TFOpLambda>('TFOpLambda', { name: `tf.${c.function}`, trainable: true, dtype: 'float32', function: c.function });
      const x = tf.tensor(c.input.values, c.input.shape);
      const sym = tfl.input({ batchShape: [null, ...c.input.shape.slice(1)] });
      const out = layer.apply(sym, c.kwargs) as tfl.SymbolicTensor;
      expect(out.shape).toEqual([null, ...c.output.shape.slice(1)]);
      const y = tfl.model({ inputs: sym, outputs: out }).predict(x) as tf.Tensor;
      expect(y.shape).toEqual(c.output.shape);
      // a pure rearrangement: every value exactly where TensorFlow put it
      expect(Array.from(y.dataSync())).toEqual(c.output.values.map(Math.fround));
    });
  }
});
