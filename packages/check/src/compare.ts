import type * as tf from '@tensorflow/tfjs-core';
import type { CheckedOutput } from './check-model.js';

/**
 * How two runs are compared: element by element, |got - want| <= tolerance * (1 + |want|), NaN
 * matching NaN; the same rules for the check's outputs, `convert --verify` and the demo page.
 */

type Outputs = Record<string, tf.Tensor>;

export interface Compared {
  outputs: CheckedOutput[];
  problems: string[];
}

/**
 * Compares `got` with `want` output by output. `other` (the reference run with another seed, or
 * null when no random op ran) marks random outputs; a random output whose seeded runs disagree is
 * left out of the verdict. `strictFinite`: non-finite values fail (signatures), else NaN matching
 * NaN is agreement.
 */
export function compareAll(
  got: Outputs,
  want: Outputs,
  other: Outputs | null,
  tolerance: number,
  order: string[],
  signature: string | undefined,
  strictFinite = false,
): Compared {
  const problems: string[] = [];
  const outputs: CheckedOutput[] = [];
  const wantNames = Object.keys(want);
  const gotNames = order.filter((n) => n in got);
  if (gotNames.length !== wantNames.length || !gotNames.every((n) => n in want)) {
    problems.push(`outputs differ: got ${Object.keys(got).join(', ')}, the reference has ${wantNames.join(', ')}`);
  }
  for (const name of gotNames) {
    const g = got[name]!;
    const w = want[name];
    const base = { name, ...(signature ? { signature } : {}), shape: g.shape, dtype: g.dtype };
    if (!w) continue;
    const finite = allFinite(g) && allFinite(w);
    const random = other !== null && other[name] !== undefined && !sameValues(w, other[name]!);
    if (!sameShape(g.shape, w.shape)) {
      problems.push(`${name}: shape [${g.shape}] but the reference gives [${w.shape}]`);
      outputs.push({ ...base, maxAbsDiff: null, maxRelDiff: null, finite, random, compared: true, ok: false });
      continue;
    }
    const { abs, rel } = diff(g, w);
    let ok = rel !== null && rel <= tolerance;
    let comparedOut = true;
    if (!ok && random) {
      comparedOut = false;
      ok = true;
    } else if (!ok) {
      problems.push(`${name}: max |diff| ${fmt(abs)} (relative ${fmt(rel)}) exceeds the tolerance ${tolerance}`);
    }
    if (strictFinite && !finite) {
      ok = false;
      problems.push(`${name}: holds NaN or infinite values`);
    }
    outputs.push({ ...base, maxAbsDiff: abs, maxRelDiff: rel, finite, random, compared: comparedOut, ok });
  }
  return { outputs, problems };
}

function fmt(v: number | null): string {
  return v === null ? 'NaN' : v.toExponential(2);
}

export function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function allFinite(t: tf.Tensor): boolean {
  if (t.dtype !== 'float32') return true;
  const v = t.dataSync() as Float32Array;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

export function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as unknown;
    const q = y[i] as unknown;
    if (p instanceof Uint8Array && q instanceof Uint8Array) {
      if (p.length !== q.length || p.some((v, j) => v !== q[j])) return false;
    } else if (p !== q && !(Number.isNaN(p) && Number.isNaN(q))) return false;
  }
  return true;
}

/** max |a-b| and max |a-b|/(1+|b|); NaN against NaN (or equal infinities) counts as equal, against a number as null. */
export function diff(a: tf.Tensor, b: tf.Tensor): { abs: number | null; rel: number | null } {
  if (a.dtype === 'string' || b.dtype === 'string') {
    return sameValues(a, b) ? { abs: 0, rel: 0 } : { abs: null, rel: null };
  }
  const x = a.dataSync() as Float32Array;
  const y = b.dataSync() as Float32Array;
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Number(x[i]);
    const q = Number(y[i]);
    if (p === q || (Number.isNaN(p) && Number.isNaN(q))) continue;
    const d = Math.abs(p - q);
    if (Number.isNaN(d)) return { abs: null, rel: null };
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / (1 + Math.abs(q)));
  }
  return { abs, rel };
}


/**
 * Largest |a - b| over lists of flat outputs (e.g. two models' predictions); Infinity when they differ
 * in count or length, or NaN in one where the other has a number.
 */
export function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k]!.length !== b[k]!.length) return Infinity;
    for (let i = 0; i < a[k]!.length; i++) {
      const x = a[k]![i]!;
      const y = b[k]![i]!;
      if (x === y) continue;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
        continue;
      }
      m = Math.max(m, Math.abs(x - y));
    }
  }
  return m;
}
