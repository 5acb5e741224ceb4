import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, intsOf, tensorAt } from './util.js';

/**
 * CTC ops (tensorflow/core/kernels/ctc_loss_op.cc, ctc_decoder_ops.cc and util/ctc/): inputs are
 * logits [max_time, batch, num_classes], time-major; the blank is the last class unless a decoder's
 * blank_index says otherwise. Arithmetic in float64 log space (TF: float32), so results agree with
 * TensorFlow to float32 precision.
 */
const NEG_INF = -Infinity;

function logSumExp(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

interface Logits { data: Float32Array; T: number; B: number; C: number }

function logitsOf(t: tf.Tensor, ctx: KernelContext): Logits {
  if (t.rank !== 3) throw bad(ctx, `inputs must be 3-D [max_time, batch, num_classes], got [${t.shape}]`);
  const [T, B, C] = t.shape as [number, number, number];
  return { data: t.dataSync() as Float32Array, T, B, C };
}

function seqLengths(t: tf.Tensor, l: Logits, ctx: KernelContext): number[] {
  const lens = intsOf(t);
  if (lens.length !== l.B) throw bad(ctx, `sequence_length has ${lens.length} entries for batch ${l.B}`);
  for (const s of lens) if (s < 0 || s > l.T) throw bad(ctx, `sequence_length ${s} is outside [0, ${l.T}]`);
  return lens;
}

/** log softmax of row (t, b). */
function logSoftmaxRow(l: Logits, t: number, b: number): Float64Array {
  const off = (t * l.B + b) * l.C;
  let max = NEG_INF;
  for (let c = 0; c < l.C; c++) max = Math.max(max, l.data[off + c]!);
  let sum = 0;
  for (let c = 0; c < l.C; c++) sum += Math.exp(l.data[off + c]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(l.C);
  for (let c = 0; c < l.C; c++) out[c] = l.data[off + c]! - lse;
  return out;
}

/**
 * CTCLoss: -log p(labels | inputs) per batch entry and its gradient with respect to the logits.
 * CTCLossV2 (TF's cuDNN variant, no CPU kernel in TF) is the same loss with the blank as class 0 and
 * labels 1..C-1 (ctc_ops.cc: "default blank label is 0 rather num_classes - 1").
 */
const ctcLossWith = (blankFirst: boolean): Kernel => (inputs, attrs, ctx) => {
  const l = logitsOf(tensorAt(inputs, 0, ctx), ctx);
  const indices = intsOf(tensorAt(inputs, 1, ctx));
  const values = intsOf(tensorAt(inputs, 2, ctx));
  const lens = seqLengths(tensorAt(inputs, 3, ctx), l, ctx);
  const collapse = attrs.bool('preprocess_collapse_repeated', false);
  const merge = attrs.bool('ctc_merge_repeated', true);
  const ignoreLonger = attrs.bool('ignore_longer_outputs_than_inputs', false);
  // TF's CTCLossV2 kernel (cuDNN) accepts the default options only and refuses the rest
  if (blankFirst && (collapse || !merge || ignoreLonger)) {
    throw bad(ctx, 'CTCLossV2 requires preprocess_collapse_repeated false, ctc_merge_repeated true and ignore_longer_outputs_than_inputs false (as TensorFlow\'s kernel)');
  }
  const blank = blankFirst ? 0 : l.C - 1;
  const firstLabel = blankFirst ? 1 : 0;
  const endLabel = blankFirst ? l.C : l.C - 1;
  if (indices.length !== 2 * values.length) throw bad(ctx, `labels_indices must be [${values.length}, 2]`);
  const labels: number[][] = Array.from({ length: l.B }, () => []);
  let prevB = -1;
  for (let i = 0; i < values.length; i++) {
    const b = indices[2 * i]!;
    if (b < 0 || b >= l.B) throw bad(ctx, `labels_indices row ${i} names batch ${b}, outside [0, ${l.B})`);
    if (b < prevB) throw bad(ctx, 'labels_indices must be ordered by batch');
    prevB = b;
    const v = values[i]!;
    if (v < firstLabel || v >= endLabel) throw bad(ctx, `label ${v} is not a valid class (class ${blank}, the ${blankFirst ? 'first' : 'last'}, is the blank)`);
    labels[b]!.push(v);
  }
  const loss = new Float32Array(l.B);
  const grad = new Float32Array(l.T * l.B * l.C);
  for (let b = 0; b < l.B; b++) {
    let lab = labels[b]!;
    if (collapse) lab = lab.filter((v, i) => i === 0 || v !== lab[i - 1]);
    const T = lens[b]!;
    // TF checks the label count only: labels that fit but need blanks between repeats get an infinite loss
    if (lab.length > T) {
      if (ignoreLonger) continue; // loss 0, gradient 0
      throw bad(ctx, `not enough time for the labels of batch ${b}: ${lab.length} labels in ${T} steps`);
    }
    const lp = [blank];
    for (const v of lab) lp.push(v, blank);
    const U = lp.length;
    const y: Float64Array[] = [];
    for (let t = 0; t < T; t++) y.push(logSoftmaxRow(l, t, b));
    const alpha = Array.from({ length: T }, () => new Float64Array(U).fill(NEG_INF));
    const beta = Array.from({ length: T }, () => new Float64Array(U).fill(NEG_INF));
    if (T > 0) {
      alpha[0]![0] = y[0]![blank]!;
      if (U > 1) alpha[0]![1] = y[0]![lp[1]!]!;
    }
    for (let t = 1; t < T; t++) {
      for (let u = 0; u < U; u++) {
        let s = NEG_INF;
        if (merge || lp[u] === blank) s = alpha[t - 1]![u]!;
        if (u > 0) s = logSumExp(s, alpha[t - 1]![u - 1]!);
        if (u > 1 && lp[u] !== blank && !(merge && lp[u] === lp[u - 2])) s = logSumExp(s, alpha[t - 1]![u - 2]!);
        alpha[t]![u] = s === NEG_INF ? NEG_INF : s + y[t]![lp[u]!]!;
      }
    }
    if (T > 0) {
      beta[T - 1]![U - 1] = 0;
      if (U > 1) beta[T - 1]![U - 2] = 0;
    }
    for (let t = T - 2; t >= 0; t--) {
      for (let u = 0; u < U; u++) {
        let s = NEG_INF;
        if (merge || lp[u] === blank) s = beta[t + 1]![u]! + y[t + 1]![lp[u]!]!;
        if (u + 1 < U) s = logSumExp(s, beta[t + 1]![u + 1]! + y[t + 1]![lp[u + 1]!]!);
        if (u + 2 < U && lp[u] !== blank && !(merge && lp[u] === lp[u + 2])) s = logSumExp(s, beta[t + 1]![u + 2]! + y[t + 1]![lp[u + 2]!]!);
        beta[t]![u] = s;
      }
    }
    const logP = T === 0 ? (U === 1 ? 0 : NEG_INF) : logSumExp(alpha[T - 1]![U - 1]!, U > 1 ? alpha[T - 1]![U - 2]! : NEG_INF);
    loss[b] = -logP;
    for (let t = 0; t < T; t++) {
      const probSum = new Float64Array(l.C).fill(NEG_INF);
      for (let u = 0; u < U; u++) probSum[lp[u]!] = logSumExp(probSum[lp[u]!]!, alpha[t]![u]! + beta[t]![u]!);
      const off = (t * l.B + b) * l.C;
      for (let c = 0; c < l.C; c++) grad[off + c] = Math.exp(y[t]![c]!) - (logP === NEG_INF ? 0 : Math.exp(probSum[c]! - logP));
    }
  }
  return [tf.tensor1d(loss), tf.tensor3d(grad, [l.T, l.B, l.C])];
};

/** Decoded sequences as a SparseTensor's indices / values / dense shape (int64 carried as int32). */
function sparseOf(seqs: number[][]): tf.Tensor[] {
  const idx: number[] = [];
  const vals: number[] = [];
  let maxLen = 0;
  seqs.forEach((s, b) => {
    s.forEach((v, i) => { idx.push(b, i); vals.push(v); });
    maxLen = Math.max(maxLen, s.length);
  });
  return [tf.tensor2d(idx, [vals.length, 2], 'int32'), tf.tensor1d(vals, 'int32'), tf.tensor1d([seqs.length, maxLen], 'int32')];
}

/** CTCGreedyDecoder: the most likely class at every step, repeats merged if asked, blanks dropped. */
const ctcGreedy: Kernel = (inputs, attrs, ctx) => {
  const l = logitsOf(tensorAt(inputs, 0, ctx), ctx);
  const lens = seqLengths(tensorAt(inputs, 1, ctx), l, ctx);
  const merge = attrs.bool('merge_repeated', false);
  let blank = attrs.int('blank_index', -1);
  if (blank < 0) blank += l.C;
  if (blank < 0 || blank >= l.C) throw bad(ctx, `blank_index ${attrs.int('blank_index', -1)} is outside the ${l.C} classes`);
  const logProb = new Float32Array(l.B);
  const seqs: number[][] = [];
  for (let b = 0; b < l.B; b++) {
    const seq: number[] = [];
    let prev = -1;
    let acc = 0;
    for (let t = 0; t < lens[b]!; t++) {
      const off = (t * l.B + b) * l.C;
      let best = 0;
      for (let c = 1; c < l.C; c++) if (l.data[off + c]! > l.data[off + best]!) best = c;
      // TF sums the negated raw maxima (not log-probabilities)
      acc = Math.fround(acc - l.data[off + best]!);
      if (best !== blank && !(merge && best === prev)) seq.push(best);
      prev = best;
    }
    logProb[b] = acc;
    seqs.push(seq);
  }
  return [...sparseOf(seqs), tf.tensor2d(logProb, [l.B, 1])];
};

/**
 * CTCBeamSearchDecoder with TensorFlow's default scorer (no language model), following its prefix-tree
 * beam search (tensorflow/core/util/ctc/ctc_beam_search.h): every beam entry keeps the probabilities of
 * its prefix ending in a blank and in its own label; each step extends the surviving entries by every
 * non-blank class, keeping the beam_width best. Scores are log-softmax probabilities, so
 * log_probability is the log-probability of each decoded path's prefix tree entry, as TF reports it.
 * Ties between equally scored beams may be ordered differently from TF's heap.
 */
interface Prob { total: number; blank: number; label: number }
const zeroProb = (): Prob => ({ total: NEG_INF, blank: NEG_INF, label: NEG_INF });

class BeamEntry {
  oldp = zeroProb();
  newp = zeroProb();
  readonly children = new Map<number, BeamEntry>();
  constructor(readonly parent: BeamEntry | undefined, readonly label: number) {}
  active(): boolean { return this.newp.total !== NEG_INF; }
  child(label: number): BeamEntry {
    let c = this.children.get(label);
    if (!c) {
      c = new BeamEntry(this, label);
      this.children.set(label, c);
    }
    return c;
  }
  labels(merge: boolean): number[] {
    const out: number[] = [];
    let prev = -1;
    for (let e: BeamEntry = this; e.parent; e = e.parent) {
      if (!merge || e.label !== prev) out.push(e.label);
      prev = e.label;
    }
    return out.reverse();
  }
}

function beamSearch(l: Logits, b: number, steps: number, width: number): BeamEntry[] {
  const blank = l.C - 1;
  const root = new BeamEntry(undefined, -1);
  root.newp.total = 0;
  root.newp.blank = 0;
  let leaves: BeamEntry[] = [root];
  const bottom = (): BeamEntry => leaves.reduce((m, e) => (e.newp.total < m.newp.total ? e : m));
  const push = (e: BeamEntry): void => {
    if (leaves.length < width) leaves.push(e);
    else leaves[leaves.indexOf(bottom())] = e;
  };
  for (let t = 0; t < steps; t++) {
    const row = logSoftmaxRow(l, t, b);
    const branches = leaves.slice().sort((x, y) => y.newp.total - x.newp.total);
    leaves = [];
    for (const e of branches) e.oldp = { ...e.newp };
    for (const e of branches) {
      if (e.parent) {
        if (e.parent.active()) {
          const previous = e.label === e.parent.label ? e.parent.oldp.blank : e.parent.oldp.total;
          e.newp.label = logSumExp(e.newp.label, previous);
        }
        e.newp.label += row[e.label]!;
      }
      e.newp.blank = e.oldp.total + row[blank]!;
      e.newp.total = logSumExp(e.newp.blank, e.newp.label);
      push(e);
    }
    const candidate = (p: Prob): boolean => p.total > NEG_INF && (leaves.length < width || p.total > bottom().newp.total);
    for (const e of branches) {
      if (!candidate(e.oldp)) continue;
      for (let label = 0; label < l.C - 1; label++) {
        const c = e.child(label);
        if (c.active()) continue;
        c.newp.blank = NEG_INF;
        const previous = c.label === e.label ? e.oldp.blank : e.oldp.total;
        c.newp.label = row[label]! + previous;
        c.newp.total = c.newp.label;
        if (candidate(c.newp)) {
          if (leaves.length === width) bottom().newp = zeroProb();
          push(c);
        } else {
          c.oldp = zeroProb();
          c.newp = zeroProb();
        }
      }
    }
  }
  return leaves.sort((x, y) => y.newp.total - x.newp.total);
}

const ctcBeamSearch: Kernel = (inputs, attrs, ctx) => {
  const l = logitsOf(tensorAt(inputs, 0, ctx), ctx);
  const lens = seqLengths(tensorAt(inputs, 1, ctx), l, ctx);
  const width = attrs.int('beam_width');
  const top = attrs.int('top_paths');
  const merge = attrs.bool('merge_repeated', true);
  if (width < 1 || top < 1 || top > width) throw bad(ctx, `top_paths (${top}) must be between 1 and beam_width (${width})`);
  // the prefix tree grows by at most beam_width * (num_classes - 1) entries a step
  checkedSize([l.T, Math.min(width, l.C ** Math.min(l.T, 8)), l.C], ctx);
  const paths: number[][][] = Array.from({ length: top }, () => []);
  const logProb = new Float32Array(l.B * top);
  for (let b = 0; b < l.B; b++) {
    const best = beamSearch(l, b, lens[b]!, width);
    if (best.length < top) throw bad(ctx, `only ${best.length} beams survived for batch ${b}, fewer than top_paths ${top}`);
    for (let i = 0; i < top; i++) {
      paths[i]!.push(best[i]!.labels(merge));
      logProb[b * top + i] = best[i]!.newp.total;
    }
  }
  const sparse = paths.map(sparseOf);
  return [...sparse.map((s) => s[0]!), ...sparse.map((s) => s[1]!), ...sparse.map((s) => s[2]!), tf.tensor2d(logProb, [l.B, top])];
};

export const CTC_KERNELS: Record<string, Kernel> = {
  CTCLoss: ctcLossWith(false),
  CTCLossV2: ctcLossWith(true),
  CTCGreedyDecoder: ctcGreedy,
  CTCBeamSearchDecoder: ctcBeamSearch,
};
