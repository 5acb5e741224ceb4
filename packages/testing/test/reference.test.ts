import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsSource, referencePredict, writeExampleModel, type ModelSpec } from '../src/index.js';
import { SavedModelGraph } from './helpers.js';

describe('referencePredict', () => {
  it('computes a Dense relu → Dense sigmoid model as worked out by hand', () => {
    const spec: ModelSpec = {
      kind: 'Sequential',
      input: { name: 'x', shape: [2] },
      layers: [
        { className: 'Dense', name: 'h', units: 2, activation: 'relu', kernel: new Float32Array([1, 2, 3, 4]), bias: new Float32Array([0.5, -1]) },
        { className: 'Dense', name: 'o', units: 1, activation: 'sigmoid', kernel: new Float32Array([1, -1]), bias: new Float32Array([0]) },
      ],
    };
    // x = [1, 1]: h = relu([1+3+0.5, 2+4-1]) = [4.5, 5]; o = sigmoid(4.5 - 5) = 1 / (1 + e^0.5)
    // x = [-2, 0]: h = relu([-2+0.5, -4-1]) = [0, 0]; o = sigmoid(0) = 0.5
    const out = referencePredict(spec, { x: [1, 1, -2, 0] });
    expect(out['o'].shape).toEqual([2, 1]);
    expect(out['o'].values[0]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 15);
    expect(out['o'].values[1]).toBe(0.5);
  });

  it('computes Concatenate, a shared layer, softmax and Dropout (identity at inference) as worked out by hand', () => {
    const spec: ModelSpec = {
      kind: 'Functional',
      layers: [
        { className: 'InputLayer', name: 'a', shape: [1] },
        { className: 'InputLayer', name: 'b', shape: [1] },
        { className: 'Dense', name: 's', units: 1, kernel: new Float32Array([2]), bias: new Float32Array([1]), inbound: [['a'], ['b']] },
        { className: 'Concatenate', name: 'c', inbound: [['s', ['s', 1]]] },
        { className: 'Dropout', name: 'd', rate: 0.5, inbound: [['c']] },
        { className: 'Dense', name: 'p', units: 2, activation: 'softmax', kernel: new Float32Array([1, 0, 0, 1]), bias: new Float32Array([0, 0]), inbound: [['d']] },
      ],
      inputs: ['a', 'b'],
      outputs: ['c', 'p'],
    };
    // a = 1, b = 0: s(a) = 3, s(b) = 1, c = [3, 1], p = softmax([3, 1]) = [e^3, e^1] / (e^3 + e^1)
    const out = referencePredict(spec, { a: [1], b: [0] });
    expect(Object.keys(out)).toEqual(['c', 'p']);
    expect(referencePredict(spec, [[1], [0]])).toEqual(out);
    expect(Array.from(out['c'].values)).toEqual([3, 1]);
    const z = Math.exp(3) + Math.exp(1);
    expect(out['p'].values[0]).toBeCloseTo(Math.exp(3) / z, 15);
    expect(out['p'].values[1]).toBeCloseTo(Math.exp(1) / z, 15);
  });

  it('rejects inputs of the wrong size', () => {
    const spec: ModelSpec = { kind: 'Sequential', input: { shape: [3] }, layers: [{ className: 'Dense', name: 'd', units: 1 }] };
    expect(() => referencePredict(spec, { d_input: [1, 2] })).toThrow(/not a multiple of 3/);
    expect(() => referencePredict(spec, {})).toThrow(/no value for input d_input/);
    expect(() => referencePredict(spec, [[1, 2, 3], [4, 5, 6]])).toThrow(/2 inputs given, the model takes 1/);
  });
});

describe('writeExampleModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'savedkeras-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['mlp', 'two-inputs', 'mlp-legacy'])('writes example %s as a SavedModel folder', async (name) => {
    const target = join(dir, name);
    const written = await writeExampleModel(target, name);
    expect(written.some((p) => p.endsWith('saved_model.pb'))).toBe(true);
    const graph = await SavedModelGraph.load(fsSource(target));
    expect(graph.signatures[0].name).toBe('serving_default');
    expect(graph.kerasMetadataSource).toBe(name === 'mlp-legacy' ? 'object-graph' : 'keras_metadata.pb');
  });

  it('refuses an unknown example name', async () => {
    await expect(writeExampleModel(join(dir, 'x'), 'nope')).rejects.toThrow(/no example model "nope"/);
  });
});
