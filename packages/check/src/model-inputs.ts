import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { makeInputs, type PlannedInput } from './plan-inputs.js';

/**
 * Size given to unknown non-batch dimensions of a bare tfjs model (sequence lengths, image sizes of
 * fully convolutional models): large enough that a few stride-2 convolutions or poolings leave
 * something (tfjs' wasm backend fails hard on the empty tensors a too-short sequence produces).
 */
export const MODEL_FREE_DIM = 32;

/**
 * A plan (for `makeInputs`) for a tfjs LayersModel without its SavedModel graph at hand: normal
 * floats, integers in {0, 1} (valid ids for any embedding or lookup), `batch` rows. Null when an
 * input is a string: nothing generic is valid for those without the model's vocabulary.
 */
export function planModelInputs(model: tfl.LayersModel, options: { batch?: number; unknownDimSize?: number } = {}): PlannedInput[] | null {
  if (model.inputs.some((i) => i.dtype === 'string')) return null;
  const batch = options.batch ?? 1;
  return model.inputs.map((input, k) => {
    const guessedDims: number[] = [];
    const shape = input.shape.map((d, i) => {
      if (i === 0) return batch;
      if (d !== null && d !== undefined && d >= 0) return d;
      guessedDims.push(i);
      return options.unknownDimSize ?? MODEL_FREE_DIM;
    });
    const name = model.inputNames[k] ?? input.name;
    if (input.dtype === 'bool') return { name, dtype: 'bool', shape, guessedDims, values: 'booleans' };
    // A float input read by an Embedding holds indices (Keras casts them); a random float would be out of range.
    const inputDim = embeddingInputDim(model.inputLayers[k]);
    if (inputDim) return { name, dtype: input.dtype, shape, guessedDims, values: 'integers', range: [0, inputDim], from: 'Embedding' };
    if (input.dtype === 'int32') return { name, dtype: 'int32', shape, guessedDims, values: 'integers', range: [0, 2] };
    return { name, dtype: 'float32', shape, guessedDims, values: 'normal' };
  });
}

/** input_dim of the Embedding an input layer feeds directly (or as the first layer of a nested model). */
function embeddingInputDim(layer: tfl.layers.Layer | undefined, depth = 0): number | undefined {
  if (!layer || depth > 4) return undefined;
  for (const node of (layer as unknown as { outboundNodes?: { outboundLayer: tfl.layers.Layer }[] }).outboundNodes ?? []) {
    const next = node.outboundLayer;
    if (next.getClassName() === 'Embedding') return (next.getConfig() as { inputDim?: number }).inputDim;
    const nested = next as unknown as { inputLayers?: tfl.layers.Layer[] };
    const found = nested.inputLayers?.length ? embeddingInputDim(nested.inputLayers[0], depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Seeded input tensors for a tfjs LayersModel, in model input order (see `planModelInputs`); null
 * for string inputs. The caller owns (disposes) the tensors.
 */
export function sampleModelInputs(model: tfl.LayersModel, batch: number, seed = 1): tf.Tensor[] | null {
  const plan = planModelInputs(model, { batch });
  if (!plan) return null;
  const made = makeInputs(plan, seed);
  return plan.map((p) => made[p.name]!);
}

/** The model's outputs for `inputs` as plain arrays, in model output order. */
export function predictValues(model: tfl.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
  });
}
