import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, Value, VariableResource } from '../../kernel.js';
import { isTensorValue } from '../../kernel.js';
import { stringBytes } from './util.js';

/**
 * String tensors through data-movement kernels that tfjs only runs on numbers (gather, transpose,
 * reverse, split, pad, ...). TensorFlow moves string elements like any others, so these ops are run on
 * the element *indices* instead — an int32 tensor of the same shape whose element k is k + 1 — and the
 * result's indices are turned back into the original bytes. Index 0 is the empty string, which is
 * exactly what TensorFlow writes where such ops create elements (Pad, ScatterNd, ZerosLike, ...).
 * Several string inputs (PadV2's constant, TensorScatterUpdate's updates) share one index space.
 */
function stringsByIndex(kernel: Kernel, positions: readonly number[] | ((count: number) => number[])): Kernel {
  return (inputs, attrs, ctx) => {
    const stringInputs = typeof positions === 'function' ? positions(inputs.length) : positions;
    if (!stringInputs.some((i) => stringTensorOf(inputs[i]))) return kernel(inputs, attrs, ctx);
    const table: Uint8Array[] = [new Uint8Array(0)];
    const replaced: Value[] = inputs.slice();
    for (const i of stringInputs) {
      const v = inputs[i];
      const t = stringTensorOf(v);
      if (!t) continue;
      const first = table.length;
      for (const b of stringBytes(t)) table.push(b);
      const idx = tf.tensor(Int32Array.from({ length: t.size }, (_, k) => first + k), t.shape, 'int32');
      // a string variable (ResourceGather) is read through a stand-in resource holding the indices
      replaced[i] = isTensorValue(v) ? idx : { ...(v as VariableResource), variable: idx as tf.Variable };
    }
    return kernel(replaced, attrs, ctx).map((out) => {
      if (!isTensorValue(out) || out.dtype !== 'int32') return out;
      const idx = out.dataSync();
      return tf.tensor(Array.from(idx, (k) => table[k]!), out.shape, 'string');
    });
  };
}

/** The string tensor of a string tensor input or of a string variable's handle, else undefined. */
function stringTensorOf(v: Value | undefined): tf.Tensor | undefined {
  if (isTensorValue(v)) return v.dtype === 'string' ? v : undefined;
  return v?.kind === 'variable' && v.variable.dtype === 'string' ? v.variable : undefined;
}

/**
 * The kernels that move elements without looking at them, and which of their inputs carry the moved
 * elements (the T-typed ones). Ops tfjs already runs on strings (Reshape, ConcatV2, Slice, Tile, Select,
 * Pack, Unpack, ExpandDims, GatherNd, ...) are not listed.
 */
const STRING_INDEXED_INPUTS: Readonly<Record<string, readonly number[] | ((count: number) => number[])>> = {
  Gather: [0], GatherV2: [0], StridedSlice: [0], Transpose: [0], ReverseV2: [0], Split: [1], SplitV: [0], BroadcastTo: [0],
  Pad: [0], PadV2: [0, 2], MirrorPad: [0], ZerosLike: [0], ScatterNd: [1], TensorScatterUpdate: [0, 2],
  DepthToSpace: [0], SpaceToDepth: [0], SparseToDense: [2, 3], ResourceGather: [0], Roll: [0], DynamicPartition: [0],
  // N index tensors, then N data tensors
  DynamicStitch: (n) => Array.from({ length: n / 2 }, (_, i) => n / 2 + i),
  ParallelDynamicStitch: (n) => Array.from({ length: n / 2 }, (_, i) => n / 2 + i),
};

/** Applies stringsByIndex to the listed kernels of a table. */
export function withStringIndexing(kernels: Record<string, Kernel>): Record<string, Kernel> {
  const out: Record<string, Kernel> = { ...kernels };
  for (const [op, positions] of Object.entries(STRING_INDEXED_INPUTS)) {
    const k = out[op];
    if (k) out[op] = stringsByIndex(k, positions);
  }
  return out;
}
