import * as tf from '@tensorflow/tfjs-core';
import { FormatError, formatShape, InputMismatchError, nameRecord } from '@savedkeras/common';
import { formatStructure, type ConcreteFunctionInfo, type Structure } from '@savedkeras/object-graph';
import { dtypeFromName } from '@savedkeras/proto';
import type { Value } from './kernel.js';
import { tfjsDtype } from './ops/dtypes.js';

/**
 * Matching call arguments against a saved function's canonicalized input signature
 * `(args, kwargs)` (format reference §4), as TensorFlow dispatches between the concrete
 * functions of one tf.function: same structure, equal Python leaves (training=True/False ...),
 * equal dtypes, compatible shapes (-1 matches any size, unknown rank matches any shape).
 *
 * JS calling forms: a tensor (the first positional argument), an array (the positional
 * arguments, or the first argument when that is a list), an object (keyword arguments, or a dict
 * first argument), or the flat tensor leaves in order. Trailing Python leaves may be left out:
 * they take the traced value.
 */

/** The tfjs dtype that carries a TensorFlow dtype name (int64 -> int32, float64 -> float32, ...). */
export function carrierDtype(tfName: string): string {
  const n = dtypeFromName(tfName);
  return n === undefined ? tfName : tfjsDtype(n);
}

export function shapeCompatible(spec: number[] | null, shape: readonly number[]): boolean {
  if (spec === null) return true;
  if (spec.length !== shape.length) return false;
  return spec.every((d, i) => d < 0 || d === shape[i]);
}

const fmtShape = formatShape;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof tf.Tensor);
}

/** Matches `value` against `spec`, appending tensor leaves in flatten order; returns a reason on mismatch. */
function matchInto(spec: Structure, value: unknown, path: string, out: tf.Tensor[], checkShapes: boolean): string | null {
  switch (spec.kind) {
    case 'tensorSpec': {
      if (!(value instanceof tf.Tensor)) return `${path}: expected a tensor, got ${describe(value)}`;
      const want = carrierDtype(spec.dtype);
      if (value.dtype !== want) return `${path}: expected ${spec.dtype} (a ${want} tensor in tfjs), got ${value.dtype}`;
      if (checkShapes && !shapeCompatible(spec.shape, value.shape)) {
        return `${path}: expected shape ${fmtShape(spec.shape)}, got [${value.shape.join(', ')}]`;
      }
      out.push(value);
      return null;
    }
    case 'typeSpec': {
      const n = spec.numFlatComponents;
      if (Array.isArray(value) && value.length === n && value.every((t) => t instanceof tf.Tensor)) {
        out.push(...(value as tf.Tensor[]));
        return null;
      }
      return `${path}: expected the ${n} component tensor(s) of a ${spec.className || 'composite tensor'}`;
    }
    case 'list':
    case 'tuple': {
      if (!Array.isArray(value)) return `${path}: expected a ${spec.kind} of ${spec.items.length}, got ${describe(value)}`;
      if (value.length !== spec.items.length) return `${path}: expected ${spec.items.length} item(s), got ${value.length}`;
      for (let i = 0; i < spec.items.length; i++) {
        const r = matchInto(spec.items[i]!, value[i], `${path}[${i}]`, out, checkShapes);
        if (r) return r;
      }
      return null;
    }
    case 'dict': {
      if (!isPlainObject(value)) return `${path}: expected a dict with keys ${Object.keys(spec.fields).join(', ')}, got ${describe(value)}`;
      const extra = Object.keys(value).filter((k) => !(k in spec.fields) && value[k] !== undefined);
      if (extra.length > 0) return `${path}: unexpected key(s) ${extra.join(', ')} (expected ${Object.keys(spec.fields).join(', ')})`;
      for (const k of Object.keys(spec.fields).sort()) {
        const r = matchInto(spec.fields[k]!, value[k], `${path}.${k}`, out, checkShapes);
        if (r) return r;
      }
      return null;
    }
    case 'namedTuple': {
      const items = Array.isArray(value) ? value : isPlainObject(value) ? spec.fields.map(([k]) => value[k]) : null;
      if (!items || items.length !== spec.fields.length) return `${path}: expected ${spec.name}(${spec.fields.map(([k]) => k).join(', ')})`;
      for (let i = 0; i < spec.fields.length; i++) {
        const r = matchInto(spec.fields[i]![1], items[i], `${path}.${spec.fields[i]![0]}`, out, checkShapes);
        if (r) return r;
      }
      return null;
    }
    case 'none':
      return value === null || value === undefined ? null : `${path}: expected None, got ${describe(value)}`;
    case 'value':
      if (value === undefined) return null;
      return value === spec.value || (typeof value === 'boolean' && typeof spec.value === 'number' && Number(value) === spec.value)
        ? null
        : `${path}: the function was traced with ${formatStructure(spec)}, got ${describe(value)}`;
    default:
      return value === undefined ? null : `${path}: cannot pass a value for a ${spec.kind} argument`;
  }
}

function describe(v: unknown): string {
  if (v instanceof tf.Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ')}`;
  return JSON.stringify(v);
}

export interface MatchOptions {
  /** Value for the `training` argument (chooses between the training=True/False traces). */
  training?: boolean;
  /** Positional argument names (FunctionSpec fullargspec, without `self`); locate `training` by name. */
  argNames?: string[];
  /** Check tensor shapes against the specs (default true). */
  checkShapes?: boolean;
}

export interface Match {
  fn: ConcreteFunctionInfo;
  /** The tensor leaves in graph-input order. */
  tensors: tf.Tensor[];
}

/** Positional arg specs and kwargs dict of a canonicalized `(args, kwargs)` signature. */
export function splitSignature(sig: Structure): { args: Structure[]; kwargs: Record<string, Structure> } {
  if ((sig.kind === 'tuple' || sig.kind === 'list') && sig.items.length === 2) {
    const [a, k] = sig.items as [Structure, Structure];
    const args = a.kind === 'tuple' || a.kind === 'list' ? a.items : [a];
    const kwargs = k.kind === 'dict' ? k.fields : {};
    return { args, kwargs };
  }
  return { args: [sig], kwargs: {} };
}

/** Index of the `training` positional argument: by name, else the only Python bool leaf. */
function trainingIndex(args: Structure[], argNames?: string[]): number {
  if (argNames) return argNames.indexOf('training');
  const bools = args.flatMap((a, i) => (a.kind === 'value' && typeof a.value === 'boolean' ? [i] : []));
  return bools.length === 1 ? bools[0]! : -1;
}

/** The ways a JS call value can be read as (positional, kwargs). */
function readings(value: unknown, nArgs: number, hasKwargs: boolean): { positional: unknown[]; kwargs: Record<string, unknown> }[] {
  const out: { positional: unknown[]; kwargs: Record<string, unknown> }[] = [];
  if (Array.isArray(value)) {
    if (value.length <= nArgs) out.push({ positional: [...value], kwargs: {} });
    if (nArgs >= 1) out.push({ positional: [value], kwargs: {} });
  } else if (isPlainObject(value)) {
    if (hasKwargs) out.push({ positional: [], kwargs: value });
    if (nArgs >= 1) out.push({ positional: [value], kwargs: {} });
  } else {
    out.push({ positional: value === undefined ? [] : [value], kwargs: {} });
  }
  return out;
}

/** Tries to bind `value` to one concrete function; returns the tensors or the reasons it failed. */
export function matchCall(fn: ConcreteFunctionInfo, value: unknown, options: MatchOptions = {}): { tensors: tf.Tensor[] } | { reasons: string[] } {
  const { args, kwargs } = splitSignature(fn.inputSignature);
  const checkShapes = options.checkShapes ?? true;
  const reasons: string[] = [];
  const ti = trainingIndex(args, options.argNames);
  for (const r of readings(value, args.length, Object.keys(kwargs).length > 0)) {
    if (r.positional.length > args.length) continue;
    const positional = [...r.positional];
    while (positional.length < args.length) positional.push(undefined);
    if (options.training !== undefined) {
      if (ti >= 0 && positional[ti] === undefined) positional[ti] = options.training;
      else if (ti < 0 && 'training' in kwargs && r.kwargs['training'] === undefined) r.kwargs = { ...r.kwargs, training: options.training };
    }
    const out: tf.Tensor[] = [];
    let why = matchInto({ kind: 'tuple', items: args }, positional, 'args', out, checkShapes);
    if (!why) {
      // kwargs: every key the signature has (missing Python leaves take the traced value)
      const kw = r.kwargs;
      const extra = Object.keys(kw).filter((k) => !(k in kwargs) && kw[k] !== undefined);
      why = extra.length > 0 ? `unexpected keyword argument(s) ${extra.join(', ')}` : matchInto({ kind: 'dict', fields: kwargs }, kw, 'kwargs', out, checkShapes);
    }
    if (!why) return { tensors: out };
    reasons.push(why);
  }
  // Flat form: the tensor leaves themselves, in graph-input order.
  if (Array.isArray(value) && value.every((t) => t instanceof tf.Tensor)) {
    const leaves = flatSpecs(fn);
    if (leaves.length === value.length) {
      const why = leaves.map((s, i) => matchInto(s, value[i], `flat[${i}]`, [], checkShapes)).find((x) => x !== null);
      if (!why) {
        if (options.training !== undefined && ti >= 0) {
          const leaf = args[ti]!;
          if (leaf.kind === 'value' && leaf.value !== options.training) return { reasons: [...reasons, `traced with training=${leaf.value}`] };
        }
        return { tensors: value as tf.Tensor[] };
      }
      reasons.push(why);
    }
  }
  return { reasons: reasons.length > 0 ? reasons : ['no reading of the arguments fits'] };
}

/** The tensor leaves of an input signature in graph-input order (TypeSpecs unsupported in the flat form). */
function flatSpecs(fn: ConcreteFunctionInfo): Structure[] {
  const { args, kwargs } = splitSignature(fn.inputSignature);
  const out: Structure[] = [];
  const walk = (s: Structure) => {
    switch (s.kind) {
      case 'tensorSpec': case 'typeSpec': out.push(s); break;
      case 'list': case 'tuple': s.items.forEach(walk); break;
      case 'dict': for (const k of Object.keys(s.fields).sort()) walk(s.fields[k]!); break;
      case 'namedTuple': s.fields.forEach(([, v]) => walk(v)); break;
      default: break;
    }
  };
  args.forEach(walk);
  walk({ kind: 'dict', fields: kwargs });
  return out;
}

/** How many Python bools of the trace are True: with no `training` given, fewer is preferred (inference). */
function trueLeaves(fn: ConcreteFunctionInfo, options: MatchOptions): number {
  if (options.training !== undefined) return 0;
  return splitSignature(fn.inputSignature).args.filter((a) => a.kind === 'value' && a.value === true).length;
}

/**
 * Picks the concrete function `value` fits, as TensorFlow does; without a `training` value the
 * training=False trace wins. Throws InputMismatchError listing every available signature.
 */
export function selectConcreteFunction(fns: ConcreteFunctionInfo[], value: unknown, options: MatchOptions = {}): Match {
  const matches: (Match & { score: number })[] = [];
  const failures: string[] = [];
  for (const fn of fns) {
    const m = matchCall(fn, value, options);
    if ('tensors' in m) matches.push({ fn, tensors: m.tensors, score: trueLeaves(fn, options) });
    else failures.push(`  ${formatStructure(fn.inputSignature)}  (${fn.name}): ${m.reasons[0]}`);
  }
  if (matches.length === 0) {
    throw new InputMismatchError(
      `the arguments (${describe(value)}) match none of the ${fns.length} saved signature(s):\n${failures.join('\n')}`,
      { hint: 'pass tensors whose structure, dtypes and shapes match one of the signatures above' },
    );
  }
  matches.sort((a, b) => a.score - b.score);
  return { fn: matches[0]!.fn, tensors: matches[0]!.tensors };
}

/**
 * Packs flat function outputs into the output signature's structure: dicts become objects, lists
 * and tuples arrays, None null, Python leaves their value, composite tensors arrays of components.
 */
export function packOutputs(spec: Structure, flat: Value[], where: string): unknown {
  let i = 0;
  const take = (): Value => {
    if (i >= flat.length) throw new FormatError(`the function returned ${flat.length} value(s), fewer than its output signature has`, { node: where });
    return flat[i++]!;
  };
  const build = (s: Structure): unknown => {
    switch (s.kind) {
      case 'tensorSpec': return take();
      case 'typeSpec': return Array.from({ length: s.numFlatComponents }, take);
      case 'list': case 'tuple': return s.items.map(build);
      case 'dict': {
        const o = nameRecord<unknown>(); // keys from the file
        for (const k of Object.keys(s.fields).sort()) o[k] = build(s.fields[k]!);
        return o;
      }
      case 'namedTuple': {
        const o = nameRecord<unknown>();
        for (const [k, v] of s.fields) o[k] = build(v);
        return o;
      }
      case 'none': return null;
      case 'value': return s.value;
      default: return null;
    }
  };
  const out = build(spec);
  if (i !== flat.length) throw new FormatError(`the function returned ${flat.length} values, its output signature has ${i}`, { node: where });
  return out;
}
