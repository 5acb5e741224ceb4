import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { installChainedOps } from '../src/tfjs-shims.js';

// tfjs-layers internals call chained tensor methods (`t.flatten()` in the Orthogonal initializer, ...).
installChainedOps();

/** Deterministic pseudo-random numbers in [-1, 1) (no tfjs RNG, so tests are reproducible). */
export function rand(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push((s / 0x100000000) * 2 - 1);
  }
  return out;
}

export function randTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape, 'float32');
}

/** |got - want| <= tol + tol * |want| elementwise, with shape equality. */
export function expectClose(got: tf.Tensor | ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5, shape?: number[]): void {
  if (got instanceof tf.Tensor && shape) expect(got.shape).toEqual(shape);
  const g = got instanceof tf.Tensor ? Array.from(got.dataSync() as Float32Array) : Array.from(got);
  const w = Array.from(want);
  expect(g.length).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= tol + tol * Math.abs(w[i]))) {
      throw new Error(`element ${i}: got ${g[i]}, want ${w[i]} (tol ${tol})`);
    }
  }
}

/** Nested arrays flattened (for expected values written as nested literals). */
export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as number];
}

/** What a reviver does with a registered class: the serialization map's fromConfig. */
export function deserializeLayer<T = unknown>(className: string, config: tf.serialization.ConfigDict): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`no class registered as ${className}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as T;
}
