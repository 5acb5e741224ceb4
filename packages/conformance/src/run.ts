import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_LIMITS } from '@savedkeras/common';
import { getKernel, getOpDef, isTensorValue, makeAttrs, type KernelContext, type Value, type VariableResource } from '@savedkeras/graph';
import { registerAllLayers, resolveKerasObject } from '@savedkeras/layers';
// Revival's own setup (tfjs-layers' chained tensor methods, plugin registrations): layers run as revived.
import '@savedkeras/revive';
import type { GraphCase } from './graph-cases.js';
import type { LayerCase } from './layer-cases.js';
import { tensorOf, valuesOf } from './values.js';

export type CaseStatus = 'ok' | 'wrong' | 'missing' | 'error';

/** What one case did on one backend, compared with the reference backend. */
export interface CaseOutcome {
  suite: 'graph' | 'layer';
  /** Graph op or Keras layer class. */
  subject: string;
  name: string;
  backend: string;
  /** tfjs kernels the case ran on the backend under test. */
  kernels: string[];
  status: CaseStatus;
  /** Largest |backend - reference| over all outputs (NaN when shapes differ or it failed). */
  maxDiff: number;
  message?: string;
}

interface Output {
  shape: number[];
  dtype: string;
  values: ArrayLike<number>;
}

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

const CONTEXT_BASE = {
  functionName: '__conformance',
  callFunction: () => {
    throw new Error('conformance cases call no functions');
  },
  training: false,
  random: () => 0.5,
  limits: DEFAULT_LIMITS,
  reserve: () => {},
};

/** Runs the case's kernel: its tensor outputs, then the final value of each variable input. */
function runGraphCase(c: GraphCase): tf.Tensor[] {
  const kernel = getKernel(c.op);
  if (!kernel) throw new Error(`no graph kernel ${c.op}`);
  const seed = seedOf(c.name);
  const variables: VariableResource[] = [];
  const inputs: Value[] = c.inputs.map((s, i) => {
    const t = tensorOf(s, seed + i);
    if (!s.variable) return t;
    const v: VariableResource = { kind: 'variable', name: `input${i}`, variable: tf.variable(t, true, `${c.name}/input${i}/${seed}/${tf.getBackend()}`) };
    variables.push(v);
    return v;
  });
  const ctx: KernelContext = { ...CONTEXT_BASE, nodeName: c.name, op: c.op };
  try {
    const out = kernel(inputs, makeAttrs(c.attrs ?? {}, getOpDef(c.op), c.op), ctx);
    return [...out.filter(isTensorValue), ...variables.map((v) => tf.clone(v.variable))];
  } finally {
    for (const v of variables) v.variable.dispose();
  }
}

type LayerLike = tf.serialization.Serializable & {
  apply(x: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[];
  weights: { name: string; shape: number[] }[];
  setWeights(w: tf.Tensor[]): void;
  dispose(): unknown;
};

function makeLayer(c: LayerCase): LayerLike {
  registerAllLayers();
  // The Keras registry's layer table (which holds the Identity layer that tfjs' map gives to its initializer).
  const found = resolveKerasObject('layer', c.className)?.value as tf.serialization.SerializableConstructor<tf.serialization.Serializable> | undefined;
  if (!found) throw new Error(`no layer class ${c.className} registered`);
  const config = JSON.parse(JSON.stringify(c.config)) as tf.serialization.ConfigDict;
  return (found.fromConfig ? found.fromConfig(found, config) : new found(config)) as unknown as LayerLike;
}

/** Seeded weights (variances positive), so every backend runs the same numbers. */
function layerInputs(c: LayerCase): tf.Tensor[] {
  const seed = seedOf(c.name);
  return c.inputs.map((shape, i) => tensorOf({ shape, domain: c.domains?.[i] ?? 'any' }, seed + i));
}

function setSeededWeights(layer: LayerLike, c: LayerCase): void {
  const seed = seedOf(c.name) + 1000;
  const ws = layer.weights.map((w, i) =>
    tf.tensor(valuesOf({ shape: w.shape, domain: /variance/.test(w.name) ? 'pos' : 'unit' }, seed + i), w.shape),
  );
  layer.setWeights(ws);
  tf.dispose(ws);
}

/**
 * Runs `run` and reads its outputs, noting every kernel the tfjs engine dispatched meanwhile (ops
 * reach backends through engine.runKernel; tf.profile would do the same but cannot survive a
 * kernel that throws).
 */
async function outputsOf(run: () => tf.Tensor[]): Promise<{ outputs: Output[]; kernels: string[] }> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  const seen = new Set<string>();
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    seen.add(name);
    return original.call(this, name, ...rest);
  };
  try {
    const ts = run();
    const outputs = ts.map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as ArrayLike<number> }));
    tf.dispose(ts);
    return { outputs, kernels: [...seen].sort() };
  } finally {
    engine.runKernel = original;
  }
}

function executeGraph(c: GraphCase): () => tf.Tensor[] {
  return () => tf.tidy(() => runGraphCase(c));
}

async function executeLayer(c: LayerCase): Promise<{ outputs: Output[]; kernels: string[] }> {
  const layer = makeLayer(c);
  const inputs = layerInputs(c);
  try {
    const arg = inputs.length === 1 ? inputs[0]! : inputs;
    tf.dispose(tf.tidy(() => layer.apply(arg)));
    setSeededWeights(layer, c);
    return await outputsOf(() => tf.tidy(() => [layer.apply(arg)].flat()));
  } finally {
    tf.dispose(inputs);
    try {
      layer.dispose();
    } catch {
      // a layer that never built has nothing to free
    }
  }
}

function compare(ref: Output[], got: Output[], tolerance: number): { ok: boolean; maxDiff: number; message?: string } {
  if (ref.length !== got.length) return { ok: false, maxDiff: NaN, message: `${got.length} outputs, reference has ${ref.length}` };
  let maxDiff = 0;
  for (let o = 0; o < ref.length; o++) {
    const a = ref[o]!;
    const b = got[o]!;
    if (a.shape.join(',') !== b.shape.join(',')) return { ok: false, maxDiff: NaN, message: `output ${o} has shape [${b.shape}], reference [${a.shape}]` };
    if (a.dtype !== b.dtype) return { ok: false, maxDiff: NaN, message: `output ${o} is ${b.dtype}, reference ${a.dtype}` };
    for (let i = 0; i < a.values.length; i++) {
      const x = Number(a.values[i]);
      const y = Number(b.values[i]);
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (Number.isNaN(x) !== Number.isNaN(y)) return { ok: false, maxDiff: NaN, message: `output ${o}[${i}] is ${y}, reference ${x}` };
        continue;
      }
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        if (x !== y) return { ok: false, maxDiff: Infinity, message: `output ${o}[${i}] is ${y}, reference ${x}` };
        continue;
      }
      const d = Math.abs(x - y);
      maxDiff = Math.max(maxDiff, d);
      if (d > tolerance * (1 + Math.abs(x))) return { ok: false, maxDiff: d, message: `output ${o}[${i}] is ${y}, reference ${x}` };
    }
  }
  return { ok: true, maxDiff };
}

const DEFAULT_TOLERANCE = 1e-4;

function failure(e: unknown): { status: CaseStatus; message: string } {
  const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return { status: /not registered for backend|not yet implemented|is not implemented/i.test(message) ? 'missing' : 'error', message };
}

export interface RunOptions {
  /** Backend whose answers count as right (default 'cpu'). */
  reference?: string;
  /** Only cases whose name matches. */
  filter?: (name: string) => boolean;
}

/**
 * Runs the cases on `reference` and on each backend in `backends` (all must be registered and
 * initialised by the caller, with savedkeras' kernel fixes installed as users get them) and
 * returns one outcome per case and backend. Leaves `reference` as the active backend.
 */
export async function runConformance(
  cases: { graph: readonly GraphCase[]; layers: readonly LayerCase[] },
  backends: readonly string[],
  options: RunOptions = {},
): Promise<CaseOutcome[]> {
  const reference = options.reference ?? 'cpu';
  const keep = options.filter ?? (() => true);
  const results: CaseOutcome[] = [];
  const all: { suite: 'graph' | 'layer'; subject: string; name: string; tolerance: number; exec: () => Promise<{ outputs: Output[]; kernels: string[] }> }[] = [
    ...cases.graph.filter((c) => keep(c.name)).map((c) => ({
      suite: 'graph' as const, subject: c.op, name: c.name, tolerance: c.tolerance ?? DEFAULT_TOLERANCE, exec: () => outputsOf(executeGraph(c)),
    })),
    ...cases.layers.filter((c) => keep(c.name)).map((c) => ({
      suite: 'layer' as const, subject: c.className, name: c.name, tolerance: c.tolerance ?? DEFAULT_TOLERANCE, exec: () => executeLayer(c),
    })),
  ];
  for (const c of all) {
    await tf.setBackend(reference);
    let ref: Output[] | undefined;
    let refError: string | undefined;
    try {
      ref = (await c.exec()).outputs;
    } catch (e) {
      refError = failure(e).message;
    }
    for (const backend of backends) {
      await tf.setBackend(backend);
      const base = { suite: c.suite, subject: c.subject, name: c.name, backend };
      try {
        const got = await c.exec();
        if (ref === undefined) {
          results.push({ ...base, kernels: got.kernels, status: 'error', maxDiff: NaN, message: `the reference backend ${reference} failed: ${refError}` });
          continue;
        }
        const cmp = compare(ref, got.outputs, c.tolerance);
        results.push({ ...base, kernels: got.kernels, status: cmp.ok ? 'ok' : 'wrong', maxDiff: cmp.maxDiff, ...(cmp.message ? { message: cmp.message } : {}) });
      } catch (e) {
        const f = failure(e);
        results.push({ ...base, kernels: [], status: f.status, maxDiff: NaN, message: f.message });
      }
    }
  }
  await tf.setBackend(reference);
  return results;
}
