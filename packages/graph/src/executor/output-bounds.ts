import type * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Value } from '../kernel.js';
import { isTensorValue } from '../kernel.js';
import { broadcastShapes } from '../ops/kernels/util.js';

/**
 * Upper bounds of what one kernel will allocate, computed from its input shapes and attrs before
 * it runs (the executor refuses a node whose outputs would not fit limits.maxLiveBytes). Ops whose
 * outputs can be larger than their inputs taken together have a rule here; every other op (element-
 * wise, reductions, reshapes, slices, Concat, Pack, Split, ...) produces at most the sum of its
 * inputs, which is the default. Ops sized by input *values* (Fill, Range, Tile, Pad, OneHot, random
 * ops, resizes) check their sizes in their kernels (util.ts checkedSize), which asks the same budget.
 */

/** Bytes one string element costs in JS beyond its content (a Uint8Array object and its slot). */
export const STRING_ELEMENT_OVERHEAD = 96;

export interface OutputBound {
  /** Elements over all outputs. */
  elements: number;
  /** Bytes over all outputs (string elements counted with their overhead). */
  bytes: number;
}

const BROADCAST_BINARY = new Set([
  'Add', 'AddV2', 'Sub', 'Mul', 'Div', 'RealDiv', 'DivNoNan', 'FloorDiv', 'FloorMod', 'Mod', 'TruncateDiv', 'TruncateMod',
  'Maximum', 'Minimum', 'Pow', 'SquaredDifference', 'Atan2', 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater',
  'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'Xdivy', 'Xlogy', 'Xlog1py', 'MulNoNan', 'ApproximateEqual', 'BitwiseAnd',
  'BitwiseOr', 'BitwiseXor', 'LeftShift', 'RightShift', 'Select', 'SelectV2', 'StringJoin', 'BiasAdd', 'AddN',
  'ClipByValue', 'Igamma', 'Igammac', 'Zeta', 'Polygamma', 'Betainc', 'NextAfter', 'Complex',
]);

/** Ops whose outputs are strings made from numbers or from parts of strings (per-element overhead applies). */
const STRING_OUT = new Set(['AsString', 'StringFormat', 'Substr', 'StringSplit', 'StringSplitV2', 'StringStrip', 'StringLower',
  'StringUpper', 'RegexReplace', 'StaticRegexReplace', 'StringJoin', 'EncodeBase64', 'DecodeBase64', 'UnicodeTranscode',
  'StringToHashBucketFast']);

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function bytesPer(t: tf.Tensor): number {
  return t.dtype === 'string' ? STRING_ELEMENT_OVERHEAD + 8 : t.dtype === 'bool' ? 1 : 4;
}

/** Bytes a tensor holds (strings: content plus per-element overhead, content estimated when unknown). */
function tensorBytes(t: tf.Tensor): number {
  return t.size * bytesPer(t);
}

function small(t: tf.Tensor | undefined): number[] | undefined {
  if (!t || t.dtype === 'string' || t.size > 64) return undefined;
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

/** The bound of a node's outputs, or undefined when no rule applies (then: the sum of its inputs). */
export function outputBound(op: string, inputs: readonly Value[], attrs: Attrs): OutputBound {
  const ts = inputs.filter(isTensorValue);
  const inBytes = ts.reduce((s, t) => s + tensorBytes(t), 0);
  const inElements = ts.reduce((s, t) => s + t.size, 0);
  const stringOut = STRING_OUT.has(op) || ts.some((t) => t.dtype === 'string');
  const per = stringOut ? STRING_ELEMENT_OVERHEAD + 8 : 4;
  const of = (elements: number): OutputBound => ({ elements, bytes: elements * per });
  const fallback: OutputBound = { elements: inElements, bytes: Math.max(inBytes, stringOut ? inElements * per : 0) };
  const shapeOf = (i: number): number[] | undefined => {
    const v = inputs[i];
    return isTensorValue(v) ? v.shape : undefined;
  };
  switch (op) {
    case 'Const': {
      const t = attrs.raw('value')?.tensor;
      const dims = t?.tensorShape?.dim?.map((d) => Number(d.size)) ?? [];
      const n = dims.every((d) => Number.isFinite(d) && d >= 0) ? size(dims) : 0;
      const isString = attrs.dtype('dtype', 'float32') === 'string';
      return { elements: n, bytes: n * (isString ? STRING_ELEMENT_OVERHEAD + 8 : 4) };
    }
    case 'MatMul':
    case 'BatchMatMul':
    case 'BatchMatMulV2':
    case 'BatchMatMulV3': {
      const a = shapeOf(0);
      const b = shapeOf(1);
      if (!a || !b || a.length < 2 || b.length < 2) return fallback;
      const ta = attrs.bool('transpose_a', false) || attrs.bool('adj_x', false);
      const tb = attrs.bool('transpose_b', false) || attrs.bool('adj_y', false);
      const m = ta ? a[a.length - 1]! : a[a.length - 2]!;
      const n = tb ? b[b.length - 2]! : b[b.length - 1]!;
      const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2)) ?? [...a.slice(0, -2), ...b.slice(0, -2)];
      return of(size(batch) * m * n);
    }
    case 'Einsum':
      return of(einsumElements(attrs.str('equation', ''), ts.map((t) => t.shape)) ?? inElements);
    case 'BroadcastTo': {
      const dims = small(ts[1]);
      const x = shapeOf(0);
      if (!dims || !x) return fallback;
      return of(size(broadcastShapes(x, dims) ?? dims));
    }
    case 'Gather':
    case 'GatherV2':
    case 'ResourceGather': {
      const params = op === 'ResourceGather' ? undefined : shapeOf(0);
      const indices = shapeOf(1);
      if (!params || !indices) return fallback;
      const axis = op === 'GatherV2' ? (small(ts[2])?.[0] ?? 0) : 0;
      const a = axis < 0 ? axis + params.length : axis;
      const batchDims = attrs.int('batch_dims', 0);
      return of(size(params.slice(0, a)) * size(indices.slice(Math.max(0, batchDims))) * size(params.slice(a + 1)));
    }
    case 'GatherNd': {
      const params = shapeOf(0);
      const indices = shapeOf(1);
      if (!params || !indices || indices.length === 0) return fallback;
      const depth = indices[indices.length - 1]!;
      return of(size(indices.slice(0, -1)) * size(params.slice(depth)));
    }
    case 'Conv2D':
    case 'Conv3D':
    case 'DepthwiseConv2dNative': {
      const x = shapeOf(0);
      const f = shapeOf(1);
      if (!x || !f || x.length < 3 || f.length < 2) return fallback;
      const channelsFirst = attrs.str('data_format', 'NHWC').startsWith('NC');
      const explicit = attrs.ints('explicit_paddings');
      const padded = x.reduce((n, d, i) => n * (d + Math.max(0, explicit[2 * i] ?? 0) + Math.max(0, explicit[2 * i + 1] ?? 0)), 1);
      const inC = Math.max(1, channelsFirst ? x[1]! : x[x.length - 1]!);
      const outC = op === 'DepthwiseConv2dNative' ? f[f.length - 2]! * f[f.length - 1]! : f[f.length - 1]!;
      // Strides >= 1 never make the output larger than the (padded) input, per channel.
      return of(Math.ceil(padded / inC) * outC);
    }
    case 'ExtractImagePatches': {
      const x = shapeOf(0);
      const k = attrs.ints('ksizes');
      if (!x) return fallback;
      return of(size(x) * Math.max(1, size(k)));
    }
    case 'Diag':
      return of(inElements * inElements);
    case 'MatrixDiag':
    case 'MatrixDiagV2':
    case 'MatrixDiagV3': {
      const x = shapeOf(0);
      if (!x || x.length === 0) return fallback;
      const n = x[x.length - 1]!;
      const extra = small(ts[2])?.[0] ?? 0;
      const m = n + Math.abs(extra);
      return of(size(x.slice(0, -1)) * m * Math.max(m, small(ts[3])?.[0] ?? 0));
    }
    case 'AsString':
      return of(inElements);
    default:
      if (BROADCAST_BINARY.has(op) && ts.length >= 2) {
        let shape: number[] = [];
        for (const t of ts) {
          const b = broadcastShapes(shape, t.shape);
          if (!b) return fallback; // the kernel reports the mismatch
          shape = b;
        }
        return of(size(shape));
      }
      return fallback;
  }
}

/** Output elements of an einsum equation on input shapes (`...` broadcast), or undefined when it does not parse. */
function einsumElements(equation: string, shapes: number[][]): number | undefined {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = (arrow >= 0 ? eq.slice(0, arrow) : eq).split(',');
  if (lhs.length !== shapes.length) return undefined;
  const dims = new Map<string, number>();
  let ellipsis: number[] = [];
  for (let i = 0; i < lhs.length; i++) {
    const term = lhs[i]!;
    const shape = shapes[i]!;
    const dots = term.indexOf('...');
    const letters = term.replace('...', '');
    const ellRank = dots >= 0 ? shape.length - letters.length : 0;
    if (ellRank < 0) return undefined;
    let k = 0;
    for (let j = 0; j < term.length; j++) {
      if (dots >= 0 && j === dots) {
        ellipsis = broadcastShapes(ellipsis, shape.slice(k, k + ellRank)) ?? shape.slice(k, k + ellRank);
        k += ellRank;
        j += 2;
        continue;
      }
      const d = shape[k++];
      if (d === undefined) return undefined;
      dims.set(term[j]!, Math.max(dims.get(term[j]!) ?? 1, d));
    }
  }
  const out = arrow >= 0 ? eq.slice(arrow + 2) : [...dims.keys()].filter((c) => lhs.join('').split(c).length === 2).sort().join('');
  let n = out.includes('...') || arrow < 0 ? size(ellipsis) : 1;
  for (const c of out.replace('...', '')) n *= dims.get(c) ?? 1;
  return n;
}
