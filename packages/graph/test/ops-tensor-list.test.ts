import { describe, expect, it } from 'vitest';
import type { TensorListValue, Value } from '../src/kernel.js';
import { disposeValue, isTensorList, releaseTensorList } from '../src/ops/index.js';
import { A, DataType, arr, run, run1, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
const scalar = (v: number) => tf.scalar(v, 'int32');
const ED = { element_dtype: A.type(DataType.FLOAT), shape_type: A.type(DataType.INT32) };

function list(v: Value | undefined): TensorListValue {
  if (!isTensorList(v)) throw new Error('not a TensorList');
  return v;
}

describe('TensorList ops', () => {
  it('Reserve -> SetItem* -> Stack round trip (the Keras RNN loop pattern)', () => {
    let l = list(run('TensorListReserve', [i32([2]), scalar(3)], ED)[0]);
    expect(arr(run1('TensorListLength', [l]))).toBe(3);
    const rows = [[1, 2], [3, 4], [5, 6]];
    for (const i of [2, 0, 1]) {
      const next = list(run('TensorListSetItem', [l, scalar(i), f(rows[i]!)], ED)[0]);
      releaseTensorList(l);
      l = next;
    }
    expect(arr(run1('TensorListStack', [l, i32([2])], { element_dtype: A.type(DataType.FLOAT), num_elements: A.i(3) }))).toEqual(rows);
    expect(arr(run1('TensorListGetItem', [l, scalar(1), i32([2])], ED))).toEqual([3, 4]);
    releaseTensorList(l);
  });

  it('FromTensor -> GetItem reads rows; ElementShape reports the merged shape', () => {
    const l = list(run('TensorListFromTensor', [f([1, 2, 3, 4, 5, 6], [3, 2]), scalar(-1)], ED)[0]);
    expect(arr(run1('TensorListGetItem', [l, scalar(2), i32([-1, -1])], ED))).toEqual([5, 6]);
    expect(arr(run1('TensorListElementShape', [l], { shape_type: A.type(DataType.INT32) }))).toEqual([2]);
    expect(() => run('TensorListGetItem', [l, scalar(3), i32([2])], ED)).toThrow(/out of range/);
    releaseTensorList(l);
  });

  it('writes are functional: the input list never changes', () => {
    const l0 = list(run('TensorListReserve', [i32([1]), scalar(2)], ED)[0]);
    const l1 = list(run('TensorListSetItem', [l0, scalar(0), f([7])], ED)[0]);
    const l2 = list(run('TensorListSetItem', [l0, scalar(0), f([9])], ED)[0]);
    expect(l0.tensors[0]).toBeUndefined();
    expect(arr(run1('TensorListGetItem', [l1, scalar(0), i32([1])], ED))).toEqual([7]);
    expect(arr(run1('TensorListGetItem', [l2, scalar(0), i32([1])], ED))).toEqual([9]);
    // an unset element with a known shape reads as zeros
    expect(arr(run1('TensorListGetItem', [l1, scalar(1), i32([1])], ED))).toEqual([0]);
    for (const l of [l0, l1, l2]) releaseTensorList(l);
  });

  it('keeps element data alive after the executor disposes the written tensors, and frees it on release', () => {
    const shape = i32([2]);
    const [n, i0, i1] = [scalar(2), scalar(0), scalar(1)];
    const base = tf.memory().numTensors;
    const l0 = list(run('TensorListReserve', [shape, n], ED)[0]);
    let item = f([1, 2]);
    const l1 = list(run('TensorListSetItem', [l0, i0, item], ED)[0]);
    item.dispose(); // what the executor does once the SetItem input is dead
    item = f([3, 4]);
    const l2 = list(run('TensorListSetItem', [l1, i1, item], ED)[0]);
    item.dispose();
    expect(tf.memory().numTensors).toBe(base + 2); // the two owned elements
    // tf.tidy scopes around later work must not free list elements either
    const stacked = tf.tidy(() => run1('TensorListStack', [l2, shape], ED));
    expect(arr(stacked)).toEqual([[1, 2], [3, 4]]);
    stacked.dispose();
    releaseTensorList(l0);
    releaseTensorList(l1);
    expect(tf.memory().numTensors).toBe(base + 2); // l2 still holds them
    const got = run1('TensorListGetItem', [l2, i0, shape], ED);
    expect(arr(got)).toEqual([1, 2]);
    got.dispose();
    disposeValue(l2);
    disposeValue(l2); // idempotent
    expect(tf.memory().numTensors).toBe(base);
  });

  it('Identity of a list is a separate value: releasing the input keeps the output alive', () => {
    const l = list(run('TensorListFromTensor', [f([1, 2, 3, 4], [2, 2]), scalar(-1)], ED)[0]);
    const copy = list(run('Identity', [l], { T: A.type(DataType.VARIANT) })[0]);
    expect(copy).not.toBe(l);
    releaseTensorList(l);
    expect(arr(run1('TensorListStack', [copy, i32([2])], ED))).toEqual([[1, 2], [3, 4]]);
    releaseTensorList(copy);
    expect(copy.tensors.every((t) => t!.isDisposed)).toBe(true);
  });

  it('PushBack / PopBack / EmptyTensorList with max_num_elements', () => {
    const e = list(run('EmptyTensorList', [i32([2]), scalar(2)], ED)[0]);
    const a = list(run('TensorListPushBack', [e, f([1, 2])], ED)[0]);
    const b = list(run('TensorListPushBack', [a, f([3, 4])], ED)[0]);
    expect(() => run('TensorListPushBack', [b, f([5, 6])], ED)).toThrow(/full/);
    const [c, last] = run('TensorListPopBack', [b, i32([2])], ED);
    expect(arr(last)).toEqual([3, 4]);
    expect(arr(run1('TensorListLength', [c!]))).toBe(1);
    expect(arr(run1('TensorListLength', [b]))).toBe(2);
    expect(() => run('TensorListPopBack', [e, i32([2])], ED)).toThrow(/empty/);
    expect(() => run('TensorListPushBack', [e, f([1, 2, 3])], ED)).toThrow(/differ/);
  });

  it('ConcatV2 concatenates along the first axis and fills unset elements from leading_dims', () => {
    let l = list(run('TensorListReserve', [i32([-1, 2]), scalar(3)], ED)[0]);
    l = list(run('TensorListSetItem', [l, scalar(0), f([1, 2, 3, 4], [2, 2])], ED)[0]);
    l = list(run('TensorListSetItem', [l, scalar(2), f([5, 6], [1, 2])], ED)[0]);
    const [t, lengths] = run('TensorListConcatV2', [l, i32([-1, 2]), i32([2, 1, 1])], ED);
    expect(arr(t)).toEqual([[1, 2], [3, 4], [0, 0], [5, 6]]);
    expect(arr(lengths)).toEqual([2, 1, 1]);
  });

  it('Gather / ScatterV2 / Split / Resize', () => {
    const l = list(run('TensorListScatterV2', [f([10, 20], [2, 1]), i32([3, 0]), i32([1]), scalar(-1)], ED)[0]);
    expect(arr(run1('TensorListLength', [l]))).toBe(4);
    expect(arr(run1('TensorListGather', [l, i32([0, 3, 1]), i32([1])], ED))).toEqual([[20], [10], [0]]);
    const s = list(run('TensorListSplit', [f([1, 2, 3]), i32([-1]), i32([1, 2])], ED)[0]);
    expect(arr(run1('TensorListGetItem', [s, scalar(1), i32([-1])], ED))).toEqual([2, 3]);
    const r = list(run('TensorListResize', [l, scalar(1)], ED)[0]);
    expect(arr(run1('TensorListLength', [r]))).toBe(1);
  });

  it('Stack of an empty list needs a known element shape', () => {
    const l = list(run('TensorListReserve', [i32([3]), scalar(0)], ED)[0]);
    expect(run1('TensorListStack', [l, i32([3])], ED).shape).toEqual([0, 3]);
    const u = list(run('TensorListReserve', [scalar(-1), scalar(0)], ED)[0]);
    expect(() => run1('TensorListStack', [u, scalar(-1)], ED)).toThrow(/not fully known/);
  });
});
