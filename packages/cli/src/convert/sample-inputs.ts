import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Size given to unknown non-batch dimensions (sequence lengths, image sizes of fully convolutional
 * models): large enough that a few stride-2 convolutions or poolings leave something (tfjs' wasm
 * backend fails hard on the empty tensors a too-short sequence produces).
 */
export const FREE_DIM = 32;

/**
 * A reproducible random batch for each model input: floats uniform in [-1, 1), integers in
 * {0, 1} (valid ids for any embedding or lookup). Null when an input is a string: no generic
 * sample exists for those. The caller owns (disposes) the tensors.
 */
export function sampleInputs(model: tfl.LayersModel, batch: number, seed = 1): tf.Tensor[] | null {
  if (model.inputs.some((i) => i.dtype === 'string')) return null;
  return model.inputs.map((input, k) => {
    const shape = input.shape.map((d, i) => (i === 0 ? batch : (d ?? FREE_DIM)));
    if (input.dtype === 'int32' || input.dtype === 'bool') {
      return tf.cast(tf.randomUniformInt(shape, 0, 2, seed + k), input.dtype);
    }
    return tf.randomUniform(shape, -1, 1, 'float32', seed + k);
  });
}

/** The model's outputs for `inputs` as plain arrays, in model output order. */
export function predictValues(model: tfl.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
  });
}

/** Largest |a - b| over all outputs; Infinity when they differ in count or length, NaN positions must agree. */
export function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k].length !== b[k].length) return Infinity;
    for (let i = 0; i < a[k].length; i++) {
      const x = a[k][i];
      const y = b[k][i];
      if (x === y) continue;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
        continue;
      }
      m = Math.max(m, Math.abs(x - y));
    }
  }
  return m;
}
