import * as tf from '@tensorflow/tfjs-core';
import { FormatError } from '@savedkeras/common';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import type { FunctionDef, MetaGraphDef, OpDef } from '@savedkeras/proto';
import { getKernel, getOpDef, isBuiltinKernel } from '../ops/index.js';
import { EXECUTOR_OP_DEFS } from './control-op-defs.js';
import { compileFunction, type FunctionPlan, type PlanContext } from './plan.js';
import { disposeFusionCaches } from './fusion.js';

/** One op that nothing can run, where it sits. */
export interface UnsupportedOp {
  op: string;
  node: string;
  function: string;
  /** Set when the node calls a function the library lacks (the op itself may be fine). */
  missingFunction?: string;
}

/** One node TensorFlow runs in a half-precision float type, which runs in float32 here. */
export interface ReducedPrecisionOp {
  op: string;
  node: string;
  function: string;
  dtype: 'float16' | 'bfloat16';
}

/**
 * The FunctionDefs of one SavedModel by name, with their OpDefs and compiled plans (each
 * FunctionDef is compiled once, on first use). OpDefs come from the file's stripped_op_list
 * first (it matches the TensorFlow that wrote the graph), then from our table / user registrations.
 */
export class FunctionLibrary implements PlanContext {
  private readonly functions = new Map<string, FunctionDef>();
  private readonly fileOps = new Map<string, OpDef>();
  private readonly plans = new Map<string, FunctionPlan>();
  /** Values of Const nodes, computed once (decoding a TensorProto per loop iteration is costly). */
  private readonly consts = new Map<object, tf.Tensor>();
  private readonly constValues = new WeakSet<tf.Tensor>();
  private readonly readOnly = new Map<string, boolean>();

  constructor(functions: Iterable<FunctionDef>, strippedOps: Iterable<OpDef> = []) {
    for (const f of functions) {
      const name = f.signature?.name;
      if (!name) throw new FormatError('function library holds a function without a name');
      if (this.functions.has(name)) throw new FormatError(`function library defines ${name} twice`, { node: name });
      this.functions.set(name, f);
    }
    for (const op of strippedOps) this.fileOps.set(op.name, op);
  }

  static fromMetaGraph(meta: MetaGraphDef): FunctionLibrary {
    return new FunctionLibrary(meta.graphDef?.library?.function ?? [], meta.metaInfoDef?.strippedOpList?.op ?? []);
  }

  opDef(op: string): OpDef | undefined {
    return this.fileOps.get(op) ?? getOpDef(op) ?? EXECUTOR_OP_DEFS.get(op);
  }

  functionDef(name: string): FunctionDef | undefined {
    return this.functions.get(name);
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  functionNames(): string[] {
    return [...this.functions.keys()];
  }

  /** The compiled plan of `name` (cached). */
  plan(name: string): FunctionPlan {
    let p = this.plans.get(name);
    if (p) return p;
    const fd = this.functions.get(name);
    if (!fd) throw new FormatError(`the function library has no function ${JSON.stringify(name)}`, { node: name });
    p = compileFunction(fd, this);
    this.plans.set(name, p);
    return p;
  }

  /**
   * The value of a Const node, made once by `make` and kept (tf.keep) until dispose(). The executor
   * never disposes it: constants are shared by every run.
   */
  constant(node: object, make: () => tf.Tensor): tf.Tensor {
    let t = this.consts.get(node);
    if (!t) {
      t = tf.keep(make());
      this.consts.set(node, t);
      this.constValues.add(t);
    }
    return t;
  }

  /** True when the value of Const node `node` is cached (it costs nothing to run again). */
  hasConstant(node: object): boolean {
    return this.consts.has(node);
  }

  /** True for a cached Const value (shared: never disposed by a run, cloned when returned). */
  isConstant(v: unknown): boolean {
    return v instanceof tf.Tensor && this.constValues.has(v);
  }

  /** Frees the cached constants (plans stay; constants are remade on next use). */
  dispose(): void {
    for (const t of this.consts.values()) t.dispose();
    for (const p of this.plans.values()) disposeFusionCaches(p.nodes);
    this.consts.clear();
  }

  /** Names of every function `roots` can run: themselves, callees, loop bodies and branches, transitively. */
  reachableFunctions(roots: string[]): string[] {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      if (!this.functions.has(name)) continue;
      for (const n of this.plan(name).nodes) for (const c of n.callees) if (!seen.has(c)) stack.push(c);
    }
    return [...seen];
  }

  /**
   * True when nothing function `name` can run (callees, loop bodies and branches included) writes a
   * variable: every op that takes a resource input is one of the builtin readers. Decides whether
   * the executor may hand the variable itself to a ReadVariableOp's consumers (see Executor).
   * Unknown ops, ops without an OpDef and user-registered kernels count as writers.
   */
  variablesReadOnly(name: string): boolean {
    let ro = this.readOnly.get(name);
    if (ro !== undefined) return ro;
    ro = true;
    outer: for (const fn of this.reachableFunctions([name])) {
      if (!this.functions.has(fn)) continue;
      for (const n of this.plan(fn).nodes) {
        if (n.kind !== 'op' || n.fusion) continue;
        if (RESOURCE_READERS.has(n.op) && isBuiltinKernel(n.op)) continue;
        const def = this.opDef(n.op);
        if (!def || !isBuiltinKernel(n.op) || def.inputArg.some((a) => a.type === DT_RESOURCE)) {
          ro = false;
          break outer;
        }
      }
    }
    this.readOnly.set(name, ro);
    return ro;
  }

  /**
   * Every node of the functions reachable from `roots` that cannot run: ops with no kernel (builtin
   * or registered), and calls of functions missing from the library. Checked against the registry
   * now, so a registerOp() made after loading counts.
   */
  unsupportedOps(roots: string[]): UnsupportedOp[] {
    const out: UnsupportedOp[] = [];
    for (const fn of this.reachableFunctions(roots)) {
      if (!this.functions.has(fn)) continue;
      for (const n of this.plan(fn).nodes) {
        if (n.fusion) {
          for (const part of n.fusion.parts) if (!getKernel(part.op)) out.push({ op: part.op, node: part.name, function: fn });
        } else if (n.kind === 'op' && !getKernel(n.op)) out.push({ op: n.op, node: n.name, function: fn });
        for (const c of n.callees) {
          if (!this.functions.has(c)) out.push({ op: n.op, node: n.name, function: fn, missingFunction: c });
        }
      }
    }
    return out;
  }

  /**
   * Every node of the functions reachable from `roots` with a float16 / bfloat16 type attr (T, DstT,
   * dtype, ...): what Keras' mixed precision exports hold. TensorFlow rounds their results to that type;
   * tfjs has no half arithmetic, so they run in float32 here and results differ by the narrow type's rounding.
   */
  reducedPrecisionOps(roots: string[]): ReducedPrecisionOp[] {
    // Walked over the FunctionDefs themselves (not the plans): asked at load, it compiles nothing.
    const out: ReducedPrecisionOp[] = [];
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const fn = stack.pop()!;
      if (seen.has(fn)) continue;
      seen.add(fn);
      for (const n of this.functions.get(fn)?.nodeDef ?? []) {
        if (this.functions.has(n.op)) stack.push(n.op);
        let dtype: ReducedPrecisionOp['dtype'] | undefined;
        for (const a of Object.values(n.attr)) {
          if (a.value === 'type' && a.type !== undefined) dtype ??= HALF_TYPES.get(a.type);
          else if (a.value === 'func' && a.func) stack.push(a.func.name);
          else if (a.value === 'list') for (const f of a.list?.func ?? []) stack.push(f.name);
        }
        if (dtype) out.push({ op: n.op, node: n.name, function: fn, dtype });
      }
    }
    return out;
  }
}

/** TensorFlow's DT_BFLOAT16 and DT_HALF (types.proto). */
const HALF_TYPES = new Map<number, ReducedPrecisionOp['dtype']>([
  [14, 'bfloat16'],
  [19, 'float16'],
]);

/** TensorFlow's DT_RESOURCE (variable and table handles). */
const DT_RESOURCE = 20;
/** Builtin ops that take a resource and never write a variable. */
const RESOURCE_READERS = new Set([
  'ReadVariableOp', 'ResourceGather', 'ResourceGatherNd', 'VarIsInitializedOp', 'VariableShape', 'DestroyResourceOp', 'DisableCopyOnRead',
  'LookupTableFindV2', 'LookupTableSizeV2', 'LookupTableExportV2',
]);

/** The library of a graph, one per graph, so that every function of one model shares plans and constants. */
const libraries = new WeakMap<SavedModelGraph, FunctionLibrary>();
export function libraryOf(graph: SavedModelGraph): FunctionLibrary {
  let lib = libraries.get(graph);
  if (!lib) libraries.set(graph, (lib = FunctionLibrary.fromMetaGraph(graph.metaGraph)));
  return lib;
}

/** Frees the cached constants of the graph's library, if one was made (nothing is read or made here). */
export function disposeLibraryOf(graph: SavedModelGraph): void {
  libraries.get(graph)?.dispose();
}
