import * as tf from '@tensorflow/tfjs-core';
import * as savedkeras from 'savedkeras';
import type { ModelSource } from 'savedkeras';

/**
 * Parts of the savedkeras facade that are newer than this page's first version. The page looks
 * them up by name and shows "not available in this build" when the facade does not export them,
 * so it builds and runs against any version.
 */
const facade = savedkeras as unknown as Record<string, unknown>;
const LOAD_SAVED_MODEL = 'loadSavedModel';
const CHECK_NAMES = ['check', 'checkModel', 'checkKerasModel', 'checkAgainstGraph'];

export function hasLoadSavedModel(): boolean {
  return typeof facade[LOAD_SAVED_MODEL] === 'function';
}

export function checkFunction(): { name: string; fn: (...args: unknown[]) => Promise<unknown> } | undefined {
  for (const name of CHECK_NAMES) {
    const fn = facade[name];
    if (typeof fn === 'function') return { name, fn: fn as (...args: unknown[]) => Promise<unknown> };
  }
  return undefined;
}

/** A SavedModel whose signatures can be called by name, whatever shape the facade's object has. */
export interface CallableSavedModel {
  signatureNames: string[];
  call(name: string, inputs: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>>;
  raw: unknown;
}

type SigFn = (inputs: Record<string, tf.Tensor>) => unknown;

export async function loadCallableSavedModel(source: ModelSource): Promise<CallableSavedModel> {
  const load = facade[LOAD_SAVED_MODEL] as (s: ModelSource) => Promise<unknown>;
  const raw = (await load(source)) as Record<string, unknown>;
  const sigs = raw.signatures;
  let names: string[] = [];
  let get: (name: string) => SigFn | undefined = () => undefined;
  if (sigs instanceof Map) {
    names = [...sigs.keys()];
    get = (n) => asFn(sigs.get(n));
  } else if (Array.isArray(sigs)) {
    names = sigs.map((s) => (typeof s === 'string' ? s : (s as { name: string }).name));
  } else if (sigs && typeof sigs === 'object') {
    names = Object.keys(sigs);
    get = (n) => asFn((sigs as Record<string, unknown>)[n]);
  }
  if (names.length === 0 && Array.isArray(raw.signatureNames)) names = raw.signatureNames as string[];
  const method = ['call', 'callSignature', 'run', 'execute'].find((m) => typeof raw[m] === 'function');
  return {
    signatureNames: names,
    raw,
    async call(name, inputs) {
      const fn = get(name);
      const result = fn ? await fn(inputs) : method ? await (raw[method] as (n: string, i: unknown) => unknown).call(raw, name, inputs) : undefined;
      if (result === undefined) throw new Error(`the loaded SavedModel offers no way to call signature "${name}"`);
      return normalizeOutputs(result);
    },
  };
}

function asFn(v: unknown): SigFn | undefined {
  if (typeof v === 'function') return v as SigFn;
  if (v && typeof v === 'object') {
    for (const m of ['call', 'run', 'execute']) {
      const f = (v as Record<string, unknown>)[m];
      if (typeof f === 'function') return (inputs) => (f as SigFn).call(v, inputs);
    }
  }
  return undefined;
}

function normalizeOutputs(result: unknown): Record<string, tf.Tensor> {
  if (result instanceof tf.Tensor) return { output_0: result };
  if (Array.isArray(result)) return Object.fromEntries(result.map((t, i) => [`output_${i}`, t as tf.Tensor]));
  if (result instanceof Map) return Object.fromEntries(result) as Record<string, tf.Tensor>;
  return result as Record<string, tf.Tensor>;
}
