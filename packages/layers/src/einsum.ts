import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedFeatureError } from '@savedkeras/common';
import { product } from './shape-utils.js';

/**
 * Two-operand einsum (`abc,cde->abde`) as transpose + reshape + batched matMul, for any equation
 * without repeated letters inside one operand. tfjs' own einsum kernel accepts only a few
 * equation forms, while EinsumDense and MultiHeadAttention build arbitrary ones.
 */

export interface ParsedEinsum {
  a: string;
  b: string;
  out: string;
}

const ELLIPSIS_LETTERS = 'ZYXWVUTSRQPONMLKJIHGFEDCBA';

/** Parses `lhs,rhs->out`, replacing `...` by fresh capital letters sized by the operand ranks. */
export function parseEinsum(equation: string, rankA: number, rankB: number): ParsedEinsum {
  const eq = equation.replace(/\s+/g, '');
  const m = /^([a-zA-Z.]*),([a-zA-Z.]*)(?:->([a-zA-Z.]*))?$/.exec(eq);
  if (!m) throw new UnsupportedFeatureError(`einsum equation "${equation}" is not a two-operand equation`);
  const [, rawA, rawB, rawOut] = m;
  const letters = (s: string) => s.replace('...', '').length;
  const ellA = rawA.includes('...') ? rankA - letters(rawA) : 0;
  const ellB = rawB.includes('...') ? rankB - letters(rawB) : 0;
  if (ellA < 0 || ellB < 0) throw new RangeError(`einsum "${equation}": operand ranks ${rankA}, ${rankB} do not fit`);
  const ellN = Math.max(ellA, ellB);
  const ell = ELLIPSIS_LETTERS.slice(0, ellN).split('').reverse().join('');
  // Ellipsis dims are right-aligned (broadcast style).
  const expand = (s: string, n: number) => s.replace('...', ell.slice(ellN - n));
  const a = expand(rawA, ellA);
  const b = expand(rawB, ellB);
  let out: string;
  if (rawOut === undefined) {
    const counts = new Map<string, number>();
    for (const c of a + b) counts.set(c, (counts.get(c) ?? 0) + 1);
    out = ell + [...counts.entries()].filter(([c, n]) => n === 1 && !ell.includes(c)).map(([c]) => c).sort().join('');
  } else {
    out = rawOut.replace('...', ell);
  }
  if (a.length !== rankA || b.length !== rankB) {
    throw new RangeError(`einsum "${equation}": operands have rank ${rankA} and ${rankB}, the equation names ${a.length} and ${b.length} dims`);
  }
  for (const s of [a, b, out]) {
    if (new Set(s).size !== s.length) throw new UnsupportedFeatureError(`einsum "${equation}": repeated indices within one operand are not supported`);
  }
  for (const c of out) {
    if (!a.includes(c) && !b.includes(c)) throw new RangeError(`einsum "${equation}": output index ${c} is in neither operand`);
  }
  return { a, b, out };
}

function permuteTo(x: tf.Tensor, from: string, to: string): tf.Tensor {
  if (from === to) return x;
  return tf.transpose(x, to.split('').map((c) => from.indexOf(c)));
}

/** Sums away the letters of `spec` that occur in neither `other` nor `out`. */
function sumPrivate(x: tf.Tensor, spec: string, other: string, out: string): { x: tf.Tensor; spec: string } {
  const axes: number[] = [];
  for (let i = 0; i < spec.length; i++) if (!other.includes(spec[i]) && !out.includes(spec[i])) axes.push(i);
  if (axes.length === 0) return { x, spec };
  return { x: tf.sum(x, axes), spec: spec.split('').filter((_, i) => !axes.includes(i)).join('') };
}

export function einsum2(equation: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = parseEinsum(equation, a.rank, b.rank);
    const ra = sumPrivate(a, p.a, p.b, p.out);
    const rb = sumPrivate(b, p.b, p.a, p.out);
    const sa = ra.spec;
    const sb = rb.spec;
    const size = new Map<string, number>();
    const note = (spec: string, shape: number[]) => {
      for (let i = 0; i < spec.length; i++) {
        const prev = size.get(spec[i]);
        if (prev !== undefined && prev !== shape[i] && prev !== 1 && shape[i] !== 1) {
          throw new RangeError(`einsum "${equation}": index ${spec[i]} has sizes ${prev} and ${shape[i]}`);
        }
        size.set(spec[i], Math.max(prev ?? 1, shape[i]));
      }
    };
    note(sa, ra.x.shape);
    note(sb, rb.x.shape);
    const batch = p.out.split('').filter((c) => sa.includes(c) && sb.includes(c)).join('');
    const contract = sa.split('').filter((c) => sb.includes(c) && !p.out.includes(c)).join('');
    const freeA = sa.split('').filter((c) => !sb.includes(c)).join('');
    const freeB = sb.split('').filter((c) => !sa.includes(c)).join('');
    const dims = (s: string) => s.split('').map((c) => size.get(c)!);
    // Batch dims of size 1 on one side broadcast to the other.
    const bcast = (x: tf.Tensor, spec: string) => {
      const target = dims(spec);
      return x.shape.every((d, i) => d === target[i]) ? x : tf.broadcastTo(x, target);
    };
    const xa = bcast(permuteTo(ra.x, sa, batch + freeA + contract), batch + freeA + contract);
    const xb = bcast(permuteTo(rb.x, sb, batch + contract + freeB), batch + contract + freeB);
    const nBatch = product(dims(batch));
    const mA = tf.reshape(xa, [nBatch, product(dims(freeA)), product(dims(contract))]);
    const mB = tf.reshape(xb, [nBatch, product(dims(contract)), product(dims(freeB))]);
    const prod = tf.reshape(tf.matMul(mA, mB), dims(batch + freeA + freeB));
    return permuteTo(prod, batch + freeA + freeB, p.out);
  });
}
