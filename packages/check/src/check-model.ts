import * as tf from '@tensorflow/tfjs-core';
// The reference side runs on plain-JS kernels unless told otherwise: registered here so it always exists.
import '@tensorflow/tfjs-backend-cpu';
import {
  BackendError,
  InputMismatchError,
  NotSavedError,
  SavedKerasError,
  UnsupportedFeatureError,
  resolveSource,
  seededRandom,
  type Limits,
  type ModelSource,
  type ProgressCallback,
} from '@savedkeras/common';
import { loadKerasModelWithReport, loadSavedModel, readKerasModelFile, type CustomObjects, type SavedModelHandle } from 'savedkeras';
import { lookupTablesOf, planInputs, makeInputs, type InputSpec, type PlannedInput } from './plan-inputs.js';
import { readTableKeys } from './graph-inputs.js';
import { nameInputs, type TensorJson } from './tensor-json.js';
import { rootFunctionReference } from './root-reference.js';
import { compareAll, type Compared } from './compare.js';
import { checkLayers, type CheckedLayer } from './layer-check.js';
import { checkKerasFile, type ExpectedCase } from './keras-file-check.js';

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
  /**
   * The tfjs backend the reference (the saved graph) runs on (default "cpu": plain JS kernels, so a
   * wrong kernel of the backend under test cannot agree with itself). It must be registered; the
   * model runs on the backend active when checkModel is called.
   */
  referenceBackend?: string;
  /**
   * Inputs to feed instead of generated ones (tensor JSON by input name, e.g. a case of a fixture's
   * reference/expected.json): for models whose valid inputs the check cannot build.
   */
  inputs?: Record<string, TensorJson>;
  /**
   * Also compare each layer revived from its config (or by a plugin) with the call function Keras
   * saved for it, on the tensors it receives inside the model (`check --layers`); kind "keras" only.
   */
  layers?: boolean;
  /**
   * `.keras` / `.h5` files: Keras' own outputs to compare with as well (the cases of a fixture's
   * reference/expected.json, see `parseExpected`); each case's tolerance, else `tolerance`.
   */
  expected?: ExpectedCase[];
}

export interface CheckedInput extends PlannedInput {
  /** kind "signatures": the signature this input belongs to. */
  signature?: string;
}

export interface CheckedOutput {
  name: string;
  /** kind "signatures": the signature this output belongs to. */
  signature?: string;
  /** kind "keras-file": the expected case this output was compared with (absent: compared with the reference backend). */
  expectedCase?: number;
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
  /**
   * "keras": a SavedModel's revived Keras model against its saved graph; "signatures": a SavedModel's
   * signatures against themselves; "keras-file": a .keras / .h5 file against itself on the reference
   * backend, and against `expected` cases when given.
   */
  kind: 'keras' | 'signatures' | 'keras-file';
  /** How the Keras objects were revived (kinds "keras" and "keras-file"), else null. */
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
  /** The tfjs backend the model ran on (the one under test). */
  backend: string;
  /** The tfjs backend the reference (the saved graph) ran on. */
  referenceBackend: string;
  inputs: CheckedInput[];
  /** kind "signatures": the signatures run; kind "keras": [reference]. */
  signatures: string[];
  /** Signatures that could not be checked, with the reason (kind "signatures"). */
  skipped: { signature: string; code: string; reason: string }[];
  /** `layers`: each revived layer against its own saved call function, in model order (else absent). */
  layers?: CheckedLayer[];
  /** `layers`: the first layer that disagrees with its saved call function, or null. */
  firstBadLayer?: string | null;
  /** Why ok is false, in words. */
  problems: string[];
  warnings: string[];
  timings: { loadMs: number; referenceLoadMs: number; runMs: number };
}

/** A seeded random source that can be rewound, counting its draws (no draws = no random op ran). */
class SeededStream {
  private random: () => number = Math.random;
  draws = 0;
  constructor(seed: number) {
    this.reset(seed);
  }
  reset(seed: number): void {
    // common's mulberry32, its state mixed from the seed (any integer).
    this.random = seededRandom((Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0);
    this.draws = 0;
  }
  readonly next = (): number => {
    this.draws++;
    return this.random();
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
  const backend = tf.getBackend();
  const referenceBackend = options.referenceBackend ?? 'cpu';
  if (!tf.findBackend(referenceBackend) && !tf.findBackendFactory(referenceBackend)) {
    throw new BackendError(`the reference backend ${JSON.stringify(referenceBackend)} is not registered with tfjs`, {
      hint: 'import the backend package first (e.g. @tensorflow/tfjs-backend-wasm), or use the default reference backend cpu',
    });
  }
  const c: Common = {
    tolerance,
    seed,
    warnings,
    backend,
    referenceBackend,
    unknownDimSize: options.unknownDimSize ?? 8,
    onReference: () => useBackend(referenceBackend),
    onModel: () => useBackend(backend),
  };

  if (await readKerasModelFile(source, { limits: options.limits })) {
    // No saved graph: the same file on the reference backend, and Keras' outputs when given.
    if (options.layers) {
      throw new UnsupportedFeatureError('--layers compares layers with their saved call functions; a .keras / .h5 file has none', { hint: 'run check without --layers' });
    }
    const r = await checkKerasFile(source, options, c, warn);
    return finish({
      ...c,
      kind: 'keras-file',
      revived: r.revived,
      reference: `the same file on ${referenceBackend}${options.expected ? ` and ${options.expected.length} expected case${options.expected.length === 1 ? '' : 's'}` : ''}`,
      outputs: r.outputs,
      problems: r.problems,
      inputs: r.inputs,
      signatures: [],
      skipped: [],
      timings: r.timings,
    });
  }
  if (options.expected) {
    throw new UnsupportedFeatureError('expected cases are compared for .keras / .h5 files only', {
      hint: 'for a SavedModel, run `savedkeras predict DIR --input expected.json` and compare, or check it against its own graph',
    });
  }
  // The saved graph comes first: it is the reference, and its root says which kind of model this is.
  // It is loaded with the reference backend active, so that its variables live there from the start.
  const refRandom = new SeededStream(seed);
  const t0 = performance.now();
  await c.onReference();
  let handle: SavedModelHandle;
  try {
    handle = await loadSavedModel(source, { limits: options.limits, random: refRandom.next });
  } finally {
    await c.onModel();
  }
  const referenceLoadMs = performance.now() - t0;
  try {
    const root = handle.graph.root?.keras;
    if (root && root.identifier !== '_tf_keras_metric') return await checkKeras(source, handle, refRandom, referenceLoadMs, options, warn, c);
    return await checkSignatures(source, handle, refRandom, referenceLoadMs, options, warn, c);
  } finally {
    handle.dispose();
    await c.onModel();
  }
}

/**
 * Makes `name` the active tfjs backend. tfjs keeps every initialised backend; a tensor made on one
 * is moved to another on first use there (its bytes copied by the backend's data storage), so the
 * two sides share inputs but each computes with its own kernels.
 */
async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new BackendError(`the tfjs backend ${name} could not be initialised`, { hint: 'choose another --reference-backend' });
  // The cpu backend prints an "install tfjs-node" banner on its first tensor; here it runs on purpose.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

interface Common {
  tolerance: number;
  seed: number;
  warnings: string[];
  backend: string;
  referenceBackend: string;
  unknownDimSize: number;
  /** Activate the reference's / the model's backend. */
  onReference(): Promise<void>;
  onModel(): Promise<void>;
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
      inputs: serving.inputs.map((i, argIndex) => ({ name: i.name, dtype: i.dtype, shape: i.shape, argIndex })),
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
    await c.onReference();
    try {
      ref = await kerasReference(source, handle, report, options, refRandom.next);
    } finally {
      await c.onModel();
    }
    referenceLoadMs += performance.now() - t0;
    const reference = ref;

    // Inputs in model order, named as the reference names them.
    const specs = orderInputs(report.inputNames, reference.inputs);
    const planned = planInputs(specs, handle.graph, {
      unknownDimSize: c.unknownDimSize,
      modelShapes: model.inputs.map((t) => t.shape),
      functionName: reference.functionName,
      tableKeys: await readTableKeys(handle.graph, source, lookupTablesOf(specs, handle.graph, reference.functionName), options.limits),
      given: givenInputs(options.inputs, specs),
    });
    warnUnsure(planned, warn);

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
    const runRef = async (x: Outputs, s: number): Promise<Outputs> => {
      refRandom.reset(s);
      await c.onReference();
      try {
        return reference.call(x);
      } finally {
        await c.onModel();
      }
    };
    const compared = await withInputs(planned, c.seed, async (x) => {
      const want = await validInput(planned, () => runRef(x, c.seed));
      let other: Outputs | null = null;
      let got: Outputs | null = null;
      try {
        // Random ops drew numbers: a run with another seed tells which outputs they reach.
        if (refRandom.draws > 0) other = await runRef(x, c.seed + 1);
        got = runKeras(x);
        return compareAll(got, want, other, c.tolerance, report.outputNames, undefined);
      } finally {
        disposeAll(want, other, got);
      }
    });
    let layers: CheckedLayer[] | undefined;
    if (options.layers) {
      const x = makeInputs(planned, c.seed);
      const xs = report.inputNames.map((n, i) => castTo(x[n]!, model.inputs[i]!.dtype));
      try {
        kerasRandom.reset(c.seed);
        layers = await checkLayers(model, report, handle.graph, source, xs, {
          tolerance: c.tolerance,
          limits: options.limits,
          random: refRandom.next,
          onReference: c.onReference,
          onModel: c.onModel,
        });
      } finally {
        tf.dispose([...Object.values(x), ...xs.filter((t) => !Object.values(x).includes(t))]);
      }
      const bad = layers.find((l) => !l.ok);
      if (bad) {
        compared.problems.push(
          `first layer that disagrees with its saved call function: ${bad.name} (${bad.className}, revived from ${bad.how}): ${
            bad.maxAbsDiff !== null ? `max |diff| ${bad.maxAbsDiff.toExponential(2)} (relative ${bad.maxRelDiff!.toExponential(2)})` : (bad.skipped ?? 'NaN where the saved function has numbers')
          }`,
        );
      }
    }
    const runMs = performance.now() - t0;
    return finish({
      ...c,
      ...(layers ? { layers, firstBadLayer: layers.find((l) => !l.ok)?.name ?? null } : {}),
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
async function checkSignatures(
  source: ModelSource,
  handle: SavedModelHandle,
  random: SeededStream,
  loadMs: number,
  options: CheckOptions,
  warn: (m: string) => void,
  c: Common,
): Promise<CheckResult> {
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
    const specs = sig.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }));
    const planned = planInputs(specs, graph, {
      unknownDimSize: c.unknownDimSize,
      functionName: sig.functionName,
      tableKeys: await readTableKeys(graph, source, lookupTablesOf(specs, graph, sig.functionName), options.limits),
      given: names.length === 1 || name === 'serving_default' ? givenInputs(options.inputs, specs) : undefined,
    });
    warnUnsure(planned, (m) => warn(`${name}: ${m}`));
    inputs.push(...planned.map((p) => ({ ...p, signature: name })));
    // The reference run on the reference backend, the checked run on the model's backend.
    const run = async (x: Outputs, s: number, onReference: boolean) => {
      random.reset(s);
      if (onReference) await c.onReference();
      try {
        return sig(x);
      } finally {
        await c.onModel();
      }
    };
    const result = await withInputs(planned, c.seed, async (x) => {
      const first = await validInput(planned, () => run(x, c.seed, true));
      const draws = random.draws;
      let second: Outputs | null = null;
      let other: Outputs | null = null;
      try {
        second = await run(x, c.seed, false);
        if (draws > 0) other = await run(x, c.seed + 1, true);
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

/** The user's inputs, checked against the names the model takes. */
function givenInputs(given: Record<string, TensorJson> | undefined, specs: InputSpec[]): Record<string, TensorJson> | undefined {
  if (!given) return undefined;
  const names = specs.map((s) => s.name);
  given = nameInputs(given, names);
  const missing = names.filter((n) => !Object.hasOwn(given, n));
  const extra = Object.keys(given).filter((n) => !names.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new InputMismatchError(
      `the model takes inputs ${names.join(', ')}; the given inputs${missing.length ? ` lack ${missing.join(', ')}` : ''}${extra.length ? `${missing.length ? ' and' : ''} have unknown ${extra.join(', ')}` : ''}`,
      { hint: 'name every input as the model (its serving signature) names it' },
    );
  }
  return given;
}

function warnUnsure(planned: PlannedInput[], warn: (m: string) => void): void {
  for (const p of planned) {
    if (p.unsure) warn(`input ${p.name}: ${p.values} in [${p.range?.join(', ')}) are a guess: it ${p.unsure}; if the check fails on them, give a valid input with --input`);
  }
}

/**
 * Runs the reference on generated input. When it fails and some input holds generated indices or
 * words (whose validity the check can only infer), the failure says that the input may be at fault
 * and how to give one.
 */
async function validInput(planned: PlannedInput[], run: () => Promise<Outputs>): Promise<Outputs> {
  try {
    return await run();
  } catch (e) {
    const guessed = planned.filter((p) => p.values === 'integers' || p.values === 'words');
    if (guessed.length === 0 || e instanceof BackendError) throw e;
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const what = guessed.map((p) => `${p.name} (${p.values}${p.range ? ` in [${p.range.join(', ')})` : p.vocabulary ? ` from a vocabulary of ${p.vocabulary.length}` : ''}${p.from ? `, from ${p.from}` : ''})`);
    throw new InputMismatchError(`check could not build a valid input for this model: its saved graph fails on the generated ${what.join(', ')}: ${first}`, {
      hint: 'give an input the model accepts: savedkeras check DIR --input in.json, with {"name": {"dtype", "shape", "value"}} per input (the format of predict)',
      cause: e,
    });
  }
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
async function withInputs(planned: PlannedInput[], seed: number, body: (x: Outputs) => Promise<Compared>): Promise<Compared> {
  const attempt = async () => {
    const x = makeInputs(planned, seed);
    try {
      return await body(x);
    } finally {
      tf.dispose(Object.values(x));
    }
  };
  if (!planned.some((p) => p.guessedDims.length > 0)) return attempt();
  let first: Compared;
  try {
    first = await attempt();
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
    referenceBackend: r.referenceBackend,
    inputs: r.inputs,
    signatures: r.signatures,
    skipped: r.skipped,
    ...(r.layers ? { layers: r.layers, firstBadLayer: r.firstBadLayer ?? null } : {}),
    problems,
    warnings: r.warnings,
    timings: r.timings,
  };
}
