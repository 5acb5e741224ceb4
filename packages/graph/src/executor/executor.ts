import * as tf from '@tensorflow/tfjs-core';
import {
  FormatError,
  InputMismatchError,
  LimitError,
  SavedKerasError,
  UnsupportedOpError,
  resolveLimits,
  type Limits,
} from '@savedkeras/common';
import type { KernelContext, Value } from '../kernel.js';
import { isTensorValue } from '../kernel.js';
// ops/index.js registers the builtin kernels.
import { disposeValue, getKernel, isBuiltinKernel } from '../ops/index.js';
import { shareData } from '../ops/kernels/util.js';
import type { FunctionLibrary } from './function-library.js';
import type { FunctionPlan, PlanNode } from './plan.js';
import { CallBudget, isAllocationFailure, type CallGuard } from './budget.js';
import { outputBound } from './output-bounds.js';

export interface ExecutorOptions {
  limits?: Partial<Limits>;
  /** Training mode: kernels apply variable writes (BatchNorm statistics) and training behaviour. */
  training?: boolean;
  /** Random source of random ops (default Math.random). */
  random?: () => number;
  /** Default wall-clock guard of every call (a call's own guard wins). */
  guard?: CallGuard;
}

/**
 * Runs library functions synchronously on tfjs-core kernels, so that it can sit inside a
 * tfjs-layers Layer.call() and inside tf.variableGrads / model.fit.
 *
 * Lifetimes. Every value a node produces belongs to the run of its function; it is disposed
 * right after its last consumer ran. Function inputs belong to the caller and are never disposed
 * here; returned values go to the caller. One value object can sit in several slots (Identity of a
 * TensorList, a call returning its argument), so a value is disposed only when no live slot holds it.
 * TensorList element tensors are owned by their list (see ops/tensor-list-store.ts): releasing the
 * last list of a lineage frees them. Resources (variables, tables) are never disposed here, nor is
 * any tf.Variable.
 *
 * Gradients. Disposal also happens while a gradient tape records: tfjs-core saves (keeps a clone
 * of) every tensor a gradient needs when the op runs, so disposing our intermediates does not
 * break backprop — as with intermediates of any tf.tidy inside tf.grad. Nothing is held longer.
 */
export class Executor {
  readonly limits: Limits;
  readonly training: boolean;
  private readonly random: () => number;
  private readonly guard: CallGuard;

  constructor(
    readonly library: FunctionLibrary,
    options: ExecutorOptions = {},
  ) {
    this.limits = resolveLimits(options.limits);
    this.training = options.training ?? false;
    this.random = options.random ?? Math.random;
    this.guard = options.guard ?? {};
  }

  /**
   * Runs library function `name` on `inputs` (not consumed) and returns its outputs (owned by the
   * caller). The whole call, with everything it runs, shares one budget of graph nodes, produced
   * elements and live bytes (limits), and the wall-clock guard.
   */
  call(name: string, inputs: Value[], guard?: CallGuard): Value[] {
    const budget = new CallBudget(this.limits, name, { ...this.guard, ...(guard ?? {}) });
    return this.runFunction(name, inputs, [], budget);
  }

  private runFunction(name: string, inputs: Value[], chain: string[], budget: CallBudget): Value[] {
    const next = [...chain, name];
    if (next.length > this.limits.maxCallDepth) {
      throw new LimitError(`function calls nest deeper than maxCallDepth=${this.limits.maxCallDepth}: ${describeChain(next)}`, {
        node: name,
        hint: 'a function that calls itself (directly or through others) never ends; raise limits.maxCallDepth only for a legitimately deep model',
      });
    }
    const plan = this.library.plan(name);
    if (inputs.length !== plan.numInputs) {
      throw new FormatError(`function ${name} takes ${plan.numInputs} inputs but was called with ${inputs.length}`, { node: name });
    }
    return this.runPlan(plan, inputs, next, budget);
  }

  private runPlan(plan: FunctionPlan, inputs: Value[], chain: string[], budget: CallBudget): Value[] {
    // A variable that nothing in this call tree writes cannot change while the plan runs, so its
    // ReadVariableOps hand the tf.Variable itself to their consumers instead of a new tensor each
    // (a kernel dispatch, a tidy scope and a disposal per read and call). Never in training mode
    // (batch-norm statistics and optimizer steps assign), never out of the plan: returned values
    // that are variables get a tensor of their own below, and release() never disposes a variable.
    const shareReads = !this.training && isBuiltinKernel('ReadVariableOp') && this.library.variablesReadOnly(plan.name);
    const slots: (Value | undefined)[] = new Array(plan.numSlots);
    const holders = new Map<Value, number>();
    const hold = (v: Value) => holders.set(v, (holders.get(v) ?? 0) + 1);
    const release = (s: number) => {
      const v = slots[s];
      if (v === undefined) return;
      slots[s] = undefined;
      const n = (holders.get(v) ?? 1) - 1;
      if (n > 0) {
        holders.set(v, n);
        return;
      }
      holders.delete(v);
      if (!(v instanceof tf.Variable) && !this.library.isConstant(v)) disposeValue(v);
    };
    for (let i = 0; i < plan.numInputs; i++) {
      slots[i] = inputs[i];
      hold(inputs[i]!); // the caller's: this hold is never released, so nothing here disposes them
    }

    try {
      for (const node of plan.nodes) {
        const args = node.inputs.map((s) => {
          const v = slots[s];
          if (v === undefined) throw new FormatError(`input slot ${s} of ${node.name} is empty`, { node: `${plan.name}/${node.name}` });
          return v;
        });
        budget.step(plan.name, node.name);
        const shared = shareReads && node.op === 'ReadVariableOp' && node.kind === 'op' ? sharedVariable(args) : undefined;
        const outs = shared ? [shared] : this.runNode(plan, node, args, chain, budget);
        if (outs.length !== node.numOutputs) {
          // Never keep values we cannot place.
          for (const v of outs) if (!args.includes(v) && !holders.has(v)) disposeValue(v);
          throw new FormatError(
            `${node.op} returned ${outs.length} value(s), its OpDef declares ${node.numOutputs}`,
            { node: `${plan.name}/${node.name}` },
          );
        }
        for (let k = 0; k < outs.length; k++) {
          slots[node.firstOutput + k] = outs[k];
          hold(outs[k]!);
        }
        for (const s of node.freeAfter) release(s);
      }
    } catch (e) {
      for (let s = plan.numInputs; s < plan.numSlots; s++) release(s);
      throw e;
    }

    // Cached constants are shared: the caller gets its own copy; so are variables (see shareReads).
    const result = plan.outputs.map((s) => {
      const v = slots[s]!;
      if (v instanceof tf.Variable) return shareData(v);
      return this.library.isConstant(v) ? tf.clone(v as tf.Tensor) : v;
    });
    // Anything left (there should be nothing: every non-returned slot has a last use) is freed.
    const returned = new Set(plan.outputs);
    for (let s = plan.numInputs; s < plan.numSlots; s++) if (!returned.has(s) && slots[s] !== undefined) release(s);
    return result;
  }

  private runNode(plan: FunctionPlan, node: PlanNode, args: Value[], chain: string[], budget: CallBudget): Value[] {
    switch (node.kind) {
      case 'call':
        return this.runFunction(node.callees[0]!, args, chain, budget);
      case 'while':
        return this.runWhile(plan, node, args, chain, budget);
      case 'if': {
        const branch = truthy(tensorArg(args, 0, plan, node), plan, node) ? node.callees[0]! : node.callees[1]!;
        return this.runFunction(branch, args.slice(1), chain, budget);
      }
      case 'case': {
        const idx = Number(tensorArg(args, 0, plan, node).dataSync()[0]);
        // TensorFlow runs the last branch for an out-of-range index.
        const b = Number.isInteger(idx) && idx >= 0 && idx < node.callees.length ? idx : node.callees.length - 1;
        return this.runFunction(node.callees[b]!, args.slice(1), chain, budget);
      }
      case 'op':
        return this.runKernel(plan, node, args, chain, budget);
    }
  }

  private runKernel(plan: FunctionPlan, node: PlanNode, args: Value[], chain: string[], budget: CallBudget): Value[] {
    const kernel = node.fusion?.kernel ?? getKernel(node.op);
    const where = `${plan.name}/${node.name}`;
    if (!kernel) {
      throw new UnsupportedOpError(`no kernel for op ${node.op} (node ${node.name} of function ${plan.name})`, {
        node: where,
        hint: `registerOp('${node.op}', kernel)`,
      });
    }
    const ctx: KernelContext = {
      nodeName: node.name,
      op: node.op,
      functionName: plan.name,
      training: this.training,
      random: this.random,
      limits: this.limits,
      reserve: (elements, bytesPerElement = 4) => budget.reserveElements(elements, bytesPerElement, where),
      callFunction: (name, inputs) => this.runFunction(name, inputs, chain, budget),
    };
    const cached = node.op === 'Const' && node.inputs.length === 0 && this.library.hasConstant(node);
    // Sizes from input shapes are checked before the kernel allocates anything.
    if (!cached) budget.reserve(outputBound(node.fusion?.baseOp ?? node.op, node.fusion ? args.slice(0, 2) : args, node.attrs), where);
    try {
      if (node.op === 'Const' && node.inputs.length === 0) return [this.library.constant(node, () => kernel(args, node.attrs, ctx)[0] as tf.Tensor)];
      return kernel(args, node.attrs, ctx);
    } catch (e) {
      if (e instanceof SavedKerasError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (isAllocationFailure(e)) {
        throw new LimitError(`${node.op} could not allocate its result: ${msg}`, {
          node: where,
          cause: e,
          hint: 'the graph computes tensors larger than this process can hold; lower the input sizes or the limits',
        });
      }
      if (/not registered for backend/.test(msg)) {
        throw new UnsupportedOpError(`${node.op} cannot run on the ${tf.getBackend()} backend: ${msg}`, {
          node: where,
          cause: e,
          hint: 'run on another backend (--backend cpu), or registerOp() a kernel that works on this one',
        });
      }
      // tfjs op errors (shape mismatches and the like) mostly come from inputs the signature allowed.
      throw new InputMismatchError(`${node.op} failed: ${e instanceof Error ? e.message : String(e)}`, {
        node: where,
        cause: e,
        hint: 'check the shapes and dtypes of the inputs against the function signature',
      });
    }
  }

  /**
   * While / StatelessWhile: loop variables go through `cond` and `body` until cond is false. Each
   * iteration's variables are disposed once the next ones exist, except values that carry over
   * unchanged and the node's own inputs (the calling run owns those).
   */
  private runWhile(plan: FunctionPlan, node: PlanNode, args: Value[], chain: string[], budget: CallBudget): Value[] {
    const [cond, body] = node.callees as [string, string];
    const initial = new Set<Value>(args);
    let vars = args;
    const drop = (values: Value[], keep: Value[]) => {
      const keepSet = new Set(keep);
      for (const v of new Set(values)) {
        if (!initial.has(v) && !keepSet.has(v) && !(v instanceof tf.Variable) && !this.library.isConstant(v)) disposeValue(v);
      }
    };
    try {
      for (let iter = 0; ; iter++) {
        budget.step(plan.name, node.name);
        const c = this.runFunction(cond, vars, chain, budget);
        let go: boolean;
        try {
          if (c.length < 1) throw new FormatError(`While condition ${cond} returned nothing`, { node: `${plan.name}/${node.name}` });
          go = truthy(tensorArg(c, 0, plan, node), plan, node);
        } finally {
          drop(c, vars);
        }
        if (!go) return vars;
        if (iter >= this.limits.maxLoopIterations) {
          throw new LimitError(`While loop ${node.name} ran more than maxLoopIterations=${this.limits.maxLoopIterations} iterations`, {
            node: `${plan.name}/${node.name}`,
            hint: `the loop condition ${cond} never became false; raise limits.maxLoopIterations only for a legitimately long loop`,
          });
        }
        const next = this.runFunction(body, vars, chain, budget);
        if (next.length !== vars.length) {
          drop(next, vars);
          throw new FormatError(`While body ${body} returned ${next.length} values for ${vars.length} loop variables`, {
            node: `${plan.name}/${node.name}`,
          });
        }
        drop(vars, next);
        vars = next;
      }
    } catch (e) {
      drop(vars, []);
      throw e;
    }
  }
}

/** The variable a ReadVariableOp reads, when its handle is a live variable (else the kernel runs and reports). */
function sharedVariable(args: Value[]): tf.Variable | undefined {
  const res = args[0];
  if (res === undefined || isTensorValue(res) || res.kind !== 'variable') return undefined;
  return res.variable && !res.variable.isDisposed ? res.variable : undefined;
}

function tensorArg(values: Value[], i: number, plan: FunctionPlan, node: PlanNode): tf.Tensor {
  const v = values[i];
  if (!isTensorValue(v)) throw new FormatError(`${node.op} needs a tensor as input ${i}`, { node: `${plan.name}/${node.name}` });
  return v;
}

/**
 * TensorFlow's truth value of a predicate (If cond, While cond output): a scalar is true when
 * non-zero / non-empty string; any other tensor is true when it has elements.
 */
function truthy(t: tf.Tensor, plan: FunctionPlan, node: PlanNode): boolean {
  if (t.rank !== 0) return t.size > 0;
  const v = t.dataSync()[0];
  if (t.dtype === 'string') return String(v).length > 0;
  if (typeof v !== 'number' && typeof v !== 'boolean') {
    throw new FormatError(`cannot read a ${t.dtype} predicate`, { node: `${plan.name}/${node.name}` });
  }
  return Boolean(v);
}

/** `a -> b -> c`, eliding the middle of long chains. */
function describeChain(chain: string[]): string {
  if (chain.length <= 8) return chain.join(' -> ');
  return [...chain.slice(0, 3), `... (${chain.length - 6} more)`, ...chain.slice(-3)].join(' -> ');
}
