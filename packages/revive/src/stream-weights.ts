import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { Checkpoint } from '@savedkeras/proto';

/**
 * Restoring weights on the wasm backend without a second copy of them.
 *
 * Revived layers are built with zero-filled weights, which tfjs-backend-wasm keeps in its heap.
 * Writing a checkpoint value the usual way (tf.tensor + LayerVariable.write) reads the whole
 * value into JS memory, mallocs a second heap block for it and frees the zeros afterwards: the
 * heap grows to twice the weights (it never shrinks) and the JS copy comes on top, ~3x the
 * weights in RSS. Here the checkpoint bytes are streamed (CheckpointReader.readManyInto, 8 MB
 * pieces, crc-checked) straight into the heap block the zeros occupy: ~1x.
 *
 * Only where it is safe: the wasm backend, float32/int32 weights without a constraint (write()
 * would apply it) whose storage no other tensor shares (backend refCount 1), and checkpoint
 * tensors of the same dtype and shape. Everything
 * else goes the usual way. Other backends gain nothing: the cpu backend adopts the read buffer
 * without copying, WebGL must upload anyway.
 */

interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  refCount(dataId: object): number;
  getMemoryOffset(dataId: object): number;
}

/** The heap bytes of `weight`'s value when they can be overwritten in place, else null. */
function heapTarget(weight: LayerVariable): (() => Uint8Array) | null {
  if (tf.getBackend() !== 'wasm') return null;
  // LayerVariable.write applies the constraint to the new value; keep that the usual way.
  if (weight.constraint != null) return null;
  const backend = tf.backend() as unknown as Partial<WasmBackend>;
  if (typeof backend.getMemoryOffset !== 'function' || typeof backend.refCount !== 'function' || !backend.wasm) return null;
  const value = weight.read() as tf.Variable & { dataId: object };
  if (value.dtype !== 'float32' && value.dtype !== 'int32') return null;
  if (backend.refCount(value.dataId) !== 1) return null;
  const bytes = value.size * 4;
  const wasm = backend.wasm;
  const offset = backend.getMemoryOffset(value.dataId);
  // HEAPU8 is read on every call: a memory.grow replaces it.
  return () => new Uint8Array(wasm.HEAPU8.buffer, offset, bytes);
}

/**
 * Streams every value it can straight into its weight's wasm storage; returns the indices of
 * `weights` it restored (the caller restores the others).
 */
export async function streamIntoWeights(weights: LayerVariable[], keys: string[], ckpt: Checkpoint): Promise<Set<number>> {
  const done = new Set<number>();
  const items: { key: string; dtype: string; target: () => Uint8Array }[] = [];
  const seen = new Set<string>();
  weights.forEach((w, i) => {
    const key = keys[i];
    const e = ckpt.entry(key);
    // A key read twice (two weights sharing one saved variable) takes the usual way.
    if (!e || seen.has(key) || !sameShape(w.shape, e.shape) || !ckpt.canReadInto(key, w.dtype)) return;
    const target = heapTarget(w);
    if (!target) return;
    seen.add(key);
    items.push({ key, dtype: w.dtype, target });
    done.add(i);
  });
  if (items.length > 0) await ckpt.readManyInto(items);
  return done;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
  refCount(dataId: object): number;
}

/**
 * The cpu backend's counterpart of streaming: the checkpoint's values become the storage of the weight's
 * zero-filled value, in place (the same typed array a tensor made of them would hold: the cpu backend keeps
 * the array it is given), instead of a tensor made, assigned and freed per weight: tfjs' bookkeeping of
 * two tensors per weight was most of a restore of small weights. Same conditions as heapTarget: a weight
 * without a constraint (write() would apply it) whose storage no other tensor shares, and values of exactly
 * its dtype and size. False when it did not (the caller writes the usual way).
 */
export function adoptIntoWeight(weight: LayerVariable, values: unknown): boolean {
  if (tf.getBackend() !== 'cpu' || weight.constraint != null) return false;
  const value = weight.read() as tf.Variable & { dataId: object };
  const kind = value.dtype === 'float32' ? Float32Array : value.dtype === 'int32' ? Int32Array : undefined;
  if (!kind || !(values instanceof kind) || values.length !== value.size) return false;
  const backend = tf.backend() as unknown as Partial<CpuBackend>;
  if (typeof backend.refCount !== 'function' || !backend.data || backend.refCount(value.dataId) !== 1) return false;
  const stored = backend.data.get(value.dataId);
  if (!stored || !(stored.values instanceof kind) || stored.values.length !== values.length) return false;
  stored.values = values;
  return true;
}
