import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NodeFileSource } from '@savedkeras/backend-node';
import * as savedkeras from 'savedkeras';
import { flatten, fromTensor, toTensor, type TensorJson } from '@savedkeras/check';
import { fixture } from './paths.js';

export type { TensorJson };

/** The flat numbers of a tensor JSON (non-finite floats are written "NaN", "Infinity"). */
export function values(t: TensorJson): number[] {
  return flatten(t.value).map((v) => Number(v));
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
    const xs = given.map((t, i) => toTensor(names[i] ?? `input ${i}`, t));
    const y = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor | tf.Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    const outputs = await Promise.all(ys.map((t) => fromTensor(t)));
    tf.dispose([...xs, ...ys]);
    return { outputs, inputNames: names, layerNames: model.layers.map((l) => l.name) };
  } finally {
    model.dispose();
  }
}

/** The fixture's saved serving_default graph run in Node (cpu backend) on one input: its first output. */
export async function nodeServingPredict(slug: string, input: TensorJson): Promise<TensorJson> {
  await cpu();
  const saved = await savedkeras.loadSavedModel(new NodeFileSource(fixture(slug)));
  const sig = saved.signatures['serving_default'];
  const x = toTensor(sig.inputs[0].name, input);
  const outs = sig({ [sig.inputs[0].name]: x });
  const out = await fromTensor(Object.values(outs)[0]);
  tf.dispose([x, ...Object.values(outs)]);
  return out;
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
  return cases.map((c) => ({ inputs: c.inputs, outputs: c.outputs, tolerance: c.tolerance ?? 1e-4 }));
}

type RawCase = { inputs: Record<string, TensorJson>; outputs: Record<string, TensorJson>; tolerance?: number };

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
