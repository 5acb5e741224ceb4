import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { encodeKerasFile } from '../src/index.js';
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

/** A file name of a test case: the named stored file loaded, written back by our saveKerasFile, and loaded again. */
const WRITTEN_BACK = / written back by saveKerasFile$/;

/** The model a test case names: a stored file, or (ending in ' written back by saveKerasFile') that file round-tripped through our writer. */
export async function modelUnderTest(file: string, load: (name: string, bytes?: Uint8Array) => Promise<tfl.LayersModel>): Promise<tfl.LayersModel> {
  if (!WRITTEN_BACK.test(file)) return load(file);
  // Each class's getConfig and weights round-trip through our Keras writer (from either format).
  const source = file.replace(WRITTEN_BACK, '');
  const original = await load(source);
  const bytes = await encodeKerasFile(original, { warn: () => undefined });
  original.dispose();
  return load(`${source}-rewritten.keras`, bytes);
}

/** Keras' stored inputs predicted by `model`; every output held against Keras' stored output (expectClose). */
export function expectOutputsAgree(model: tfl.LayersModel, want: { inputs: Record<string, Stored>; outputs: Record<string, Stored> }, what: string): void {
  const inputs = model.inputs.map((i) => storedTensor(want.inputs[i.sourceLayer.name]!, i.dtype));
  const got = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
  const outs = Array.isArray(got) ? got : [got];
  const names = Object.keys(want.outputs);
  expect(outs.length).toBe(names.length);
  outs.forEach((o, k) => expectClose(o, want.outputs[names[k]!]!, `${what} ${names[k]}`));
  tf.dispose([...inputs, ...outs]);
}
