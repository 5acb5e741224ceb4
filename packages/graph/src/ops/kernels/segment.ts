import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, intsOf, scalarOf, tensorAt } from './util.js';

/**
 * Segment reductions (tensorflow/core/kernels/segment_reduction_ops_impl.h): Segment* (sorted ids,
 * one per row, as many segments as the last id + 1; an empty segment gives 0, 1 for Prod), UnsortedSegment* (ids
 * of any prefix shape, num_segments given; an empty segment gives the reduction's identity: the
 * lowest/highest float for Max/Min, 1 for Prod; negative ids are dropped) and SparseSegment* (rows
 * picked by `indices` first; Mean/SqrtN divide by the count / its square root, 0 when empty).
 * UnsortedSegmentSum lives with the scatter kernels (it is also a gradient).
 */
type Reduce = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'sqrtn';

const FLT_MAX = 3.4028234663852886e38;
const INT_MAX = 2147483647;

function identity(r: Reduce, int: boolean): number {
  if (r === 'max') return int ? -INT_MAX - 1 : -FLT_MAX;
  if (r === 'min') return int ? INT_MAX : FLT_MAX;
  return r === 'prod' ? 1 : 0;
}

/**
 * Reduces rows of `data` (viewed as [rows, slice]) into `n` segments; `rowOf(k)` is the data row of
 * the k-th entry and `segs[k]` its segment. `emptyZero`: empty Max/Min segments give 0 (sorted Segment ops).
 */
function reduceRows(data: tf.Tensor, rowsShape: number[], segs: number[], rowOf: (k: number) => number, n: number, r: Reduce,
  emptyZero: boolean, ctx: KernelContext): tf.Tensor {
  if (data.dtype === 'string' || data.dtype === 'bool' || data.dtype === 'complex64') throw bad(ctx, `data of dtype ${data.dtype} cannot be reduced`);
  const inner = data.shape.slice(rowsShape.length);
  const slice = inner.reduce((a, b) => a * b, 1);
  const shape = [n, ...inner];
  const int = data.dtype === 'int32';
  const out = int ? new Int32Array(checkedSize(shape, ctx)) : new Float32Array(checkedSize(shape, ctx));
  const counts = new Int32Array(n);
  const src = data.dataSync() as Float32Array | Int32Array;
  const rows = rowsShape.reduce((a, b) => a * b, 1);
  out.fill(identity(r, int));
  if (r === 'sum' || r === 'mean' || r === 'sqrtn') out.fill(0);
  segs.forEach((s, k) => {
    if (s < 0) return;
    if (s >= n) throw bad(ctx, `segment id ${s} is out of range [0, ${n})`);
    const row = rowOf(k);
    if (row < 0 || row >= rows) throw bad(ctx, `index ${row} is out of range [0, ${rows})`);
    counts[s]!++;
    for (let e = 0; e < slice; e++) {
      const o = s * slice + e;
      const v = src[row * slice + e]!;
      const a = out[o]!;
      out[o] = r === 'max' ? Math.max(a, v) : r === 'min' ? Math.min(a, v) : r === 'prod' ? a * v : a + v;
    }
  });
  for (let s = 0; s < n; s++) {
    const c = counts[s]!;
    if (c === 0 && emptyZero) out.fill(r === 'prod' ? 1 : 0, s * slice, (s + 1) * slice);
    if (c > 0 && (r === 'mean' || r === 'sqrtn')) {
      const div = r === 'mean' ? c : Math.sqrt(c);
      for (let e = 0; e < slice; e++) out[s * slice + e] = int ? Math.trunc(out[s * slice + e]! / div) : out[s * slice + e]! / div;
    }
  }
  return tf.tensor(out, shape, int ? 'int32' : 'float32');
}

/** Segment*: ids sorted, one per row of data. */
const sorted = (r: Reduce): Kernel => (inputs, _attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const ids = intsOf(tensorAt(inputs, 1, ctx));
  if (data.rank < 1 || ids.length !== data.shape[0]) throw bad(ctx, `segment_ids must have one id per row of data [${data.shape}]`);
  for (let i = 1; i < ids.length; i++) if (ids[i]! < ids[i - 1]!) throw bad(ctx, 'segment_ids must be sorted');
  if (ids.some((s) => s < 0)) throw bad(ctx, 'segment_ids must not be negative');
  const n = inputs.length > 2 ? scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_segments') : ids.length ? ids[ids.length - 1]! + 1 : 0;
  return [reduceRows(data, [data.shape[0]!], ids, (k) => k, n, r, true, ctx)];
};

/** UnsortedSegment*: ids of a prefix shape of data, num_segments given. */
const unsorted = (r: Reduce): Kernel => (inputs, _attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const idsT = tensorAt(inputs, 1, ctx);
  const n = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_segments');
  if (idsT.rank > data.rank || idsT.shape.some((d, i) => d !== data.shape[i])) {
    throw bad(ctx, `segment_ids of shape [${idsT.shape}] must be a prefix of data's shape [${data.shape}]`);
  }
  return [reduceRows(data, idsT.shape, intsOf(idsT), (k) => k, n, r, false, ctx)];
};

/** SparseSegment*(WithNumSegments): rows data[indices[k]] into segment_ids[k]. */
const sparse = (r: Reduce): Kernel => (inputs, _attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const indices = intsOf(tensorAt(inputs, 1, ctx));
  const ids = intsOf(tensorAt(inputs, 2, ctx));
  if (indices.length !== ids.length) throw bad(ctx, `indices (${indices.length}) and segment_ids (${ids.length}) must have the same length`);
  if (data.rank < 1) throw bad(ctx, 'data must have rank >= 1');
  const withN = inputs.length > 3;
  if (!withN) for (let i = 1; i < ids.length; i++) if (ids[i]! < ids[i - 1]!) throw bad(ctx, 'segment_ids must be sorted');
  const n = withN ? scalarOf(tensorAt(inputs, 3, ctx), ctx, 'num_segments') : ids.length ? ids[ids.length - 1]! + 1 : 0;
  return [reduceRows(data, [data.shape[0]!], ids, (k) => indices[k]!, n, r, true, ctx)];
};

export const SEGMENT_KERNELS: Record<string, Kernel> = {
  SegmentSum: sorted('sum'),
  SegmentMean: sorted('mean'),
  SegmentMax: sorted('max'),
  SegmentMin: sorted('min'),
  SegmentProd: sorted('prod'),
  SegmentSumV2: sorted('sum'),
  SegmentMaxV2: sorted('max'),
  SegmentMinV2: sorted('min'),
  SegmentProdV2: sorted('prod'),
  UnsortedSegmentMax: unsorted('max'),
  UnsortedSegmentMin: unsorted('min'),
  UnsortedSegmentProd: unsorted('prod'),
  SparseSegmentSum: sparse('sum'),
  SparseSegmentMean: sparse('mean'),
  SparseSegmentSqrtN: sparse('sqrtn'),
  SparseSegmentSumWithNumSegments: sparse('sum'),
  SparseSegmentMeanWithNumSegments: sparse('mean'),
  SparseSegmentSqrtNWithNumSegments: sparse('sqrtn'),
};
