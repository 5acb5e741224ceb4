import * as tf from '@tensorflow/tfjs-core';
import {
  FormatError,
  formatShape,
  InputMismatchError,
  MissingFileError,
  nameRecord,
  own,
  SavedKerasError,
  UnsupportedFeatureError,
  type Limits,
} from '@savedkeras/common';
import { type ObjectNode, type SavedModelGraph, type TensorSpec } from '@savedkeras/object-graph';
import type { SignatureDef, TrackableObjectGraph } from '@savedkeras/proto';
import { dtypeName } from '@savedkeras/proto';
import type { Value, VariableResource } from './kernel.js';
import { isTensorValue } from './kernel.js';
import { Captures } from './captures.js';
import { storedToTensor } from './checkpoint-values.js';
import type { Checkpoint } from '@savedkeras/proto';
import { ConcreteFunction, unsupportedError } from './concrete-function.js';
import { Executor } from './executor/executor.js';
import { FunctionLibrary, libraryOf, type ReducedPrecisionOp, type UnsupportedOp } from './executor/function-library.js';
import { mainGraphFunction, tf1VariableKeys } from './main-graph.js';
import { carrierDtype, shapeCompatible, splitSignature } from './structure-match.js';
import type { CallGuard } from './executor/budget.js';

export interface SignatureTensor {
  name: string;
  /** TensorFlow dtype name (float32, int64, uint8, string, ...). */
  dtype: string;
  /** The tfjs dtype a tensor for it must have (int64 -> int32, float64 -> float32, ...). */
  tfjsDtype: string;
  /** -1 for unknown dimensions, null for unknown rank. */
  shape: number[] | null;
}

export interface SignatureCallOptions extends CallGuard {
  /**
   * Inputs whose shape differs from the declared one. By default they run, as TensorFlow's session
   * (and tfjs-node's loadSavedModel) runs them, with a warning; if the graph then fails the call
   * fails with INPUT_MISMATCH naming the declared shape. `true` refuses them before running,
   * `false` runs them without a warning.
   */
  checkShapes?: boolean;
  /** Where shape warnings go (default console.warn); each input shape is reported once per signature. */
  warn?: (message: string) => void;
}

/** A serving signature: call it with tensors by input name; returns tensors by output name (owned by the caller). */
export interface SignatureFunction {
  (inputs: Record<string, tf.Tensor>, options?: SignatureCallOptions): Record<string, tf.Tensor>;
  readonly signatureName: string;
  /** The concrete function behind it (null for TF1-style graphs run from the main GraphDef). */
  readonly functionName: string | null;
  readonly inputs: SignatureTensor[];
  readonly outputs: SignatureTensor[];
  /** Ops of the signature nothing can run (the first call fails listing them). */
  unsupportedOps(): UnsupportedOp[];
  /**
   * Ops of the signature TensorFlow computes in float16 / bfloat16 (a mixed precision Keras export):
   * they compute in float32 here, so outputs differ from TensorFlow's by the narrow type's rounding.
   */
  reducedPrecisionOps(): ReducedPrecisionOp[];
}

export interface LoadedSavedModel {
  signatures: Record<string, SignatureFunction>;
  /** Signatures that use a format feature we do not run (e.g. composite-tensor inputs), with the reason. */
  unsupportedSignatures: Record<string, UnsupportedFeatureError>;
  /** tf.Variables by object-graph path (TF1 graphs: by variable node name). */
  variables: Map<string, tf.Variable>;
  /**
   * Disposes the variables made here (not those from a caller's readVariable), captured constants,
   * tables and the Const values the executor cached (it keeps each Const node's tensor after its
   * first use, so tf.memory() grows once, on the first call).
   */
  dispose(): void;
}

export interface LoadSignaturesOptions {
  /**
   * The tf.Variable of a variable node, to share variables with another loader (revive). When
   * absent, variables are read from the checkpoint and owned (disposed) by the LoadedSavedModel.
   */
  readVariable?: (node: ObjectNode) => tf.Variable | Promise<tf.Variable>;
  /** Also load variables no signature uses (default: only when the model has no signature). */
  loadAllVariables?: boolean;
  limits?: Partial<Limits>;
  random?: () => number;
  /** Default wall-clock guard of every signature call (a call's own options win). */
  guard?: CallGuard;
}

/**
 * The serving signatures of a SavedModel as synchronous JS functions, with their variables read
 * from the checkpoint. Signature inputs map to the concrete function's inputs by the §10 rule
 * (keyword-only arguments, flattened in sorted-key order, named by their TensorSpec); outputs by
 * the SignatureDef tensor names `StatefulPartitionedCall:<i>` (position i).
 */
export async function loadSignatures(
  graph: SavedModelGraph,
  checkpoint: Checkpoint | null,
  options: LoadSignaturesOptions = {},
): Promise<LoadedSavedModel> {
  const ckptGraph: TrackableObjectGraph | null = checkpoint?.readObjectGraph ? await checkpoint.readObjectGraph() : null;
  if (!graph.objectGraph) return loadTf1Signatures(graph, checkpoint, options);

  const ownVariables = new Map<number, tf.Variable>();
  const readVariable =
    options.readVariable ??
    (async (node: ObjectNode) => {
      let v = ownVariables.get(node.id);
      if (!v) {
        v = await variableFromCheckpoint(node, checkpoint, ckptGraph);
        ownVariables.set(node.id, v);
      }
      return v;
    });
  const shared = new Map<number, tf.Variable>();
  // Reads run concurrently: a failed load waits for the others before freeing what they made.
  const inFlight = new Set<Promise<unknown>>();
  const sharedRead = async (node: ObjectNode) => {
    const p = Promise.resolve(readVariable(node));
    inFlight.add(p);
    const v = await p.finally(() => inFlight.delete(p));
    shared.set(node.id, v);
    return v;
  };

  const library = libraryOf(graph);
  const executor = new Executor(library, { limits: options.limits, random: options.random, guard: options.guard });
  const captures = new Captures(graph, { readVariable: sharedRead, checkpoint, checkpointGraph: ckptGraph }, executor);
  // Keyed by signature names from the file: no prototype (a signature `constructor` or `__proto__`).
  const signatures = nameRecord<SignatureFunction>();
  const unsupportedSignatures = nameRecord<UnsupportedFeatureError>();
  try {
    for (const sig of graph.signatures) {
      const def = graph.metaGraph.signatureDef[sig.name]!;
      try {
        if (!sig.functionName) {
          throw new UnsupportedFeatureError(`signature ${sig.name} has no concrete function in the object graph`, { node: sig.name });
        }
        const fn = await ConcreteFunction.load(graph, sig.functionName, captures, { library, limits: options.limits, random: options.random, guard: options.guard });
        signatures[sig.name] = signatureFromFunction(sig.name, def, fn);
      } catch (e) {
        // One signature we cannot run does not make the others unusable.
        if (!(e instanceof UnsupportedFeatureError)) throw e;
        unsupportedSignatures[sig.name] = e;
      }
    }
    if (options.loadAllVariables || graph.signatures.length === 0) {
      // Variables the object graph names (slot variables reachable only through their optimizer have no path).
      // Without a checkpoint every one is kept, so that reading it fails with MissingFileError rather than
      // the model loading with no variables at all.
      const named = graph.variableNodes().filter((n) => !n.path.startsWith('<') && (!checkpoint || variableKey(n, ckptGraph) !== null));
      await captures.prepare(named.map((n) => n.id));
    }
  } catch (e) {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    captures.dispose();
    library.dispose();
    for (const v of ownVariables.values()) if (!v.isDisposed) v.dispose();
    throw e;
  }

  const variables = new Map<string, tf.Variable>();
  for (const [id, v] of shared) variables.set(graph.node(id).path, v);
  return {
    signatures,
    unsupportedSignatures,
    variables,
    dispose() {
      captures.dispose();
      library.dispose();
      for (const v of ownVariables.values()) if (!v.isDisposed) v.dispose();
      ownVariables.clear();
    },
  };
}

function variableKey(node: ObjectNode, ckptGraph: TrackableObjectGraph | null): string | null {
  if (node.variable?.checkpointKey) return node.variable.checkpointKey;
  const attr = ckptGraph?.nodes[node.id]?.attributes.find((a) => a.name === 'VARIABLE_VALUE');
  return attr?.checkpointKey ?? null;
}

/** A new tf.Variable holding the checkpoint value of variable node `node` (shape and dtype checked). */
export async function variableFromCheckpoint(
  node: ObjectNode,
  checkpoint: Checkpoint | null,
  ckptGraph: TrackableObjectGraph | null,
): Promise<tf.Variable> {
  const key = variableKey(node, ckptGraph);
  if (!checkpoint) {
    throw new MissingFileError(`variable ${node.path} needs the checkpoint, and the model has none`, {
      file: 'variables/variables.index',
      node: node.path,
      hint: 'copy the variables/ folder that was saved with the model',
    });
  }
  if (key === null) throw new FormatError(`variable ${node.path}: the checkpoint's object graph names no key for it`, { node: node.path });
  if (!checkpoint.has(key)) throw new FormatError(`variable ${node.path}: checkpoint has no tensor ${JSON.stringify(key)}`, { node: node.path });
  // dtype and shape as the object graph declares them, checked before anything is read.
  checkpoint.declaredEntry(key, { dtype: node.variable?.dtype, shape: node.variable?.shape, node: `variable ${node.path}` });
  const stored = await checkpoint.readTensor(key, { widenHalf: true });
  const t = storedToTensor(stored, `${node.path} (${key})`);
  const trainable = (node.variable?.trainable ?? false) && t.dtype === 'float32';
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/**
 * Captures for running saved functions outside a loaded model (checks, layer verification): each
 * variable is read from `checkpoint` once and owned here, unless `existing` gives one (a revived
 * model's own variable, which stays its owner's). `dispose` frees the captures and the variables read.
 */
export async function checkpointCaptures(
  graph: SavedModelGraph,
  checkpoint: Checkpoint | null,
  existing?: (node: ObjectNode) => tf.Variable | undefined,
): Promise<{ captures: Captures; dispose(): void }> {
  const ckptGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const owned = new Map<number, tf.Variable>();
  const captures = new Captures(graph, {
    readVariable: async (node) => {
      const shared = existing?.(node);
      if (shared) return shared;
      let v = owned.get(node.id);
      if (!v) {
        v = await variableFromCheckpoint(node, checkpoint, ckptGraph);
        owned.set(node.id, v);
      }
      return v;
    },
    checkpoint,
    checkpointGraph: ckptGraph,
  });
  return {
    captures,
    dispose() {
      captures.dispose();
      for (const v of owned.values()) if (!v.isDisposed) v.dispose();
      owned.clear();
    },
  };
}

/** Index i of a SignatureDef tensor name `StatefulPartitionedCall:<i>`. */
function outputPosition(tensorName: string | undefined): number | null {
  if (!tensorName) return null;
  const i = tensorName.lastIndexOf(':');
  const n = Number(tensorName.slice(i + 1));
  return i > 0 && Number.isInteger(n) && n >= 0 ? n : null;
}

function describeTensor(name: string, dtype: string, shape: number[] | null): SignatureTensor {
  return { name, dtype, tfjsDtype: carrierDtype(dtype), shape };
}

function signatureFromFunction(sigName: string, def: SignatureDef, fn: ConcreteFunction): SignatureFunction {
  const { args, kwargs } = splitSignature(fn.info.inputSignature);
  if (args.some((a) => a.kind === 'tensorSpec' || a.kind === 'list' || a.kind === 'tuple' || a.kind === 'dict')) {
    throw new UnsupportedFeatureError(`signature ${sigName}: its function takes positional arguments, not keyword inputs`, { node: sigName });
  }
  // Keyword inputs in flatten order (sorted dict keys), named as the SignatureDef keys them: by the
  // dictionary key (an onnx2tf export keys `onnx____Flatten_0` whose spec says `onnx____flatten_0`),
  // else by the TensorSpec's name (files whose dictionary keys were sanitised).
  const keyed = (name: string) => Object.hasOwn(def.inputs, name);
  const inputs: SignatureTensor[] = Object.keys(kwargs).sort().map((k) => {
    const s = kwargs[k]!;
    if (s.kind !== 'tensorSpec') throw new UnsupportedFeatureError(`signature ${sigName}: input ${k} is not a plain tensor`, { node: sigName });
    const name = keyed(k) || !s.name || !keyed(s.name) ? k : s.name;
    return describeTensor(name, s.dtype, s.shape);
  });
  for (const name of Object.keys(def.inputs)) {
    if (!inputs.some((i) => i.name === name)) {
      throw new FormatError(`signature ${sigName}: SignatureDef input ${name} is not an input of ${fn.name}`, { node: sigName });
    }
  }

  // Outputs: the SignatureDef names the flat position; else sorted-key order of the returned dict.
  const outSpec = fn.info.outputSignature;
  const outKeys = Object.keys(def.outputs).sort();
  const flatCount = outSpec.kind === 'dict' ? Object.keys(outSpec.fields).length : outKeys.length;
  const positions = outKeys.map((k, i) => outputPosition(def.outputs[k]!.name) ?? i);
  if (positions.some((p) => p >= flatCount) || new Set(positions).size !== positions.length) {
    throw new FormatError(`signature ${sigName}: output tensor names do not map onto the function's ${flatCount} outputs`, { node: sigName });
  }
  const outputs = outKeys.map((k) => {
    const t = def.outputs[k]!;
    const leaf = outSpec.kind === 'dict' ? (own(outSpec.fields, k) as TensorSpec | undefined) : undefined;
    return describeTensor(k, dtypeName(t.dtype), leaf?.kind === 'tensorSpec' ? leaf.shape : shapeOfInfo(t));
  });

  const shapeWarnings = new ShapeWarnings(sigName);
  const call = (feed: Record<string, tf.Tensor>, options: SignatureCallOptions = {}) => {
    const flat = validateInputs(sigName, inputs, feed, options.checkShapes === true);
    const outs = shapeWarnings.run(inputs, flat, options, () => fn.callFlat(flat, { signal: options.signal, timeoutMs: options.timeoutMs }));
    // fromEntries: an output named __proto__ stays an own property.
    const result: Record<string, tf.Tensor> = Object.fromEntries(outKeys.map((k, i) => [k, asTensor(outs[positions[i]!]!, sigName, k)]));
    // Outputs no key maps to are ours to free.
    const used = new Set(positions);
    outs.forEach((v, i) => {
      if (!used.has(i) && isTensorValue(v)) v.dispose();
    });
    return result;
  };
  return Object.assign(call, {
    signatureName: sigName,
    functionName: fn.name as string | null,
    inputs,
    outputs,
    unsupportedOps: () => fn.unsupportedOps(),
    reducedPrecisionOps: () => fn.reducedPrecisionOps(),
  });
}

function shapeOfInfo(t: { tensorShape?: { dim: { size: number }[]; unknownRank: boolean } | null }): number[] | null {
  if (!t.tensorShape) return null;
  if (t.tensorShape.unknownRank) return null;
  return t.tensorShape.dim.map((d) => (Number(d.size) < 0 ? -1 : Number(d.size)));
}

function asTensor(v: Value, sig: string, key: string): tf.Tensor {
  if (!isTensorValue(v)) throw new FormatError(`signature ${sig}: output ${key} is a ${v.kind}, not a tensor`, { node: sig });
  return v;
}

/** Integer ranges of the TF dtypes tfjs carries as int32: their values must fit. */
const INT_RANGES: Record<string, [number, number]> = {
  uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767], uint32: [0, 2147483647], uint64: [0, 2147483647],
};

/** Checks names, dtypes, value ranges and shapes; returns the tensors in input order. */
function validateInputs(sigName: string, inputs: SignatureTensor[], feed: Record<string, tf.Tensor>, refuseShapes: boolean): tf.Tensor[] {
  // Built only for an error message (this runs on every call).
  const expected = () => inputs.map((i) => `${i.name}: ${i.dtype}${i.shape ? formatShape(i.shape) : ''}`).join(', ');
  if (typeof feed !== 'object' || feed === null || feed instanceof tf.Tensor) {
    throw new InputMismatchError(`signature ${sigName} takes an object of named tensors {${expected()}}`, { node: sigName });
  }
  const extra = Object.keys(feed).filter((k) => !inputs.some((i) => i.name === k));
  // Own properties only: an input named `constructor` or `__proto__` is never found on the prototype chain.
  const fed = (name: string): unknown => (Object.hasOwn(feed, name) ? feed[name] : undefined);
  const missing = inputs.filter((i) => !(fed(i.name) instanceof tf.Tensor)).map((i) => i.name);
  if (extra.length > 0 || missing.length > 0) {
    throw new InputMismatchError(
      `signature ${sigName} takes {${expected()}}; ${missing.length > 0 ? `missing ${missing.join(', ')}` : ''}${missing.length > 0 && extra.length > 0 ? '; ' : ''}${extra.length > 0 ? `unknown ${extra.join(', ')}` : ''}`,
      { node: sigName },
    );
  }
  return inputs.map((spec) => {
    const t = fed(spec.name) as tf.Tensor;
    if (t.dtype !== spec.tfjsDtype) {
      const carried = spec.tfjsDtype !== spec.dtype ? ` (tfjs carries ${spec.dtype} as ${spec.tfjsDtype})` : '';
      throw new InputMismatchError(`input ${spec.name} must be a ${spec.tfjsDtype} tensor${carried}, got ${t.dtype}`, {
        node: sigName,
        hint: `convert it with tf.cast(x, '${spec.tfjsDtype}')`,
      });
    }
    const range = Object.hasOwn(INT_RANGES, spec.dtype) ? INT_RANGES[spec.dtype] : undefined;
    if (range) {
      const vals = t.dataSync() as Int32Array;
      for (let i = 0; i < vals.length; i++) {
        if (vals[i]! < range[0] || vals[i]! > range[1]) {
          throw new InputMismatchError(`input ${spec.name} is ${spec.dtype}: value ${vals[i]} at flat index ${i} is outside ${range[0]}..${range[1]}`, {
            node: sigName,
          });
        }
      }
    }
    if (refuseShapes && !shapeCompatible(spec.shape, t.shape)) {
      throw new InputMismatchError(`input ${spec.name} must have shape ${shapeText(spec.shape)}, got [${t.shape.join(', ')}]`, {
        node: sigName,
        hint: 'None dimensions take any size; the rank must match',
      });
    }
    return t;
  });
}

const shapeText = formatShape;

/**
 * Inputs whose shape differs from the signature's run anyway, as in TensorFlow's session, whose
 * feeds are checked by the ops that read them and not against the declared shape: a warning says
 * so once per input shape, and a graph that then fails names the declared shape.
 */
class ShapeWarnings {
  private readonly said = new Set<string>();

  constructor(private readonly sigName: string) {}

  run<T>(inputs: SignatureTensor[], flat: tf.Tensor[], options: SignatureCallOptions, body: () => T): T {
    const off = inputs
      .map((spec, i) => ({ spec, got: flat[i]! }))
      .filter(({ spec, got }) => !shapeCompatible(spec.shape, got.shape));
    if (off.length === 0 || options.checkShapes === false) return body();
    const what = off.map(({ spec, got }) => `input ${spec.name} has shape [${got.shape.join(', ')}], the signature declares ${shapeText(spec.shape)}`);
    const key = what.join('; ');
    if (!this.said.has(key)) {
      this.said.add(key);
      (options.warn ?? ((m: string) => console.warn(`savedkeras: ${m}`)))(`signature ${this.sigName}: ${key}; running it as TensorFlow would`);
    }
    try {
      return body();
    } catch (e) {
      if (e instanceof SavedKerasError && !(e instanceof InputMismatchError)) throw e;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new InputMismatchError(`${key}, and the graph cannot run on it (${why})`, {
        node: this.sigName,
        hint: 'feed the declared shape (None dimensions take any size)',
        cause: e,
      });
    }
  }
}

/**
 * TF1-style models (no object graph): each signature runs its slice of the main GraphDef, with
 * VarHandleOps bound to checkpoint values found through the graph's own saver (main-graph.ts).
 */
async function loadTf1Signatures(graph: SavedModelGraph, checkpoint: Checkpoint | null, options: LoadSignaturesOptions): Promise<LoadedSavedModel> {
  const meta = graph.metaGraph;
  const gd = meta.graphDef;
  if (!gd) throw new FormatError('the meta graph has no GraphDef');
  const keys = tf1VariableKeys(gd, (k) => checkpoint?.has(k) ?? false);
  const variables = new Map<string, tf.Variable>();
  const resources = new Map<string, VariableResource>();
  const libraries: FunctionLibrary[] = [];
  const dispose = () => {
    for (const v of variables.values()) if (!v.isDisposed) v.dispose();
    for (const l of libraries) l.dispose();
  };
  // Keyed by signature names from the file: no prototype (a signature `constructor` or `__proto__`).
  const signatures = nameRecord<SignatureFunction>();
  const unsupportedSignatures = nameRecord<UnsupportedFeatureError>();
  try {
    for (const sig of graph.signatures) {
      const def = meta.signatureDef[sig.name]!;
      const fnName = `__main_graph_${sig.name}`;
      let main: ReturnType<typeof mainGraphFunction>;
      try {
        main = mainGraphFunction(gd, def, fnName);
      } catch (e) {
        if (!(e instanceof UnsupportedFeatureError)) throw e;
        unsupportedSignatures[sig.name] = e;
        continue;
      }
      const library = new FunctionLibrary([...(gd.library?.function ?? []), main.def], meta.metaInfoDef?.strippedOpList?.op ?? []);
      libraries.push(library);
      const plan = library.plan(fnName);
      // Only variables the signature reads need a value.
      const used = new Set([...plan.nodes.flatMap((n) => n.inputs), ...plan.outputs].filter((s) => s < plan.numInputs).map((s) => plan.inputNames[s]!));
      const varValues: Value[] = [];
      for (const name of main.variables) {
        let res = resources.get(name);
        if (!res && used.has(name)) {
          const key = keys.get(name);
          if (!key || !checkpoint) throw new FormatError(`variable ${name} of signature ${sig.name} has no value in the checkpoint`, { node: name });
          const decl = gd.node.find((n) => n.name === name && Object.hasOwn(n.attr, 'dtype'))?.attr['dtype']?.type;
          checkpoint.declaredEntry(key, { dtype: decl ? dtypeName(decl) : undefined, node: `variable ${name}` });
          const t = storedToTensor(await checkpoint.readTensor(key, { widenHalf: true }), `${name} (${key})`);
          const v = tf.variable(t, t.dtype === 'float32');
          t.dispose();
          variables.set(name, v);
          res = { kind: 'variable', name, variable: v };
          resources.set(name, res);
        }
        // Unused handles get a placeholder resource that no node reads.
        varValues.push(res ?? { kind: 'variable', name, variable: undefined as unknown as tf.Variable });
      }
      const executor = new Executor(library, { limits: options.limits, random: options.random, guard: options.guard });
      const inputs = main.feeds.map((f) => {
        const k = Object.keys(def.inputs).find((key) => def.inputs[key]!.name?.split(':')[0] === f)!;
        const t = def.inputs[k]!;
        return describeTensor(k, dtypeName(t.dtype), shapeOfInfo(t));
      });
      const outKeys = Object.keys(def.outputs).sort();
      const outputs = outKeys.map((k) => describeTensor(k, dtypeName(def.outputs[k]!.dtype), shapeOfInfo(def.outputs[k]!)));
      const unsupported = () => library.unsupportedOps([fnName]);
      let checked = false;
      const shapeWarnings = new ShapeWarnings(sig.name);
      const call = (feed: Record<string, tf.Tensor>, opts: SignatureCallOptions = {}) => {
        const flat = validateInputs(sig.name, inputs, feed, opts.checkShapes === true);
        if (!checked) {
          const missing = unsupported();
          if (missing.length > 0) throw unsupportedError(fnName, missing);
          checked = true;
        }
        const outs = shapeWarnings.run(inputs, flat, opts, () => executor.call(fnName, [...flat, ...varValues], { signal: opts.signal, timeoutMs: opts.timeoutMs }));
        return Object.fromEntries(
          outKeys.map((k, i) => {
            const v = outs[i]!;
            return [k, flat.includes(v as tf.Tensor) ? tf.clone(v as tf.Tensor) : asTensor(v, sig.name, k)];
          }),
        ) as Record<string, tf.Tensor>;
      };
      signatures[sig.name] = Object.assign(call, {
        signatureName: sig.name,
        functionName: null as string | null,
        inputs,
        outputs,
        unsupportedOps: unsupported,
        reducedPrecisionOps: () => library.reducedPrecisionOps([fnName]),
      });
    }
  } catch (e) {
    dispose();
    throw e;
  }
  return { signatures, unsupportedSignatures, variables, dispose };
}
