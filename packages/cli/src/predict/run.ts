import type * as tfTypes from '@tensorflow/tfjs-core';
import { checkOutputBytes, DEFAULT_LIMITS, formatShape, InputMismatchError, type ModelSource, type ProgressCallback } from '@savedkeras/common';
import { carrierOf, nameInputs, toTensor, type TensorJson } from '@savedkeras/check';
import { readOutput, type OutputValues } from './output-values.js';
import { servingDtypes } from '../dtypes.js';

type Tf = typeof tfTypes;

export interface PredictOptions {
  /** Run this signature of the saved graph (default: the Keras model when the root is one, else serving_default or the only signature). */
  signature?: string;
  /**
   * Check input shapes (default true): the Keras model refuses shapes it does not declare; a
   * signature runs them as TensorFlow's session does, with a warning. false: neither.
   */
  checkShapes?: boolean;
  /**
   * Rows per run (default: all rows of a case as one batch). Batches are sliced along the first
   * dimension and their outputs joined once at the end (tfjs' predict joins after every batch of
   * 32, quadratic in the rows).
   */
  batchSize?: number;
  /** Most bytes of outputs one case may read out of the backend (default limits.maxOutputBytes). */
  maxOutputBytes?: number;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
  /** The meta graph by its exact tag set (--tags). */
  tags?: readonly string[];
}

export interface PredictResult {
  /** What ran: "keras" (the revived LayersModel) or "signature". */
  ran: 'keras' | 'signature';
  /** The signature name (ran "signature"). */
  signature?: string;
  /** The outputs of each case, in order (flat values: an output may be too large for nested JS arrays). */
  outputs: Record<string, OutputValues>[];
  /** Time of each run (without loading). */
  ms: number[];
}

interface Target {
  ran: 'keras' | 'signature';
  signature?: string;
  /** Expected inputs, for checks and messages. */
  inputs: { name: string; dtype: string; shape: (number | null)[] | null }[];
  run(x: Record<string, tfTypes.Tensor>): Record<string, tfTypes.Tensor>;
  /** TF dtype of each output, where the graph declares it. */
  outputDtypes: Record<string, string>;
  /** Name, shape (batch first) and tfjs dtype of each output, when known before running. */
  outputShapes?: [string, (number | null)[], string][];
  dispose(): void;
}

/** Loads what `options` selects once, feeds each case (tensor JSON by input name) and returns the outputs as tensor JSON. */
export async function predict(tf: Tf, source: ModelSource, cases: Record<string, TensorJson>[], options: PredictOptions = {}): Promise<PredictResult> {
  const target = await openTarget(source, options);
  try {
    const result: PredictResult = { ran: target.ran, ...(target.signature ? { signature: target.signature } : {}), outputs: [], ms: [] };
    for (const inputs of cases) {
      const { outputs, ms } = await runCase(tf, target, inputs, options.checkShapes ?? true, options.batchSize, options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes);
      result.outputs.push(outputs);
      result.ms.push(ms);
    }
    return result;
  } finally {
    target.dispose();
  }
}

const CASE = 'the outputs of this case';

async function runCase(
  tf: Tf,
  target: Target,
  given: Record<string, TensorJson>,
  checkShapes: boolean,
  batchSize: number | undefined,
  maxOutputBytes: number,
): Promise<{ outputs: Record<string, OutputValues>; ms: number }> {
  // Maps keyed by input and output names from files have no prototype (`__proto__`, `constructor`).
  const tensors = Object.create(null) as Record<string, tfTypes.Tensor>;
  let fed = Object.create(null) as Record<string, tfTypes.Tensor>;
  let outs = Object.create(null) as Record<string, tfTypes.Tensor>;
  try {
    const inputs = nameInputs(given, target.inputs.map((i) => i.name));
    checkNames(target, inputs);
    for (const spec of target.inputs) {
      const json = inputs[spec.name]!;
      const t = toTensor(spec.name, json);
      tensors[spec.name] = t;
      // Signatures check shapes themselves: they run what the graph accepts, as TensorFlow does.
      checkInput(spec, json, t, checkShapes && target.ran === 'keras');
    }
    fed = castInputs(tf, target, tensors);
    const rows = Object.values(fed)[0]?.shape[0];
    if (target.outputShapes && rows !== undefined) checkOutputBytes(target.outputShapes.map(([name, shape, dtype]) => [name, [rows, ...shape.slice(1)], dtype]), maxOutputBytes, CASE, 'before it runs');
    const t0 = performance.now();
    outs = runBatches(tf, target, fed, batchSize);
    const ms = performance.now() - t0;
    checkOutputBytes(Object.entries(outs).map(([name, t]) => [name, t.shape, t.dtype]), maxOutputBytes, CASE, 'before they are read');
    const outputs = Object.create(null) as Record<string, OutputValues>;
    for (const [name, t] of Object.entries(outs)) {
      outputs[name] = await readOutput(t, Object.hasOwn(target.outputDtypes, name) ? target.outputDtypes[name] : t.dtype);
    }
    return { outputs, ms };
  } finally {
    tf.dispose([...new Set([...Object.values(tensors), ...Object.values(fed), ...Object.values(outs)])]);
  }
}

async function openTarget(source: ModelSource, options: PredictOptions): Promise<Target> {
  const { openSavedModel, loadKerasModelWithReport, loadSavedModel, readKerasModelFile, UnsupportedFeatureError } = await import('savedkeras');
  // A .keras / .h5 file is a Keras model: no graph to open, no signatures.
  const isKerasFile = (await readKerasModelFile(source)) !== undefined;
  if (isKerasFile && options.signature !== undefined) {
    throw new UnsupportedFeatureError('a .keras / .h5 file has no signatures (only SavedModels do)', { hint: 'run it without --signature' });
  }
  const graph = isKerasFile ? undefined : (await openSavedModel(source, { tags: options.tags, warn: options.warn })).graph;
  if (isKerasFile || (options.signature === undefined && graph?.root?.keras && graph.root.keras.identifier !== '_tf_keras_metric')) {
    const { model, report } = await loadKerasModelWithReport(source, { tags: options.tags, onProgress: options.onProgress, warn: options.warn, compile: false });
    const saved = graph ? servingDtypes(graph) : { inputs: new Map<string, string>(), outputs: new Map<string, string>() };
    return {
      ran: 'keras',
      // Inputs and outputs as the model saved them (float64, int64), computed in tfjs' dtypes.
      inputs: model.inputs.map((t, i) => ({ name: report.inputNames[i]!, dtype: saved.inputs.get(report.inputNames[i]!) ?? t.dtype, shape: t.shape })),
      outputDtypes: Object.fromEntries(report.outputNames.flatMap((n) => (saved.outputs.has(n) ? [[n, saved.outputs.get(n)!]] : []))),
      outputShapes: model.outputs.map((t, i) => [report.outputNames[i] ?? `output_${i}`, t.shape, t.dtype]),
      run(x) {
        const xs = report.inputNames.map((n) => x[n]!);
        const arg = xs.length === 1 ? xs[0]! : xs;
        // tfjs' predict() slices batches of numbers only (no strings) and expands rank-1 inputs to [n, 1]: apply() runs those as saved.
        const direct = xs.some((t) => t.dtype === 'string' || t.rank < 2);
        // All rows as one batch: runBatches has already cut the batches the user asked for.
        const rows = Math.max(1, xs[0]?.shape[0] ?? 1);
        const y = (direct ? model.apply(arg, { training: false }) : model.predict(arg, { batchSize: rows })) as tfTypes.Tensor | tfTypes.Tensor[];
        const ys = Array.isArray(y) ? y : [y];
        return Object.fromEntries(ys.map((t, i) => [report.outputNames[i] ?? `output_${i}`, t]));
      },
      dispose: () => model.dispose(),
    };
  }
  const handle = await loadSavedModel(source, { tags: options.tags, warn: () => {} });
  try {
    const names = Object.keys(handle.signatures);
    const all = [...names, ...Object.keys(handle.unsupportedSignatures)].sort();
    let name = options.signature;
    if (name === undefined) {
      name = all.includes('serving_default') ? 'serving_default' : all.length === 1 ? all[0] : undefined;
      if (name === undefined) {
        throw new InputMismatchError(
          all.length === 0 ? 'this SavedModel has no signatures to run' : `this SavedModel has several signatures (${all.join(', ')}); choose one`,
          { hint: all.length === 0 ? 'a Keras model saved with model.save() can be run without signatures' : 'pass --signature NAME' },
        );
      }
    }
    const unsupported = handle.unsupportedSignatures[name];
    if (unsupported) throw unsupported;
    const sig = handle.signatures[name];
    if (!sig) {
      throw new InputMismatchError(`no signature ${JSON.stringify(name)} in this SavedModel`, {
        hint: all.length > 0 ? `its signatures: ${all.join(', ')}` : 'it has no signatures',
      });
    }
    return {
      ran: 'signature',
      signature: name,
      inputs: sig.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape ? i.shape.map((d) => (d < 0 ? null : d)) : null })),
      outputDtypes: Object.fromEntries(sig.outputs.map((o) => [o.name, o.dtype])),
      run: (x) => sig(x, { checkShapes: options.checkShapes === false ? false : undefined, warn: options.warn }),
      dispose: () => handle.dispose(),
    };
  } catch (e) {
    handle.dispose();
    throw e;
  }
}

function describe(target: Target): string {
  return target.inputs.map((i) => `${i.name}: ${i.dtype} ${formatShape(i.shape)}`).join(', ');
}

function checkNames(target: Target, inputs: Record<string, TensorJson>): void {
  const want = target.inputs.map((i) => i.name);
  const missing = want.filter((n) => !Object.hasOwn(inputs, n));
  const unknown = Object.keys(inputs).filter((n) => !want.includes(n));
  if (missing.length === 0 && unknown.length === 0) return;
  const what = target.ran === 'keras' ? 'the Keras model' : `signature ${target.signature}`;
  const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', unknown.length > 0 ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean);
  throw new InputMismatchError(`${what} takes {${describe(target)}}; ${parts.join('; ')}`, {
    hint: 'name each input as `savedkeras inspect` (signatures) or `savedkeras summary` (Keras inputs) lists it',
  });
}

/** dtype family and (unless disabled) shape against what the model declares. */
function checkInput(spec: Target['inputs'][number], json: TensorJson, t: tfTypes.Tensor, checkShapes: boolean): void {
  const want = carrierOf(spec.dtype) ?? spec.dtype;
  const numeric = (d: string) => d === 'float32' || d === 'int32';
  // A numeric input is accepted for another numeric dtype (the Keras model casts; a signature is fed the carrier it wants).
  if (want !== t.dtype && !(numeric(want) && numeric(t.dtype))) {
    throw new InputMismatchError(`input ${spec.name} is ${json.dtype}, but the model takes ${spec.dtype}`);
  }
  if (!checkShapes || !spec.shape) return;
  // Keras checks a model's inputs without their batch size (a Sequential built by calling it on one
  // sample saves batch 1 and still takes any batch), so dimension 0 is not compared.
  const ok = spec.shape.length === t.shape.length && spec.shape.every((d, i) => i === 0 || d === null || d === t.shape[i]);
  if (!ok) {
    throw new InputMismatchError(
      `input ${spec.name} has shape ${formatShape(t.shape)}, the model takes ${formatShape(spec.shape)}`,
      { hint: 'None dimensions take any size; the rank must match (--no-shape-check feeds it anyway)' },
    );
  }
}

/** Casts numeric inputs to the dtype each model input wants (e.g. int32 indices into a float32 Embedding input). */
function castInputs(tf: Tf, target: Pick<Target, 'inputs'>, x: Record<string, tfTypes.Tensor>): Record<string, tfTypes.Tensor> {
  const out = Object.create(null) as Record<string, tfTypes.Tensor>;
  for (const spec of target.inputs) {
    const t = x[spec.name]!;
    const want = carrierOf(spec.dtype) ?? t.dtype;
    out[spec.name] = want !== t.dtype && want !== 'string' && t.dtype !== 'string' ? tf.cast(t, want) : t;
  }
  return out;
}

/**
 * Runs `x` in batches of `batchSize` rows (all at once when unset or when the rows fit one batch):
 * each input sliced along its first dimension, each output joined once at the end.
 */
function runBatches(tf: Tf, target: Target, x: Record<string, tfTypes.Tensor>, batchSize: number | undefined): Record<string, tfTypes.Tensor> {
  const entries = Object.entries(x);
  const rows = entries[0]?.[1].shape[0];
  if (batchSize === undefined || rows === undefined || rows <= batchSize) return target.run(x);
  const uneven = entries.filter(([, t]) => t.rank === 0 || t.shape[0] !== rows);
  if (uneven.length > 0) {
    throw new InputMismatchError(
      `--batch-size cuts every input along its first dimension, but ${uneven.map(([n, t]) => `${n} has shape ${formatShape(t.shape)}`).join(', ')} and ${entries[0]![0]} has ${rows} rows`,
      { hint: 'drop --batch-size to run the inputs as one batch' },
    );
  }
  const parts = new Map<string, tfTypes.Tensor[]>();
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      const slice = Object.create(null) as Record<string, tfTypes.Tensor>;
      for (const [name, t] of entries) slice[name] = tf.slice(t, [start], [size]);
      try {
        for (const [name, t] of Object.entries(target.run(slice))) {
          if (t.rank === 0) {
            t.dispose();
            throw new InputMismatchError(`output ${name} is a scalar: batches of it cannot be joined`, { hint: 'drop --batch-size' });
          }
          if (!parts.has(name)) parts.set(name, []);
          parts.get(name)!.push(t);
        }
      } finally {
        tf.dispose(Object.values(slice));
      }
    }
    const out = Object.create(null) as Record<string, tfTypes.Tensor>;
    for (const [name, list] of parts) out[name] = list.length === 1 ? list[0]!.clone() : tf.concat(list, 0);
    return out;
  } finally {
    for (const list of parts.values()) tf.dispose(list);
  }
}
