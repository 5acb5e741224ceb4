import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, intsOf, tensorAt, shareData } from './util.js';

/**
 * StridedSlice with every mask, following TensorFlow's dense-spec algorithm
 * (tensorflow/core/util/strided_slice_op.cc): the sparse spec (begin/end/strides + masks, possibly
 * with an ellipsis and new axes) is expanded to one (begin, end, stride) per input dimension; an
 * absent ellipsis means an implicit one at the end. The slice is then taken axis by axis (slice for
 * stride 1, gather otherwise) and reshaped to the final shape (new axes added, shrunk axes removed).
 */
interface StridedSliceMasks {
  begin: number; end: number; ellipsis: number; newAxis: number; shrink: number;
}

interface DenseSlice {
  /** Per input dimension: the indices taken. */
  indices: number[][];
  /** Output shape after new-axis / shrink handling. */
  finalShape: number[];
}

const NEW_AXIS = -1;
const SHRINK_AXIS = -2;

function denseSlice(shape: number[], begin: number[], end: number[], strides: number[], m: StridedSliceMasks, ctx: KernelContext): DenseSlice {
  if (begin.length !== end.length || begin.length !== strides.length) {
    throw bad(ctx, `begin/end/strides lengths differ (${begin.length}/${end.length}/${strides.length})`);
  }
  let sparseDims = begin.length;
  let ellipsis = m.ellipsis;
  if (ellipsis === 0) {
    // implicit ellipsis after the last given dimension
    ellipsis = 2 ** sparseDims;
    sparseDims++;
  }
  const bit = (mask: number, i: number) => Math.floor(mask / 2 ** i) % 2 === 1;
  let newAxesAfterEllipsis = 0;
  let seenEllipsis = false;
  for (let i = 0; i < sparseDims; i++) {
    if (seenEllipsis && bit(m.newAxis, i)) newAxesAfterEllipsis++;
    if (bit(ellipsis, i)) seenEllipsis = true;
  }
  const rank = shape.length;
  const dBegin: number[] = [];
  const dEnd: number[] = [];
  const dStride: number[] = [];
  const dBeginMask: boolean[] = [];
  const dEndMask: boolean[] = [];
  const dShrink: boolean[] = [];
  const gather: number[] = [];
  let full = 0;
  let ellipsisDone = false;
  for (let i = 0; i < sparseDims; i++) {
    if (bit(ellipsis, i) && !ellipsisDone) {
      ellipsisDone = true;
      const next = Math.min(rank - (sparseDims - i) + 1 + newAxesAfterEllipsis, rank);
      for (; full < next; full++) {
        dBegin[full] = 0; dEnd[full] = 0; dStride[full] = 1;
        dBeginMask[full] = true; dEndMask[full] = true; dShrink[full] = false;
        gather.push(full);
      }
    } else if (bit(m.newAxis, i)) {
      gather.push(NEW_AXIS);
    } else if (bit(ellipsis, i)) {
      // a second ellipsis: TF ignores all but the first
    } else {
      if (full >= rank) throw bad(ctx, `slice index ${i} refers past the input rank ${rank}`);
      dBegin[full] = begin[i]!; dEnd[full] = end[i]!; dStride[full] = strides[i]!;
      dBeginMask[full] = bit(m.begin, i); dEndMask[full] = bit(m.end, i); dShrink[full] = bit(m.shrink, i);
      gather.push(dShrink[full] ? SHRINK_AXIS : full);
      full++;
    }
  }
  // dimensions the spec does not reach are taken whole
  for (; full < rank; full++) {
    dBegin[full] = 0; dEnd[full] = 0; dStride[full] = 1; dBeginMask[full] = true; dEndMask[full] = true; dShrink[full] = false;
  }
  const indices: number[][] = [];
  const procShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dim = shape[d]!;
    const stride = dStride[d]!;
    if (stride === 0) throw bad(ctx, `stride of dimension ${d} is 0`);
    if (dShrink[d]) {
      const x = dBegin[d]! < 0 ? dBegin[d]! + dim : dBegin[d]!;
      if (x < 0 || x >= dim) throw bad(ctx, `slice index ${dBegin[d]} of dimension ${d} is out of bounds for size ${dim}`);
      indices.push([x]);
      procShape.push(1);
      continue;
    }
    const [lo, hi] = stride > 0 ? [0, dim] : [-1, dim - 1];
    const canon = (x: number, masked: boolean, isBegin: boolean): number => {
      if (masked) return (stride > 0) === isBegin ? lo : hi;
      const fwd = x < 0 ? x + dim : x;
      return Math.min(Math.max(fwd, lo), hi);
    };
    const b = canon(dBegin[d]!, dBeginMask[d]!, true);
    const e = canon(dEnd[d]!, dEndMask[d]!, false);
    const idx: number[] = [];
    if (stride > 0) for (let k = b; k < e; k += stride) idx.push(k);
    else for (let k = b; k > e; k += stride) idx.push(k);
    indices.push(idx);
    procShape.push(idx.length);
  }
  const finalShape: number[] = [];
  for (const g of gather) {
    if (g === NEW_AXIS) finalShape.push(1);
    else if (g !== SHRINK_AXIS) finalShape.push(procShape[g]!);
  }
  // dimensions covered by the trailing implicit range (beyond `gather`) keep their processed size
  const covered = new Set(gather.filter((g) => g >= 0));
  for (let d = 0; d < rank; d++) if (!covered.has(d) && !dShrink[d]) {
    // only dims never listed in gather (past the sparse spec) land here, always at the end
    finalShape.push(procShape[d]!);
  }
  return { indices, finalShape };
}

/** Takes `indices[d]` along every axis d of x. */
function takeAlongAxes(x: tf.Tensor, indices: number[][]): tf.Tensor {
  let cur = x;
  const owned: tf.Tensor[] = [];
  for (let d = 0; d < indices.length; d++) {
    const idx = indices[d]!;
    const dim = cur.shape[d]!;
    if (idx.length === dim && idx.every((v, k) => v === k)) continue;
    let next: tf.Tensor;
    const contiguous = idx.length > 0 && idx.every((v, k) => v === idx[0]! + k);
    if (contiguous) {
      const begin = cur.shape.map((_, k) => (k === d ? idx[0]! : 0));
      const size = cur.shape.map((s, k) => (k === d ? idx.length : s));
      next = tf.slice(cur, begin, size);
    } else if (idx.length === 0) {
      next = tf.zeros(cur.shape.map((s, k) => (k === d ? 0 : s)), cur.dtype);
    } else {
      next = tf.gather(cur, tf.tensor1d(idx, 'int32'), d);
    }
    owned.push(next);
    cur = next;
  }
  for (const t of owned) if (t !== cur) t.dispose();
  return cur === x ? shareData(x) : cur;
}

export const stridedSlice: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const spec = denseSlice(
    x.shape,
    intsOf(tensorAt(inputs, 1, ctx)),
    intsOf(tensorAt(inputs, 2, ctx)),
    intsOf(tensorAt(inputs, 3, ctx)),
    {
      begin: attrs.int('begin_mask', 0), end: attrs.int('end_mask', 0), ellipsis: attrs.int('ellipsis_mask', 0),
      newAxis: attrs.int('new_axis_mask', 0), shrink: attrs.int('shrink_axis_mask', 0),
    },
    ctx,
  );
  const taken = takeAlongAxes(x, spec.indices);
  const out = tf.reshape(taken, spec.finalShape);
  if (out !== taken) taken.dispose();
  return [out];
};
