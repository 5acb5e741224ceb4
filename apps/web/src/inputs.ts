import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from 'savedkeras';

/** One model input as the page describes and generates it. */
export interface InputSpec {
  name: string;
  dtype: string;
  /** Shape with the batch (and any unknown dimension) fixed, ready to feed. */
  shape: number[];
  /** Shape as the model declares it (null = any). */
  declared: Array<number | null>;
  /** For inputs that feed an Embedding: values must be integers below this. */
  integerBelow?: number;
}

/** A tensor as plain JSON: what the test hook takes and returns. */
export interface TensorJson {
  dtype: string;
  shape: number[];
  values: number[] | string[];
}

/** Length used for dimensions the model leaves open (sequence length, image size). */
export const DEFAULT_OPEN_DIM = 8;

export function kerasInputSpecs(model: tfl.LayersModel): InputSpec[] {
  return model.inputs.map((input, i) => {
    const declared = input.shape.map((d) => (d === null || d === undefined || d < 0 ? null : d));
    const shape = declared.map((d, j) => (j === 0 ? 1 : (d ?? DEFAULT_OPEN_DIM)));
    const integerBelow = embeddingInputDim(model.inputLayers[i] as tfl.layers.Layer);
    return { name: model.inputNames[i], dtype: input.dtype, shape, declared, ...(integerBelow ? { integerBelow } : {}) };
  });
}

/** Specs from a serving signature (non-Keras models): -1 dimensions become 1 for the batch, else DEFAULT_OPEN_DIM. */
export function signatureInputSpecs(inputs: Array<{ name: string; dtype: string; shape: number[] | null }>): InputSpec[] {
  return inputs.map((t) => {
    const declared = (t.shape ?? []).map((d) => (d < 0 ? null : d));
    const shape = declared.map((d, j) => (d !== null ? d : j === 0 ? 1 : DEFAULT_OPEN_DIM));
    return { name: t.name, dtype: t.dtype.replace(/^DT_/, '').toLowerCase(), shape, declared };
  });
}

/**
 * When an input goes straight into an Embedding (directly or as the first layer of a nested
 * Sequential), random floats would be truncated to index 0; give it valid indices instead.
 */
function embeddingInputDim(layer: tfl.layers.Layer | undefined, depth = 0): number | undefined {
  if (!layer || depth > 4) return undefined;
  for (const node of (layer as unknown as { outboundNodes: Array<{ outboundLayer: tfl.layers.Layer }> }).outboundNodes ?? []) {
    const next = node.outboundLayer;
    const cls = next.getClassName();
    if (cls === 'Embedding') return (next.getConfig() as { inputDim?: number }).inputDim;
    const nested = next as unknown as { inputLayers?: tfl.layers.Layer[] };
    if (nested.inputLayers?.length) {
      const found = embeddingInputDim(nested.inputLayers[0], depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

export { seededRandom };

const WORDS = ['the', 'model', 'runs', 'in', 'a', 'browser', 'with', 'no', 'python'];

/** Random inputs for the specs: floats in [0, 1), integers below the Embedding size (or 10), words for strings. */
export function generateInputs(specs: InputSpec[], seed: number): Record<string, TensorJson> {
  const rand = seededRandom(seed);
  const out: Record<string, TensorJson> = {};
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    let values: number[] | string[];
    if (s.dtype === 'string') {
      values = Array.from({ length: n }, () => Array.from({ length: 3 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' '));
    } else if (s.integerBelow !== undefined || /int|bool/.test(s.dtype)) {
      const below = s.integerBelow ?? (s.dtype === 'bool' ? 2 : 10);
      values = Array.from({ length: n }, () => Math.floor(rand() * below));
    } else {
      values = Array.from({ length: n }, () => Math.fround(rand()));
    }
    out[s.name] = { dtype: s.dtype, shape: [...s.shape], values };
  }
  return out;
}

/**
 * Typed JSON input: an object keyed by input name, or (one input) a bare nested array. A nested
 * array one rank short of the model input gets the batch dimension added.
 */
export function parseJsonInputs(text: string, specs: InputSpec[]): Record<string, TensorJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`the input is not valid JSON: ${(e as Error).message}`);
  }
  const byName: Record<string, unknown> =
    Array.isArray(parsed) && specs.length === 1 ? { [specs[0].name]: parsed } : (parsed as Record<string, unknown>);
  if (typeof byName !== 'object' || byName === null || Array.isArray(byName)) {
    throw new TypeError(`give an object keyed by input name (${specs.map((s) => s.name).join(', ')})`);
  }
  const out: Record<string, TensorJson> = {};
  for (const s of specs) {
    const v = byName[s.name];
    if (v === undefined) throw new TypeError(`the JSON has no value for input "${s.name}"`);
    const t = tf.tensor(v as number[], undefined, s.dtype === 'string' ? 'string' : undefined);
    let shape = t.shape;
    if (shape.length === s.declared.length - 1) shape = [1, ...shape];
    const values = Array.from(t.dataSync() as ArrayLike<number>) as number[];
    t.dispose();
    out[s.name] = { dtype: s.dtype, shape, values };
  }
  return out;
}

export function toTensor(t: TensorJson): tf.Tensor {
  if (t.dtype === 'string') return tf.tensor(t.values as string[], t.shape, 'string');
  const dtype = /int/.test(t.dtype) ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
  return tf.tensor(t.values as number[], t.shape, dtype);
}

export async function fromTensor(t: tf.Tensor): Promise<TensorJson> {
  const data = await t.data();
  return { dtype: t.dtype, shape: t.shape, values: Array.from(data as ArrayLike<number>) as number[] };
}
