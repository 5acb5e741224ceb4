import * as tf from '@tensorflow/tfjs-core';
import type { TensorListValue, Value } from '../kernel.js';
import { isTensorValue } from '../kernel.js';

/**
 * Ownership of TensorList element tensors.
 *
 * List ops are functional, as in TensorFlow: SetItem / PushBack / ... return a NEW TensorListValue
 * object and leave their input list untouched, so a list used twice (or a loop's initial value that
 * the executor still holds) never sees later writes. Derived lists share element tensors with the
 * list they came from; all lists of one lineage share one store that owns those tensors (each kept
 * with tf.keep, so no tidy scope frees them — the crash of tfjs-converter's While + TensorList).
 *
 * Lifetime: every list object a kernel returns holds one reference on its store. Whoever owns the
 * value (the executor) calls releaseTensorList(list) once the value is dead; releasing a list twice is
 * a no-op. When the last list of a lineage is released, the store disposes every element tensor it
 * ever owned. Lists never released keep their tensors alive (a leak, not a crash).
 */
interface Store {
  refs: number;
  owned: Set<tf.Tensor>;
}

const stores = new WeakMap<TensorListValue, Store>();
const released = new WeakSet<TensorListValue>();

export function isTensorList(v: Value | undefined): v is TensorListValue {
  return v !== undefined && !isTensorValue(v) && v.kind === 'tensorList';
}

function storeOf(list: TensorListValue): Store {
  let s = stores.get(list);
  if (!s) {
    // a list made outside our kernels: adopt its tensors as they are
    s = { refs: 1, owned: new Set(list.tensors.filter((t): t is tf.Tensor => t !== undefined)) };
    stores.set(list, s);
  }
  return s;
}

/** A new list (own store); `tensors` must already be owned (see own()). */
export function newTensorList(elementDtype: string, elementShape: number[] | null, tensors: (tf.Tensor | undefined)[], maxNumElements = -1): TensorListValue {
  const list: TensorListValue = { kind: 'tensorList', elementDtype, elementShape, tensors, maxNumElements };
  stores.set(list, { refs: 1, owned: new Set(tensors.filter((t): t is tf.Tensor => t !== undefined)) });
  return list;
}

/** A list derived from `from` (same store, one more reference) with the given element array. */
export function deriveTensorList(from: TensorListValue, tensors: (tf.Tensor | undefined)[], changes: Partial<Pick<TensorListValue, 'elementShape' | 'maxNumElements'>> = {}): TensorListValue {
  const store = storeOf(from);
  const list: TensorListValue = {
    kind: 'tensorList',
    elementDtype: from.elementDtype,
    elementShape: changes.elementShape !== undefined ? changes.elementShape : from.elementShape,
    tensors,
    maxNumElements: changes.maxNumElements ?? from.maxNumElements,
  };
  store.refs++;
  stores.set(list, store);
  for (const t of tensors) if (t) store.owned.add(t);
  return list;
}

/** A kept copy of `t` (shares data) for storing in a list; the store disposes it. */
export function own(t: tf.Tensor): tf.Tensor {
  return tf.keep(tf.clone(t));
}

/** Drops one reference of `list`'s lineage; the last one disposes the element tensors. */
export function releaseTensorList(list: TensorListValue): void {
  if (released.has(list)) return;
  released.add(list);
  const store = storeOf(list);
  store.refs--;
  if (store.refs > 0) return;
  for (const t of store.owned) if (!t.isDisposed) t.dispose();
  store.owned.clear();
}

/** Disposes a graph value the way its kind needs: tensors dispose, lists release, resources stay. */
export function disposeValue(v: Value | undefined): void {
  if (v === undefined) return;
  if (isTensorValue(v)) {
    if (!v.isDisposed) v.dispose();
  } else if (v.kind === 'tensorList') releaseTensorList(v);
}
