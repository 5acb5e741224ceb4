import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
