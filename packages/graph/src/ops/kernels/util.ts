import * as tf from '@tensorflow/tfjs-core';
import { FormatError, LimitError, UnsupportedOpError } from '@savedkeras/common';
import type { KernelContext, TableResource, TensorListValue, Value, VariableResource } from '../../kernel.js';
import { isTensorValue } from '../../kernel.js';

/** `fn/node (Op)`, for error messages. */
export function where(ctx: KernelContext): string {
  return `${ctx.functionName}/${ctx.nodeName} (${ctx.op})`;
}

/** The graph or its data is wrong for this op (bad shapes, indices out of range, wrong input kinds). */
export function bad(ctx: KernelContext, message: string): FormatError {
  return new FormatError(message, { node: where(ctx) });
}

/** A valid use of the op that we do not implement. */
export function unsupported(ctx: KernelContext, message: string, hint?: string): UnsupportedOpError {
  return new UnsupportedOpError(message, { node: where(ctx), hint });
}

function kindName(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  return isTensorValue(v) ? `a ${v.dtype} tensor` : `a ${v.kind}`;
}

export function tensorAt(inputs: Value[], i: number, ctx: KernelContext): tf.Tensor {
  const v = inputs[i];
  if (!isTensorValue(v)) throw bad(ctx, `input ${i} should be a tensor but is ${kindName(v)}`);
  return v;
}

export function listAt(inputs: Value[], i: number, ctx: KernelContext): TensorListValue {
  const v = inputs[i];
  if (v === undefined || isTensorValue(v) || v.kind !== 'tensorList') {
    throw bad(ctx, `input ${i} should be a TensorList but is ${kindName(v)}`);
  }
  return v;
}

export function variableAt(inputs: Value[], i: number, ctx: KernelContext): VariableResource {
  const v = inputs[i];
  if (v === undefined || isTensorValue(v) || v.kind !== 'variable') {
    throw bad(ctx, `input ${i} should be a variable handle but is ${kindName(v)}`);
  }
  return v;
}

export function tableAt(inputs: Value[], i: number, ctx: KernelContext): TableResource {
  const v = inputs[i];
  if (v === undefined || isTensorValue(v) || v.kind !== 'table') {
    throw bad(ctx, `input ${i} should be a lookup table handle but is ${kindName(v)}`);
  }
  return v;
}

/** All inputs from `from` on as tensors (list inputs such as ConcatV2 values). */
export function tensorsFrom(inputs: Value[], from: number, count: number, ctx: KernelContext): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (let i = from; i < from + count; i++) out.push(tensorAt(inputs, i, ctx));
  return out;
}

/** Values of a small integer tensor (shapes, axes, indices) as JS numbers. */
export function intsOf(t: tf.Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

export function scalarOf(t: tf.Tensor, ctx: KernelContext, what: string): number {
  if (t.size !== 1) throw bad(ctx, `${what} should be a scalar but has shape [${t.shape}]`);
  return Number((t.dataSync() as ArrayLike<number>)[0]);
}

/** Normalizes a possibly negative axis against `rank`. */
export function axisOf(axis: number, rank: number, ctx: KernelContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw bad(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Element count of `shape`, refusing negative dims and counts beyond the element limit. */
export function checkedSize(shape: number[], ctx: KernelContext): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw bad(ctx, `invalid dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  // Shapes checked here come from values (Fill dims, Range bounds, Tile multiples), not stored bytes.
  const max = ctx.limits.maxComputedTensorElements;
  if (n > max) {
    throw new LimitError(`shape [${shape}] has ${n} elements, more than limits.maxComputedTensorElements (${max})`, {
      node: where(ctx),
    });
  }
  ctx.reserve(n);
  return n;
}

/** Raw bytes of a string tensor (dataSync() would decode them as UTF-8, which corrupts binary data). */
export function stringBytes(t: tf.Tensor): Uint8Array[] {
  return tf.backend().readSync(t.dataId) as unknown as Uint8Array[];
}

export function stringsOf(t: tf.Tensor): string[] {
  return t.dataSync() as unknown as string[];
}

/**
 * Broadcast shape of two shapes (numpy rules), or undefined when incompatible.
 */
export function broadcastShapes(a: number[], b: number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Maps a flat index of the broadcast `outShape` to the flat index into a tensor of shape `inShape`. */
function broadcastIndexer(inShape: number[], outShape: number[]): (flat: number) => number {
  const rank = outShape.length;
  const pad = rank - inShape.length;
  const inStrides: number[] = new Array(rank).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    inStrides[i + pad] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i]!;
  }
  return (flat) => {
    let idx = 0;
    for (let i = rank - 1; i >= 0; i--) {
      const d = outShape[i]!;
      idx += (flat % d) * inStrides[i]!;
      flat = Math.floor(flat / d);
    }
    return idx;
  };
}

/** Element-wise JS function over broadcast inputs (string ops and other things tfjs cannot do). */
export function broadcastMap<T, R>(values: T[][], shapes: number[][], fn: (...xs: T[]) => R, ctx: KernelContext): { out: R[]; shape: number[] } {
  let shape: number[] = [];
  for (const s of shapes) {
    const b = broadcastShapes(shape, s);
    if (!b) throw bad(ctx, `shapes [${shapes.map((x) => `[${x}]`).join(', ')}] are not broadcast-compatible`);
    shape = b;
  }
  const n = checkedSize(shape, ctx);
  const idx = shapes.map((s) => broadcastIndexer(s, shape));
  const out: R[] = new Array(n);
  const args: T[] = new Array(values.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < values.length; k++) args[k] = values[k]![idx[k]!(i)]!;
    out[i] = fn(...args);
  }
  return { out, shape };
}

/** Casts when needed (returns a new tensor either way, so callers may dispose intermediates uniformly). */
export function castTo(t: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  return t.dtype === dtype ? tf.clone(t) : tf.cast(t, dtype);
}

/**
 * A new tensor on the same data. tf.clone copies the buffer on wasm (its Identity kernel), which costs a
 * copy per Identity/ReadVariableOp node and defeats XNNPACK's packed-weight cache (keyed by tensor id);
 * Reshape to the same shape only adds a reference on every backend. Safe: tfjs never writes into a buffer.
 */
export function shareData<T extends tf.Tensor>(t: T): T {
  return tf.reshape(t, t.shape) as T;
}
