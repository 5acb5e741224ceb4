import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '@savedkeras/common';

/** Value ranges of generated inputs: most ops take any real, some only part of the line. */
// 'uint8' / 'int8': int32-carried values of TensorFlow's 8-bit types (images, quantized data), full range.
// 'nonfinite': 'any' with every 11th value NaN, +Infinity or -Infinity in turn (never a pooling window of only those).
export type Domain = 'any' | 'pos' | 'unit' | 'ge1' | 'int' | 'small-int' | 'bool' | 'index' | 'uint8' | 'int8' | 'nonfinite';

const NON_FINITE = [NaN, Infinity, -Infinity];

export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32' | 'bool';
  domain?: Domain;
  /** Literal values (shape must match); overrides the generator. */
  values?: number[];
  /**
   * Passed as a variable resource (a tf.Variable holding the values) instead of a tensor, for ops that
   * update variables in place (optimizer steps, scatter updates); the case's outputs then include the
   * variable's value after the op.
   */
  variable?: boolean;
}

/**
 * Deterministic values for `spec`: about half negative for 'any' (max pooling over all-negative
 * windows is exactly what one backend got wrong), never 0 for 'pos' so divisions stay finite.
 */
export function valuesOf(spec: InputSpec, seed: number): number[] {
  if (spec.values) return spec.values;
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const r = seededRandom(seed);
  const out: number[] = new Array(n);
  const domain = spec.domain ?? (spec.dtype === 'int32' ? 'int' : spec.dtype === 'bool' ? 'bool' : 'any');
  for (let i = 0; i < n; i++) {
    const u = r();
    switch (domain) {
      case 'any': out[i] = (u * 2 - 1) * 2.5; break;
      case 'pos': out[i] = 0.1 + u * 2.9; break;
      case 'unit': out[i] = (u * 2 - 1) * 0.9; break;
      case 'ge1': out[i] = 1 + u * 3; break;
      case 'int': out[i] = Math.floor(u * 19) - 9; break;
      case 'small-int': out[i] = Math.floor(u * 5) + 1; break;
      case 'bool': out[i] = u < 0.5 ? 0 : 1; break;
      case 'index': out[i] = Math.floor(u * 10); break;
      case 'uint8': out[i] = Math.floor(u * 256); break;
      case 'int8': out[i] = Math.floor(u * 256) - 128; break;
      case 'nonfinite': out[i] = i % 11 === 5 ? NON_FINITE[Math.floor(i / 11) % 3]! : (u * 2 - 1) * 2.5; break;
    }
  }
  return out;
}

export function tensorOf(spec: InputSpec, seed: number): tf.Tensor {
  return tf.tensor(valuesOf(spec, seed), spec.shape, spec.dtype ?? 'float32');
}
