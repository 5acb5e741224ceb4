import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type TensorProto } from '@savedkeras/proto';
import { einsumFallback } from '../src/ops/kernels/einsum.js';
import { A, DataType, arr, context, expectClose, run, run1, tensorOut, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
const x24 = () => f(iota(24), [2, 3, 4]);
const at = (b: number, r: number, c: number) => b * 12 + r * 4 + c; // value of x24()[b][r][c]

describe('StridedSlice (TF dense-spec semantics for every mask)', () => {
  const ss = (begin: number[], end: number[], strides: number[], masks: Record<string, number> = {}) =>
    run1('StridedSlice', [x24(), i32(begin), i32(end), i32(strides)], Object.fromEntries(Object.entries(masks).map(([k, v]) => [k, A.i(v)])));

  it('x[1] (shrink)', () => {
    const out = ss([1], [2], [1], { shrink_axis_mask: 1 });
    expect(out.shape).toEqual([3, 4]);
    expect(Array.from(out.dataSync())).toEqual(iota(12).map((i) => 12 + i));
  });
  it('x[:, 1:3] (begin/end masks)', () => {
    const out = ss([0, 1], [0, 3], [1, 1], { begin_mask: 1, end_mask: 1 });
    expect(out.shape).toEqual([2, 2, 4]);
    expect(arr(out)).toEqual([0, 1].map((b) => [1, 2].map((r) => iota(4).map((c) => at(b, r, c)))));
  });
  it('x[..., 1] (ellipsis + shrink)', () => {
    const out = ss([0, 1], [0, 2], [1, 1], { ellipsis_mask: 1, shrink_axis_mask: 2 });
    expect(arr(out)).toEqual([0, 1].map((b) => [0, 1, 2].map((r) => at(b, r, 1))));
  });
  it('x[:, newaxis, ::-1, -1] (new axis, negative stride, negative index)', () => {
    const out = ss([0, 0, 0, -1], [0, 0, 0, 0], [1, 1, -1, 1], { begin_mask: 5, end_mask: 5, new_axis_mask: 2, shrink_axis_mask: 8 });
    expect(out.shape).toEqual([2, 1, 3]);
    expect(arr(out)).toEqual([0, 1].map((b) => [[2, 1, 0].map((r) => at(b, r, 3))]));
  });
  it('x[0, ..., ::2]', () => {
    const out = ss([0, 0, 0], [1, 0, 0], [1, 1, 2], { ellipsis_mask: 2, shrink_axis_mask: 1, begin_mask: 4, end_mask: 4 });
    expect(arr(out)).toEqual([0, 1, 2].map((r) => [at(0, r, 0), at(0, r, 2)]));
  });
  it('x[-1:-3:-1] and x[::-2, :, 3:0:-2] clamp like TF', () => {
    expect(arr(ss([-1], [-3], [-1]))).toEqual([1, 0].map((b) => [0, 1, 2].map((r) => iota(4).map((c) => at(b, r, c)))));
    const out = ss([0, 0, 3], [0, 0, 0], [-2, 1, -2], { begin_mask: 3, end_mask: 3 });
    expect(arr(out)).toEqual([[0, 1, 2].map((r) => [at(1, r, 3), at(1, r, 1)])]);
  });
  it('x[:, 5:10] is empty, not an error; x[5] (shrink out of range) is an error', () => {
    expect(ss([0, 5], [0, 10], [1, 1], { begin_mask: 1, end_mask: 1 }).shape).toEqual([2, 0, 4]);
    expect(() => ss([5], [6], [1], { shrink_axis_mask: 1 })).toThrow(/out of bounds/);
  });
  it('x[newaxis, ..., newaxis] adds axes on both sides', () => {
    const out = ss([0, 0, 0], [0, 0, 0], [1, 1, 1], { new_axis_mask: 5, ellipsis_mask: 2 });
    expect(out.shape).toEqual([1, 2, 3, 4, 1]);
  });
});

describe('shape ops', () => {
  it('Reshape infers -1 and rejects bad shapes', () => {
    expect(run1('Reshape', [x24(), i32([4, -1])]).shape).toEqual([4, 6]);
    expect(() => run1('Reshape', [x24(), i32([5, -1])])).toThrow(/reshape/);
  });
  it('Squeeze all or given dims', () => {
    const x = f(iota(3), [1, 3, 1]);
    expect(run1('Squeeze', [x]).shape).toEqual([3]);
    expect(run1('Squeeze', [x], { squeeze_dims: A.ints([-1]) }).shape).toEqual([1, 3]);
    expect(() => run1('Squeeze', [x], { squeeze_dims: A.ints([1]) })).toThrow(/squeeze/);
  });
  it('ExpandDims / Shape / Size / Rank / ShapeN', () => {
    expect(run1('ExpandDims', [x24(), i32([-1], [])]).shape).toEqual([2, 3, 4, 1]);
    const s = run1('Shape', [x24()], { out_type: A.type(DataType.INT64) });
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([2, 3, 4]);
    expect(Array.from(run1('Size', [x24()]).dataSync())).toEqual([24]);
    expect(Array.from(run1('Rank', [x24()]).dataSync())).toEqual([3]);
    const sn = run('ShapeN', [x24(), f([1])], { N: A.i(2) });
    expect(sn.map((t) => Array.from(tensorOut(t).dataSync()))).toEqual([[2, 3, 4], [1]]);
  });
  it('Pack / Unpack / ConcatV2 / Concat', () => {
    const a = f([1, 2]);
    const b = f([3, 4]);
    expect(arr(run1('Pack', [a, b], { N: A.i(2), axis: A.i(1) }))).toEqual([[1, 3], [2, 4]]);
    const parts = run('Unpack', [f([1, 2, 3, 4, 5, 6], [3, 2])], { num: A.i(2), axis: A.i(1) });
    expect(parts.map(arr)).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(arr(run1('ConcatV2', [f([1, 2], [1, 2]), f([3, 4], [1, 2]), i32([-1], [])], { N: A.i(2) }))).toEqual([[1, 2, 3, 4]]);
    expect(arr(run1('Concat', [i32([0], []), f([1]), f([2, 3])], { N: A.i(2) }))).toEqual([1, 2, 3]);
    expect(arr(run1('Pack', [tf.tensor(['a'], [1], 'string'), tf.tensor(['b'], [1], 'string')], { N: A.i(2) }))).toEqual([['a'], ['b']]);
  });
  it('Split / SplitV with -1', () => {
    const x = f(iota(6), [6]);
    expect(run('Split', [i32([0], []), x], { num_split: A.i(3) }).map(arr)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(run('SplitV', [x, i32([1, -1, 2]), i32([0], [])], { num_split: A.i(3) }).map(arr)).toEqual([[0], [1, 2, 3], [4, 5]]);
    expect(() => run('Split', [i32([0], []), x], { num_split: A.i(4) })).toThrow(/divisible/);
  });
  it('Transpose / ReverseV2 / Tile / BroadcastTo / BroadcastArgs', () => {
    expect(arr(run1('Transpose', [f(iota(6), [2, 3]), i32([1, 0])]))).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(arr(run1('ReverseV2', [f(iota(6), [2, 3]), i32([1])]))).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(arr(run1('Tile', [f([1, 2], [1, 2]), i32([2, 2])]))).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(arr(run1('BroadcastTo', [f([1, 2], [2]), i32([2, 2])]))).toEqual([[1, 2], [1, 2]]);
    expect(Array.from(run1('BroadcastArgs', [i32([2, 1, 3]), i32([4, 1])]).dataSync())).toEqual([2, 4, 3]);
    expect(() => run1('BroadcastTo', [f([1, 2, 3]), i32([2, 2])])).toThrow(/broadcast/);
  });
  it('EnsureShape / CheckNumerics / Gather (v1) / IdentityN', () => {
    expect(run1('EnsureShape', [x24()], { shape: A.shape([-1, 3, 4]) }).shape).toEqual([2, 3, 4]);
    expect(() => run1('EnsureShape', [x24()], { shape: A.shape([2, 4, 3]) })).toThrow(/not compatible/);
    expect(() => run1('CheckNumerics', [f([1, NaN])], { message: A.s('bad') })).toThrow(/bad/);
    expect(arr(run1('Gather', [f([5, 6, 7]), i32([2, 0])]))).toEqual([7, 5]);
    expect(run('IdentityN', [f([1]), i32([2])]).map(arr)).toEqual([[1], [2]]);
  });
  it('Fill / ZerosLike / OnesLike / Slice', () => {
    expect(arr(run1('Fill', [i32([2, 2]), f([7], [])]))).toEqual([[7, 7], [7, 7]]);
    expect(arr(run1('Fill', [i32([2]), tf.tensor('z', [], 'string')]))).toEqual(['z', 'z']);
    expect(arr(run1('ZerosLike', [f([3, 4])]))).toEqual([0, 0]);
    expect(arr(run1('OnesLike', [i32([3, 4])]))).toEqual([1, 1]);
    expect(arr(run1('Slice', [f(iota(6), [2, 3]), i32([0, 1]), i32([-1, 2])]))).toEqual([[1, 2], [4, 5]]);
  });
  it('Pad / PadV2 / MirrorPad', () => {
    expect(arr(run1('Pad', [f([1, 2]), i32([1, 2], [1, 2])]))).toEqual([0, 1, 2, 0, 0]);
    expect(arr(run1('PadV2', [f([1, 2]), i32([1, 0], [1, 2]), f([9], [])]))).toEqual([9, 1, 2]);
    expect(arr(run1('MirrorPad', [f([1, 2, 3]), i32([2, 1], [1, 2])], { mode: A.s('REFLECT') }))).toEqual([3, 2, 1, 2, 3, 2]);
    expect(arr(run1('MirrorPad', [f([1, 2, 3]), i32([2, 1], [1, 2])], { mode: A.s('SYMMETRIC') }))).toEqual([2, 1, 1, 2, 3, 3]);
  });
});

describe('gather, scatter, indices', () => {
  it('GatherV2 on an axis, with batch_dims, and rejects out-of-range indices', () => {
    const p = f(iota(6), [2, 3]);
    expect(arr(run1('GatherV2', [p, i32([2, 0]), i32([1], [])]))).toEqual([[2, 0], [5, 3]]);
    expect(arr(run1('GatherV2', [p, i32([2, 0], [2, 1]), i32([1], [])], { batch_dims: A.i(1) }))).toEqual([[2], [3]]);
    expect(() => run1('GatherV2', [p, i32([3]), i32([1], [])])).toThrow(/out of range/);
  });
  it('GatherNd / ScatterNd', () => {
    expect(arr(run1('GatherNd', [f(iota(6), [2, 3]), i32([1, 2, 0, 1], [2, 2])]))).toEqual([5, 1]);
    expect(arr(run1('ScatterNd', [i32([1, 3], [2, 1]), f([10, 30]), i32([5])]))).toEqual([0, 10, 0, 30, 0]);
  });
  it('OneHot with axis and on/off values', () => {
    expect(arr(run1('OneHot', [i32([2, 0]), i32([3], []), f([5], []), f([-1], [])]))).toEqual([[-1, -1, 5], [5, -1, -1]]);
    expect(arr(run1('OneHot', [i32([2, 0]), i32([3], []), f([1], []), f([0], [])], { axis: A.i(0) }))).toEqual([[0, 1], [0, 0], [1, 0]]);
  });
  it('Where gives coordinates of true elements', () => {
    const out = run1('Where', [tf.tensor([false, true, true, false, false, true], [2, 3], 'bool')]);
    expect(arr(out)).toEqual([[0, 1], [0, 2], [1, 2]]);
  });
  it('UniqueWithCounts keeps first-occurrence order', () => {
    const out = run('UniqueWithCounts', [tf.tensor(['b', 'a', 'b', 'c', 'a', 'b'], [6], 'string')]);
    expect(out.map(arr)).toEqual([['b', 'a', 'c'], [0, 1, 0, 2, 1, 0], [3, 2, 1]]);
  });
  it('InvertPermutation / MatrixBandPart', () => {
    expect(arr(run1('InvertPermutation', [i32([2, 0, 1])]))).toEqual([1, 2, 0]);
    expect(arr(run1('MatrixBandPart', [f(iota(9).map((v) => v + 1), [3, 3]), i32([0], []), i32([-1], [])]))).toEqual([[1, 2, 3], [0, 5, 6], [0, 0, 9]]);
  });
});

describe('Bitcast', () => {
  it('float32 <-> int32 reinterprets bits', () => {
    const bits = run1('Bitcast', [f([1, -2])], { T: A.type(DataType.FLOAT), type: A.type(DataType.INT32) });
    expect(Array.from(bits.dataSync())).toEqual([0x3f800000, -1073741824]); // IEEE-754 of 1.0 and -2.0
    const back = run1('Bitcast', [bits], { T: A.type(DataType.INT32), type: A.type(DataType.FLOAT) });
    expect(Array.from(back.dataSync())).toEqual([1, -2]);
  });
  it('int64 -> uint32 adds a dimension of 2 (low, high words)', () => {
    const out = run1('Bitcast', [i32([5, -1])], { T: A.type(DataType.INT64), type: A.type(DataType.UINT32) });
    expect(out.shape).toEqual([2, 2]);
    expect(arr(out)).toEqual([[5, 0], [-1, -1]]);
    const back = run1('Bitcast', [out], { T: A.type(DataType.UINT32), type: A.type(DataType.INT64) });
    expect(arr(back)).toEqual([5, -1]);
  });
});

describe('Const', () => {
  const proto = (p: object) => decodeMessage<TensorProto>('TensorProto', encodeMessage('TensorProto', p), 'test');
  const konst = (p: object) => run1('Const', [], { value: { value: 'tensor', tensor: proto(p) }, dtype: A.type((p as { dtype: number }).dtype) });
  it('decodes tensor_content, splat values, strings, bools and saturates int64', () => {
    const bytes = new Uint8Array(new Float32Array([1.5, -2, 3.25, 0]).buffer);
    expect(arr(konst({ dtype: DataType.FLOAT, tensorShape: { dim: [{ size: 2 }, { size: 2 }] }, tensorContent: bytes }))).toEqual([[1.5, -2], [3.25, 0]]);
    expect(arr(konst({ dtype: DataType.INT32, tensorShape: { dim: [{ size: 3 }] }, intVal: [7] }))).toEqual([7, 7, 7]);
    const big = new Uint8Array(new BigInt64Array([1n, 9223372036854775807n, -9223372036854775808n]).buffer);
    expect(arr(konst({ dtype: DataType.INT64, tensorShape: { dim: [{ size: 3 }] }, tensorContent: big }))).toEqual([1, 2147483647, -2147483648]);
    expect(arr(konst({ dtype: DataType.INT64, tensorShape: { dim: [{ size: 2 }] }, int64Val: [-3] }))).toEqual([-3, -3]);
    expect(arr(konst({ dtype: DataType.STRING, tensorShape: { dim: [{ size: 2 }] }, stringVal: [new TextEncoder().encode('hi'), new TextEncoder().encode('yo')] })))
      .toEqual(['hi', 'yo']);
    expect(arr(konst({ dtype: DataType.BOOL, tensorShape: {}, boolVal: [true] }))).toBe(true);
    expect(arr(konst({ dtype: DataType.DOUBLE, tensorShape: { dim: [{ size: 2 }] }, tensorContent: new Uint8Array(new Float64Array([0.25, 8]).buffer) }))).toEqual([0.25, 8]);
  });
  it('rejects content that does not fit the shape', () => {
    expect(() => konst({ dtype: DataType.FLOAT, tensorShape: { dim: [{ size: 3 }] }, tensorContent: new Uint8Array(8) })).toThrow(/8 bytes, expected 12/);
    expect(() => konst({ dtype: DataType.FLOAT, tensorShape: { dim: [{ size: 100000 }, { size: 100000 }] }, floatVal: [1] })).toThrow(/limit/);
  });
});

/** Brute-force einsum by summing over every label assignment. */
function bruteEinsum(eq: string, xs: { v: number[]; s: number[] }[]): { v: number[]; s: number[] } {
  const [lhs, out] = eq.split('->') as [string, string];
  const ins = lhs.split(',');
  const size = new Map<string, number>();
  ins.forEach((l, i) => [...l].forEach((c, k) => size.set(c, xs[i]!.s[k]!)));
  const labels = [...size.keys()];
  const outShape = [...out].map((c) => size.get(c)!);
  const res = new Array(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const assign = new Map<string, number>();
  const flat = (l: string, s: number[]) => [...l].reduce((a, c, k) => a * s[k]! + assign.get(c)!, 0);
  const rec = (k: number) => {
    if (k === labels.length) {
      const prod = ins.reduce((p, l, i) => p * xs[i]!.v[flat(l, xs[i]!.s)]!, 1);
      res[flat(out, outShape)] += prod;
      return;
    }
    for (let v = 0; v < size.get(labels[k]!)!; v++) {
      assign.set(labels[k]!, v);
      rec(k + 1);
    }
  };
  rec(0);
  return { v: res, s: outShape };
}

describe('Einsum', () => {
  const mk = (s: number[], seed: number) => ({ v: Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(seed + i * 0.7)), s });
  const cases: [string, number[][]][] = [
    ['abc,cde->abde', [[2, 3, 4], [4, 2, 3]]], // EinsumDense / MultiHeadAttention projections
    ['aecd,abcd->acbe', [[2, 3, 2, 4], [2, 5, 2, 4]]], // attention scores
    ['acbe,aecd->abcd', [[2, 2, 5, 3], [2, 3, 2, 4]]], // attention output
    ['abcd,cde->abe', [[2, 3, 2, 4], [2, 4, 5]]], // output projection
    ['ij->ji', [[2, 3]]], ['ij->', [[2, 3]]], ['i,i->', [[4], [4]]], ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]],
    ['ij,kj->ik', [[2, 3], [4, 3]]], ['abc,ad->bcd', [[2, 3, 2], [2, 2]]], ['ab,cd->abcd', [[2, 2], [3, 1]]],
  ];
  it.each(cases)('%s (kernel and our fallback lowering) matches brute force', (eq, shapes) => {
    const xs = shapes.map((s, i) => mk(s, i + 1));
    const want = bruteEinsum(eq, xs);
    const tensors = xs.map((x) => f(x.v, x.s));
    const got = run1('Einsum', tensors, { equation: A.s(eq), N: A.i(xs.length) });
    expect(got.shape).toEqual(want.s);
    expectClose(got.dataSync(), want.v, 1e-4);
    const fb = einsumFallback(eq, tensors, context('Einsum'));
    expect(fb.shape).toEqual(want.s);
    expectClose(fb.dataSync(), want.v, 1e-4);
  });
  it('supports ellipses through the fallback', () => {
    const a = mk([2, 3, 4], 1);
    const b = mk([4, 5], 2);
    const want = bruteEinsum('xij,jk->xik', [a, b]);
    const got = run1('Einsum', [f(a.v, a.s), f(b.v, b.s)], { equation: A.s('...ij,jk->...ik'), N: A.i(2) });
    expectClose(got.dataSync(), want.v, 1e-4);
  });
});
