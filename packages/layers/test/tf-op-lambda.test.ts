import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllLayers } from '../src/index.js';
import { TFOpLambda } from '../src/tf-op-lambda.js';
import { deserializeLayer, expectClose, flat } from './helpers.js';
import { firstCallKwargs, fixtureLayers, haveFixtures } from './fixtures.js';

beforeAll(() => registerAllLayers());

function op(fn: string): TFOpLambda {
  return new TFOpLambda({ name: `tf.${fn}`, function: fn });
}

/** Runs a layer the way model.predict does: recorded kwargs only, inputs as a list. */
function predictThrough(layer: TFOpLambda, inputs: tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
  const syms = inputs.map((t) => tfl.input({ batchShape: [null, ...t.shape.slice(1)], dtype: t.dtype }));
  const out = layer.apply(syms.length === 1 ? syms[0] : syms, kwargs) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
  const model = tfl.model({ inputs: syms, outputs: out });
  return model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor | tf.Tensor[];
}

describe('TFOpLambda functions', () => {
  const x = tf.tensor([[1, -2, 3], [-4, 5, -6]]);

  it('expand_dims with the recorded axis (fixture form {axis: 1} and {axis: -1})', () => {
    const a = predictThrough(op('expand_dims'), [x], { axis: 1 }) as tf.Tensor;
    expect(a.shape).toEqual([2, 1, 3]);
    const b = predictThrough(op('expand_dims'), [x], { axis: -1 }) as tf.Tensor;
    expect(b.shape).toEqual([2, 3, 1]);
    expectClose(b, [1, -2, 3, -4, 5, -6]);
  });

  it('math.sigmoid', () => {
    const y = predictThrough(op('math.sigmoid'), [tf.tensor([[0, Math.log(3)]])], {}) as tf.Tensor;
    expectClose(y, [0.5, 0.75]);
  });

  it('binary ops take a constant y with the input dtype, or a tensor y passed by reference', () => {
    expectClose(predictThrough(op('math.multiply'), [x], { y: 2.0 }) as tf.Tensor, [2, -4, 6, -8, 10, -12]);
    expectClose(predictThrough(op('math.subtract'), [x], { y: [1, 2, 3] }) as tf.Tensor, [0, -4, 0, -5, 3, -9]);
    const y = tf.tensor([[10, 20, 30], [40, 50, 60]]);
    const sum = predictThrough(op('__operators__.add'), [x, y], { y: { __savedkerasInputIndex: 1 } }) as tf.Tensor;
    expectClose(sum, [11, 18, 33, 36, 55, 54]);
  });

  it('math.truediv divides integers as floats; floordiv floors', () => {
    const i = tf.tensor([[7, -7]], undefined, 'int32');
    const d = predictThrough(op('math.truediv'), [i], { y: 2 }) as tf.Tensor;
    expect(d.dtype).toBe('float32');
    expectClose(d, [3.5, -3.5]);
    expectClose(predictThrough(op('math.floordiv'), [i], { y: 2 }) as tf.Tensor, [3, -4]);
  });

  it('reductions with axis and keepdims', () => {
    const m = predictThrough(op('math.reduce_mean'), [x], { axis: -1, keepdims: true }) as tf.Tensor;
    expectClose(m, [2 / 3, -5 / 3], 1e-6, [2, 1]);
    const s = predictThrough(op('math.reduce_sum'), [x], { axis: [0, 1] }) as tf.Tensor;
    expectClose(s, [-3], 1e-6, []);
    const v1 = predictThrough(op('compat.v1.reduce_max'), [x], { axis: 1, keep_dims: true }) as tf.Tensor;
    expectClose(v1, [3, 5], 1e-6, [2, 1]);
  });

  it('reshape (with -1), transpose (v1 and v2), concat of a list', () => {
    expect((predictThrough(op('reshape'), [x], { shape: [-1, 3, 1] }) as tf.Tensor).shape).toEqual([2, 3, 1]);
    const t = predictThrough(op('compat.v1.transpose'), [tf.reshape(tf.range(0, 6), [1, 2, 3])], { perm: [0, 2, 1] }) as tf.Tensor;
    expectClose(t, [0, 3, 1, 4, 2, 5], 0, [1, 3, 2]);
    const c = predictThrough(op('concat'), [x, x], { axis: -1 }) as tf.Tensor;
    expectClose(c, [1, -2, 3, 1, -2, 3, -4, 5, -6, -4, 5, -6], 0, [2, 6]);
  });

  it('cast, nn.relu, nn.softmax over a non-last axis, clip_by_value, linalg.matmul', () => {
    const c = predictThrough(op('cast'), [tf.tensor([[1.7, -1.7]])], { dtype: 'int32' }) as tf.Tensor;
    expect(c.dtype).toBe('int32');
    expectClose(c, [1, -1]);
    expectClose(predictThrough(op('nn.relu'), [x], {}) as tf.Tensor, [1, 0, 3, 0, 5, 0]);
    const sm = predictThrough(op('nn.softmax'), [tf.tensor([[0, 0], [Math.log(3), 0]])], { axis: 0 }) as tf.Tensor;
    expectClose(sm, [0.25, 0.5, 0.75, 0.5]);
    expectClose(predictThrough(op('clip_by_value'), [x], { clip_value_min: -3, clip_value_max: 4 }) as tf.Tensor, [1, -2, 3, -3, 4, -3]);
    const mm = predictThrough(op('linalg.matmul'), [x, tf.tensor([[1, 0, 1], [0, 1, 0]])], { b: { __savedkerasInputIndex: 1 }, transpose_b: true }) as tf.Tensor;
    expectClose(mm, [4, -2, -10, 5], 0, [2, 2]);
  });

  it('split gives several outputs', () => {
    const layer = op('split');
    const inp = tfl.input({ shape: [4] });
    const outs = layer.apply(inp, { num_or_size_splits: 2, axis: 1 }) as tfl.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([[null, 2], [null, 2]]);
    const got = tfl.model({ inputs: inp, outputs: outs }).predict(tf.tensor([[1, 2, 3, 4]])) as tf.Tensor[];
    expectClose(got[1], [3, 4]);
  });

  it('a constant first argument (Keras _CONSTANT_VALUE, e.g. 1 - x) comes as __savedkerasFirstArg', () => {
    const y = predictThrough(op('math.subtract'), [x], { __savedkerasFirstArg: 1, y: { __savedkerasInputIndex: 0 } }) as tf.Tensor;
    expectClose(y, [0, 3, -2, 5, -4, 7]);
  });

  it('computes static output shapes for model building', () => {
    const inp = tfl.input({ shape: [5, 4] });
    const shape = (fn: string, kw: Record<string, unknown>) => (op(fn).apply(inp, kw) as tfl.SymbolicTensor).shape;
    expect(shape('math.reduce_mean', { axis: 1 })).toEqual([null, 4]);
    expect(shape('expand_dims', { axis: -1 })).toEqual([null, 5, 4, 1]);
    expect(shape('transpose', { perm: [0, 2, 1] })).toEqual([null, 4, 5]);
    expect(shape('reshape', { shape: [-1, 20] })).toEqual([null, 20]);
    expect(shape('math.multiply', { y: [1, 2, 3, 4] })).toEqual([null, 5, 4]);
    const argmax = op('math.argmax').apply(inp, { axis: -1 }) as tfl.SymbolicTensor;
    expect(argmax.shape).toEqual([null, 5]);
    expect(argmax.dtype).toBe('int32');
  });

  it('accepts the camelCased names a tfjs config conversion produces', () => {
    expect(op('math.reduceMean').canonicalFunction).toBe('math.reduce_mean');
    expect(op('Operators_.add').canonicalFunction).toBe('__operators__.add');
    expect(op('nn.leakyRelu').canonicalFunction).toBe('nn.leaky_relu');
  });

  it('throws UnsupportedLayerError naming an unknown function', () => {
    expect(() => op('math.bessel_i0')).toThrow(UnsupportedLayerError);
    expect(() => op('math.bessel_i0')).toThrow(/tf\.math\.bessel_i0/);
  });

  it('documents its functions with their Python parameters', () => {
    const sigs = TFOpLambda.supportedFunctions();
    expect(sigs['math.reduce_mean']).toEqual(['input_tensor', 'axis', 'keepdims', 'name']);
    expect(TFOpLambda.describe('expand_dims')).toEqual(['input', 'axis', 'name']);
    expect(Object.keys(sigs).length).toBeGreaterThan(100);
  });
});

describe.skipIf(!haveFixtures)('TFOpLambda on fixture configs', () => {
  const slugs = ['attention-timeseries', 'custom-tcn-layer', 'functional-lstm-tfoplambda', 'dot-recommender-tf25'];
  it('deserializes every saved TFOpLambda and runs it with its recorded call kwargs', () => {
    let n = 0;
    for (const slug of slugs) {
      for (const l of fixtureLayers(slug, 'TFOpLambda')) {
        const layer = deserializeLayer<TFOpLambda>('TFOpLambda', l.config);
        expect(layer.name).toBe(l.config['name']);
        const kw = firstCallKwargs(l);
        const input = tf.tensor([[1, 2], [3, 4]]);
        const got = predictThrough(layer, [input], kw) as tf.Tensor;
        if (layer.canonicalFunction === 'expand_dims') {
          const axis = kw['axis'] as number;
          expect(got.shape).toEqual(axis === 1 ? [2, 1, 2] : [2, 2, 1]);
          expect(flat(got.arraySync())).toEqual([1, 2, 3, 4]);
        } else {
          expect(layer.canonicalFunction).toBe('math.sigmoid');
          expectClose(got, [1, 2, 3, 4].map((v) => 1 / (1 + Math.exp(-v))));
        }
        n++;
      }
    }
    expect(n).toBe(11);
  });
});
