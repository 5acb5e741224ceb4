import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedFeatureError, UnsupportedLayerError } from '@savedkeras/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { SlicingOpLambda, parseSliceSpec, slicedShape } from '../src/slicing-op-lambda.js';
import { deserializeLayer, flat } from './helpers.js';
import { firstCallKwargs, fixtureLayers, haveFixtures } from './fixtures.js';

beforeAll(() => registerAllLayers());

const S = (start: number | null, stop: number | null, step: number | null = null) => ({ start, stop, step });
const ALL = S(null, null);

/** x[spec] through a model (recorded kwargs, predict path). */
function slice(x: tf.Tensor, spec: unknown): tf.Tensor {
  const layer = new SlicingOpLambda({ name: 'tf.__operators__.getitem', function: '__operators__.getitem' });
  const inp = tfl.input({ batchShape: [null, ...x.shape.slice(1)] });
  const out = layer.apply(inp, { slice_spec: spec }) as tfl.SymbolicTensor;
  const y = tfl.model({ inputs: inp, outputs: out }).predict(x) as tf.Tensor;
  // The static shape agrees with the computed one where it is known.
  out.shape.forEach((d, i) => d != null && expect(y.shape[i]).toBe(d));
  return y;
}

// x[b, i, j] = 100 b + 10 i + j, shape [2, 3, 4]
const x = tf.tensor(Array.from({ length: 24 }, (_, k) => 100 * Math.floor(k / 12) + 10 * Math.floor((k % 12) / 4) + (k % 4)), [2, 3, 4]);

describe('SlicingOpLambda', () => {
  it('x[:, :, 2] (the fixture form) drops the last axis', () => {
    const y = slice(x, [ALL, ALL, 2]);
    expect(y.shape).toEqual([2, 3]);
    expect(flat(y.arraySync())).toEqual([2, 12, 22, 102, 112, 122]);
  });

  it('negative index, negative step, bounds past the end', () => {
    expect(flat(slice(x, [ALL, -1, -1]).arraySync())).toEqual([23, 123]);
    expect(flat(slice(x, [ALL, 0, S(null, null, -2)]).arraySync())).toEqual([3, 1, 103, 101]);
    expect(flat(slice(x, [ALL, S(1, 10), S(-2, null)]).arraySync())).toEqual([12, 13, 22, 23, 112, 113, 122, 123]);
  });

  it('ellipsis and newaxis', () => {
    const y = slice(x, ['...', 1]);
    expect(y.shape).toEqual([2, 3]);
    expect(flat(y.arraySync())).toEqual([1, 11, 21, 101, 111, 121]);
    const z = slice(x, [ALL, null, 0]);
    expect(z.shape).toEqual([2, 1, 4]);
    expect(flat(z.arraySync())).toEqual([0, 1, 2, 3, 100, 101, 102, 103]);
    const e = slice(x, [{ class_name: '__ellipsis__' }, S(null, 2)]);
    expect(e.shape).toEqual([2, 3, 2]);
  });

  it('static shapes: unknown dims stay unknown, known ones follow Python slice rules', () => {
    expect(slicedShape([null, 7, 4], parseSliceSpec([ALL, S(1, null, 2), 0]))).toEqual([null, 3]);
    expect(slicedShape([null, 7], parseSliceSpec([ALL, S(-3, null, -1)]))).toEqual([null, 5]);
    expect(slicedShape([null, 7], parseSliceSpec([ALL, S(5, 2)]))).toEqual([null, 0]);
    expect(() => slicedShape([null, 3], parseSliceSpec([ALL, 3]))).toThrow(/out of bounds/);
  });

  it('rejects tensor bounds and other functions', () => {
    expect(() => parseSliceSpec([ALL, { start: ['dense', 0, 0], stop: null, step: null }])).toThrow(UnsupportedFeatureError);
    expect(() => new SlicingOpLambda({ name: 'm', function: 'boolean_mask' })).toThrow(UnsupportedLayerError);
  });
});

describe.skipIf(!haveFixtures)('SlicingOpLambda on fixture configs', () => {
  it('deserializes the 16 saved layers and slices with their recorded slice_spec', () => {
    let n = 0;
    for (const slug of ['attention-timeseries', 'custom-tcn-layer', 'functional-ff-layernorm-slicing', 'functional-lstm-tfoplambda']) {
      for (const l of fixtureLayers(slug, 'SlicingOpLambda')) {
        const layer = deserializeLayer<SlicingOpLambda>('SlicingOpLambda', l.config);
        const spec = firstCallKwargs(l)['slice_spec'] as unknown[];
        const k = spec[2] as number;
        const inp = tfl.input({ batchShape: [null, 3, 4] });
        const out = layer.apply(inp, { slice_spec: spec }) as tfl.SymbolicTensor;
        expect(out.shape).toEqual([null, 3]);
        const y = tfl.model({ inputs: inp, outputs: out }).predict(x) as tf.Tensor;
        expect(flat(y.arraySync())).toEqual([0, 10, 20, 100, 110, 120].map((v) => v + k));
        n++;
      }
    }
    expect(n).toBe(16);
  });
});
