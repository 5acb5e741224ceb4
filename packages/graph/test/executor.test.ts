import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by tfjs-layers / @tensorflow/tfjs; with tfjs-core alone, explicitly.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { FormatError, LimitError, UnsupportedOpError } from '@savedkeras/common';
import type { FunctionDef } from '@savedkeras/proto';
import { isTensorValue, registerOp, unregisterKernel, type Value, type VariableResource } from '../src/index.js';
import { Executor } from '../src/executor/executor.js';
import { FunctionLibrary } from '../src/executor/function-library.js';
import { A, DataType, constB, constF, constI, fn, node } from './function-defs.js';

const F = DataType.FLOAT;
const I = DataType.INT32;

/** Runs `name` on a fresh library, then frees the library's cached constants. */
function run(fns: FunctionDef[], name: string, inputs: Value[], limits = {}): Value[] {
  const lib = new FunctionLibrary(fns);
  try {
    return new Executor(lib, { limits }).call(name, inputs);
  } finally {
    lib.dispose();
  }
}
const vals = (v: Value | undefined) => {
  if (!isTensorValue(v)) throw new Error('not a tensor');
  return Array.from(v.dataSync() as ArrayLike<number>);
};
const disposeAll = (vs: Value[]) => vs.forEach((v) => isTensorValue(v) && v.dispose());

/** Counts tensors around `f` (which must dispose what it gets back). */
function leakOf(f: () => void): number {
  const before = tf.memory().numTensors;
  f();
  return tf.memory().numTensors - before;
}

describe('references and plans', () => {
  test('node:out:k resolves through the OpDef: outputs after a list output and after a first output arg', () => {
    // Split has one list output (num_split); Unique has two single outputs (y, idx).
    const f = fn('f', [['x', F]], [['a', F], ['b', F], ['idx', I]], [
      node('split', 'Split', ['axis:output:0', 'x'], { num_split: A.i(3), T: A.type(F) }),
      constI('axis', [0], []),
      node('u', 'Unique', ['x'], { T: A.type(F) }),
    ], { a: 'split:output:2', b: 'split:output:0', idx: 'u:idx:0' });
    const x = tf.tensor1d([5, 7, 5]);
    const out = run([f], 'f', [x]);
    expect(vals(out[0])).toEqual([5]);
    expect(vals(out[1])).toEqual([5]);
    expect(vals(out[2])).toEqual([0, 1, 0]); // stripped default out_idx=int32 applied
    disposeAll(out);
    x.dispose();
  });

  test('stripped default attrs are applied (MatMul transpose_a/transpose_b absent = false)', () => {
    const f = fn('f', [['a', F], ['b', F]], [['y', F]], [node('mm', 'MatMul', ['a', 'b'], { T: A.type(F) })], { y: 'mm:product:0' });
    const a = tf.tensor2d([[1, 2]]);
    const b = tf.tensor2d([[3], [4]]);
    const [y] = run([f], 'f', [a, b]);
    expect(vals(y)).toEqual([11]);
    disposeAll([y!, a, b]);
  });

  test('a reference to an unknown output arg is a FormatError naming it', () => {
    const f = fn('f', [['x', F]], [['y', F]], [node('u', 'Unique', ['x'], { T: A.type(F) })], { y: 'u:nope:0' });
    expect(() => new FunctionLibrary([f]).plan('f')).toThrow(/no output named "nope"/);
  });

  test('a cycle in a function body is a FormatError', () => {
    const f = fn('f', [['x', F]], [['y', F]], [
      node('a', 'AddV2', ['x', 'b:z:0'], { T: A.type(F) }),
      node('b', 'AddV2', ['x', 'a:z:0'], { T: A.type(F) }),
    ], { y: 'b:z:0' });
    expect(() => new FunctionLibrary([f]).plan('f')).toThrow(FormatError);
    expect(() => new FunctionLibrary([f]).plan('f')).toThrow(/cycle/);
  });

  test('nodes run in dependency order whatever their listed order; unreachable nodes are pruned', () => {
    const f = fn('f', [['x', F]], [['y', F]], [
      node('y', 'Mul', ['s:z:0', 'two:output:0'], { T: A.type(F) }),
      node('s', 'AddV2', ['x', 'x'], { T: A.type(F) }),
      constF('two', [2], []),
      node('dead', 'NoSuchOp', ['x']),
    ], { y: 'y:z:0' });
    const lib = new FunctionLibrary([f]);
    expect(lib.plan('f').nodes.map((n) => n.name)).toEqual(['s', 'two', 'y']);
    expect(lib.unsupportedOps(['f'])).toEqual([]);
    const x = tf.tensor1d([1, 2]);
    const [y] = new Executor(lib).call('f', [x]);
    expect(vals(y)).toEqual([4, 8]);
    disposeAll([y!, x]);
  });

  test('control inputs order side effects: the read sees the write', () => {
    const f = fn('f', [['v', DataType.RESOURCE]], [['y', F]], [
      node('read', 'ReadVariableOp', ['v', '^assign'], { dtype: A.type(F) }),
      node('assign', 'AssignVariableOp', ['v', 'five:output:0'], { dtype: A.type(F) }),
      constF('five', [5], []),
    ], { y: 'read:value:0' });
    const res: VariableResource = { kind: 'variable', name: 'v', variable: tf.variable(tf.scalar(1)) };
    const [y] = run([f], 'f', [res]);
    expect(vals(y)).toEqual([5]);
    expect(res.variable.dataSync()[0]).toBe(5);
    disposeAll([y!]);
    res.variable.dispose();
  });
});

describe('calls and control flow', () => {
  const double = fn('double', [['x', F]], [['y', F]], [node('s', 'AddV2', ['x', 'x'], { T: A.type(F) })], { y: 's:z:0' });
  const negate = fn('negate', [['x', F]], [['y', F]], [node('n', 'Neg', ['x'], { T: A.type(F) })], { y: 'n:y:0' });

  test('PartitionedCall, StatefulPartitionedCall and a node whose op is a function name', () => {
    const f = fn('f', [['x', F]], [['a', F], ['b', F], ['c', F]], [
      node('p', 'PartitionedCall', ['x'], { f: A.func('double'), Tin: A.types([F]), Tout: A.types([F]) }),
      node('sp', 'StatefulPartitionedCall', ['p:output:0'], { f: A.func('double'), Tin: A.types([F]), Tout: A.types([F]) }),
      node('direct', 'negate', ['sp:output:0']),
    ], { a: 'p:output:0', b: 'sp:output:0', c: 'direct:y:0' });
    const x = tf.scalar(3);
    const out = run([f, double, negate], 'f', [x]);
    expect(out.map((v) => vals(v)[0])).toEqual([6, 12, -12]);
    disposeAll([...out, x]);
  });

  test('StatelessIf and Case pick their branch (Case: out-of-range index runs the last branch)', () => {
    const f = fn('f', [['c', DataType.BOOL], ['i', I], ['x', F]], [['a', F], ['b', F]], [
      node('if', 'StatelessIf', ['c', 'x'], {
        Tcond: A.type(DataType.BOOL), Tin: A.types([F]), Tout: A.types([F]), then_branch: A.func('double'), else_branch: A.func('negate'),
      }),
      node('case', 'Case', ['i', 'x'], {
        Tin: A.types([F]), Tout: A.types([F]),
        branches: { value: 'list', list: { s: [], i: [], f: [], b: [], type: [], shape: [], tensor: [], func: [{ name: 'double', attr: {} }, { name: 'negate', attr: {} }] } },
      }),
    ], { a: 'if:output:0', b: 'case:output:0' });
    const x = tf.scalar(3);
    for (const [c, i, want] of [[true, 0, [6, 6]], [false, 1, [-3, -3]], [true, 7, [6, -3]]] as const) {
      const ct = tf.scalar(c, 'bool');
      const it = tf.scalar(i, 'int32');
      const out = run([f, double, negate], 'f', [ct, it, x]);
      expect(out.map((v) => vals(v)[0])).toEqual(want);
      disposeAll([...out, ct, it]);
    }
    x.dispose();
  });

  // while i < n: i += 1; acc *= 2
  const cond = fn('cond', [['i', I], ['n', I], ['acc', F]], [['c', DataType.BOOL]], [node('lt', 'Less', ['i', 'n'], { T: A.type(I) })], { c: 'lt:z:0' });
  const body = fn('body', [['i', I], ['n', I], ['acc', F]], [['i2', I], ['n2', I], ['acc2', F]], [
    constI('one', [1], []),
    constF('two', [2], []),
    node('inc', 'AddV2', ['i', 'one:output:0'], { T: A.type(I) }),
    node('dbl', 'Mul', ['acc', 'two:output:0'], { T: A.type(F) }),
    node('n_id', 'Identity', ['n'], { T: A.type(I) }),
  ], { i2: 'inc:z:0', n2: 'n_id:output:0', acc2: 'dbl:z:0' });
  const loop = (op: string) =>
    fn('loop', [['n', I]], [['acc', F]], [
      constI('zero', [0], []),
      constF('start', [1], []),
      node('w', op, ['zero:output:0', 'n', 'start:output:0'], { T: A.types([I, I, F]), cond: A.func('cond'), body: A.func('body') }),
    ], { acc: 'w:output:2' });

  test('While and StatelessWhile run body until cond is false, without leaking loop variables', () => {
    for (const op of ['While', 'StatelessWhile']) {
      const n = tf.scalar(10, 'int32');
      let out: Value[] = [];
      const leak = leakOf(() => {
        out = run([loop(op), cond, body], 'loop', [n]);
        expect(vals(out[0])).toEqual([1024]);
        disposeAll(out);
      });
      expect(leak).toBe(0);
      n.dispose();
    }
  });

  test('an endless While ends with LimitError at limits.maxLoopIterations, and frees its tensors', () => {
    const forever = fn('cond', [['i', I], ['n', I], ['acc', F]], [['c', DataType.BOOL]], [constB('t', true)], { c: 't:output:0' });
    const n = tf.scalar(10, 'int32');
    const leak = leakOf(() => {
      expect(() => run([loop('While'), forever, body], 'loop', [n], { maxLoopIterations: 50 })).toThrow(LimitError);
    });
    expect(leak).toBe(0);
    try {
      run([loop('While'), forever, body], 'loop', [n], { maxLoopIterations: 50 });
    } catch (e) {
      expect(String(e)).toMatch(/While loop w ran more than maxLoopIterations=50/);
    }
    n.dispose();
  });

  test('a self-calling function ends with LimitError naming the call chain', () => {
    const selfCall = fn('rec', [['x', F]], [['y', F]], [
      node('c', 'StatefulPartitionedCall', ['x'], { f: A.func('rec'), Tin: A.types([F]), Tout: A.types([F]) }),
    ], { y: 'c:output:0' });
    const x = tf.scalar(1);
    const leak = leakOf(() => {
      expect(() => run([selfCall], 'rec', [x], { maxCallDepth: 10 })).toThrow(/deeper than maxCallDepth=10: rec -> rec -> rec/);
    });
    expect(leak).toBe(0);
    x.dispose();
  });

  test('TensorLists written in a While loop and stacked after it: right values, no leak', () => {
    const lbody = fn('lbody', [['i', I], ['l', DataType.VARIANT]], [['i2', I], ['l2', DataType.VARIANT]], [
      constI('one', [1], []),
      node('fi', 'Cast', ['i'], { SrcT: A.type(I), DstT: A.type(F) }),
      node('sq', 'Mul', ['fi:y:0', 'fi:y:0'], { T: A.type(F) }),
      node('set', 'TensorListSetItem', ['l', 'i', 'sq:z:0'], { element_dtype: A.type(F) }),
      node('inc', 'AddV2', ['i', 'one:output:0'], { T: A.type(I) }),
      node('lid', 'Identity', ['set:output_handle:0'], { T: A.type(DataType.VARIANT) }),
    ], { i2: 'inc:z:0', l2: 'lid:output:0' });
    const lcond = fn('lcond', [['i', I], ['l', DataType.VARIANT]], [['c', DataType.BOOL]], [
      constI('five', [5], []),
      node('lt', 'Less', ['i', 'five:output:0'], { T: A.type(I) }),
    ], { c: 'lt:z:0' });
    const main = fn('main', [], [['y', F]], [
      constI('es', [], [0]),
      constI('n', [5], []),
      constI('zero', [0], []),
      node('res', 'TensorListReserve', ['es:output:0', 'n:output:0'], { element_dtype: A.type(F), shape_type: A.type(I) }),
      node('w', 'StatelessWhile', ['zero:output:0', 'res:handle:0'], { T: A.types([I, DataType.VARIANT]), cond: A.func('lcond'), body: A.func('lbody') }),
      node('st', 'TensorListStack', ['w:output:1', 'es:output:0'], { element_dtype: A.type(F) }),
    ], { y: 'st:tensor:0' });
    const leak = leakOf(() => {
      const [y] = run([main, lbody, lcond], 'main', []);
      expect(vals(y)).toEqual([0, 1, 4, 9, 16]);
      disposeAll([y!]);
    });
    expect(leak).toBe(0);
  });
});

describe('errors and lifetimes', () => {
  test('an op without kernel: UnsupportedOpError naming op, node and function, with the registerOp hint', () => {
    const f = fn('f', [['x', F]], [['y', F]], [node('odd', 'MyCustomOp', ['x'])], { y: 'odd:output:0' });
    const lib = new FunctionLibrary([f]);
    expect(lib.unsupportedOps(['f'])).toEqual([{ op: 'MyCustomOp', node: 'odd', function: 'f' }]);
    const x = tf.scalar(2);
    let err: unknown;
    try {
      new Executor(lib).call('f', [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(String(err)).toMatch(/MyCustomOp.*odd.*f/s);
    expect((err as UnsupportedOpError).hint).toBe("registerOp('MyCustomOp', kernel)");
    // A user kernel makes it run (no OpDef: one output, inferred from the references).
    registerOp('MyCustomOp', (inputs) => [tf.square(inputs[0] as tf.Tensor)]);
    try {
      expect(lib.unsupportedOps(['f'])).toEqual([]);
      const [y] = new Executor(lib).call('f', [x]);
      expect(vals(y)).toEqual([4]);
      disposeAll([y!]);
    } finally {
      unregisterKernel('MyCustomOp');
    }
    x.dispose();
  });

  test('a failing node frees every intermediate made so far; inputs survive', () => {
    const f = fn('f', [['a', F], ['b', F]], [['y', F]], [
      node('s', 'AddV2', ['a', 'a'], { T: A.type(F) }),
      node('e', 'Exp', ['s:z:0'], { T: A.type(F) }),
      node('mm', 'MatMul', ['e:y:0', 'b'], { T: A.type(F) }),
    ], { y: 'mm:product:0' });
    const a = tf.ones([2, 3]);
    const b = tf.ones([2, 3]); // inner dims do not match
    const leak = leakOf(() => expect(() => run([f], 'f', [a, b])).toThrow(/MatMul failed/));
    expect(leak).toBe(0);
    expect(a.isDisposed || b.isDisposed).toBe(false);
    disposeAll([a, b]);
  });

  test('intermediates are freed after their last consumer: only the outputs remain', () => {
    const f = fn('f', [['x', F]], [['y', F], ['z', F]], [
      node('a', 'Exp', ['x'], { T: A.type(F) }),
      node('b', 'AddV2', ['a:y:0', 'a:y:0'], { T: A.type(F) }),
      node('c', 'Mul', ['b:z:0', 'a:y:0'], { T: A.type(F) }),
      node('d', 'Neg', ['c:z:0'], { T: A.type(F) }),
    ], { y: 'd:y:0', z: 'd:y:0' });
    const x = tf.tensor1d([0, 1]);
    const before = tf.memory().numTensors;
    const out = run([f], 'f', [x]);
    expect(out[0]).toBe(out[1]); // one value returned twice
    expect(tf.memory().numTensors - before).toBe(1);
    disposeAll([out[0]!]);
    x.dispose();
  });

  test('gradients flow through executed functions (tf.variableGrads) and match the analytic gradient', () => {
    // y = sum(tanh(x @ W)) with W a captured variable read through ReadVariableOp, inside a call.
    const inner = fn('inner', [['x', F], ['w', DataType.RESOURCE]], [['y', F]], [
      node('r', 'ReadVariableOp', ['w'], { dtype: A.type(F) }),
      node('mm', 'MatMul', ['x', 'r:value:0'], { T: A.type(F) }),
      node('t', 'Tanh', ['mm:product:0'], { T: A.type(F) }),
    ], { y: 't:y:0' });
    const outer = fn('outer', [['x', F], ['w', DataType.RESOURCE]], [['y', F]], [
      node('c', 'StatefulPartitionedCall', ['x', 'w'], { f: A.func('inner'), Tin: A.types([F, DataType.RESOURCE]), Tout: A.types([F]) }),
    ], { y: 'c:output:0' });
    const w = tf.variable(tf.tensor2d([[0.1, -0.2], [0.3, 0.4]]), true);
    const x = tf.tensor2d([[1, 2]]);
    const ex = new Executor(new FunctionLibrary([outer, inner]), { training: true });
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(ex.call('outer', [x, { kind: 'variable', name: 'w', variable: w }])[0] as tf.Tensor) as tf.Scalar, [w]);
    const expected = tf.tidy(() => tf.grad((wv: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(x, wv as tf.Tensor2D))))(w));
    expect(Array.from(grads[w.name]!.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Math.abs(value.dataSync()[0]! - tf.tidy(() => tf.sum(tf.tanh(tf.matMul(x, w))).dataSync()[0]!))).toBeLessThan(1e-7);
    tf.dispose([value, grads[w.name]!, expected]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, x]);
  });
});
