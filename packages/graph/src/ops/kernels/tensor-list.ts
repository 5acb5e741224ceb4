import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, TensorListValue } from '../../kernel.js';
import { deriveTensorList, newTensorList, own, releaseTensorList as releaseBase } from '../tensor-list-store.js';
import { bad, intsOf, listAt, scalarOf, tensorAt, unsupported, shareData } from './util.js';

/**
 * TensorList ops (Keras RNN loops: TensorArray lowered to TensorList* in While bodies) on
 * TensorListValue. Functional semantics and element ownership are described in
 * ../tensor-list-store.ts: writes return a new list, read ops return new tensors.
 */

/** element_shape input: scalar -1 = unknown rank; otherwise dims with -1 for unknown ones. */
function shapeInput(t: tf.Tensor): number[] | null {
  if (t.rank === 0) {
    const v = Number(t.dataSync()[0]);
    return v === -1 ? null : [v];
  }
  return intsOf(t);
}

/** Merges two partially known shapes, failing on a conflict. */
function mergeShapes(a: number[] | null, b: number[] | null, ctx: KernelContext): number[] | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.length !== b.length) throw bad(ctx, `element shapes [${a}] and [${b}] have different ranks`);
  return a.map((d, i) => {
    const e = b[i]!;
    if (d !== -1 && e !== -1 && d !== e) throw bad(ctx, `element shapes [${a}] and [${b}] differ`);
    return d === -1 ? e : d;
  });
}

function checkElement(list: TensorListValue, t: tf.Tensor, ctx: KernelContext): void {
  if (list.elementDtype !== t.dtype) throw bad(ctx, `list of ${list.elementDtype} cannot hold a ${t.dtype} tensor`);
  mergeShapes(list.elementShape, t.shape, ctx);
}

/** Zeros for an element that was never set; needs a fully known shape. */
function zerosElement(list: TensorListValue, shape: number[] | null, ctx: KernelContext): tf.Tensor {
  const s = mergeShapes(list.elementShape, shape, ctx);
  if (s === null || s.some((d) => d < 0)) throw bad(ctx, 'reading an unset list element whose shape is not fully known');
  return tf.zeros(s, list.elementDtype as tf.DataType);
}

/** Element i as a NEW tensor (the executor disposes node outputs; the list keeps its own). */
function readItem(list: TensorListValue, i: number, shape: number[] | null, ctx: KernelContext): tf.Tensor {
  if (i < 0 || i >= list.tensors.length) throw bad(ctx, `index ${i} is out of range for a list of ${list.tensors.length} elements`);
  const t = list.tensors[i];
  return t ? shareData(t) : zerosElement(list, shape, ctx);
}

function stackItems(list: TensorListValue, items: (tf.Tensor | undefined)[], shape: number[] | null, ctx: KernelContext): tf.Tensor {
  if (items.length === 0) {
    const s = mergeShapes(list.elementShape, shape, ctx);
    if (s === null || s.some((d) => d < 0)) throw bad(ctx, 'stacking an empty list whose element shape is not fully known');
    return tf.zeros([0, ...s], list.elementDtype as tf.DataType);
  }
  const known = items.find((t) => t !== undefined);
  const fill = known ? known.shape : null;
  const parts = items.map((t) => t ?? zerosElement(list, mergeShapes(shape, fill, ctx), ctx));
  return tf.stack(parts, 0);
}

const reserve: Kernel = (inputs, attrs, ctx) => {
  const shape = shapeInput(tensorAt(inputs, 0, ctx));
  const n = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'num_elements');
  if (n < 0) throw bad(ctx, `num_elements must be >= 0, got ${n}`);
  return [newTensorList(attrs.dtype('element_dtype'), shape, new Array(n).fill(undefined))];
};

const emptyList: Kernel = (inputs, attrs, ctx) => {
  const shape = shapeInput(tensorAt(inputs, 0, ctx));
  const max = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'max_num_elements');
  return [newTensorList(attrs.dtype('element_dtype'), shape, [], max)];
};

const fromTensor: Kernel = (inputs, attrs, ctx) => {
  const t = tensorAt(inputs, 0, ctx);
  if (t.rank < 1) throw bad(ctx, 'TensorListFromTensor needs a tensor of rank >= 1');
  const shape = mergeShapes(shapeInput(tensorAt(inputs, 1, ctx)), t.shape.slice(1), ctx);
  const items = tf.unstack(t, 0).map((x) => tf.keep(x));
  return [newTensorList(attrs.dtype('element_dtype', t.dtype), shape, items)];
};

const getItem: Kernel = (inputs, _attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  const i = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'index');
  return [readItem(list, i, shapeInput(tensorAt(inputs, 2, ctx)), ctx)];
};

const setItem: Kernel = (inputs, attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  const i = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'index');
  const item = tensorAt(inputs, 2, ctx);
  checkElement(list, item, ctx);
  const tensors = list.tensors.slice();
  if (i < 0) throw bad(ctx, `index ${i} is negative`);
  if (i >= tensors.length) {
    if (!attrs.bool('resize_if_index_out_of_bounds', false)) {
      throw bad(ctx, `index ${i} is out of range for a list of ${tensors.length} elements`);
    }
    while (tensors.length <= i) tensors.push(undefined);
  }
  tensors[i] = own(item);
  return [deriveTensorList(list, tensors)];
};

const stack: Kernel = (inputs, attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  const n = attrs.int('num_elements', -1);
  if (n !== -1 && n !== list.tensors.length) throw bad(ctx, `num_elements=${n} but the list has ${list.tensors.length}`);
  return [stackItems(list, list.tensors, shapeInput(tensorAt(inputs, 1, ctx)), ctx)];
};

const gather: Kernel = (inputs, _attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  const idx = intsOf(tensorAt(inputs, 1, ctx));
  for (const i of idx) if (i < 0 || i >= list.tensors.length) throw bad(ctx, `index ${i} out of range`);
  return [stackItems(list, idx.map((i) => list.tensors[i]), shapeInput(tensorAt(inputs, 2, ctx)), ctx)];
};

/** Concat along the first axis; unset elements become zeros of [leading_dims[i], ...element_shape[1:]]. */
function concatList(list: TensorListValue, shape: number[] | null, leading: number[], ctx: KernelContext): tf.Tensor[] {
  const merged = mergeShapes(list.elementShape, shape, ctx);
  const parts = list.tensors.map((t, i) => {
    if (t) {
      if (t.rank < 1) throw bad(ctx, 'TensorListConcat needs elements of rank >= 1');
      return t;
    }
    const lead = leading[i];
    if (merged === null || lead === undefined || merged.slice(1).some((d) => d < 0)) {
      throw bad(ctx, 'TensorListConcat of an unset element without a known shape');
    }
    return tf.zeros([lead, ...merged.slice(1)], list.elementDtype as tf.DataType);
  });
  const lengths = tf.tensor1d(parts.map((p) => p.shape[0]!), 'int32');
  if (parts.length === 0) {
    if (merged === null || merged.slice(1).some((d) => d < 0)) throw bad(ctx, 'TensorListConcat of an empty list without a known shape');
    return [tf.zeros([0, ...merged.slice(1)], list.elementDtype as tf.DataType), lengths];
  }
  return [parts.length === 1 ? shareData(parts[0]!) : tf.concat(parts, 0), lengths];
}

const pushBack: Kernel = (inputs, _attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  const t = tensorAt(inputs, 1, ctx);
  checkElement(list, t, ctx);
  if (list.maxNumElements >= 0 && list.tensors.length >= list.maxNumElements) {
    throw bad(ctx, `list is full (max_num_elements=${list.maxNumElements})`);
  }
  return [deriveTensorList(list, [...list.tensors, own(t)])];
};

const popBack: Kernel = (inputs, _attrs, ctx) => {
  const list = listAt(inputs, 0, ctx);
  if (list.tensors.length === 0) throw bad(ctx, 'TensorListPopBack on an empty list');
  const item = readItem(list, list.tensors.length - 1, shapeInput(tensorAt(inputs, 1, ctx)), ctx);
  return [deriveTensorList(list, list.tensors.slice(0, -1)), item];
};

const scatterInto = (list: TensorListValue, tensor: tf.Tensor, idx: number[], ctx: KernelContext): TensorListValue => {
  if (tensor.shape[0] !== idx.length) throw bad(ctx, `${idx.length} indices for a tensor of ${tensor.shape[0]} rows`);
  const tensors = list.tensors.slice();
  const rows = tf.unstack(tensor, 0);
  idx.forEach((i, k) => {
    if (i < 0) throw bad(ctx, `negative index ${i}`);
    while (tensors.length <= i) tensors.push(undefined);
    tensors[i] = tf.keep(rows[k]!);
  });
  return deriveTensorList(list, tensors);
};

export const TENSOR_LIST_KERNELS: Record<string, Kernel> = {
  EmptyTensorList: emptyList,
  TensorListReserve: reserve,
  TensorListFromTensor: fromTensor,
  TensorListGetItem: getItem,
  TensorListSetItem: setItem,
  TensorListStack: stack,
  TensorListGather: gather,
  TensorListLength: (inputs, _attrs, ctx) => [tf.scalar(listAt(inputs, 0, ctx).tensors.length, 'int32')],
  TensorListElementShape: (inputs, _attrs, ctx) => {
    const s = listAt(inputs, 0, ctx).elementShape;
    return [s === null ? tf.scalar(-1, 'int32') : tf.tensor1d(s, 'int32')];
  },
  TensorListConcatV2: (inputs, _attrs, ctx) =>
    concatList(listAt(inputs, 0, ctx), shapeInput(tensorAt(inputs, 1, ctx)), intsOf(tensorAt(inputs, 2, ctx)), ctx),
  TensorListConcat: (inputs, attrs, ctx) => {
    const list = listAt(inputs, 0, ctx);
    return concatList(list, attrs.has('element_shape') ? attrs.shape('element_shape') : null, [], ctx);
  },
  TensorListPushBack: pushBack,
  TensorListPopBack: popBack,
  TensorListScatterV2: (inputs, attrs, ctx) => {
    const tensor = tensorAt(inputs, 0, ctx);
    const idx = intsOf(tensorAt(inputs, 1, ctx));
    const shape = mergeShapes(shapeInput(tensorAt(inputs, 2, ctx)), tensor.shape.slice(1), ctx);
    const n = scalarOf(tensorAt(inputs, 3, ctx), ctx, 'num_elements');
    const base = newTensorList(attrs.dtype('element_dtype', tensor.dtype), shape, new Array(Math.max(n, 0)).fill(undefined));
    const out = scatterInto(base, tensor, idx, ctx);
    // `base` never escapes: drop its reference so the lineage belongs to `out` alone
    releaseBase(base);
    return [out];
  },
  TensorListScatterIntoExistingList: (inputs, _attrs, ctx) => {
    const list = listAt(inputs, 0, ctx);
    return [scatterInto(list, tensorAt(inputs, 1, ctx), intsOf(tensorAt(inputs, 2, ctx)), ctx)];
  },
  TensorListSplit: (inputs, attrs, ctx) => {
    const tensor = tensorAt(inputs, 0, ctx);
    const lengths = intsOf(tensorAt(inputs, 2, ctx));
    if (lengths.reduce((a, b) => a + b, 0) !== tensor.shape[0]) throw bad(ctx, `lengths [${lengths}] do not add up to ${tensor.shape[0]}`);
    const shape = shapeInput(tensorAt(inputs, 1, ctx));
    const parts = lengths.length ? tf.split(tensor, lengths, 0).map((t) => tf.keep(t)) : [];
    return [newTensorList(attrs.dtype('element_dtype', tensor.dtype), shape, parts)];
  },
  TensorListResize: (inputs, _attrs, ctx) => {
    const list = listAt(inputs, 0, ctx);
    const n = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'size');
    if (n < 0) throw unsupported(ctx, `negative list size ${n}`);
    const tensors = list.tensors.slice(0, n);
    while (tensors.length < n) tensors.push(undefined);
    return [deriveTensorList(list, tensors)];
  },
};
