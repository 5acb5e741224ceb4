import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { InputMismatchError } from '@savedkeras/common';
import type { VariableResource } from '../src/kernel.js';
import { getKernel, getOpDef, makeAttrs } from '../src/ops/index.js';
import { A, DataType, arr, context, expectClose, run, run1, seeded, tf } from './ops-helpers.js';

const f = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'float32');
const i32 = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
let varCount = 0;
const variable = (t: tf.Tensor): VariableResource => ({ kind: 'variable', name: `v${varCount}`, variable: tf.variable(t, true, `test_var_${varCount++}`) });

describe('variables', () => {
  it('ReadVariableOp returns a copy the caller may dispose', () => {
    const v = variable(f([1, 2, 3]));
    const r = run1('ReadVariableOp', [v], { dtype: A.type(DataType.FLOAT) });
    expect(arr(r)).toEqual([1, 2, 3]);
    r.dispose();
    expect(arr(v.variable)).toEqual([1, 2, 3]);
  });
  it('Assign / AssignAdd / AssignSub write through, and the written input may be disposed', () => {
    const v = variable(f([1, 2]));
    const value = f([10, 20]);
    run('AssignVariableOp', [v, value], { dtype: A.type(DataType.FLOAT) });
    value.dispose();
    expect(arr(v.variable)).toEqual([10, 20]);
    run('AssignAddVariableOp', [v, f([1, 1])], { dtype: A.type(DataType.FLOAT) });
    run('AssignSubVariableOp', [v, f([0.5, 5])], { dtype: A.type(DataType.FLOAT) });
    expect(arr(v.variable)).toEqual([10.5, 16]);
  });
  it('AssignVariableOp changes the shape only when validate_shape is false', () => {
    const v = variable(f([1, 2]));
    expect(() => run('AssignVariableOp', [v, f([1, 2, 3])], { dtype: A.type(DataType.FLOAT), validate_shape: A.b(true) })).toThrow(/shape/);
    run('AssignVariableOp', [v, f([1, 2, 3])], { dtype: A.type(DataType.FLOAT) });
    expect(arr(v.variable)).toEqual([1, 2, 3]);
  });
  it('ResourceGather looks up embedding rows and checks the index range', () => {
    const v = variable(f([0, 0, 1, 1, 2, 2, 3, 3], [4, 2]));
    const attrs = { dtype: A.type(DataType.FLOAT), Tindices: A.type(DataType.INT32) };
    expect(arr(run1('ResourceGather', [v, i32([3, 0, 3], [1, 3])], attrs))).toEqual([[[3, 3], [0, 0], [3, 3]]]);
    expect(() => run1('ResourceGather', [v, i32([4])], attrs)).toThrow(/out of range/);
    const b = variable(f([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(arr(run1('ResourceGather', [b, i32([2, 0], [2, 1])], { ...attrs, batch_dims: A.i(1) }))).toEqual([[3], [4]]);
  });
  it('VarIsInitializedOp and RngReadAndSkip', () => {
    const state = variable(i32([5, 0, 42]));
    expect(arr(run1('VarIsInitializedOp', [state]))).toBe(true);
    const read = run1('RngReadAndSkip', [state, tf.scalar(1, 'int32'), tf.scalar(256, 'int32')]);
    expect(arr(read)).toEqual([5, 0, 42]);
    expect(arr(state.variable)).toEqual([261, 0, 42]);
  });
  it('a tensor where a variable handle belongs is a FormatError naming the node', () => {
    expect(() => run('ReadVariableOp', [f([1])], { dtype: A.type(DataType.FLOAT) })).toThrow(/__test_fn\/node_ReadVariableOp \(ReadVariableOp\).*variable handle/);
  });
});

describe('random ops (seeded by the context)', () => {
  const stats = (v: ArrayLike<number>) => {
    const a = Array.from(v);
    const m = a.reduce((s, x) => s + x, 0) / a.length;
    return { m, sd: Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length), min: Math.min(...a), max: Math.max(...a) };
  };
  const attrs = { dtype: A.type(DataType.FLOAT), T: A.type(DataType.INT32) };
  it('RandomUniform is in [0, 1) with mean ~0.5 and reproducible for a seed', () => {
    const a = run('RandomUniform', [i32([4000])], attrs, seeded(7))[0] as tf.Tensor;
    const b = run('RandomUniform', [i32([4000])], attrs, seeded(7))[0] as tf.Tensor;
    const s = stats(a.dataSync());
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    expect(Math.abs(s.m - 0.5)).toBeLessThan(0.03);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  });
  it('RandomStandardNormal ~N(0,1); TruncatedNormal within 2 sd; StatelessRandomNormalV2 shape', () => {
    const n = stats((run('RandomStandardNormal', [i32([4000])], attrs, seeded(3))[0] as tf.Tensor).dataSync());
    expect(Math.abs(n.m)).toBeLessThan(0.06);
    expect(Math.abs(n.sd - 1)).toBeLessThan(0.06);
    const t = stats((run('TruncatedNormal', [i32([2000])], attrs, seeded(4))[0] as tf.Tensor).dataSync());
    expect(Math.max(-t.min, t.max)).toBeLessThanOrEqual(2);
    const sv = run('StatelessRandomNormalV2', [i32([2, 3]), i32([1]), i32([0, 0]), tf.scalar(1, 'int32')])[0] as tf.Tensor;
    expect(sv.shape).toEqual([2, 3]);
  });
  it('RandomUniformInt draws in [minval, maxval)', () => {
    const r = run('RandomUniformInt', [i32([500]), tf.scalar(-2, 'int32'), tf.scalar(3, 'int32')], { Tout: A.type(DataType.INT32), T: A.type(DataType.INT32) }, seeded(5))[0] as tf.Tensor;
    expect(new Set(Array.from(r.dataSync()))).toEqual(new Set([-2, -1, 0, 1, 2]));
  });
});

describe('image ops', () => {
  const row = [1, 2, 3, 4];
  const img = () => f(row, [1, 1, 4, 1]);
  /** TF's bilinear source coordinate for one axis. */
  const bilinear = (src: number[], outLen: number, align: boolean, half: boolean) => {
    const inLen = src.length;
    const scale = align && outLen > 1 ? (inLen - 1) / (outLen - 1) : inLen / outLen;
    return Array.from({ length: outLen }, (_, x) => {
      const c = half ? (x + 0.5) * scale - 0.5 : x * scale;
      const lo = Math.max(Math.floor(c), 0);
      const hi = Math.min(Math.ceil(c), inLen - 1);
      const t = c - Math.floor(c);
      return src[lo]! + (src[hi]! - src[lo]!) * t;
    });
  };
  it.each([[false, false], [true, false], [false, true]])('ResizeBilinear align_corners=%s half_pixel_centers=%s', (align, half) => {
    const out = run1('ResizeBilinear', [img(), i32([1, 7])], { align_corners: A.b(align), half_pixel_centers: A.b(half) });
    expectClose(out.dataSync(), bilinear(row, 7, align, half), 1e-5);
  });
  it('ResizeNearestNeighbor with half_pixel_centers (Keras UpSampling2D / Resizing)', () => {
    const out = run1('ResizeNearestNeighbor', [img(), i32([1, 8])], { half_pixel_centers: A.b(true) });
    // source index floor((x + 0.5) * 4 / 8)
    expect(Array.from(out.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((x) => row[Math.floor((x + 0.5) / 2)]!));
    expect(() => run1('ResizeNearestNeighbor', [img(), i32([1, 8])], { half_pixel_centers: A.b(true), align_corners: A.b(true) })).toThrow();
  });

  const transform = (t: number[], mode: string, interp = 'NEAREST', fill = 0) =>
    Array.from(run1('ImageProjectiveTransformV3', [img(), f(t, [1, 8]), i32([1, 4]), f([fill], [])], {
      dtype: A.type(DataType.FLOAT), interpolation: A.s(interp), fill_mode: A.s(mode),
    }).dataSync());
  it('identity transform returns the image', () => {
    expect(transform([1, 0, 0, 0, 1, 0, 0, 0], 'REFLECT', 'BILINEAR')).toEqual(row);
  });
  it.each([
    ['CONSTANT', [9, 1, 2, 3]], ['REFLECT', [1, 1, 2, 3]], ['WRAP', [4, 1, 2, 3]], ['NEAREST', [1, 1, 2, 3]],
  ] as [string, number[]][])('a one-pixel shift with fill_mode %s', (mode, expected) => {
    // output x samples input x - 1
    expect(transform([1, 0, -1, 0, 1, 0, 0, 0], mode, 'NEAREST', 9)).toEqual(expected);
  });
  it('bilinear sampling between pixels', () => {
    // output x samples input x + 0.5: the mean of neighbours; the last one reads one pixel outside (fill 0)
    expectClose(transform([1, 0, 0.5, 0, 1, 0, 0, 0], 'CONSTANT', 'BILINEAR'), [1.5, 2.5, 3.5, 2], 1e-6);
  });
  it('rejects unknown interpolation', () => {
    expect(() => transform([1, 0, 0, 0, 1, 0, 0, 0], 'CONSTANT', 'BICUBIC')).toThrow(/interpolation/);
  });
});

describe('StopGradient', () => {
  it('passes values and blocks gradients when the context trains', () => {
    const kernel = getKernel('StopGradient')!;
    const attrs = makeAttrs({}, getOpDef('StopGradient'));
    const ctx = { ...context('StopGradient'), training: true };
    const g = tf.grad((x: tf.Tensor) => tf.add(tf.mul(x, x), kernel([tf.mul(x, 3)], attrs, ctx)[0] as tf.Tensor));
    expect(arr(g(f([2, 5])))).toEqual([4, 10]); // d/dx (x^2 + stop(3x)) = 2x
    expect(arr(kernel([f([1, 2])], attrs, context('StopGradient'))[0])).toEqual([1, 2]);
  });
});

describe('Assert', () => {
  it('passes silently when true and raises InputMismatchError with the data when false', () => {
    expect(run('Assert', [tf.tensor([true, true], [2], 'bool'), tf.scalar('unused', 'string')], { T: A.types([DataType.STRING]) })).toEqual([]);
    const fail = () => run('Assert', [tf.tensor([true, false], [2], 'bool'), tf.scalar('input out of range:', 'string'), i32([1, 2, 3, 4, 5])], {
      T: A.types([DataType.STRING, DataType.INT32]), summarize: A.i(3),
    });
    expect(fail).toThrow(InputMismatchError);
    expect(fail).toThrow('assertion failed: input out of range: [1, 2, 3, ...]');
  });
});
