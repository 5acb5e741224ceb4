import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fixturesPath, readExpected, requireFixtures, type ExpectedCase, type TensorJson } from '@savedkeras/fixtures';

export type { ExpectedCase, TensorJson } from '@savedkeras/fixtures';

/** Keras 3 model files of ../shared (never copied into the repository). */
export const KERAS_FIXTURES = fixturesPath('keras-files');

/** True when ../shared has the keras-files fixtures; a visible skip otherwise, and an error in CI. */
export function haveKerasFixtures(what: string): boolean {
  return requireFixtures(what, 'keras-files');
}

export function kerasFixtureSlugs(): string[] {
  if (!existsSync(KERAS_FIXTURES)) return [];
  return readdirSync(KERAS_FIXTURES).filter((d) => existsSync(join(KERAS_FIXTURES, d, 'model.keras'))).sort();
}

export function expectedCases(slug: string): ExpectedCase[] {
  const exp = readExpected(join(KERAS_FIXTURES, slug));
  if (!exp) throw new Error(`${slug} has no reference/expected.json`);
  return exp.cases;
}

export function toTensor(t: TensorJson): tf.Tensor {
  if (t.dtype === 'string') return tf.tensor(t.value as string[], t.shape, 'string');
  const dtype = t.dtype === 'float32' || t.dtype === 'float64' ? 'float32' : t.dtype === 'bool' ? 'bool' : 'int32';
  return tf.tensor(t.value as number[], t.shape, dtype);
}

/** Largest |got - want| / (1 + |want|) over all elements. */
export function relError(got: ArrayLike<number>, want: number[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return got.length === want.length ? worst : Infinity;
}

/** A tensor as the Python pin generators under data/ store it (flat `values`, strings tagged by `dtype`). */
export interface Stored {
  shape: number[];
  values: (number | string)[];
  dtype?: string;
}

/** A stored tensor for an input of the given dtype (strings stay strings; numbers take the input's dtype). */
export function storedTensor(s: Stored, dtype: tf.DataType): tf.Tensor {
  return s.dtype === 'string' ? tf.tensor(s.values as string[], s.shape, 'string') : tf.tensor(s.values as number[], s.shape, dtype === 'string' ? 'float32' : dtype);
}

/** `got` has Keras' shape and every element within |got - want| <= tol * (1 + |want|); the message names the worst one. */
export function expectClose(got: tf.Tensor, want: Stored, what: string, tol = 1e-5): void {
  expect(got.shape, what).toEqual(want.shape);
  const vals = got.dataSync();
  let worst = 0;
  let at = -1;
  (want.values as number[]).forEach((w, i) => {
    const d = Math.abs(vals[i]! - w) / (1 + Math.abs(w));
    if (!(d <= worst)) [worst, at] = [d, i];
  });
  expect(worst, `${what}: element ${at} is ${vals[at]}, Keras ${want.values[at]}`).toBeLessThanOrEqual(tol);
}
