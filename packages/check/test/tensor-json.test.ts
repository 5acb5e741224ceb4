import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { encodeMessage } from '@savedkeras/proto';
import { flatten, fromTensor, nest, parseInputs, toTensor } from '../src/tensor-json.js';

/** The tensor JSON of `predict` (the form of reference/expected.json), both ways. */
beforeAll(async () => {
  await selectBackend('cpu');
});

describe('tensor JSON', () => {
  it('nested values follow the shape; a scalar is bare', () => {
    expect(nest([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nest([7], [])).toBe(7);
    expect(nest([], [0, 2])).toEqual([]);
    expect(flatten([[1, [2]], [3]])).toEqual([1, 2, 3]);
    expect(flatten(5)).toEqual([5]);
  });

  it('bytes in value_base64 reach the tensor unchanged (serialized tf.Example) and come back as base64', async () => {
    const example = encodeMessage('Example', { features: { feature: { price: { floatList: { value: [3] } } } } });
    const b64 = Buffer.from(example).toString('base64');
    const t = toTensor('inputs', { dtype: 'string', shape: [2], value_base64: [b64, ''] });
    const stored = tf.backend().readSync(t.dataId) as unknown as Uint8Array[];
    expect(Array.from(stored[0]!)).toEqual(Array.from(example));
    expect(stored[1]!.length).toBe(0);
    // Binary (control characters, a float's bytes) -> base64 on the way out.
    expect(await fromTensor(t)).toEqual({ dtype: 'string', shape: [2], value_base64: [b64, ''] });
    const text = toTensor('s', { dtype: 'string', shape: [1, 2], value: [['héllo', 'wörld']] });
    expect(await fromTensor(text)).toEqual({ dtype: 'string', shape: [1, 2], value: [['héllo', 'wörld']] });
  });

  it('int64 and uint8 ride on int32 within their ranges; floats that JSON cannot write are strings', async () => {
    expect(toTensor('x', { dtype: 'int64', shape: [2], value: [-5, 2 ** 31 - 1] }).dtype).toBe('int32');
    expect(() => toTensor('x', { dtype: 'int64', shape: [1], value: [2 ** 40] })).toThrow(/outside .*int32/s);
    expect(() => toTensor('x', { dtype: 'uint8', shape: [1], value: [256] })).toThrow(/outside 0\.\.255/);
    expect(() => toTensor('x', { dtype: 'int32', shape: [1], value: [1.5] })).toThrow(/not an integer/);
    const f = toTensor('f', { dtype: 'float64', shape: [3], value: ['NaN', 'Infinity', 0.5] });
    expect(f.dtype).toBe('float32');
    expect(await fromTensor(f, 'float64')).toEqual({ dtype: 'float64', shape: [3], value: ['NaN', 'Infinity', 0.5] });
    expect(await fromTensor(toTensor('b', { dtype: 'bool', shape: [2], value: [true, 0] }))).toEqual({
      dtype: 'bool',
      shape: [2],
      value: [true, false],
    });
  });

  it('files: one map or a list of maps; structure errors are INPUT_MISMATCH', () => {
    const one = '{"x": {"dtype": "int32", "shape": [], "value": 1}}';
    expect(parseInputs(one, 'in.json')).toEqual({ many: false, cases: [{ x: { dtype: 'int32', shape: [], value: 1 } }] });
    expect(parseInputs(`[${one}, ${one}]`, 'in.json').cases).toHaveLength(2);
    for (const bad of ['[1]', '{"x": 1}', '{"x": {"dtype": "int32", "shape": [-1], "value": 1}}', '{"x": {"dtype": "int32", "shape": []}}']) {
      expect(() => parseInputs(bad, 'in.json')).toThrow(expect.objectContaining({ code: 'INPUT_MISMATCH' }));
    }
    expect(() => toTensor('x', { dtype: 'float32', shape: [2, 2], value: [1, 2, 3] })).toThrow(/holds 3 values, the shape needs 4/);
    expect(() => toTensor('x', { dtype: 'float32', shape: [1], value_base64: ['AAAA'] })).toThrow(/only for string/);
  });

  it('files: a reference file ({"cases": [{"inputs", "outputs"}]}, as the fixtures\' expected.json) runs each case\'s inputs', () => {
    const x = '{"x": {"dtype": "int32", "shape": [], "value": 1}}';
    const y = '{"y": {"dtype": "float32", "shape": [], "value": 0.5}}';
    const ref = `{"source": "tf", "cases": [{"inputs": ${x}, "outputs": ${y}, "tolerance": 1e-6}, {"inputs": ${x}, "outputs": ${y}}]}`;
    expect(parseInputs(ref, 'expected.json')).toEqual({ many: true, cases: [{ x: { dtype: 'int32', shape: [], value: 1 } }, { x: { dtype: 'int32', shape: [], value: 1 } }] });
  });
});
