import * as tf from '@tensorflow/tfjs-core';
import { LimitError } from '@savedkeras/common';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, broadcastShapes, checkedSize, tensorAt, where } from './util.js';

/**
 * Dense linear algebra on batches of small matrices (tensorflow/core/kernels/linalg/): inverse, solve,
 * determinant, log-determinant, Cholesky and triangular solve. Computed in float64 JS on the backend's
 * data (TensorFlow runs Eigen's partial-pivot LU / LLT in the tensor's own precision, float32 here), so
 * results agree with TF to float32 rounding on well-conditioned matrices. Real dtypes only: complex
 * matrices never reach a kernel (complex tensors are refused where they are made).
 */

/** The batch of [..., M, N] matrices as float64 arrays, with the batch shape. */
function matrices(t: tf.Tensor, ctx: KernelContext, what: string, square: boolean): { batch: number[]; m: number; n: number; data: Float64Array } {
  if (t.dtype !== 'float32') throw bad(ctx, `${what} must be a float tensor, got ${t.dtype}`);
  if (t.rank < 2) throw bad(ctx, `${what} must have rank >= 2, got shape [${t.shape}]`);
  const m = t.shape[t.rank - 2]!;
  const n = t.shape[t.rank - 1]!;
  if (square && m !== n) throw bad(ctx, `${what} must be square, got shape [${t.shape}]`);
  return { batch: t.shape.slice(0, -2), m, n, data: Float64Array.from(t.dataSync() as Float32Array) };
}

/**
 * The factorisations cost count · n² · (n + k) operations: refused past limits.maxComputedTensorElements
 * (the input already fits in memory; the work is what could hang the process).
 */
function checkWork(count: number, n: number, k: number, ctx: KernelContext): void {
  const work = count * n * n * (n + k);
  const max = ctx.limits.maxComputedTensorElements;
  if (work > max) {
    throw new LimitError(`${count} matrices of size ${n} need ${work} operations, more than limits.maxComputedTensorElements (${max})`, { node: where(ctx) });
  }
}

/** In-place LU with partial pivoting of the n x n matrix at `a[off..]` (row-major); perm[i] = source row; returns the sign, 0 if singular. */
function luFactor(a: Float64Array, off: number, n: number, perm: Int32Array): number {
  let sign = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[off + k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[off + i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[off + k * n + j]!;
        a[off + k * n + j] = a[off + p * n + j]!;
        a[off + p * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = -sign;
    }
    const pivot = a[off + k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = (a[off + i * n + k]! /= pivot);
      if (f !== 0) for (let j = k + 1; j < n; j++) a[off + i * n + j]! -= f * a[off + k * n + j]!;
    }
  }
  return sign;
}

/** Solves LU x = P b for the k columns of b (n x k at b[boff..]), writing x into out[ooff..]. */
function luSolve(lu: Float64Array, off: number, n: number, perm: Int32Array, b: Float64Array, boff: number, k: number, out: Float64Array, ooff: number): void {
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[boff + perm[i]! * k + c]!;
      for (let j = 0; j < i; j++) s -= lu[off + i * n + j]! * out[ooff + j * k + c]!;
      out[ooff + i * k + c] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = out[ooff + i * k + c]!;
      for (let j = i + 1; j < n; j++) s -= lu[off + i * n + j]! * out[ooff + j * k + c]!;
      out[ooff + i * k + c] = s / lu[off + i * n + i]!;
    }
  }
}

/** Transposes every n x n matrix of `a` in place (adjoint of a real matrix). */
function transposeAll(a: Float64Array, count: number, n: number): void {
  for (let b = 0; b < count; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      const t = a[o + i * n + j]!;
      a[o + i * n + j] = a[o + j * n + i]!;
      a[o + j * n + i] = t;
    }
  }
}

const countOf = (batch: number[]): number => batch.reduce((x, y) => x * y, 1);

/** MatrixInverse (tf.linalg.inv): TF refuses a matrix with a zero pivot ("Input is not invertible."). */
const matrixInverse: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const { batch, n, data } = matrices(x, ctx, 'input', true);
  const count = countOf(batch);
  checkWork(count, n, n, ctx);
  if (attrs.bool('adjoint', false)) transposeAll(data, count, n);
  const out = new Float32Array(checkedSize(x.shape, ctx));
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const perm = new Int32Array(n);
  const res = new Float64Array(n * n);
  for (let b = 0; b < count; b++) {
    if (luFactor(data, b * n * n, n, perm) === 0) throw bad(ctx, `matrix ${b} is not invertible`);
    luSolve(data, b * n * n, n, perm, eye, 0, n, res, 0);
    out.set(res, b * n * n);
  }
  return [tf.tensor(out, x.shape, 'float32')];
};

/** MatrixSolve (tf.linalg.solve): matrix [..., M, M], rhs [..., M, K] with the same batch shape. */
const matrixSolve: Kernel = (inputs, attrs, ctx) => {
  const a = matrices(tensorAt(inputs, 0, ctx), ctx, 'matrix', true);
  const rhs = tensorAt(inputs, 1, ctx);
  const b = matrices(rhs, ctx, 'rhs', false);
  const n = a.n;
  if (b.m !== n || b.batch.join(',') !== a.batch.join(',')) throw bad(ctx, `rhs of shape [${rhs.shape}] does not match matrix batch [${a.batch}] and size ${n}`);
  const count = countOf(a.batch);
  const k = b.n;
  checkWork(count, n, k, ctx);
  if (attrs.bool('adjoint', false)) transposeAll(a.data, count, n);
  const out = new Float64Array(checkedSize(rhs.shape, ctx));
  const perm = new Int32Array(n);
  for (let i = 0; i < count; i++) {
    if (luFactor(a.data, i * n * n, n, perm) === 0) throw bad(ctx, `matrix ${i} is not invertible`);
    luSolve(a.data, i * n * n, n, perm, b.data, i * n * k, k, out, i * n * k);
  }
  return [tf.tensor(Float32Array.from(out), rhs.shape, 'float32')];
};

/** LogMatrixDeterminant: (sign, log|det|); a singular matrix gives (0, -inf) as in TF. */
function logDets(x: tf.Tensor, ctx: KernelContext): { batch: number[]; sign: Float32Array; logAbs: Float32Array } {
  const { batch, n, data } = matrices(x, ctx, 'input', true);
  const count = countOf(batch);
  checkWork(count, n, 0, ctx);
  const sign = new Float32Array(count);
  const logAbs = new Float32Array(count);
  const perm = new Int32Array(n);
  for (let b = 0; b < count; b++) {
    const off = b * n * n;
    let s = luFactor(data, off, n, perm);
    let l = 0;
    if (s !== 0) {
      for (let i = 0; i < n; i++) {
        const d = data[off + i * n + i]!;
        if (d < 0) s = -s;
        l += Math.log(Math.abs(d));
      }
    }
    sign[b] = s;
    logAbs[b] = s === 0 ? -Infinity : l;
  }
  return { batch, sign, logAbs };
}

const matrixDeterminant: Kernel = (inputs, _attrs, ctx) => {
  const { batch, sign, logAbs } = logDets(tensorAt(inputs, 0, ctx), ctx);
  return [tf.tensor(sign.map((s, i) => s * Math.exp(logAbs[i]!)), batch, 'float32')];
};

const logMatrixDeterminant: Kernel = (inputs, _attrs, ctx) => {
  const { batch, sign, logAbs } = logDets(tensorAt(inputs, 0, ctx), ctx);
  return [tf.tensor(sign, batch, 'float32'), tf.tensor(logAbs, batch, 'float32')];
};

/**
 * Cholesky: reads the lower triangle (as Eigen's LLT does), writes L with zeros above the diagonal.
 * TF refuses a matrix that is not positive definite.
 */
const cholesky: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const { batch, n, data } = matrices(x, ctx, 'input', true);
  const count = countOf(batch);
  checkWork(count, n, 0, ctx);
  const out = new Float64Array(checkedSize(x.shape, ctx));
  for (let b = 0; b < count; b++) {
    const o = b * n * n;
    for (let j = 0; j < n; j++) {
      let d = data[o + j * n + j]!;
      for (let k = 0; k < j; k++) d -= out[o + j * n + k]! ** 2;
      if (!(d > 0)) throw bad(ctx, `matrix ${b} is not positive definite (Cholesky decomposition was not successful)`);
      const l = Math.sqrt(d);
      out[o + j * n + j] = l;
      for (let i = j + 1; i < n; i++) {
        let s = data[o + i * n + j]!;
        for (let k = 0; k < j; k++) s -= out[o + i * n + k]! * out[o + j * n + k]!;
        out[o + i * n + j] = s / l;
      }
    }
  }
  return [tf.tensor(Float32Array.from(out), x.shape, 'float32')];
};

/**
 * MatrixTriangularSolve: solves A X = B (or A^T X = B with adjoint) using only the lower (or upper)
 * triangle of A; batch dimensions broadcast (TF >= 2.2). A zero diagonal gives inf/NaN, as in TF.
 */
const matrixTriangularSolve: Kernel = (inputs, attrs, ctx) => {
  const aT = tensorAt(inputs, 0, ctx);
  const bT = tensorAt(inputs, 1, ctx);
  const a = matrices(aT, ctx, 'matrix', true);
  const b = matrices(bT, ctx, 'rhs', false);
  const n = a.n;
  const k = b.n;
  if (b.m !== n) throw bad(ctx, `rhs of shape [${bT.shape}] does not have ${n} rows`);
  const batch = broadcastShapes(a.batch, b.batch);
  if (!batch) throw bad(ctx, `batch shapes [${a.batch}] and [${b.batch}] do not broadcast`);
  const count = countOf(batch);
  checkWork(count, n, k, ctx);
  const outShape = [...batch, n, k];
  const out = new Float32Array(checkedSize(outShape, ctx));
  const aIdx = batchIndexer(a.batch, batch);
  const bIdx = batchIndexer(b.batch, batch);
  // with adjoint the lower triangle of A is the upper triangle of A^T: solve backward instead
  const lower = attrs.bool('lower', true);
  const forward = lower !== attrs.bool('adjoint', false);
  const adj = attrs.bool('adjoint', false);
  const at = (ao: number, i: number, j: number) => (adj ? a.data[ao + j * n + i]! : a.data[ao + i * n + j]!);
  const x = new Float64Array(n);
  for (let bi = 0; bi < count; bi++) {
    const ao = aIdx(bi) * n * n;
    const bo = bIdx(bi) * n * k;
    for (let c = 0; c < k; c++) {
      for (let s = 0; s < n; s++) {
        const i = forward ? s : n - 1 - s;
        let v = b.data[bo + i * k + c]!;
        if (forward) for (let j = 0; j < i; j++) v -= at(ao, i, j) * x[j]!;
        else for (let j = i + 1; j < n; j++) v -= at(ao, i, j) * x[j]!;
        x[i] = v / at(ao, i, i);
      }
      for (let i = 0; i < n; i++) out[bi * n * k + i * k + c] = x[i]!;
    }
  }
  return [tf.tensor(out, outShape, 'float32')];
};

/** Maps a flat batch index of `outBatch` to the flat index of a (broadcast) input batch. */
function batchIndexer(inBatch: number[], outBatch: number[]): (flat: number) => number {
  const pad = outBatch.length - inBatch.length;
  return (flat) => {
    let idx = 0;
    let stride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const size = outBatch[d]!;
      const pos = flat % size;
      flat = Math.floor(flat / size);
      const inSize = d >= pad ? inBatch[d - pad]! : 1;
      if (inSize !== 1) idx += pos * stride;
      stride *= inSize;
    }
    return idx;
  };
}

export const LINALG_SOLVE_KERNELS: Record<string, Kernel> = {
  MatrixInverse: matrixInverse,
  MatrixSolve: matrixSolve,
  MatrixDeterminant: matrixDeterminant,
  LogMatrixDeterminant: logMatrixDeterminant,
  Cholesky: cholesky,
  MatrixTriangularSolve: matrixTriangularSolve,
};
