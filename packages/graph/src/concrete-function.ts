import * as tf from '@tensorflow/tfjs-core';
import { FormatError, NotSavedError, UnsupportedOpError, type Limits } from '@savedkeras/common';
import {
  countGraphTensors,
  decodeStructure,
  formatStructure,
  type ConcreteFunctionInfo,
  type ObjectNode,
  type SavedModelGraph,
  type Structure,
} from '@savedkeras/object-graph';
import type { Value } from './kernel.js';
import { isTensorValue } from './kernel.js';
import type { CaptureResolver, Captures } from './captures.js';
import { Executor } from './executor/executor.js';
import type { CallGuard } from './executor/budget.js';
import { libraryOf, type FunctionLibrary, type ReducedPrecisionOp, type UnsupportedOp } from './executor/function-library.js';

import { matchCall, packOutputs, selectConcreteFunction, type MatchOptions } from './structure-match.js';

export interface ConcreteFunctionOptions {
  /** The model's function library (shared by all functions of one model; made from the graph when absent). */
  library?: FunctionLibrary;
  limits?: Partial<Limits>;
  /** Random source of random ops. */
  random?: () => number;
  /** Positional argument names (FunctionSpec), to find the `training` argument by name. */
  argNames?: string[];
  /** Default wall-clock guard of every call (a call's own options win). */
  guard?: CallGuard;
}

export interface CallOptions extends CallGuard {
  /** Runs the training=True/False trace; also puts the executor in training mode. */
  training?: boolean;
  /** Check input shapes against the signature (default true). */
  checkShapes?: boolean;
}

/**
 * One saved concrete function, callable synchronously. Its FunctionDef inputs are the flattened
 * tensor leaves of the canonicalized input signature followed by one input per bound_inputs entry
 * (format reference §10); the captures come from `captures` (resolved before the first call).
 */
export class ConcreteFunction {
  readonly info: ConcreteFunctionInfo;
  readonly library: FunctionLibrary;
  private readonly options: ConcreteFunctionOptions;
  private captured: Value[] | null = null;
  private checked = false;
  private readonly executors = new Map<boolean, Executor>();

  constructor(
    readonly graph: SavedModelGraph,
    readonly name: string,
    private readonly captures: CaptureResolver,
    options: ConcreteFunctionOptions = {},
  ) {
    const info = graph.concreteFunction(name);
    if (!info) throw new NotSavedError(`the object graph has no concrete function ${JSON.stringify(name)}`, { node: name });
    this.info = info;
    this.options = options;
    this.library = options.library ?? libraryOf(graph);
    const fd = this.library.functionDef(name);
    if (!fd) throw new FormatError(`concrete function ${name} is missing from the function library`, { node: name });
    const leaves = countGraphTensors(info.inputSignature);
    const want = leaves + info.boundInputs.length;
    if (fd.signature.inputArg.length !== want) {
      throw new FormatError(
        `function ${name} has ${fd.signature.inputArg.length} inputs, but its signature has ${leaves} tensor(s) and ${info.boundInputs.length} capture(s)`,
        { node: name },
      );
    }
  }

  /** Prepares the captures (checkpoint reads) of function `name`, then makes it. */
  static async load(graph: SavedModelGraph, name: string, captures: Captures, options: ConcreteFunctionOptions = {}): Promise<ConcreteFunction> {
    // A graph read with its function library on demand fetches it now (a no-op when it is in memory).
    await graph.loadFunctionLibrary();
    const info = graph.concreteFunction(name);
    if (info) await captures.prepare(info.boundInputs);
    return new ConcreteFunction(graph, name, captures, options);
  }

  get inputSignature(): Structure {
    return this.info.inputSignature;
  }

  get outputSignature(): Structure {
    return this.info.outputSignature;
  }

  /** Every op of this function and its callees that no kernel can run (empty when all can). */
  unsupportedOps(): UnsupportedOp[] {
    return this.library.unsupportedOps([this.name]);
  }

  /** Every op of this function and its callees that TensorFlow runs in float16 / bfloat16 (float32 here). */
  reducedPrecisionOps(): ReducedPrecisionOp[] {
    return this.library.reducedPrecisionOps([this.name]);
  }

  /** Calls with a structured value matching the input signature (or the flat tensor leaves); returns the packed outputs. */
  call(args: unknown, options: CallOptions = {}): unknown {
    const m = matchCall(this.info, args, this.matchOptions(options));
    if ('reasons' in m) {
      throw selectError(this.info, args, this.matchOptions(options));
    }
    return packOutputs(this.info.outputSignature, this.callFlat(m.tensors, options), this.name);
  }

  /** Calls with the flat tensor inputs (captures are appended); returns the flat outputs, owned by the caller. */
  callFlat(tensors: tf.Tensor[], options: CallOptions = {}): Value[] {
    this.checkOps();
    const captured = (this.captured ??= this.info.boundInputs.map((id) => this.captures.resolve(id)));
    const inputs: Value[] = [...tensors, ...captured];
    const guard: CallGuard = {};
    if (options.signal) guard.signal = options.signal;
    if (options.timeoutMs !== undefined) guard.timeoutMs = options.timeoutMs;
    const outs = this.executor(options.training ?? false).call(this.name, inputs, guard);
    return detachOutputs(outs, inputs);
  }

  private matchOptions(options: CallOptions): MatchOptions {
    return { training: options.training, checkShapes: options.checkShapes, argNames: this.options.argNames };
  }

  private executor(training: boolean): Executor {
    let ex = this.executors.get(training);
    if (!ex) {
      ex = new Executor(this.library, { limits: this.options.limits, random: this.options.random, training, guard: this.options.guard });
      this.executors.set(training, ex);
    }
    return ex;
  }

  /** Fails before running anything when some op cannot run, naming all of them. */
  private checkOps(): void {
    if (this.checked) return;
    const missing = this.unsupportedOps();
    if (missing.length > 0) throw unsupportedError(this.name, missing);
    this.checked = true;
  }
}

/** Outputs that alias an input (or each other) are cloned, so the caller owns every output it gets. */
function detachOutputs(outs: Value[], inputs: Value[]): Value[] {
  const seen = new Set<Value>(inputs);
  return outs.map((v) => {
    if (isTensorValue(v) && seen.has(v)) return tf.clone(v);
    seen.add(v);
    return v;
  });
}

function selectError(info: ConcreteFunctionInfo, args: unknown, options: MatchOptions): Error {
  try {
    selectConcreteFunction([info], args, options);
  } catch (e) {
    return e as Error;
  }
  return new FormatError(`cannot bind the arguments of ${info.name}`);
}

export function unsupportedError(fn: string, missing: UnsupportedOp[]): UnsupportedOpError {
  const ops = [...new Set(missing.filter((m) => !m.missingFunction).map((m) => m.op))].sort();
  const fns = [...new Set(missing.flatMap((m) => (m.missingFunction ? [m.missingFunction] : [])))];
  const lines = missing.slice(0, 20).map((m) =>
    m.missingFunction ? `  ${m.function}/${m.node}: calls missing function ${m.missingFunction}` : `  ${m.function}/${m.node}: ${m.op}`,
  );
  if (missing.length > 20) lines.push(`  ... and ${missing.length - 20} more`);
  const what = [ops.length > 0 ? `op(s) ${ops.join(', ')}` : '', fns.length > 0 ? `missing function(s) ${fns.join(', ')}` : '']
    .filter(Boolean)
    .join(' and ');
  return new UnsupportedOpError(`function ${fn} cannot run: ${what}\n${lines.join('\n')}`, {
    node: fn,
    hint: ops.length > 0 ? ops.map((op) => `registerOp('${op}', kernel)`).join('; ') : undefined,
  });
}

/** Positional argument names of a function node's FunctionSpec (fullargspec.args without `self`). */
function argNamesOf(node: ObjectNode): string[] | undefined {
  const spec = node.proto.function?.functionSpec;
  if (!spec?.fullargspec) return undefined;
  const s = decodeStructure(spec.fullargspec, node.path);
  if (s.kind !== 'namedTuple') return undefined;
  const args = s.fields.find(([k]) => k === 'args')?.[1];
  if (!args || (args.kind !== 'list' && args.kind !== 'tuple')) return undefined;
  const names = args.items.map((x) => (x.kind === 'value' ? String(x.value) : ''));
  return spec.isMethod && names[0] === 'self' ? names.slice(1) : names;
}

/**
 * A saved tf.function (a `function` object-graph node) with its concrete functions: each call
 * picks the trace that fits the arguments (selectConcreteFunction), as TensorFlow does.
 */
export class SavedFunction {
  private constructor(
    readonly node: ObjectNode,
    readonly functions: ConcreteFunction[],
    private readonly argNames: string[] | undefined,
  ) {}

  static async load(graph: SavedModelGraph, nodeId: number, captures: Captures, options: ConcreteFunctionOptions = {}): Promise<SavedFunction> {
    const node = graph.node(nodeId);
    if (node.concreteFunctions.length === 0) {
      throw new NotSavedError(`${node.path} has no saved concrete functions`, { node: node.path });
    }
    const argNames = options.argNames ?? argNamesOf(node);
    const fns = await Promise.all(node.concreteFunctions.map((n) => ConcreteFunction.load(graph, n, captures, { ...options, argNames })));
    return new SavedFunction(node, fns, argNames);
  }

  /** The concrete function `args` selects. */
  select(args: unknown, options: CallOptions = {}): ConcreteFunction {
    const m = selectConcreteFunction(this.functions.map((f) => f.info), args, { ...options, argNames: this.argNames });
    return this.functions.find((f) => f.info === m.fn)!;
  }

  call(args: unknown, options: CallOptions = {}): unknown {
    return this.select(args, options).call(args, options);
  }

  describe(): string {
    return this.functions.map((f) => `${formatStructure(f.inputSignature)} -> ${formatStructure(f.outputSignature)}`).join('\n');
  }
}
