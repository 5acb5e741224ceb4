import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, InputMismatchError, UnsupportedFeatureError, UnsupportedLayerError } from '@savedkeras/common';
import { KwargsRecordingLayer, shapeList, splitInputs, tensorList, type Kwargs } from './call-args.js';
import { layerBaseArgs, tfjsCamelCase } from './keras-objects.js';

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];

export interface SlicingOpLambdaArgs extends NonNullable<LayerArgs> {
  /** Always `__operators__.getitem` in practice (Keras also routes boolean_mask here). */
  function: string;
}

/** One entry of a Python subscript, as Keras records it in the `slice_spec` kwarg. */
export type SliceEntry =
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null }
  | { kind: 'index'; index: number }
  | { kind: 'ellipsis' }
  | { kind: 'newaxis' };

function parseEntry(e: unknown): SliceEntry {
  if (e === null || e === undefined) return { kind: 'newaxis' };
  if (typeof e === 'number' && Number.isInteger(e)) return { kind: 'index', index: e };
  if (e === '...' || e === 'Ellipsis') return { kind: 'ellipsis' };
  if (typeof e === 'object' && !Array.isArray(e)) {
    let o = e as Record<string, unknown>;
    if (o['class_name'] === '__ellipsis__' || o['className'] === '__ellipsis__') return { kind: 'ellipsis' };
    // Keras 3 serializes a slice as {class_name: '__slice__', config: {start, stop, step}}.
    const cls = o['class_name'] ?? o['className'];
    if (cls === '__slice__' && typeof o['config'] === 'object' && o['config'] !== null) o = o['config'] as Record<string, unknown>;
    if ('start' in o || 'stop' in o || 'step' in o) {
      const num = (k: string): number | null => {
        const v = o[k];
        if (v === null || v === undefined) return null;
        if (typeof v === 'number' && Number.isInteger(v)) return v;
        throw new UnsupportedFeatureError(`slice ${k}=${JSON.stringify(v)} is not supported (only integer bounds)`);
      };
      const step = num('step');
      if (step === 0) throw new FormatError('a slice step cannot be zero');
      return { kind: 'slice', start: num('start'), stop: num('stop'), step };
    }
  }
  throw new UnsupportedFeatureError(`slice entry ${JSON.stringify(e)} is not supported (tensor or list indices)`);
}

/** The recorded `slice_spec` (a tuple becomes a list; a single entry is a one-entry list). */
export function parseSliceSpec(spec: unknown): SliceEntry[] {
  const list = Array.isArray(spec) ? spec : [spec];
  const entries = list.map(parseEntry);
  if (entries.filter((e) => e.kind === 'ellipsis').length > 1) throw new FormatError('a subscript can hold only one ellipsis');
  return entries;
}

/** Python's `slice(start, stop, step).indices(n)`: normalized start, stop, step. */
function sliceIndices(n: number, start: number | null, stop: number | null, step: number): [number, number, number] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const b = start === null ? 0 : clamp(start < 0 ? start + n : start, 0, n);
    const e = stop === null ? n : clamp(stop < 0 ? stop + n : stop, 0, n);
    return [b, e, step];
  }
  const b = start === null ? n - 1 : clamp(start < 0 ? start + n : start, -1, n - 1);
  const e = stop === null ? -1 : clamp(stop < 0 ? stop + n : stop, -1, n - 1);
  return [b, e, step];
}

/** Python's `len(range(*slice(start, stop, step).indices(n)))`. */
function sliceLength(n: number, start: number | null, stop: number | null, step: number): number {
  const [b, e, st] = sliceIndices(n, start, stop, step);
  return st > 0 ? Math.max(0, Math.ceil((e - b) / st)) : Math.max(0, Math.ceil((b - e) / -st));
}

/** The entries with the ellipsis (or the implicit trailing dims) expanded to full slices. */
function expandEntries(rank: number, entries: SliceEntry[]): SliceEntry[] {
  const consuming = entries.filter((e) => e.kind === 'slice' || e.kind === 'index').length;
  if (consuming > rank) throw new InputMismatchError(`too many indices (${consuming}) for a tensor of rank ${rank}`);
  const full = (): SliceEntry => ({ kind: 'slice', start: null, stop: null, step: null });
  const out: SliceEntry[] = [];
  let sawEllipsis = false;
  for (const e of entries) {
    if (e.kind === 'ellipsis') {
      sawEllipsis = true;
      for (let i = 0; i < rank - consuming; i++) out.push(full());
    } else out.push(e);
  }
  if (!sawEllipsis) for (let i = consuming; i < rank; i++) out.push(full());
  return out;
}

/**
 * `x[spec]` on a concrete tensor with Python semantics: contiguous slices with tf.slice, strided
 * or reversed ones with tf.gather of the explicit index list, then one reshape that drops indexed
 * axes and inserts new axes. (tfjs' stridedSlice mishandles masked bounds with negative strides.)
 */
export function applySlice(x: tf.Tensor, entries: SliceEntry[]): tf.Tensor {
  return tf.tidy(() => {
    const expanded = expandEntries(x.rank, entries);
    const outShape = slicedShape(x.shape, entries) as number[];
    let y = x;
    let d = 0;
    for (const e of expanded) {
      if (e.kind === 'newaxis') continue;
      const n = x.shape[d];
      if (e.kind === 'index') {
        const i = e.index < 0 ? e.index + n : e.index;
        const begin = y.shape.map((_, k) => (k === d ? i : 0));
        const size = y.shape.map((s, k) => (k === d ? 1 : s));
        y = tf.slice(y, begin, size);
      } else if (e.kind === 'slice') {
        const [b, , step] = sliceIndices(n, e.start, e.stop, e.step ?? 1);
        const len = sliceLength(n, e.start, e.stop, e.step ?? 1);
        if (step === 1 || len <= 1) {
          if (!(len === n && b === 0)) {
            const begin = y.shape.map((_, k) => (k === d ? (len === 0 ? 0 : b) : 0));
            const size = y.shape.map((s, k) => (k === d ? len : s));
            y = tf.slice(y, begin, size);
          }
        } else {
          const idx = Array.from({ length: len }, (_, k) => b + k * step);
          y = tf.gather(y, tf.tensor1d(idx, 'int32'), d);
        }
      }
      d++;
    }
    return tf.reshape(y, outShape);
  });
}

/** The static output shape of `x[spec]` for an input shape with possibly unknown dims. */
export function slicedShape(shape: tfl.Shape, entries: SliceEntry[]): tfl.Shape {
  const expanded = expandEntries(shape.length, entries);
  const out: tfl.Shape = [];
  let d = 0;
  for (const e of expanded) {
    if (e.kind === 'newaxis') out.push(1);
    else if (e.kind === 'index') {
      const n = shape[d++];
      if (n != null && (e.index >= n || e.index < -n)) throw new InputMismatchError(`index ${e.index} is out of bounds for axis ${d - 1} of size ${n}`);
    } else if (e.kind === 'slice') {
      const n = shape[d++];
      out.push(n == null ? null : sliceLength(n, e.start, e.stop, e.step ?? 1));
    }
  }
  return out;
}

/**
 * Keras `SlicingOpLambda`: `x[...]` on a Keras tensor. The subscript arrives in the recorded call
 * kwargs as `slice_spec` (slices as `{start, stop, step}`, ints, `'...'`/`__ellipsis__`, null
 * for `tf.newaxis`), applied with Python/TF semantics (see applySlice). Tensor-valued bounds and
 * `tf.boolean_mask` are not supported.
 */
export class SlicingOpLambda extends KwargsRecordingLayer {
  static className = 'SlicingOpLambda';
  readonly function: string;

  constructor(args: SlicingOpLambdaArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const fn = args.function;
    if (fn !== '__operators__.getitem' && fn !== tfjsCamelCase('__operators__.getitem')) {
      throw new UnsupportedLayerError(`SlicingOpLambda: TensorFlow function tf.${String(fn)} is not supported (only __operators__.getitem)`, {
        node: args.name,
      });
    }
    this.function = fn;
  }

  private entries(kwargs: Kwargs): SliceEntry[] {
    const spec = kwargs['slice_spec'] ?? kwargs['sliceSpec'];
    if (spec === undefined) throw new UnsupportedLayerError(`${this.name}: no slice_spec in the recorded call arguments`);
    return parseSliceSpec(spec);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const { positional } = splitInputs(shapeList(inputShape), this.recordedKwargs);
    return slicedShape(positional[0], this.entries(this.recordedKwargs));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const k = this.effectiveKwargs(kwargs);
      const x = splitInputs(tensorList(inputs), k).positional[0];
      const entries = this.entries(k);
      return applySlice(x, entries);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), function: this.function };
  }
}
