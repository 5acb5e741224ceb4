import { FormatError, LimitError, UnsupportedFeatureError, own } from '@savedkeras/common';
import type { ArgDef, FunctionDef, NodeDef, OpDef } from '@savedkeras/proto';
import type { Attrs } from '../kernel.js';
import { makeAttrs } from '../ops/attrs.js';
import { isBuiltinKernel } from '../ops/registry.js';
import { fuseNodes, planFusionEnabled, type Fusion } from './fusion.js';

/**
 * A FunctionDef compiled once for execution: nodes in a valid order, every data input resolved to
 * a value slot, attrs with the OpDef defaults applied, and for every slot the node after which it
 * is dead (so the executor frees intermediates as early as possible).
 *
 * Slots: 0..numInputs-1 are the function's inputs; each node's outputs follow, consecutively.
 */
type PlanNodeKind =
  /** a kernel from the registry, looked up when the node runs (so registerOp after loading works) */
  | 'op'
  /** PartitionedCall / StatefulPartitionedCall, or a node whose op is a library function */
  | 'call'
  | 'while'
  | 'if'
  | 'case';

export interface PlanNode {
  name: string;
  op: string;
  kind: PlanNodeKind;
  /** Slot of each data input, in order. */
  inputs: number[];
  firstOutput: number;
  numOutputs: number;
  attrs: Attrs;
  /** Functions this node runs: [f] for calls, [cond, body] for While, [then, else] for If, the branches of Case. */
  callees: string[];
  /** Slots to free once this node has run (their last consumer, or never-consumed outputs of this node). */
  freeAfter: number[];
  /** No OpDef was found: output slots were inferred from the references to this node. */
  missingOpDef: boolean;
  /** Set on a node that stands for a chain of nodes fused at plan time (see fusion.ts). */
  fusion?: Fusion;
}

export interface FunctionPlan {
  name: string;
  inputNames: string[];
  numInputs: number;
  numSlots: number;
  nodes: PlanNode[];
  /** Slot of each output_arg, in signature order. */
  outputs: number[];
  outputNames: string[];
}

/** How the plan compiler sees the rest of the library. */
export interface PlanContext {
  /** OpDef for an op name (file's stripped_op_list, then our table); undefined when unknown. */
  opDef(op: string): OpDef | undefined;
  /** Library function by name. */
  functionDef(name: string): FunctionDef | undefined;
}

const CALL_OPS = new Set(['PartitionedCall', 'StatefulPartitionedCall']);
const WHILE_OPS = new Set(['While', 'StatelessWhile']);
const IF_OPS = new Set(['If', 'StatelessIf']);
const CASE_OPS = new Set(['Case', 'StatelessCase']);

/** Ops the executor runs itself (calls and control flow), not through a kernel. */
export const EXECUTOR_OPS: readonly string[] = [...CALL_OPS, ...WHILE_OPS, ...IF_OPS, ...CASE_OPS].sort();

/** Most tensors one list argument of one node may hold (real graphs: a few hundred at most). */
const MAX_LIST_ARG = 65_536;

/** Number of flat tensors one OpDef argument stands for, given the node's attrs. */
function argLength(arg: ArgDef, attrs: Attrs): number {
  if (arg.numberAttr) {
    // The count sizes slot arrays before anything runs: a hostile 10^9 hung or crashed the process.
    const n = attrs.int(arg.numberAttr);
    if (!Number.isInteger(n) || n < 0) throw new FormatError(`attr ${arg.numberAttr}=${n} is not a tensor count (argument ${arg.name})`);
    if (n > MAX_LIST_ARG) throw new LimitError(`attr ${arg.numberAttr}=${n} asks for more than ${MAX_LIST_ARG} tensors in argument ${arg.name}`);
    return n;
  }
  if (arg.typeListAttr) return attrs.types(arg.typeListAttr).length;
  return 1;
}

interface Ref {
  node: string;
  /** output arg name (FunctionDef form `node:out:k`), or null for the flat GraphDef form `node:k`. */
  out: string | null;
  index: number;
}

/** `a`, `a:0`, `node:out:k` (FunctionDef) or `node:k` (GraphDef). */
function parseRef(ref: string, where: string): Ref {
  const parts = ref.split(':');
  const bad = (): never => {
    throw new FormatError(`malformed tensor reference ${JSON.stringify(ref)}`, { node: where });
  };
  if (parts.length === 1) return { node: parts[0]!, out: null, index: 0 };
  const k = Number(parts[parts.length - 1]);
  if (!Number.isInteger(k) || k < 0 || parts[parts.length - 1] === '') bad();
  if (parts.length === 2) return { node: parts[0]!, out: null, index: k };
  if (parts.length === 3) return { node: parts[0]!, out: parts[1]!, index: k };
  return bad();
}

interface Pending {
  def: NodeDef;
  kind: PlanNodeKind;
  opDef: OpDef | undefined;
  attrs: Attrs;
  callees: string[];
  firstOutput: number;
  numOutputs: number;
  /** output arg name -> [offset, length] */
  outArgs: Map<string, [number, number]> | null;
}

function funcList(attrs: Attrs, name: string): string[] {
  const v = attrs.raw(name);
  return (v?.list?.func ?? []).map((f) => f.name);
}

function classify(def: NodeDef, ctx: PlanContext, where: string): { kind: PlanNodeKind; opDef: OpDef | undefined; callees: string[]; attrs: Attrs } {
  const lib = ctx.functionDef(def.op);
  if (lib) {
    // A direct call: the node's op names a library function; its signature is the OpDef.
    return { kind: 'call', opDef: lib.signature, callees: [def.op], attrs: makeAttrs(def.attr, undefined, where) };
  }
  const opDef = ctx.opDef(def.op);
  const attrs = makeAttrs(def.attr, opDef, where);
  const need = (name: string): string => {
    const f = attrs.func(name);
    if (!f) throw new FormatError(`${def.op} has no function in attr "${name}"`, { node: where });
    return f;
  };
  if (CALL_OPS.has(def.op)) return { kind: 'call', opDef, callees: [need('f')], attrs };
  if (WHILE_OPS.has(def.op)) return { kind: 'while', opDef, callees: [need('cond'), need('body')], attrs };
  if (IF_OPS.has(def.op)) return { kind: 'if', opDef, callees: [need('then_branch'), need('else_branch')], attrs };
  if (CASE_OPS.has(def.op)) {
    const branches = funcList(attrs, 'branches');
    if (branches.length === 0) throw new FormatError(`${def.op} has no branches`, { node: where });
    return { kind: 'case', opDef, callees: branches, attrs };
  }
  return { kind: 'op', opDef, callees: [], attrs };
}

/** Output arg layout of a node from its OpDef: name -> [flat offset, length]. */
function outputLayout(opDef: OpDef, attrs: Attrs): { args: Map<string, [number, number]>; total: number } {
  const args = new Map<string, [number, number]>();
  let total = 0;
  for (const a of opDef.outputArg) {
    const n = argLength(a, attrs);
    args.set(a.name, [total, n]);
    total += n;
  }
  return { args, total };
}

/**
 * Compiles `fd` into a plan. Only nodes that the outputs or control outputs depend on are kept
 * (TensorFlow prunes the rest too); their order is a depth-first topological order.
 */
export function compileFunction(fd: FunctionDef, ctx: PlanContext): FunctionPlan {
  const fname = fd.signature.name;
  const inputNames: string[] = [];
  const inputSlot = new Map<string, number>();
  for (const a of fd.signature.inputArg) {
    if (a.numberAttr || a.typeListAttr) {
      throw new UnsupportedFeatureError(`function input "${a.name}" is a list argument (polymorphic function)`, { node: fname });
    }
    inputSlot.set(a.name, inputNames.length);
    inputNames.push(a.name);
  }

  const byName = new Map<string, number>();
  fd.nodeDef.forEach((n, i) => {
    if (byName.has(n.name)) throw new FormatError(`two nodes are named ${JSON.stringify(n.name)}`, { node: fname });
    byName.set(n.name, i);
  });
  const where = (n: NodeDef) => `${fname}/${n.name}`;

  // Which nodes run: everything the returns and control returns reach through data and control inputs.
  const split = fd.nodeDef.map((n) => {
    const data: string[] = [];
    const control: string[] = [];
    for (const r of n.input) {
      if (r.startsWith('^')) control.push(r.slice(1));
      else data.push(r);
    }
    return { data, control };
  });
  const producerOf = (ref: string, n: string): number | undefined => {
    const r = parseRef(ref, n);
    if (r.out === null && r.index === 0 && inputSlot.has(r.node)) return undefined;
    if (r.out === null && inputSlot.has(r.node) && !byName.has(r.node)) return undefined;
    const i = byName.get(r.node);
    if (i === undefined) throw new FormatError(`input ${JSON.stringify(ref)} names no node or argument`, { node: n });
    return i;
  };
  const deps = fd.nodeDef.map((n, i) => {
    const out: number[] = [];
    for (const r of split[i]!.data) {
      const p = producerOf(r, where(n));
      if (p !== undefined) out.push(p);
    }
    for (const c of split[i]!.control) {
      if (inputSlot.has(c) && !byName.has(c)) continue; // control edge on an argument: no ordering needed
      const p = byName.get(c);
      if (p === undefined) throw new FormatError(`control input ^${c} names no node`, { node: where(n) });
      out.push(p);
    }
    return out;
  });

  const roots: number[] = [];
  for (const [outName, ref] of Object.entries(fd.ret)) {
    const p = producerOf(ref, `${fname} (output ${outName})`);
    if (p !== undefined) roots.push(p);
  }
  for (const [, nodeName] of Object.entries(fd.controlRet)) {
    const p = byName.get(nodeName);
    if (p === undefined) throw new FormatError(`control output names no node ${JSON.stringify(nodeName)}`, { node: fname });
    roots.push(p);
  }

  // Iterative depth-first post-order: a topological order of the reachable nodes; a back edge is a cycle.
  const state = new Uint8Array(fd.nodeDef.length); // 0 new, 1 on stack, 2 done
  const order: number[] = [];
  for (const root of roots) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const d = deps[top[0]]!;
      if (top[1] < d.length) {
        const next = d[top[1]++]!;
        if (state[next] === 1) {
          throw new FormatError(`the function body has a cycle through node ${JSON.stringify(fd.nodeDef[next]!.name)}`, { node: fname });
        }
        if (state[next] === 0) {
          state[next] = 1;
          stack.push([next, 0]);
        }
      } else {
        state[top[0]] = 2;
        order.push(top[0]);
        stack.pop();
      }
    }
  }

  // Output slots per node. Nodes without an OpDef get as many slots as their references need.
  const pending = new Map<number, Pending>();
  let nextSlot = inputNames.length;
  const refsTo = new Map<number, Ref[]>();
  const noteRef = (ref: string, n: string) => {
    const r = parseRef(ref, n);
    const i = byName.get(r.node);
    if (i === undefined) return;
    let list = refsTo.get(i);
    if (!list) refsTo.set(i, (list = []));
    list.push(r);
  };
  for (const i of order) for (const r of split[i]!.data) noteRef(r, where(fd.nodeDef[i]!));
  for (const ref of Object.values(fd.ret)) noteRef(ref, fname);

  for (const i of order) {
    const def = fd.nodeDef[i]!;
    const w = where(def);
    const c = classify(def, ctx, w);
    let numOutputs: number;
    let outArgs: Map<string, [number, number]> | null = null;
    if (c.opDef) {
      const layout = outputLayout(c.opDef, c.attrs);
      numOutputs = layout.total;
      outArgs = layout.args;
    } else {
      numOutputs = 0;
      const outNames = new Set<string>();
      for (const r of refsTo.get(i) ?? []) {
        if (r.out !== null) outNames.add(r.out);
        numOutputs = Math.max(numOutputs, r.index + 1);
      }
      if (outNames.size > 1) {
        throw new FormatError(
          `op ${def.op} has no OpDef, and the graph uses several of its outputs (${[...outNames].join(', ')}): cannot tell their order`,
          { node: w, hint: `registerOp('${def.op}', kernel, opDef) with the op's OpDef` },
        );
      }
    }
    pending.set(i, { def, ...c, firstOutput: nextSlot, numOutputs, outArgs });
    nextSlot += numOutputs;
  }

  const resolve = (ref: string, w: string): number => {
    const r = parseRef(ref, w);
    const i = byName.get(r.node);
    if (i === undefined || (r.out === null && r.index === 0 && inputSlot.has(r.node))) {
      const s = inputSlot.get(r.node);
      if (s === undefined || r.index !== 0) throw new FormatError(`input ${JSON.stringify(ref)} names no node or argument`, { node: w });
      return s;
    }
    const p = pending.get(i);
    if (!p) throw new FormatError(`input ${JSON.stringify(ref)} refers to a node that does not run`, { node: w });
    let flat: number;
    if (r.out === null || !p.outArgs) {
      flat = r.index;
    } else {
      const arg = p.outArgs.get(r.out);
      if (!arg) {
        throw new FormatError(`op ${p.def.op} has no output named ${JSON.stringify(r.out)} (reference ${JSON.stringify(ref)})`, { node: w });
      }
      if (r.index >= arg[1]) {
        throw new FormatError(`reference ${JSON.stringify(ref)}: output ${r.out} of ${p.def.op} has only ${arg[1]} value(s)`, { node: w });
      }
      flat = arg[0] + r.index;
    }
    if (flat >= p.numOutputs) {
      throw new FormatError(`reference ${JSON.stringify(ref)}: ${p.def.op} has only ${p.numOutputs} output(s)`, { node: w });
    }
    return p.firstOutput + flat;
  };

  const unfusedNodes: PlanNode[] = order.map((i) => {
    const p = pending.get(i)!;
    return {
      name: p.def.name,
      op: p.def.op,
      kind: p.kind,
      inputs: split[i]!.data.map((r) => resolve(r, where(p.def))),
      firstOutput: p.firstOutput,
      numOutputs: p.numOutputs,
      attrs: p.attrs,
      callees: p.callees,
      freeAfter: [],
      missingOpDef: !p.opDef,
    };
  });

  const outputNames = fd.signature.outputArg.map((a) => a.name);
  const outputs = outputNames.map((name) => {
    const ref = own(fd.ret, name);
    if (ref === undefined) throw new FormatError(`output ${JSON.stringify(name)} has no return value`, { node: fname });
    return resolve(ref, `${fname} (output ${name})`);
  });

  const elided = elidePassThrough(unfusedNodes, outputs);
  const nodes = planFusionEnabled() ? fuseNodes(elided.nodes, nextSlot, elided.outputs) : elided.nodes;
  outputs.splice(0, outputs.length, ...elided.outputs);

  // Lifetimes: a slot dies after its last consumer; outputs nobody reads die right after their node.
  // Function inputs belong to the caller and returned slots to whoever called us: never freed here.
  const lastUse = new Int32Array(nextSlot).fill(-1);
  nodes.forEach((n, k) => {
    for (const s of n.inputs) lastUse[s] = k;
  });
  const keep = new Set(outputs);
  nodes.forEach((n, k) => {
    for (let s = n.firstOutput; s < n.firstOutput + n.numOutputs; s++) {
      if (keep.has(s)) continue;
      const at = lastUse[s]! >= 0 ? lastUse[s]! : k;
      nodes[at]!.freeAfter.push(s);
    }
  });

  return { name: fname, inputNames, numInputs: inputNames.length, numSlots: nextSlot, nodes, outputs, outputNames };
}

/** TensorFlow's DT_VARIANT: TensorLists, whose Identity makes a list of the same lineage (tensor-list-store.ts). */
const DT_VARIANT = 21;
const PASS_THROUGH_OPS = new Set(['Identity', 'Snapshot']);

/**
 * Drops the nodes that compute nothing, at plan time: Identity / Snapshot (consumers and function
 * outputs read the node's input slot instead) and NoOp (no outputs; it only orders control edges).
 * Keras graphs have one or two per layer and call, each costing a kernel dispatch, a tidy scope and
 * a disposal per call. Safe because the node order is kept (control dependencies still hold), an
 * Identity's gradient is the identity, and the executor lets one value sit in several slots (it is
 * disposed when the last is released; outputs that alias inputs are detached by the caller).
 * Kept: Identity of a variant (TensorList lineages), nodes without an OpDef, and any op a user
 * registered a kernel for.
 */
function elidePassThrough(nodes: PlanNode[], outputs: readonly number[]): { nodes: PlanNode[]; outputs: number[] } {
  const alias = new Map<number, number>();
  const to = (s: number) => alias.get(s) ?? s;
  const kept: PlanNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'op' && !n.missingOpDef && isBuiltinKernel(n.op)) {
      if (n.op === 'NoOp' && n.numOutputs === 0) continue;
      if (PASS_THROUGH_OPS.has(n.op) && n.inputs.length === 1 && n.numOutputs === 1) {
        const t = n.attrs.tfType('T');
        if (t !== undefined && t !== DT_VARIANT) {
          alias.set(n.firstOutput, to(n.inputs[0]!));
          continue;
        }
      }
    }
    if (alias.size > 0) n.inputs = n.inputs.map(to);
    kept.push(n);
  }
  return { nodes: kept, outputs: outputs.map(to) };
}
