import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, intsOf, tensorAt } from './util.js';

/**
 * Scatter ops on flat JS arrays (tensorflow/core/kernels/scatter_nd_op.cc, sparse_to_dense_op.cc):
 * ScatterNd, TensorScatter{Update,Add,Sub,Max,Min} and SparseToDense. Indices are checked against the
 * output shape as TensorFlow's CPU kernels do (an out-of-range index is an error, never dropped).
 * String tensors arrive as element indices (see strings-by-index.ts); for them only assignment is
 * meaningful, so ScatterNd on strings assigns like TensorFlow's string kernel (last write wins).
 */
type Mode = 'update' | 'add' | 'sub' | 'max' | 'min';

const combine: Record<Mode, (a: number, b: number) => number> = {
  update: (_a, b) => b,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  max: (a, b) => (a >= b ? a : b),
  min: (a, b) => (a <= b ? a : b),
};

function scatterInto(out: Float32Array | Int32Array, shape: number[], indices: tf.Tensor, updates: tf.Tensor, mode: Mode, ctx: KernelContext): void {
  const k = indices.shape[indices.rank - 1] ?? 0;
  if (indices.rank < 1 || k > shape.length) throw bad(ctx, `indices of shape [${indices.shape}] do not fit the output shape [${shape}]`);
  const n = indices.size / Math.max(k, 1);
  const sliceShape = shape.slice(k);
  const slice = sliceShape.reduce((a, b) => a * b, 1);
  const wantUpdates = [...indices.shape.slice(0, -1), ...sliceShape];
  if (updates.size !== n * slice || updates.rank !== wantUpdates.length || updates.shape.some((d, i) => d !== wantUpdates[i])) {
    throw bad(ctx, `updates must have shape [${wantUpdates}], got [${updates.shape}]`);
  }
  const strides = shape.slice(0, k).map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = intsOf(indices);
  const up = updates.dataSync() as Float32Array | Int32Array;
  const fn = combine[mode];
  for (let r = 0; r < n; r++) {
    let base = 0;
    for (let j = 0; j < k; j++) {
      const v = idx[r * k + j]!;
      if (v < 0 || v >= shape[j]!) throw bad(ctx, `index [${idx.slice(r * k, r * k + k)}] is out of range for shape [${shape}]`);
      base += v * strides[j]!;
    }
    for (let e = 0; e < slice; e++) out[base + e] = fn(out[base + e]!, up[r * slice + e]!);
  }
}

const scatterNd: Kernel = (inputs, attrs, ctx) => {
  const indices = tensorAt(inputs, 0, ctx);
  const updates = tensorAt(inputs, 1, ctx);
  const shape = intsOf(tensorAt(inputs, 2, ctx));
  const out = updates.dtype === 'int32' ? new Int32Array(checkedSize(shape, ctx)) : new Float32Array(checkedSize(shape, ctx));
  scatterInto(out, shape, indices, updates, attrs.dtype('T', updates.dtype) === 'string' ? 'update' : 'add', ctx);
  return [tf.tensor(out, shape, updates.dtype === 'int32' ? 'int32' : 'float32')];
};

const tensorScatter = (mode: Mode): Kernel => (inputs, _attrs, ctx) => {
  const t = tensorAt(inputs, 0, ctx);
  if (t.dtype === 'bool' || t.dtype === 'string') throw bad(ctx, `${t.dtype} tensors are not supported by ${ctx.op}`);
  const out = (t.dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : Float32Array.from(t.dataSync() as Float32Array));
  scatterInto(out, t.shape, tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), mode, ctx);
  return [tf.tensor(out, t.shape, t.dtype)];
};

/** SparseToDense: indices 0-D (one index), [N] (N indices of a 1-D output) or [N, R]; values scalar or [N]. */
const sparseToDense: Kernel = (inputs, attrs, ctx) => {
  const indices = tensorAt(inputs, 0, ctx);
  const shape = intsOf(tensorAt(inputs, 1, ctx));
  const values = tensorAt(inputs, 2, ctx);
  const def = tensorAt(inputs, 3, ctx);
  if (indices.rank > 2) throw bad(ctx, `sparse_indices must be at most 2-D, got [${indices.shape}]`);
  const n = indices.rank === 0 ? 1 : indices.shape[0]!;
  const r = indices.rank === 2 ? indices.shape[1]! : 1;
  if (r !== shape.length) throw bad(ctx, `sparse_indices have ${r} coordinates but output_shape [${shape}] has rank ${shape.length}`);
  if (values.rank > 1 || (values.rank === 1 && values.size !== n)) throw bad(ctx, `sparse_values must be a scalar or have ${n} elements, got [${values.shape}]`);
  if (def.size !== 1) throw bad(ctx, 'default_value must be a scalar');
  const size = checkedSize(shape, ctx);
  const int = values.dtype === 'int32';
  const out = int ? new Int32Array(size) : new Float32Array(size);
  out.fill((def.dataSync() as Float32Array)[0]!);
  const idx = intsOf(indices);
  const vals = values.dataSync() as Float32Array;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const validate = attrs.bool('validate_indices', true);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let j = 0; j < r; j++) {
      const v = idx[i * r + j]!;
      if (v < 0 || v >= shape[j]!) throw bad(ctx, `sparse index [${idx.slice(i * r, i * r + r)}] is out of bounds for output_shape [${shape}]`);
      flat += v * strides[j]!;
    }
    // row-major order of the coordinates is the order of their flat positions
    if (validate && flat <= prev) {
      throw bad(ctx, `sparse index [${idx.slice(i * r, i * r + r)}] is ${flat === prev ? 'repeated' : 'out of order'} (indices must be sorted and unique when validate_indices is true)`);
    }
    prev = flat;
    out[flat] = vals[values.rank === 0 ? 0 : i]!;
  }
  return [tf.tensor(out, shape, int ? 'int32' : 'float32')];
};

export const SCATTER_KERNELS: Record<string, Kernel> = {
  ScatterNd: scatterNd,
  TensorScatterUpdate: tensorScatter('update'),
  TensorScatterAdd: tensorScatter('add'),
  TensorScatterSub: tensorScatter('sub'),
  TensorScatterMax: tensorScatter('max'),
  TensorScatterMin: tensorScatter('min'),
  SparseToDense: sparseToDense,
};
