import { setOwn } from '@savedkeras/common';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Keras call arguments for tfjs layers.
 *
 * Keras records every layer call of a Functional model as `[layer, node, tensor, kwargs]`; the
 * kwargs hold the call's non-first arguments by Python name (`axis: -1`, `y: 2.0`,
 * `slice_spec: [...]`). Tensors among them are passed by the reviver as extra entries of the
 * layer's input list and replaced in kwargs by `{__savedkerasInputIndex: i}` (the position in that
 * list).
 *
 * tfjs-layers forwards kwargs to `call()` only when a model is called on concrete tensors through
 * `Container.call`; `model.predict()` runs layers without their recorded kwargs. So layers that
 * depend on call arguments record them when they are applied to symbolic tensors (model
 * construction) and fall back to that record when `call()` gets none.
 */

export type Kwargs = Record<string, unknown>;

/** The key the reviver uses to point a kwarg at an entry of the layer's input list. */
export const INPUT_REF_KEY = '__savedkerasInputIndex';

/**
 * Keras records a constant first argument (`2 * x` calls `tf.math.multiply(2, x)`) as
 * `["_CONSTANT_VALUE", -1, value, kwargs]`; a reviver passes that value under this kwarg.
 */
export const FIRST_ARG_CONSTANT_KEY = '__savedkerasFirstArg';

export interface InputRef {
  [INPUT_REF_KEY]: number;
}

export function isInputRef(v: unknown): v is InputRef {
  return !!v && typeof v === 'object' && typeof (v as Record<string, unknown>)[INPUT_REF_KEY] === 'number';
}

/** Call kwargs that tfjs itself adds (masks, training flag, RNN state); never Keras arguments. */
const TFJS_KWARGS = new Set(['mask', 'training', 'initialState']);

/** The Keras-level call arguments among `kwargs` (without tfjs' own). */
export function kerasKwargs(kwargs: Kwargs | undefined): Kwargs {
  const out: Kwargs = {};
  if (!kwargs) return out;
  for (const [k, v] of Object.entries(kwargs)) {
    if (!TFJS_KWARGS.has(k) && v !== undefined) setOwn(out as Record<string, unknown>, k, v);
  }
  return out;
}

export function isSymbolic(inputs: unknown): boolean {
  if (Array.isArray(inputs)) return inputs.length > 0 && inputs.every((x) => x instanceof tfl.SymbolicTensor);
  return inputs instanceof tfl.SymbolicTensor;
}

/**
 * Splits a layer's input list into the positional inputs and the named tensor arguments that
 * `{__savedkerasInputIndex}` kwargs point at (`refs`); the other kwargs are plain `values`.
 * Works on tensors and on shapes alike.
 */
export function splitInputs<T>(items: T[], kwargs: Kwargs): { positional: T[]; refs: Record<string, T>; values: Kwargs } {
  const refs: Record<string, T> = {};
  const values: Kwargs = {};
  const used = new Set<number>();
  for (const [k, v] of Object.entries(kwargs)) {
    if (isInputRef(v)) {
      const i = v[INPUT_REF_KEY];
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new RangeError(`call argument "${k}" refers to input ${i}, but the layer got ${items.length} inputs`);
      }
      setOwn(refs, k, items[i] as T);
      used.add(i);
    } else if (v !== null && typeof v === 'object' && isTensorLike(v)) {
      setOwn(refs, k, v as T); // a tensor passed directly by JS code
    } else {
      setOwn(values as Record<string, unknown>, k, v);
    }
  }
  return { positional: items.filter((_, i) => !used.has(i)), refs, values };
}

function isTensorLike(v: object): boolean {
  return v instanceof tfl.SymbolicTensor || (typeof (v as { dataSync?: unknown }).dataSync === 'function' && Array.isArray((v as { shape?: unknown }).shape));
}

/** A shape or list of shapes (as tfjs hands them to computeOutputShape) as a list of shapes. */
export function shapeList(s: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
  if (Array.isArray(s) && s.length > 0 && (Array.isArray(s[0]) || s[0] === undefined)) return s as tfl.Shape[];
  return [s as tfl.Shape];
}

export function tensorList(t: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

type ApplyInputs = tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[];
type ApplyOutputs = tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[];

/**
 * A layer that keeps the Keras call arguments it was applied with (see the module comment).
 * `setCallKwargs()` sets them explicitly, e.g. when a reviver builds the model another way.
 */
export abstract class KwargsRecordingLayer extends tfl.layers.Layer {
  protected recordedKwargs: Kwargs = {};

  override apply(inputs: ApplyInputs, kwargs?: Kwargs): ApplyOutputs {
    if (isSymbolic(inputs)) {
      const rec = kerasKwargs(kwargs);
      if (Object.keys(rec).length > 0) this.recordedKwargs = rec;
    }
    return super.apply(inputs, kwargs);
  }

  /** Sets the Keras call arguments used whenever a call brings none (the recorded inbound-node kwargs). */
  setCallKwargs(kwargs: Kwargs): void {
    this.recordedKwargs = kerasKwargs(kwargs);
  }

  getCallKwargs(): Kwargs {
    return { ...this.recordedKwargs };
  }

  /** The recorded call arguments overridden by those given to this call. */
  protected effectiveKwargs(kwargs: Kwargs | undefined): Kwargs {
    return { ...this.recordedKwargs, ...kerasKwargs(kwargs) };
  }
}
