import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, tensorsFrom, unsupported } from './util.js';

/**
 * Einsum. tfjs' einsum handles the common equations; for the ones it rejects (or ellipses, which it
 * does not support) we lower the equation ourselves:
 *  1 operand:  sum over labels absent from the output, then transpose;
 *  2 operands: sum each operand over labels that appear nowhere else, then
 *              transpose to [batch, free, contracted] / [batch, contracted, free], reshape to 3-D,
 *              batched matMul, reshape to [batch..., freeA..., freeB...] and transpose to the output.
 * A label repeated inside one operand (`bii->bi`, `ii->`) first takes that operand's diagonal, as
 * TensorFlow does.
 */
function parseEquation(equation: string, ranks: number[], ctx: KernelContext): { inputs: string[]; output: string } {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const ins = lhs.split(',');
  if (ins.length !== ranks.length) throw bad(ctx, `equation ${equation} has ${ins.length} operands, got ${ranks.length} inputs`);
  // expand "..." into fresh upper-case labels, as many as each operand's extra dims (broadcast right-aligned)
  const fresh = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').filter((c) => !eq.includes(c));
  let ellipsisRank = 0;
  ins.forEach((s, i) => {
    if (s.includes('...')) ellipsisRank = Math.max(ellipsisRank, ranks[i]! - (s.length - 3));
  });
  const ell = fresh.slice(0, ellipsisRank).join('');
  const expanded = ins.map((s, i) => {
    if (!s.includes('...')) return s;
    const n = ranks[i]! - (s.length - 3);
    return s.replace('...', ell.slice(ellipsisRank - n));
  });
  let output: string;
  if (arrow >= 0) output = eq.slice(arrow + 2).replace('...', ell);
  else {
    // implicit output: labels appearing exactly once, sorted, after the ellipsis labels
    const counts = new Map<string, number>();
    for (const s of ins) for (const c of s.replace('...', '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    output = ell + [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join('');
  }
  expanded.forEach((s, i) => {
    if (s.length !== ranks[i]) throw bad(ctx, `operand ${i} of ${equation} has ${s.length} labels but rank ${ranks[i]}`);
  });
  return { inputs: expanded, output };
}

function sumOut(x: tf.Tensor, labels: string, keep: (c: string) => boolean): [tf.Tensor, string] {
  const axes = [...labels].map((c, i) => (keep(c) ? -1 : i)).filter((i) => i >= 0);
  if (axes.length === 0) return [x, labels];
  return [tf.sum(x, axes), [...labels].filter((c) => keep(c)).join('')];
}

/**
 * The diagonal over every label repeated in `labels` (x[..., i, ..., i, ...] -> x[..., i, ...]), as a
 * gather of flat positions; labels keep their first occurrence's order.
 */
function diagonalOf(x: tf.Tensor, labels: string, ctx: KernelContext): [tf.Tensor, string] {
  const unique = [...new Set(labels)];
  if (unique.length === labels.length) return [x, labels];
  const size = new Map<string, number>();
  [...labels].forEach((c, k) => {
    const d = x.shape[k]!;
    if (size.has(c) && size.get(c) !== d) throw bad(ctx, `repeated label ${c} has sizes ${size.get(c)} and ${d}`);
    size.set(c, d);
  });
  const outShape = unique.map((c) => size.get(c)!);
  const n = checkedSize(outShape, ctx);
  // stride of each unique label in x: the sum of the strides of its positions
  const strides = new Map<string, number>();
  let s = 1;
  for (let k = labels.length - 1; k >= 0; k--) {
    strides.set(labels[k]!, (strides.get(labels[k]!) ?? 0) + s);
    s *= x.shape[k]!;
  }
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let flat = 0;
    for (let u = unique.length - 1; u >= 0; u--) {
      const d = outShape[u]!;
      flat += (rest % d) * strides.get(unique[u]!)!;
      rest = Math.floor(rest / d);
    }
    idx[i] = flat;
  }
  return [tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.tensor1d(idx, 'int32')), outShape), unique.join('')];
}

export function einsumFallback(equation: string, operands: tf.Tensor[], ctx: KernelContext): tf.Tensor {
  const parsed = parseEquation(equation, operands.map((x) => x.rank), ctx);
  const { output } = parsed;
  const xs: tf.Tensor[] = [];
  const inputs: string[] = [];
  operands.forEach((x, i) => {
    const [d, l] = diagonalOf(x, parsed.inputs[i]!, ctx);
    xs.push(d);
    inputs.push(l);
  });
  const dims = new Map<string, number>();
  inputs.forEach((s, i) => [...s].forEach((c, k) => {
    const d = xs[i]!.shape[k]!;
    const prev = dims.get(c);
    if (prev !== undefined && prev !== d && prev !== 1 && d !== 1) throw bad(ctx, `label ${c} has sizes ${prev} and ${d} in ${equation}`);
    dims.set(c, Math.max(prev ?? 1, d));
  }));
  if (xs.length === 1) {
    const [s, l] = sumOut(xs[0]!, inputs[0]!, (c) => output.includes(c));
    return tf.transpose(s, [...output].map((c) => l.indexOf(c)));
  }
  if (xs.length !== 2) throw unsupported(ctx, `einsum with ${xs.length} operands`);
  const [la, lb] = inputs as [string, string];
  const [a, sa] = sumOut(xs[0]!, la, (c) => output.includes(c) || lb.includes(c));
  const [b, sb] = sumOut(xs[1]!, lb, (c) => output.includes(c) || la.includes(c));
  const batch = [...sa].filter((c) => sb.includes(c) && output.includes(c));
  const contract = [...sa].filter((c) => sb.includes(c) && !output.includes(c));
  const freeA = [...sa].filter((c) => !sb.includes(c));
  const freeB = [...sb].filter((c) => !sa.includes(c));
  const size = (ls: string[]) => ls.reduce((n, c) => n * dims.get(c)!, 1);
  const bcast = (x: tf.Tensor, labels: string, order: string[]) => {
    const t = tf.transpose(x, order.map((c) => labels.indexOf(c)));
    // broadcast size-1 batch dims up to the joint size
    const want = order.map((c) => dims.get(c)!);
    return t.shape.every((d, i) => d === want[i]) ? t : tf.broadcastTo(t, want);
  };
  const at = bcast(a, sa, [...batch, ...freeA, ...contract]);
  const bt = bcast(b, sb, [...batch, ...contract, ...freeB]);
  const prod = tf.matMul(
    tf.reshape(at, [size(batch), size(freeA), size(contract)]) as tf.Tensor3D,
    tf.reshape(bt, [size(batch), size(contract), size(freeB)]) as tf.Tensor3D,
  );
  const labels = [...batch, ...freeA, ...freeB];
  const full = tf.reshape(prod, labels.map((c) => dims.get(c)!));
  if (output.length !== labels.length) throw bad(ctx, `einsum output ${output} does not match the operands of ${equation}`);
  return tf.transpose(full, [...output].map((c) => labels.indexOf(c)));
}

export const einsum: Kernel = (inputs, attrs, ctx) => {
  const equation = attrs.str('equation');
  const xs = tensorsFrom(inputs, 0, attrs.int('N', inputs.length), ctx);
  // tfjs' einsum has no ellipsis and no diagonals (a label repeated within one operand), and on the cpu
  // backend returns the wrong shape when a label of one operand appears nowhere else (bij,bjk->b gave [2, 5])
  const [lhs, rhs] = equation.replace(/\s+/g, '').split('->') as [string, string | undefined];
  const operands = lhs.split(',');
  const repeated = operands.some((op) => new Set(op).size !== op.length);
  const summedAlone = rhs !== undefined && operands.some((op, i) => [...op].some((c) => !rhs.includes(c) && !operands.some((o, k) => k !== i && o.includes(c))));
  if (!equation.includes('...') && !repeated && !summedAlone) {
    try {
      return [tf.einsum(equation, ...xs)];
    } catch {
      // fall through to our lowering
    }
  }
  return [einsumFallback(equation, xs, ctx)];
};
