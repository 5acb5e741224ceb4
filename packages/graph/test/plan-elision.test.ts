import { afterEach, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { isTensorValue, registerOp, unregisterKernel, type Value, type VariableResource } from '../src/index.js';
import { Executor } from '../src/executor/executor.js';
import { FunctionLibrary } from '../src/executor/function-library.js';
import { A, DataType, constF, fn, node } from './function-defs.js';

/**
 * The cheap-call work of the executor (issue 15): Identity / Snapshot / NoOp nodes are dropped at plan
 * time, and ReadVariableOp hands over the variable itself when nothing in the call tree writes one.
 * Each test checks values against a hand computation and what runs (plan nodes, kernels dispatched).
 */

const F = DataType.FLOAT;
const vals = (v: Value | undefined) => {
  if (!isTensorValue(v)) throw new Error('not a tensor');
  return Array.from(v.dataSync() as ArrayLike<number>);
};
const variable = (values: number[], shape: number[], name: string): VariableResource => ({ kind: 'variable', name, variable: tf.variable(tf.tensor(values, shape), true, `${name}_${Math.random()}`) });

afterEach(() => unregisterKernel('Identity'));

// y = relu(x @ W) through Identity, Snapshot and a NoOp control edge, W read from a variable; also returns Identity(x).
const dense = fn('dense', [['x', F], ['w', DataType.RESOURCE]], [['y', F], ['xi', F], ['raw', F]], [
  node('r', 'ReadVariableOp', ['w'], { dtype: A.type(F) }),
  node('ri', 'Identity', ['r:value:0'], { T: A.type(F) }),
  node('mm', 'MatMul', ['x', 'ri:output:0'], { T: A.type(F) }),
  node('snap', 'Snapshot', ['mm:product:0'], { T: A.type(F) }),
  node('act', 'Relu', ['snap:output:0'], { T: A.type(F) }),
  node('ctl', 'NoOp', ['^act']),
  node('out', 'Identity', ['act:activations:0', '^ctl'], { T: A.type(F) }),
  node('xi', 'Identity', ['x'], { T: A.type(F) }),
], { y: 'out:output:0', xi: 'xi:output:0', raw: 'r:value:0' });

describe('plan-time elision of nodes that compute nothing', () => {
  test('Identity, Snapshot and NoOp leave the plan; results equal the hand computation; nothing leaks or is freed early', () => {
    const lib = new FunctionLibrary([dense]);
    expect(lib.plan('dense').nodes.map((n) => n.op).sort()).toEqual(['MatMul', 'ReadVariableOp', 'Relu']);
    const w = variable([1, -1, 2, 0.5], [2, 2], 'w');
    const x = tf.tensor2d([[1, 2], [-3, 1]]);
    const before = tf.memory().numTensors;
    const [y, xi, raw] = new Executor(lib).call('dense', [x, w]);
    // x @ W = [[1*1 + 2*2, 1*-1 + 2*0.5], [-3*1 + 1*2, -3*-1 + 1*0.5]] = [[5, 0], [-1, 3.5]]
    expect(vals(y)).toEqual([5, 0, 0, 3.5]);
    // An output that is the Identity of an input is the input value itself (ConcreteFunction detaches it).
    expect(xi).toBe(x);
    // A returned read is a tensor of its own, never the variable: disposing it keeps the variable.
    expect(raw).not.toBe(w.variable);
    expect(vals(raw)).toEqual([1, -1, 2, 0.5]);
    (raw as tf.Tensor).dispose();
    expect(w.variable.isDisposed).toBe(false);
    expect(vals(w.variable)).toEqual([1, -1, 2, 0.5]);
    (y as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w.variable]);
    lib.dispose();
  });

  test('no kernel runs for the elided nodes, nor (inference) for the variable read: the same kernels as tf.matMul + tf.relu', async () => {
    const lean = fn('lean', [['x', F], ['w', DataType.RESOURCE]], [['y', F]], dense.nodeDef.filter((n) => n.name !== 'xi'), { y: 'out:output:0' });
    const lib = new FunctionLibrary([lean]);
    const w = variable([1, 0, 0, 1], [2, 2], 'w');
    const x = tf.tensor2d([[1, 2]]);
    const kernels = async (f: () => tf.Tensor) => (await tf.profile(() => void f().dispose())).kernels.map((k) => k.name);
    const direct = await kernels(() => tf.tidy(() => tf.relu(tf.matMul(x, w.variable))));
    const inference = await kernels(() => new Executor(lib).call('lean', [x, w])[0] as tf.Tensor);
    const training = await kernels(() => new Executor(lib, { training: true }).call('lean', [x, w])[0] as tf.Tensor);
    expect(inference).toEqual(direct);
    // In training mode reads are not shared: the read's own tensor (a Reshape on the same data) is the only extra kernel.
    expect([...training].sort()).toEqual([...direct, 'Reshape'].sort());
    tf.dispose([x, w.variable]);
    lib.dispose();
  });

  test('an Identity of a TensorList (variant) and an Identity with a user kernel stay in the plan', () => {
    const variant = fn('v', [['x', F]], [['y', DataType.VARIANT]], [
      node('shape', 'Const', [], { dtype: A.type(DataType.INT32), value: { value: 'tensor', tensor: { dtype: DataType.INT32, tensorShape: { dim: [], unknownRank: false }, intVal: [-1] } } }),
      node('l', 'TensorListFromTensor', ['x', 'shape:output:0'], { element_dtype: A.type(F), shape_type: A.type(DataType.INT32) }),
      node('i', 'Identity', ['l:output_handle:0'], { T: A.type(DataType.VARIANT) }),
    ], { y: 'i:output:0' });
    expect(new FunctionLibrary([variant]).plan('v').nodes.map((n) => n.op)).toContain('Identity');

    registerOp('Identity', (inputs) => [tf.mul(inputs[0] as tf.Tensor, 10)]);
    const lib = new FunctionLibrary([dense]);
    expect(lib.plan('dense').nodes.filter((n) => n.op === 'Identity')).toHaveLength(3);
    const w = variable([1, 0, 0, 1], [2, 2], 'w');
    const x = tf.tensor2d([[1, 2]]);
    const [y, xi, raw] = new Executor(lib).call('dense', [x, w]);
    // Identity = x10 now: ri = 10 W = 10 I, x @ ri = [10, 20], relu, out = [100, 200]; xi = 10 x.
    expect(vals(y)).toEqual([100, 200]);
    expect(vals(xi)).toEqual([10, 20]);
    tf.dispose([y as tf.Tensor, xi as tf.Tensor, raw as tf.Tensor, x, w.variable]);
    lib.dispose();
  });
});

describe('variable reads shared with the variable', () => {
  test('a function that writes a variable never shares its reads: a read before the write keeps the old value', () => {
    // TensorFlow: read = 1; assign 5 after the read; y = read + 0 runs after the assign and must see 1.
    const f = fn('f', [['v', DataType.RESOURCE]], [['y', F]], [
      node('read', 'ReadVariableOp', ['v'], { dtype: A.type(F) }),
      node('assign', 'AssignVariableOp', ['v', 'five:output:0', '^read'], { dtype: A.type(F) }),
      constF('five', [5], []),
      constF('zero', [0], []),
      node('y', 'AddV2', ['read:value:0', 'zero:output:0', '^assign'], { T: A.type(F) }),
    ], { y: 'y:z:0' });
    const caller = fn('caller', [['v', DataType.RESOURCE]], [['y', F]], [
      node('c', 'StatefulPartitionedCall', ['v'], { f: A.func('f'), Tin: A.types([DataType.RESOURCE]), Tout: A.types([F]) }),
    ], { y: 'c:output:0' });
    const lib = new FunctionLibrary([f, caller]);
    expect(lib.variablesReadOnly('caller')).toBe(false);
    expect(lib.variablesReadOnly('f')).toBe(false);
    const plan = lib.plan('f');
    expect(plan.nodes.findIndex((n) => n.op === 'AssignVariableOp')).toBeLessThan(plan.nodes.findIndex((n) => n.op === 'AddV2'));
    const v = variable([1], [], 'v');
    const [y] = new Executor(lib).call('caller', [v]);
    expect(vals(y)).toEqual([1]);
    expect(vals(v.variable)).toEqual([5]);
    tf.dispose([y as tf.Tensor, v.variable]);
    lib.dispose();
  });

  test('read-only call trees share reads; a user kernel counts as a writer', () => {
    const lib = new FunctionLibrary([dense]);
    expect(lib.variablesReadOnly('dense')).toBe(true);
    registerOp('MyWriter', () => []);
    const g = fn('g', [['w', DataType.RESOURCE]], [['y', F]], [
      node('r', 'ReadVariableOp', ['w'], { dtype: A.type(F) }),
      node('my', 'MyWriter', ['w']),
      node('y', 'Neg', ['r:value:0', '^my'], { T: A.type(F) }),
    ], { y: 'y:y:0' });
    expect(new FunctionLibrary([g]).variablesReadOnly('g')).toBe(false);
    unregisterKernel('MyWriter');
    lib.dispose();
  });

  test('gradients through shared reads (inference mode) equal the analytic gradient', () => {
    const w = variable([0.1, -0.2, 0.3, 0.4], [2, 2], 'w');
    const x = tf.tensor2d([[1, 2]]);
    const lib = new FunctionLibrary([dense]);
    const ex = new Executor(lib);
    const { value, grads } = tf.variableGrads(() => {
      const out = ex.call('dense', [x, w]);
      tf.dispose(out.slice(2) as tf.Tensor[]);
      return tf.sum(out[0] as tf.Tensor) as tf.Scalar;
    }, [w.variable]);
    // d/dW sum(relu(x @ W)) = x^T [relu'(x @ W)]; x @ W = [0.7, 0.6] (both positive) -> [[1, 1], [2, 2]]
    expect(vals(grads[w.variable.name])).toEqual([1, 1, 2, 2]);
    expect(vals(value)[0]).toBeCloseTo(1.3, 6);
    tf.dispose([value, grads[w.variable.name]!, x, w.variable]);
    lib.dispose();
  });
});
