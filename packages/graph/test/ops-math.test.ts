import { describe, expect, it } from 'vitest';
import { A, DataType, arr, expectClose, run, run1, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
const str = (v: string[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'string');
const data = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>, (v) => (v === 0 ? 0 : v)); // -0 -> 0

/** erf by its Maclaurin series (enough terms for |x| <= 3). */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('element-wise math', () => {
  const xs = [-2.5, -1, -0.25, 0, 0.5, 1.5, 3];
  const unaryCases: [string, (x: number) => number, number[]?][] = [
    ['Abs', Math.abs], ['Neg', (x) => -x], ['Square', (x) => x * x], ['Exp', Math.exp], ['Sin', Math.sin], ['Cos', Math.cos],
    ['Tanh', Math.tanh], ['Sigmoid', (x) => 1 / (1 + Math.exp(-x))], ['Sign', Math.sign], ['Floor', Math.floor], ['Ceil', Math.ceil],
    ['Softsign', (x) => x / (1 + Math.abs(x))], ['Relu', (x) => Math.max(0, x)], ['Relu6', (x) => Math.min(6, Math.max(0, x))],
    ['Elu', (x) => (x > 0 ? x : Math.exp(x) - 1)], ['Softplus', (x) => Math.log(1 + Math.exp(x))],
    ['Selu', (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1))],
    ['LeakyRelu', (x) => (x > 0 ? x : 0.2 * x)], // default alpha 0.2 comes from the OpDef
    ['Sqrt', Math.sqrt, [0, 0.25, 1, 4, 9]], ['Rsqrt', (x) => 1 / Math.sqrt(x), [0.25, 1, 4]], ['Log', Math.log, [0.5, 1, 10]],
    ['Reciprocal', (x) => 1 / x, [-2, 0.5, 4]], ['Inv', (x) => 1 / x, [-2, 0.5, 4]],
    ['Tan', Math.tan, [-1, 0, 0.5]], ['Asin', Math.asin, [-0.5, 0, 0.9]], ['Acos', Math.acos, [-0.5, 0, 0.9]], ['Atan', Math.atan],
    ['Sinh', Math.sinh], ['Cosh', Math.cosh], ['Asinh', Math.asinh], ['Acosh', Math.acosh, [1, 2, 5]], ['Atanh', Math.atanh, [-0.5, 0, 0.9]],
    ['Expm1', Math.expm1], ['Log1p', Math.log1p, [0, 0.5, 3]],
    // erf by its series, to 1e-5
    ['Erf', (x) => erf(x)], ['Erfc', (x) => 1 - erf(x)],
  ];
  it.each(unaryCases)('%s', (op, fn, input) => {
    const x = input ?? xs;
    expectClose(run1(op, [f(x)]).dataSync(), x.map(fn), 1e-5);
  });

  it('Round is round-half-to-even like TF', () => {
    expect(data(run1('Round', [f([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6])]))).toEqual([-2, -2, 0, 0, 2, 2, 3]);
  });

  const a = [7, -7, 7, -7, 5];
  const b = [2, 2, -2, -2, 5];
  it.each([
    ['RealDiv', [3, -3, -3, 3, 1]], // integer division truncates toward zero in TF
    ['Div', [3, -3, -3, 3, 1]],
    ['TruncateDiv', [3, -3, -3, 3, 1]],
    ['FloorDiv', [3, -4, -4, 3, 1]],
    ['FloorMod', [1, 1, -1, -1, 0]],
    ['TruncateMod', [1, -1, 1, -1, 0]],
    ['Maximum', [7, 2, 7, -2, 5]], ['Minimum', [2, -7, -2, -7, 5]],
    ['SquaredDifference', [25, 81, 81, 25, 0]],
  ] as [string, number[]][])('%s on int32', (op, expected) => {
    const out = run1(op, [i32(a), i32(b)]);
    expect(out.dtype).toBe('int32');
    expect(data(out)).toEqual(expected);
  });

  it('binary float ops broadcast', () => {
    const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = f([10, 20, 30], [3]);
    expect(arr(run1('AddV2', [x, y]))).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(arr(run1('Mul', [x, y]))).toEqual([[10, 40, 90], [40, 100, 180]]);
    expect(arr(run1('Sub', [y, x]))).toEqual([[9, 18, 27], [6, 15, 24]]);
    expectClose(run1('RealDiv', [x, y]).dataSync(), [0.1, 0.1, 0.1, 0.4, 0.25, 0.2]);
    expectClose(run1('Pow', [f([2, 3]), f([3, 0.5])]).dataSync(), [8, Math.sqrt(3)]);
    expect(data(run1('DivNoNan', [f([1, 2]), f([0, 4])]))).toEqual([0, 0.5]);
    expect(data(run1('MulNoNan', [f([Infinity, 2]), f([0, 4])]))).toEqual([0, 8]);
    expectClose(run1('Atan2', [f([1, -1]), f([1, 1])]).dataSync(), [Math.PI / 4, -Math.PI / 4]);
  });

  it('comparisons and logic', () => {
    const x = f([1, 2, 3]);
    const y = f([2, 2, 2]);
    expect(arr(run1('Less', [x, y]))).toEqual([1, 0, 0].map(Boolean));
    expect(arr(run1('LessEqual', [x, y]))).toEqual([true, true, false]);
    expect(arr(run1('Greater', [x, y]))).toEqual([false, false, true]);
    expect(arr(run1('GreaterEqual', [x, y]))).toEqual([false, true, true]);
    expect(arr(run1('Equal', [x, y]))).toEqual([false, true, false]);
    expect(arr(run1('NotEqual', [x, y]))).toEqual([true, false, true]);
    const p = tf.tensor([true, true, false, false], [4], 'bool');
    const q = tf.tensor([true, false, true, false], [4], 'bool');
    expect(arr(run1('LogicalAnd', [p, q]))).toEqual([true, false, false, false]);
    expect(arr(run1('LogicalOr', [p, q]))).toEqual([true, true, true, false]);
    expect(arr(run1('LogicalNot', [p]))).toEqual([false, false, true, true]);
    expect(arr(run1('IsNan', [f([NaN, 1])]))).toEqual([true, false]);
    expect(arr(run1('IsInf', [f([Infinity, -Infinity, 1, NaN])]))).toEqual([true, true, false, false]);
    expect(arr(run1('IsFinite', [f([Infinity, 1, NaN])]))).toEqual([false, true, false]);
  });

  it('string Add concatenates and string Equal compares, with broadcasting', () => {
    expect(arr(run1('Add', [str(['a', 'b']), str(['_x'], [])]))).toEqual(['a_x', 'b_x']);
    expect(arr(run1('Equal', [str(['a', 'b', 'c']), str(['b'], [])]))).toEqual([false, true, false]);
    expect(arr(run1('NotEqual', [str(['a', 'b']), str(['a', 'c'])]))).toEqual([false, true]);
  });

  it('AddN sums any number of tensors', () => {
    expect(data(run1('AddN', [f([1, 2]), f([10, 20]), f([100, 200])], { N: A.i(3) }))).toEqual([111, 222]);
  });
});

describe('Cast', () => {
  it.each([
    [DataType.FLOAT, DataType.INT32, [-1.7, -0.5, 0.5, 1.9, 2], [-1, 0, 0, 1, 2], 'int32'], // truncates toward zero
    [DataType.FLOAT, DataType.BOOL, [0, 0.1, -2], [0, 1, 1], 'bool'],
    [DataType.INT32, DataType.UINT8, [-1, 255, 256, 300], [255, 255, 0, 44], 'int32'], // wraps
    [DataType.INT32, DataType.INT8, [127, 128, -129], [127, -128, 127], 'int32'],
    [DataType.INT64, DataType.FLOAT, [3, -4], [3, -4], 'float32'],
  ] as [number, number, number[], number[], string][])('%i -> %i', (src, dst, input, expected, dtype) => {
    const x = src === DataType.FLOAT ? f(input) : i32(input);
    const out = run1('Cast', [x], { SrcT: A.type(src), DstT: A.type(dst) });
    expect(out.dtype).toBe(dtype);
    expect(data(out)).toEqual(expected);
  });
  it('casts bool to numbers', () => {
    const out = run1('Cast', [tf.tensor([true, false], [2], 'bool')], { SrcT: A.type(DataType.BOOL), DstT: A.type(DataType.FLOAT) });
    expect(data(out)).toEqual([1, 0]);
  });
});

describe('reductions and scans', () => {
  const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
  it.each([
    ['Sum', [1], false, [6, 15]], ['Sum', [0, 1], false, [21]], ['Sum', [-1], true, [[6], [15]]],
    ['Mean', [0], false, [2.5, 3.5, 4.5]], ['Max', [1], false, [3, 6]], ['Min', [0], true, [[1, 2, 3]]],
    ['Prod', [1], false, [6, 120]], ['Sum', [], false, [[1, 2, 3], [4, 5, 6]]],
  ] as [string, number[], boolean, unknown][])('%s over %j keep_dims=%s', (op, axes, keep, expected) => {
    const out = run1(op, [x, i32(axes)], keep ? { keep_dims: A.b(true) } : {});
    const flat = (out.arraySync() as unknown);
    expect(flat).toEqual(expected instanceof Array && typeof expected[0] === 'number' && out.rank === 0 ? expected[0] : expected);
  });
  it('integer Mean truncates like TF', () => {
    expect(data(run1('Mean', [i32([1, 2, -7, -6]), i32([0])]))).toEqual([-2]);
  });
  it('All / Any / ArgMax / ArgMin', () => {
    const b = tf.tensor([true, false, true, true], [2, 2], 'bool');
    expect(arr(run1('All', [b, i32([1])]))).toEqual([false, true]);
    expect(arr(run1('Any', [b, i32([0])]))).toEqual([true, true]);
    const y = f([3, 9, 1, 7, 2, 8], [2, 3]);
    const am = run1('ArgMax', [y, i32([1], [])]);
    expect(am.dtype).toBe('int32');
    expect(data(am)).toEqual([1, 2]);
    expect(data(run1('ArgMin', [y, i32([0], [])]))).toEqual([0, 1, 0]);
  });
  it.each([
    [false, false, [1, 3, 6, 10]], [true, false, [0, 1, 3, 6]], [false, true, [10, 9, 7, 4]], [true, true, [9, 7, 4, 0]],
  ] as [boolean, boolean, number[]][])('Cumsum exclusive=%s reverse=%s', (exclusive, reverse, expected) => {
    const out = run1('Cumsum', [f([1, 2, 3, 4]), i32([0], [])], { exclusive: A.b(exclusive), reverse: A.b(reverse) });
    expect(data(out)).toEqual(expected);
  });
  it('Cumprod', () => {
    expect(data(run1('Cumprod', [f([1, 2, 3, 4]), i32([0], [])]))).toEqual([1, 2, 6, 24]);
  });
});

describe('matrix products', () => {
  const a = f([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = f([1, 0, 2, 1, 0, 3], [3, 2]);
  // [[1,2,3],[4,5,6]] x [[1,0],[2,1],[0,3]] = [[5,11],[14,23]]
  it('MatMul with and without transposes', () => {
    expect(arr(run1('MatMul', [a, b]))).toEqual([[5, 11], [14, 23]]);
    const at = f([1, 4, 2, 5, 3, 6], [3, 2]);
    const bt = f([1, 2, 0, 0, 1, 3], [2, 3]);
    expect(arr(run1('MatMul', [at, bt], { transpose_a: A.b(true), transpose_b: A.b(true) }))).toEqual([[5, 11], [14, 23]]);
  });
  it('BatchMatMulV2 broadcasts batch dims and honors adj_y', () => {
    const x = tf.stack([a, tf.mul(a, 2)]);
    const out = run1('BatchMatMulV2', [x, b]);
    expect(arr(out)).toEqual([[[5, 11], [14, 23]], [[10, 22], [28, 46]]]);
    const outT = run1('BatchMatMulV2', [x, tf.transpose(b)], { adj_y: A.b(true) });
    expect(arr(outT)).toEqual(arr(out));
  });
});

describe('Range, Select, Clip, Bincount', () => {
  it('Range int and float', () => {
    expect(data(run1('Range', [i32([2], []), i32([11], []), i32([3], [])]))).toEqual([2, 5, 8]);
    expectClose(run1('Range', [f([1], []), f([0], []), f([-0.25], [])], { Tidx: A.type(DataType.FLOAT) }).dataSync(), [1, 0.75, 0.5, 0.25]);
    expect(() => run1('Range', [i32([0], []), i32([5], []), i32([0], [])])).toThrow(/delta/);
  });
  it('Select (v1) takes whole rows for a vector condition; SelectV2 broadcasts', () => {
    const t = f([1, 2, 3, 4], [2, 2]);
    const e = f([-1, -2, -3, -4], [2, 2]);
    expect(arr(run1('Select', [tf.tensor([false, true], [2], 'bool'), t, e]))).toEqual([[-1, -2], [3, 4]]);
    expect(arr(run1('SelectV2', [tf.tensor([false, true], [2], 'bool'), t, e]))).toEqual([[-1, 2], [-3, 4]]);
    expect(arr(run1('SelectV2', [tf.tensor(true, [], 'bool'), t, f([0], [])]))).toEqual([[1, 2], [3, 4]]);
    expect(arr(run1('Select', [tf.tensor([true, false], [2], 'bool'), str(['a', 'b']), str(['x', 'y'])]))).toEqual(['a', 'y']);
  });
  it('ClipByValue with tensor bounds', () => {
    expect(data(run1('ClipByValue', [f([-5, 0, 5]), f([-1], []), f([1, 2, 3])]))).toEqual([-1, 0, 3]);
  });
  it('Bincount counts values in [0, size), weighted when weights are given', () => {
    expect(data(run1('Bincount', [i32([1, 1, 3, 7, -1]), i32([4], []), f([])], { T: A.type(DataType.FLOAT) }))).toEqual([0, 2, 0, 1]);
    expect(data(run1('Bincount', [i32([0, 2, 2]), i32([3], []), f([0.5, 1, 2])], { T: A.type(DataType.FLOAT) }))).toEqual([0.5, 0, 3]);
  });
  it('DenseBincount per row, binary_output', () => {
    const x = i32([0, 1, 1, 3, 3, 3], [2, 3]);
    const counts = run1('DenseBincount', [x, i32([4], []), f([])], { Tidx: A.type(DataType.INT32), T: A.type(DataType.FLOAT) });
    expect(arr(counts)).toEqual([[1, 2, 0, 0], [0, 0, 0, 3]]);
    const bin = run1('DenseBincount', [x, i32([4], []), f([])], { Tidx: A.type(DataType.INT32), T: A.type(DataType.FLOAT), binary_output: A.b(true) });
    expect(arr(bin)).toEqual([[1, 1, 0, 0], [0, 0, 0, 1]]);
  });
  it('Bucketize counts boundaries <= x (TF docs example)', () => {
    const x = f([-5, 10000, 150, 10, 5, 100], [3, 2]);
    expect(arr(run1('Bucketize', [x], { boundaries: { value: 'list', list: { s: [], i: [], f: [0, 10, 100], b: [], type: [], shape: [], tensor: [], func: [] } } })))
      .toEqual([[0, 3], [3, 2], [1, 3]]);
  });
  it('L2Loss is sum(x^2)/2', () => {
    expect(data(run1('L2Loss', [f([1, 2, 3])]))).toEqual([7]);
  });
});

describe('kernel hygiene', () => {
  it('frees intermediates and never disposes inputs', () => {
    const x = f([1, 2, 3, 4], [2, 2]);
    const inputs = [x, f([1, 1]), f([0, 0]), f([]), f([])];
    const before = tf.memory().numTensors;
    const out = run('FusedBatchNormV3', inputs);
    expect(tf.memory().numTensors).toBe(before + out.length);
    expect(x.isDisposed).toBe(false);
    out.forEach((t) => (t as tf.Tensor).dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});
