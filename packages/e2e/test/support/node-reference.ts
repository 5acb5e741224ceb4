import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NodeFileSource } from '@savedkeras/backend-node';
import * as savedkeras from 'savedkeras';
import { fixture } from './paths.js';

/** A tensor as plain JSON, as the page's hook takes and returns it. */
export interface TensorJson {
  dtype: string;
  shape: number[];
  values: number[] | string[];
}

const facade = savedkeras as unknown as Record<string, unknown>;
export const hasLoadSavedModel = typeof facade.loadSavedModel === 'function';

let backendSet = false;
async function cpu(): Promise<void> {
  if (backendSet) return;
  await tf.setBackend('cpu');
  await tf.ready();
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  backendSet = true;
}

/** The same model run in this Node process on the cpu backend: the reference the browser must match. */
export async function nodeKerasPredict(slug: string, inputs: Record<string, TensorJson>): Promise<{ outputs: TensorJson[]; inputNames: string[]; layerNames: string[] }> {
  await cpu();
  const { model } = await savedkeras.loadKerasModelWithReport(new NodeFileSource(fixture(slug)), { warn: () => undefined });
  try {
    const names = model.inputNames;
    const given = names.every((n) => n in inputs) ? names.map((n) => inputs[n]) : Object.keys(inputs).sort().map((k) => inputs[k]);
    const xs = given.map((t) => tf.tensor(t.values as number[], t.shape, /int/.test(t.dtype) ? 'int32' : 'float32'));
    const y = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor | tf.Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    const outputs = await Promise.all(ys.map(async (t) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(await t.data()) })));
    tf.dispose([...xs, ...ys]);
    return { outputs, inputNames: names, layerNames: model.layers.map((l) => l.name) };
  } finally {
    model.dispose();
  }
}

/** expected.json of a fixture: inputs and independently computed outputs, with its tolerance. */
export interface ReferenceCase {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  tolerance: number;
}

export function referenceCases(slug: string, signature?: string): ReferenceCase[] {
  const raw = JSON.parse(readFileSync(nodePath.join(fixture(slug), 'reference/expected.json'), 'utf8')) as {
    signature: string;
    cases: RawCase[];
    other_signatures?: Record<string, { cases: RawCase[] }>;
  };
  const cases = signature === undefined || signature === raw.signature ? raw.cases : (raw.other_signatures?.[signature]?.cases ?? []);
  return cases.map((c) => ({ inputs: mapTensors(c.inputs), outputs: mapTensors(c.outputs), tolerance: c.tolerance ?? 1e-4 }));
}

type RawTensor = { dtype: string; shape: number[]; value: unknown };
type RawCase = { inputs: Record<string, RawTensor>; outputs: Record<string, RawTensor>; tolerance?: number };

function mapTensors(m: Record<string, RawTensor>): Record<string, TensorJson> {
  return Object.fromEntries(
    Object.entries(m).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, values: [t.value].flat(Infinity) as number[] }]),
  );
}

/** Largest |got - ref| and whether every element is within tol + tol * |ref| (the fixtures' rule). */
export function compareValues(got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): { maxAbs: number; ok: boolean } {
  if (got.length !== ref.length) return { maxAbs: Infinity, ok: false };
  let maxAbs = 0;
  let ok = true;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= tol + tol * Math.abs(ref[i]))) ok = false;
    if (!(d <= maxAbs)) maxAbs = d;
  }
  return { maxAbs, ok };
}
