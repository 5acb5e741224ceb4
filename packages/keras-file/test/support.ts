import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Keras 3 model files of ../shared (never copied into the repository). */
export const KERAS_FIXTURES = resolve(repoRoot, '../shared/fixtures/keras-files');

/** True when ../shared has the keras-files fixtures; a visible skip otherwise, and an error in CI. */
export function haveKerasFixtures(what: string): boolean {
  if (existsSync(join(KERAS_FIXTURES, 'manifest.json'))) return true;
  if (process.env['CI']) throw new Error(`[fixtures] ${KERAS_FIXTURES} is missing in CI: ${what} cannot run`);
  console.warn(`[fixtures] ${KERAS_FIXTURES} not found: skipping ${what}`);
  return false;
}

export function kerasFixtureSlugs(): string[] {
  if (!existsSync(KERAS_FIXTURES)) return [];
  return readdirSync(KERAS_FIXTURES).filter((d) => existsSync(join(KERAS_FIXTURES, d, 'model.keras'))).sort();
}

export interface TensorJson {
  dtype: string;
  shape: number[];
  value: unknown;
}
export interface ExpectedCase {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  tolerance?: number;
}

export function expectedCases(slug: string): ExpectedCase[] {
  return (JSON.parse(readFileSync(join(KERAS_FIXTURES, slug, 'reference/expected.json'), 'utf8')) as { cases: ExpectedCase[] }).cases;
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
