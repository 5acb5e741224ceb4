import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext, Value } from '../kernel.js';
import { getKernel } from '../ops/index.js';
import { groupedConv2d } from '../ops/kernels/nn.js';
import { tensorAt, unsupported } from '../ops/kernels/util.js';
import type { PlanNode } from './plan.js';

/**
 * Plan-time fusion: chains tfjs has one fused kernel for are replaced by one plan node, so the
 * intermediates are never materialised and the wasm backend runs one XNNPACK operator
 * (Grappler's remapper does the same in TensorFlow):
 *   MatMul + BiasAdd [+ activation]                            -> tf.fused.matMul
 *   Conv2D / DepthwiseConv2dNative [+ BiasAdd] [+ FusedBatchNorm (inference)] [+ activation]
 *                                                              -> tf.fused.conv2d / depthwiseConv2d
 * A link is fused only when its input has no other consumer and is not a function output, the
 * dtype is float32 and the layout NHWC. Batch norm is folded into the filter and bias (computed
 * once per set of weight tensors and cached); in training mode, or with is_training set, the fused
 * node runs the original kernels one after the other, so results never depend on fusion.
 */

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'leakyrelu' | 'sigmoid';
const ACTIVATIONS: Record<string, Activation> = { Relu: 'relu', Relu6: 'relu6', Elu: 'elu', LeakyRelu: 'leakyrelu', Sigmoid: 'sigmoid' };
const BASE_OPS = new Set(['MatMul', 'Conv2D', 'DepthwiseConv2dNative']);
const BIAS_OPS = new Set(['BiasAdd', 'BiasAddV1']);
const BN_OPS = new Set(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']);

/** What one fused plan node stands for. */
export interface Fusion {
  /** The op whose output bound and base kernel apply (MatMul, Conv2D, DepthwiseConv2dNative). */
  baseOp: string;
  /** The original nodes, in order (for errors, profiles and the unfused fallback). */
  parts: { name: string; op: string; attrs: Attrs }[];
  /** Index in the fused node's inputs of the bias, and of the batch-norm scale/offset/mean/variance. */
  biasInput?: number;
  bnInputs?: [number, number, number, number];
  activation: Activation;
  leakyAlpha: number;
  /** Folded filter/bias, valid while the weight tensors keep their data (see foldedWeights). */
  folded?: { keys: unknown[]; filter: tf.Tensor4D; bias: tf.Tensor1D };
  kernel: Kernel;
}

let fusionEnabled = true;

/**
 * Turns plan-time fusion on or off for plans compiled afterwards (default on). For comparing fused
 * and unfused results and for benchmarks; results agree either way up to float rounding.
 */
export function setPlanFusion(enabled: boolean): void {
  fusionEnabled = enabled;
}

export function planFusionEnabled(): boolean {
  return fusionEnabled;
}

const isFloat = (n: PlanNode): boolean => !n.attrs.has('T') || n.attrs.dtype('T') === 'float32';
const isNhwc = (n: PlanNode): boolean => !n.attrs.has('data_format') || n.attrs.str('data_format') === 'NHWC';

/**
 * Fuses the chains above in a compiled node list (topological order). `numSlots` sizes the use
 * counts; `outputs` are the function's returned slots (never fused away). Returns the new list.
 */
export function fuseNodes(nodes: PlanNode[], numSlots: number, outputs: readonly number[]): PlanNode[] {
  const uses = new Int32Array(numSlots);
  const consumer = new Array<number>(numSlots).fill(-1);
  nodes.forEach((n, k) => {
    for (const s of n.inputs) {
      uses[s]!++;
      consumer[s] = k;
    }
  });
  for (const s of outputs) uses[s]! += 2; // a returned value is never an intermediate
  /** The only consumer of node k's output `out`, when k's other outputs are unused. */
  const soleConsumer = (k: number, out = 0): PlanNode | undefined => {
    const n = nodes[k]!;
    for (let s = n.firstOutput; s < n.firstOutput + n.numOutputs; s++) {
      if (s !== n.firstOutput + out && uses[s]! > 0) return undefined;
    }
    const s = n.firstOutput + out;
    if (uses[s] !== 1) return undefined;
    const c = nodes[consumer[s]!]!;
    return c.kind === 'op' && c.inputs[0] === s && c.inputs.filter((i) => i === s).length === 1 ? c : undefined;
  };

  const replaced = new Map<PlanNode, PlanNode | null>(); // node -> fused node at its place, or null (removed)
  nodes.forEach((base, k) => {
    if (base.kind !== 'op' || !BASE_OPS.has(base.op) || replaced.has(base) || base.numOutputs !== 1 || !isFloat(base)) return;
    if (base.op !== 'MatMul' && !isNhwc(base)) return;
    if (base.op === 'DepthwiseConv2dNative' && base.attrs.str('padding') === 'EXPLICIT') return;
    const chain: PlanNode[] = [base];
    let last = k;
    const inputs = [...base.inputs];
    let biasInput: number | undefined;
    let bnInputs: [number, number, number, number] | undefined;
    let next = soleConsumer(last);
    if (next && BIAS_OPS.has(next.op) && isNhwc(next) && next.inputs.length === 2) {
      chain.push(next);
      biasInput = inputs.length;
      inputs.push(next.inputs[1]!);
      last = nodes.indexOf(next);
      next = soleConsumer(last);
    }
    if (base.op !== 'MatMul' && next && BN_OPS.has(next.op) && isNhwc(next) && next.inputs.length === 5 && !next.attrs.bool('is_training', true)) {
      chain.push(next);
      bnInputs = [inputs.length, inputs.length + 1, inputs.length + 2, inputs.length + 3];
      inputs.push(...next.inputs.slice(1));
      last = nodes.indexOf(next);
      next = soleConsumer(last);
    }
    // MatMul alone is already one kernel; fuse it only with its bias (tfjs' fused matMul needs one).
    if (base.op === 'MatMul' && biasInput === undefined) return;
    let activation: Activation = 'linear';
    let leakyAlpha = 0.2;
    if (next && ACTIVATIONS[next.op] && isFloat(next)) {
      chain.push(next);
      activation = ACTIVATIONS[next.op]!;
      if (next.op === 'LeakyRelu') leakyAlpha = next.attrs.float('alpha', 0.2);
      last = nodes.indexOf(next);
    }
    if (chain.length === 1) return;
    const end = nodes[last]!;
    const fusion: Fusion = {
      baseOp: base.op,
      parts: chain.map((n) => ({ name: n.name, op: n.op, attrs: n.attrs })),
      biasInput,
      bnInputs,
      activation,
      leakyAlpha,
      kernel: () => [],
    };
    fusion.kernel = fusedKernel(fusion);
    const fused: PlanNode = {
      name: end.name,
      op: `_Fused${base.op}`,
      kind: 'op',
      inputs,
      // Output 0 of the chain's end (FusedBatchNorm's other outputs are unused, their slots stay empty).
      firstOutput: end.firstOutput,
      numOutputs: 1,
      attrs: base.attrs,
      callees: [],
      freeAfter: [],
      missingOpDef: false,
      fusion,
    };
    for (const n of chain) replaced.set(n, null);
    replaced.set(end, fused);
  });
  if (replaced.size === 0) return nodes;
  const out: PlanNode[] = [];
  for (const n of nodes) {
    const r = replaced.get(n);
    if (r === undefined) out.push(n);
    else if (r !== null) out.push(r);
  }
  return out;
}

function fusedKernel(f: Fusion): Kernel {
  return (inputs: Value[], attrs: Attrs, ctx: KernelContext) => {
    if (f.bnInputs && ctx.training) return unfused(f, inputs, ctx);
    const x = tensorAt(inputs, 0, ctx);
    const w = tensorAt(inputs, 1, ctx);
    let bias = f.biasInput !== undefined ? tensorAt(inputs, f.biasInput, ctx) : undefined;
    let filter = w;
    if (f.bnInputs) {
      const folded = foldedWeights(f, w as tf.Tensor4D, bias, f.bnInputs.map((i) => tensorAt(inputs, i, ctx)), ctx);
      filter = folded.filter;
      bias = folded.bias;
    }
    // (wasm refuses a bias that is a view of 2-D data: routed around in @savedkeras/kernels' fixes table.)
    const common = { bias, activation: f.activation, leakyreluAlpha: f.leakyAlpha };
    return [runFused(f, x, filter, attrs, ctx, common)];
  };
}

function runFused(
  f: Fusion,
  x: tf.Tensor,
  filter: tf.Tensor,
  attrs: Attrs,
  ctx: KernelContext,
  common: { bias: tf.Tensor | undefined; activation: Activation; leakyreluAlpha: number },
): tf.Tensor {
  {
    if (f.baseOp === 'MatMul') {
      return tf.fused.matMul({ a: x as tf.Tensor2D, b: filter as tf.Tensor2D, transposeA: attrs.bool('transpose_a', false), transposeB: attrs.bool('transpose_b', false), ...common });
    }
    const strides = attrs.ints('strides');
    const dil = attrs.ints('dilations');
    const conv = {
      x: x as tf.Tensor4D,
      filter: filter as tf.Tensor4D,
      strides: [strides[1]!, strides[2]!] as [number, number],
      pad: convPadding(attrs, ctx),
      dataFormat: 'NHWC' as const,
      dilations: (dil.length === 4 ? [dil[1]!, dil[2]!] : [1, 1]) as [number, number],
      ...common,
    };
    // Depthwise chains with EXPLICIT padding are not fused (tfjs' fused depthwise takes no explicit pads).
    if (f.baseOp !== 'Conv2D') return tf.fused.depthwiseConv2d(conv as typeof conv & { pad: 'valid' | 'same' });
    // A grouped Conv2D runs group by group, each with its block of the per-channel bias.
    return groupedConv2d(conv.x, conv.filter, ctx, (xg, fg, g, groups) => {
      const b = common.bias;
      const bias = groups > 1 && b && b.rank === 1 && b.shape[0]! > 1 ? tf.slice(b, [g * (b.shape[0]! / groups)], [b.shape[0]! / groups]) : b;
      return tf.fused.conv2d({ ...conv, x: xg, filter: fg, bias });
    });
  }
}

function convPadding(attrs: Attrs, ctx: KernelContext): 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]] {
  const p = attrs.str('padding');
  if (p === 'VALID') return 'valid';
  if (p === 'SAME') return 'same';
  if (p === 'EXPLICIT') {
    const e = attrs.ints('explicit_paddings');
    if (e.length === 8) return [[e[0]!, e[1]!], [e[2]!, e[3]!], [e[4]!, e[5]!], [e[6]!, e[7]!]];
  }
  throw unsupported(ctx, `padding ${p}`);
}

/**
 * Batch norm folded into the convolution: s = scale / sqrt(variance + epsilon);
 * filter' = filter * s (per output channel), bias' = (bias - mean) * s + offset. Cached while the
 * five weight tensors keep their data (a variable assignment gives new data, so a recompute).
 */
function foldedWeights(f: Fusion, filter: tf.Tensor4D, bias: tf.Tensor | undefined, bn: tf.Tensor[], ctx: KernelContext): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const keys = [filter, bias, ...bn].map((t) => (t ? (t as unknown as { dataId: unknown }).dataId : undefined));
  if (f.folded && f.folded.keys.every((k, i) => k === keys[i])) return f.folded;
  const bnAttrs = f.parts.find((p) => BN_OPS.has(p.op))!.attrs;
  const eps = bnAttrs.float('epsilon', 1e-4);
  const [scale, offset, mean, variance] = bn as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const out = filter.shape[3]! * (f.baseOp === 'DepthwiseConv2dNative' ? filter.shape[2]! : 1);
  if ([scale, offset, mean, variance].some((t) => t.size !== out)) throw unsupported(ctx, 'batch norm parameters do not match the filter channels');
  const made = tf.tidy(() => {
    const s = tf.mul(tf.rsqrt(tf.add(variance, eps)), scale);
    const perOut = f.baseOp === 'DepthwiseConv2dNative' ? tf.reshape(s, [filter.shape[2]!, filter.shape[3]!]) : s;
    const newFilter = tf.mul(filter, perOut) as tf.Tensor4D;
    const newBias = tf.add(tf.mul(bias ? tf.sub(bias, mean) : tf.neg(mean), s), offset) as tf.Tensor1D;
    return { filter: tf.keep(newFilter), bias: tf.keep(newBias) };
  });
  if (f.folded) tf.dispose([f.folded.filter, f.folded.bias]);
  f.folded = { keys, ...made };
  return f.folded;
}

/** Runs the original kernels of a fused chain one after the other (training mode). */
function unfused(f: Fusion, inputs: Value[], ctx: KernelContext): Value[] {
  const x = inputs[0]!;
  const w = inputs[1]!;
  let cur: Value[] = [x, w];
  const made: tf.Tensor[] = [];
  for (const part of f.parts) {
    const kernel = getKernel(part.op);
    if (!kernel) throw unsupported(ctx, `no kernel for ${part.op}`);
    let args: Value[];
    if (BIAS_OPS.has(part.op)) args = [cur[0]!, inputs[f.biasInput!]!];
    else if (BN_OPS.has(part.op)) args = [cur[0]!, ...f.bnInputs!.map((i) => inputs[i]!)];
    else if (BASE_OPS.has(part.op)) args = cur;
    else args = [cur[0]!];
    const outs = kernel(args, part.attrs, { ...ctx, nodeName: part.name, op: part.op });
    const [first, ...rest] = outs as tf.Tensor[];
    tf.dispose(rest);
    if (part !== f.parts[0]) made.push(cur[0] as tf.Tensor);
    cur = [first!];
  }
  tf.dispose(made);
  return cur;
}

/** Frees the folded weights a plan's fused nodes cached (when their library is disposed). */
export function disposeFusionCaches(nodes: readonly PlanNode[]): void {
  for (const n of nodes) {
    if (n.fusion?.folded) {
      tf.dispose([n.fusion.folded.filter, n.fusion.folded.bias]);
      n.fusion.folded = undefined;
    }
  }
}
