import * as tf from '@tensorflow/tfjs-core';
import type { Kernel } from '../../kernel.js';
import { bad, checkedSize, intsOf, scalarOf, tensorAt, variableAt } from './util.js';

/**
 * Sparse gradient plumbing of saved training steps (tensorflow/core/kernels/segment_reduction_ops,
 * resource_variable_ops.cc): UnsortedSegmentSum (a Gather's gradient made dense) and
 * ResourceScatter{Add,Sub,Mul,Div,Min,Max,Update} (row updates of embedding tables and optimizer slots).
 */
const unsortedSegmentSum: Kernel = (inputs, _attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const ids = tensorAt(inputs, 1, ctx);
  const n = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_segments');
  if (ids.rank > data.rank || ids.shape.some((d, i) => d !== data.shape[i])) {
    throw bad(ctx, `segment_ids of shape [${ids.shape}] must be a prefix of data's shape [${data.shape}]`);
  }
  const inner = data.shape.slice(ids.rank);
  const slice = inner.reduce((a, b) => a * b, 1);
  const size = checkedSize([n, ...inner], ctx);
  const int = data.dtype === 'int32';
  const out = int ? new Int32Array(size) : new Float32Array(size);
  const src = data.dataSync() as Float32Array | Int32Array;
  intsOf(ids).forEach((s, i) => {
    if (s < 0) return; // TF drops negative ids
    if (s >= n) throw bad(ctx, `segment id ${s} is out of range [0, ${n})`);
    for (let e = 0; e < slice; e++) out[s * slice + e] += src[i * slice + e]!;
  });
  return [tf.tensor(out, [n, ...inner], int ? 'int32' : 'float32')];
};

type Combine = (a: number, b: number) => number;

const resourceScatter = (fn: Combine): Kernel => (inputs, _attrs, ctx) => {
  const res = variableAt(inputs, 0, ctx);
  const indices = intsOf(tensorAt(inputs, 1, ctx));
  const idxShape = tensorAt(inputs, 1, ctx).shape;
  const updates = tensorAt(inputs, 2, ctx);
  const v = res.variable;
  if (v.rank < 1) throw bad(ctx, `variable ${res.name} must be at least 1-D to scatter into`);
  const rows = v.shape[0]!;
  const slice = v.size / Math.max(rows, 1);
  const want = [...idxShape, ...v.shape.slice(1)];
  const scalar = updates.rank === 0;
  if (!scalar && (updates.rank !== want.length || updates.shape.some((d, i) => d !== want[i]))) {
    throw bad(ctx, `updates must have shape [${want}] (or be a scalar), got [${updates.shape}]`);
  }
  const int = v.dtype === 'int32';
  const out = int ? Int32Array.from(v.dataSync() as Int32Array) : Float32Array.from(v.dataSync() as Float32Array);
  const up = updates.dataSync() as Float32Array | Int32Array;
  indices.forEach((r, i) => {
    if (r < 0 || r >= rows) throw bad(ctx, `index ${r} is out of range [0, ${rows}) for variable ${res.name}`);
    for (let e = 0; e < slice; e++) out[r * slice + e] = fn(out[r * slice + e]!, scalar ? up[0]! : up[i * slice + e]!);
  });
  res.variable.assign(tf.tensor(out, v.shape, v.dtype));
  return [];
};

export const SEGMENT_SCATTER_KERNELS: Record<string, Kernel> = {
  UnsortedSegmentSum: unsortedSegmentSum,
  ResourceScatterAdd: resourceScatter((a, b) => a + b),
  ResourceScatterSub: resourceScatter((a, b) => a - b),
  ResourceScatterMul: resourceScatter((a, b) => a * b),
  ResourceScatterDiv: resourceScatter((a, b) => a / b),
  ResourceScatterMin: resourceScatter((a, b) => Math.min(a, b)),
  ResourceScatterMax: resourceScatter((a, b) => Math.max(a, b)),
  ResourceScatterUpdate: resourceScatter((_a, b) => b),
};
