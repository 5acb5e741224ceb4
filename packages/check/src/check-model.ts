import * as tf from '@tensorflow/tfjs-core';
import {
  NotSavedError,
  SavedKerasError,
  UnsupportedFeatureError,
  resolveSource,
  type Limits,
  type ModelSource,
  type ProgressCallback,
} from '@savedkeras/common';
import { loadKerasModelWithReport, loadSavedModel, readKerasModelFile, type CustomObjects, type SavedModelHandle } from 'savedkeras';
import { planInputs, makeInputs, type InputSpec, type PlannedInput } from './plan-inputs.js';
import { rootFunctionReference } from './root-reference.js';
import { compareAll, type Compared } from './compare.js';

/**
 * `checkModel`: will this model give the same answers in JavaScript? It loads the model the way a
 * user gets it (the revived Keras model when the root carries Keras metadata, else the serving
 * signatures), feeds a deterministic input built from the input signature, and compares with the
 * model's own saved graph run on the same input. See `CheckResult` for the (stable) JSON fields.
 */

/** Default tolerance: an output element passes when |got - want| <= tolerance * (1 + |want|). */
export const DEFAULT_CHECK_TOLERANCE = 1e-4;

export interface CheckOptions {
  /** Per element: |got - want| <= tolerance * (1 + |want|) (default 1e-4: float32 noise of a deep net, not a wrong layer). */
  tolerance?: number;
  /** Seed of the input values and of random ops inside the model (default 0). */
  seed?: number;
  /** Size given to unknown non-batch dimensions the model does not fix (default 8). */
  unknownDimSize?: number;
  customObjects?: CustomObjects;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
  limits?: Partial<Limits>;
}

export interface CheckedInput extends PlannedInput {
  /** kind "signatures": the signature this input belongs to. */
  signature?: string;
}

export interface CheckedOutput {
  name: string;
  /** kind "signatures": the signature this output belongs to. */
  signature?: string;
  shape: number[];
  dtype: string;
  /** max |got - want| (null when an output holds NaN where the other does not, or shapes differ). */
  maxAbsDiff: number | null;
  /** max |got - want| / (1 + |want|), the quantity the tolerance bounds. */
  maxRelDiff: number | null;
  /** Every value is finite. */
  finite: boolean;
  /** Changes when only the random seed changes (a random op feeds it). */
  random: boolean;
  /** Part of the verdict (false for random outputs whose seeded runs could not be matched). */
  compared: boolean;
  ok: boolean;
}

export interface CheckResult {
  ok: boolean;
  kind: 'keras' | 'signatures';
  /** How the Keras objects were revived (kind "keras"), else null. */
  revived: { fromConfig: number; fromSavedFunctions: number; fromPlugins: number } | null;
  /** What the outputs were compared with: a signature name, or the root function for Keras models without one. */
  reference: string;
  maxAbsDiff: number | null;
  maxRelDiff: number | null;
  tolerance: number;
  outputs: CheckedOutput[];
  /**
   * Random ops: "none" (no random draws), "seeded" (both paths got the same seeded random stream and
   * agreed), "excluded" (some random outputs differ between paths; only deterministic outputs count).
   */
  randomOutputs: 'none' | 'seeded' | 'excluded';
  seed: number;
  /** The tfjs backend the check ran on. */
  backend: string;
  inputs: CheckedInput[];
  /** kind "signatures": the signatures run; kind "keras": [reference]. */
  signatures: string[];
  /** Signatures that could not be checked, with the reason (kind "signatures"). */
  skipped: { signature: string; code: string; reason: string }[];
  /** Why ok is false, in words. */
  problems: string[];
  warnings: string[];
  timings: { loadMs: number; referenceLoadMs: number; runMs: number };
}

/** A seeded random source that can be rewound, counting its draws (no draws = no random op ran). */
class SeededStream {
  private state = 0;
  draws = 0;
  constructor(seed: number) {
    this.reset(seed);
  }
  reset(seed: number): void {
    // mulberry32 state from the seed (any integer).
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
    this.draws = 0;
  }
  readonly next = (): number => {
    this.draws++;
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outputs = Record<string, tf.Tensor>;

export async function checkModel(from: string | ModelSource, options: CheckOptions = {}): Promise<CheckResult> {
  const source = resolveSource(from);
  const tolerance = options.tolerance ?? DEFAULT_CHECK_TOLERANCE;
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be a number >= 0, got ${tolerance}`);
  const seed = Math.trunc(options.seed ?? 0);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.warn?.(m);
  };
  const c: Common = { tolerance, seed, warnings, backend: tf.getBackend(), unknownDimSize: options.unknownDimSize ?? 8 };

  if (await readKerasModelFile(source, { limits: options.limits })) {
    throw new UnsupportedFeatureError('check compares a model with its own saved TensorFlow graph; a .keras / .h5 file holds no graph', {
      hint: 'run it with `predict` and compare with Keras, or export a SavedModel in Python (model.export) and check that',
    });
  }
  // The saved graph comes first: it is the reference, and its root says which kind of model this is.
  const refRandom = new SeededStream(seed);
  const t0 = performance.now();
  const handle = await loadSavedModel(source, { limits: options.limits, random: refRandom.next });
  const referenceLoadMs = performance.now() - t0;
  try {
    const root = handle.graph.root?.keras;
    if (root && root.identifier !== '_tf_keras_metric') return await checkKeras(source, handle, refRandom, referenceLoadMs, options, warn, c);
    return await checkSignatures(handle, refRandom, referenceLoadMs, c);
  } finally {
    handle.dispose();
  }
}

interface Common {
  tolerance: number;
  seed: number;
  warnings: string[];
  backend: string;
  unknownDimSize: number;
}

interface Reference {
  name: string;
  /** The concrete function that runs (null: a TF1 main graph). */
  functionName: string | null;
  inputs: InputSpec[];
  call(x: Outputs): Outputs;
  dispose(): void;
}

/** The serving signature, else the root's own saved call function. */
async function kerasReference(
  source: ModelSource,
  handle: SavedModelHandle,
  io: { inputNames: string[]; outputNames: string[] },
  options: CheckOptions,
  random: () => number,
): Promise<Reference> {
  const serving = handle.signatures['serving_default'];
  if (serving) {
    return {
      name: 'serving_default',
      functionName: serving.functionName,
      inputs: serving.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
      call: (x) => serving(x),
      dispose() {},
    };
  }
  const root = await rootFunctionReference(handle.graph, source, io, { limits: options.limits, random });
  if (root) return root;
  const why = handle.unsupportedSignatures['serving_default'];
  if (why) throw why;
  throw new NotSavedError('the model has no serving signature and no saved call function to compare the revived model with', {
    node: 'root',
    hint: 'save the model with model.save() (traces included) so that its graph can serve as the reference',
  });
}

async function checkKeras(
  source: ModelSource,
  handle: SavedModelHandle,
  refRandom: SeededStream,
  referenceLoadMs: number,
  options: CheckOptions,
  warn: (m: string) => void,
  c: Common,
): Promise<CheckResult> {
  const kerasRandom = new SeededStream(c.seed);
  let t0 = performance.now();
  const { model, report } = await loadKerasModelWithReport(source, {
    customObjects: options.customObjects,
    onProgress: options.onProgress,
    warn,
    limits: options.limits,
    random: kerasRandom.next,
    compile: false,
  });
  const loadMs = performance.now() - t0;
  let ref: Reference | null = null;
  try {
    t0 = performance.now();
    ref = await kerasReference(source, handle, report, options, refRandom.next);
    referenceLoadMs += performance.now() - t0;
    const reference = ref;

    // Inputs in model order, named as the reference names them.
    const planned = planInputs(orderInputs(report.inputNames, reference.inputs), handle.graph, {
      unknownDimSize: c.unknownDimSize,
      modelShapes: model.inputs.map((t) => t.shape),
      functionName: reference.functionName,
    });

    t0 = performance.now();
    const runKeras = (x: Outputs): Outputs => {
      kerasRandom.reset(c.seed);
      const xs = report.inputNames.map((n, i) => castTo(x[n]!, model.inputs[i]!.dtype));
      try {
        // predict() as users call it, except where tfjs' predict cannot: it slices batches of numbers only (no
        // strings) and expands rank-1 inputs to [n, 1]; apply() runs those models as saved.
        const arg = xs.length === 1 ? xs[0]! : xs;
        const direct = xs.some((t) => t.dtype === 'string' || t.rank < 2);
        const y = (direct ? model.apply(arg, { training: false }) : model.predict(arg)) as tf.Tensor | tf.Tensor[];
        const ys = Array.isArray(y) ? y : [y];
        return Object.fromEntries(ys.map((t, i) => [report.outputNames[i] ?? `output_${i}`, t]));
      } finally {
        xs.forEach((t, i) => t !== x[report.inputNames[i]!] && t.dispose());
      }
    };
    const runRef = (x: Outputs, s: number): Outputs => {
      refRandom.reset(s);
      return reference.call(x);
    };
    const compared = withInputs(planned, c.seed, (x) => {
      const want = runRef(x, c.seed);
      let other: Outputs | null = null;
      let got: Outputs | null = null;
      try {
        // Random ops drew numbers: a run with another seed tells which outputs they reach.
        if (refRandom.draws > 0) other = runRef(x, c.seed + 1);
        got = runKeras(x);
        return compareAll(got, want, other, c.tolerance, report.outputNames, undefined);
      } finally {
        disposeAll(want, other, got);
      }
    });
    const runMs = performance.now() - t0;
    return finish({
      ...c,
      kind: 'keras',
      revived: { fromConfig: report.fromConfig, fromSavedFunctions: report.fromSavedFunctions, fromPlugins: report.fromPlugins },
      reference: reference.name,
      outputs: compared.outputs,
      problems: compared.problems,
      inputs: planned,
      signatures: [reference.name],
      skipped: [],
      timings: { loadMs, referenceLoadMs, runMs },
    });
  } finally {
    ref?.dispose();
    model.dispose();
  }
}

/** kind "signatures": each signature against itself (it runs, its outputs are finite, the same seed gives the same answer). */
async function checkSignatures(handle: SavedModelHandle, random: SeededStream, loadMs: number, c: Common): Promise<CheckResult> {
  const graph = handle.graph;
  const names = Object.keys(handle.signatures).sort();
  const skipped = Object.entries(handle.unsupportedSignatures).map(([signature, e]) => ({ signature, code: e.code, reason: e.message }));
  if (names.length === 0) {
    const first = Object.values(handle.unsupportedSignatures)[0];
    if (first) throw first;
    throw new NotSavedError('this SavedModel has no Keras metadata and no signatures: there is nothing to run', {
      node: 'root',
      hint: 'save it with signatures (tf.saved_model.save(module, dir, signatures=...)) or with model.save()',
    });
  }
  const t0 = performance.now();
  const outputs: CheckedOutput[] = [];
  const problems: string[] = [];
  const inputs: CheckedInput[] = [];
  for (const name of names) {
    const sig = handle.signatures[name]!;
    if (sig.outputs.length === 0) continue; // nothing to compare (e.g. TF-Agents get_metadata)
    const planned = planInputs(
      sig.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
      graph,
      { unknownDimSize: c.unknownDimSize, functionName: sig.functionName },
    );
    inputs.push(...planned.map((p) => ({ ...p, signature: name })));
    const run = (x: Outputs, s: number) => {
      random.reset(s);
      return sig(x);
    };
    const result = withInputs(planned, c.seed, (x) => {
      const first = run(x, c.seed);
      const draws = random.draws;
      let second: Outputs | null = null;
      let other: Outputs | null = null;
      try {
        second = run(x, c.seed);
        if (draws > 0) other = run(x, c.seed + 1);
        return compareAll(second, first, other, c.tolerance, sig.outputs.map((o) => o.name), name, true);
      } finally {
        disposeAll(first, second, other);
      }
    });
    outputs.push(...result.outputs);
    problems.push(...result.problems.map((p) => `${name}: ${p}`));
  }
  const runMs = performance.now() - t0;
  const reference = names.includes('serving_default') ? 'serving_default' : names.join(', ');
  return finish({
    ...c,
    kind: 'signatures',
    revived: null,
    reference,
    outputs,
    problems,
    inputs,
    signatures: names,
    skipped,
    timings: { loadMs, referenceLoadMs: 0, runMs },
  });
}

/** The reference's input specs in the Keras model's input order (names must agree). */
function orderInputs(modelNames: string[], refInputs: InputSpec[]): InputSpec[] {
  const byName = new Map(refInputs.map((i) => [i.name, i]));
  if (modelNames.length === refInputs.length && modelNames.every((n) => byName.has(n))) return modelNames.map((n) => byName.get(n)!);
  throw new UnsupportedFeatureError(
    `the revived model's inputs (${modelNames.join(', ')}) do not match the reference's inputs (${refInputs.map((i) => i.name).join(', ')})`,
    { node: 'root', hint: 'the model and its serving signature disagree; run `savedkeras predict --signature serving_default` to use the signature' },
  );
}

function castTo(t: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  if (t.dtype === dtype || t.dtype === 'string' || dtype === 'string') return t;
  return tf.cast(t, dtype);
}

/**
 * Makes the input tensors, runs `body`, disposes them. When some dimension was a guess and the run
 * failed (not with one of our typed errors) or gave an empty output, it is retried once with 4x
 * bigger guesses: convolutions and pooling need room.
 */
function withInputs(planned: PlannedInput[], seed: number, body: (x: Outputs) => Compared): Compared {
  const attempt = () => {
    const x = makeInputs(planned, seed);
    try {
      return body(x);
    } finally {
      tf.dispose(Object.values(x));
    }
  };
  if (!planned.some((p) => p.guessedDims.length > 0)) return attempt();
  let first: Compared;
  try {
    first = attempt();
    if (!first.outputs.some((o) => o.shape.includes(0))) return first;
  } catch (e) {
    if (e instanceof SavedKerasError) throw e;
  }
  // Replace the plan in place so that the result reports the sizes that ran.
  for (const p of planned) p.shape = p.shape.map((d, i) => (p.guessedDims.includes(i) ? d * 4 : d));
  return attempt();
}

function disposeAll(...sets: (Outputs | null)[]): void {
  for (const s of sets) if (s) tf.dispose(Object.values(s));
}

function finish(r: Omit<CheckResult, 'ok' | 'maxAbsDiff' | 'maxRelDiff' | 'randomOutputs'>): CheckResult {
  const counted = r.outputs.filter((o) => o.compared);
  const worst = (k: 'maxAbsDiff' | 'maxRelDiff') =>
    counted.some((o) => o[k] === null) ? null : counted.reduce((m, o) => Math.max(m, o[k] as number), 0);
  const randoms = r.outputs.filter((o) => o.random);
  const randomOutputs = randoms.length === 0 ? 'none' : randoms.every((o) => o.compared) ? 'seeded' : 'excluded';
  const problems = [...r.problems];
  if (r.outputs.length === 0) problems.push('no output to compare');
  else if (counted.length === 0) problems.push('every output is random and the seeded runs differ: nothing could be compared');
  const ok = problems.length === 0 && r.outputs.every((o) => o.ok);
  return {
    ok,
    kind: r.kind,
    revived: r.revived,
    reference: r.reference,
    maxAbsDiff: worst('maxAbsDiff'),
    maxRelDiff: worst('maxRelDiff'),
    tolerance: r.tolerance,
    outputs: r.outputs,
    randomOutputs,
    seed: r.seed,
    backend: r.backend,
    inputs: r.inputs,
    signatures: r.signatures,
    skipped: r.skipped,
    problems,
    warnings: r.warnings,
    timings: r.timings,
  };
}
