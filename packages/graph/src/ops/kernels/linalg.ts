import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, intsOf, scalarOf, tensorAt } from './util.js';

/**
 * The matrix-diagonal family (tensorflow/core/kernels/linalg/matrix_diag_op.cc): tf.linalg.diag,
 * diag_part, set_diag and the band forms with k = (lower, upper). V1 ops take the main diagonal only,
 * V2 ops align every diagonal to the left, V3 ops read `align` (default RIGHT_LEFT: superdiagonals
 * right-aligned, subdiagonals left-aligned). Diagonal d of an [M, N] matrix holds (i - min(d,0), i + max(d,0)).
 */
interface Band {
  lo: number;
  hi: number;
  superRight: boolean;
  subRight: boolean;
}

function bandOf(kTensor: tf.Tensor | undefined, align: string, ctx: KernelContext): Band {
  const k = kTensor ? intsOf(kTensor) : [0];
  if (k.length < 1 || k.length > 2) throw bad(ctx, `k must be a scalar or a pair, got ${k.length} values`);
  const lo = k[0]!;
  const hi = k[1] ?? lo;
  if (lo > hi) throw bad(ctx, `lower diagonal index ${lo} must not exceed upper ${hi}`);
  const parts = align.split('_');
  if (parts.length !== 2 || parts.some((p) => p !== 'LEFT' && p !== 'RIGHT')) throw bad(ctx, `unknown align ${align}`);
  return { lo, hi, superRight: parts[0] === 'RIGHT', subRight: parts[1] === 'RIGHT' };
}

const diagLen = (d: number, m: number, n: number): number => Math.min(m + Math.min(0, d), n - Math.max(0, d));

function offsetOf(b: Band, d: number, maxLen: number, m: number, n: number): number {
  const right = d >= 0 ? b.superRight : b.subRight;
  return right ? maxLen - diagLen(d, m, n) : 0;
}

/**
 * Walks every element of the band's diagonals in a batch of [M, N] matrices: `matrixAt` is its flat
 * index in the matrices, `packedAt` its flat index in the packed [batch, num_diags, max_len] diagonals
 * (aligned by the band's align). MatrixDiagPart reads along this walk, MatrixDiag / MatrixSetDiag write.
 */
function forEachBandElement(b: Band, batches: number, m: number, n: number, maxLen: number, visit: (matrixAt: number, packedAt: number) => void): void {
  const numDiags = b.hi - b.lo + 1;
  for (let bi = 0; bi < batches; bi++) {
    for (let j = 0; j < numDiags; j++) {
      const d = b.hi - j;
      const off = offsetOf(b, d, maxLen, m, n);
      const len = diagLen(d, m, n);
      for (let i = 0; i < len; i++) {
        const r = i - Math.min(d, 0);
        const c = i + Math.max(d, 0);
        visit(bi * m * n + r * n + c, (bi * numDiags + j) * maxLen + off + i);
      }
    }
  }
}

type Store = Float32Array | Int32Array | Uint8Array;
function storeOf(dtype: tf.DataType, size: number): Store {
  return dtype === 'int32' ? new Int32Array(size) : dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size);
}
function valuesOf(t: tf.Tensor, ctx: KernelContext): Store {
  if (t.dtype === 'string' || t.dtype === 'complex64') throw bad(ctx, `dtype ${t.dtype} is not supported here`);
  return t.dataSync() as Store;
}

function checkBand(b: Band, m: number, n: number, ctx: KernelContext): void {
  if (b.lo <= -Math.max(m, 1) && m > 0) throw bad(ctx, `lower diagonal index ${b.lo} is out of range for ${m} rows`);
  if (b.hi >= Math.max(n, 1) && n > 0) throw bad(ctx, `upper diagonal index ${b.hi} is out of range for ${n} columns`);
}

/** MatrixDiagPart*: input [..., M, N] -> [..., num_diags, max_len] (or [..., max_len] for one diagonal). */
function diagPart(x: tf.Tensor, b: Band, pad: number, ctx: KernelContext): tf.Tensor {
  if (x.rank < 2) throw bad(ctx, `input must be at least a matrix, got shape [${x.shape}]`);
  const m = x.shape[x.rank - 2]!;
  const n = x.shape[x.rank - 1]!;
  checkBand(b, m, n, ctx);
  const batch = x.shape.slice(0, -2);
  const batches = batch.reduce((a, c) => a * c, 1);
  const numDiags = b.hi - b.lo + 1;
  const maxLen = Math.max(0, Math.min(m + Math.min(b.hi, 0), n - Math.max(b.lo, 0)));
  const shape = numDiags === 1 ? [...batch, maxLen] : [...batch, numDiags, maxLen];
  const out = storeOf(x.dtype, checkedSize(shape, ctx));
  const src = valuesOf(x, ctx);
  out.fill(pad);
  forEachBandElement(b, batches, m, n, maxLen, (matrixAt, packedAt) => {
    out[packedAt] = src[matrixAt]!;
  });
  return tf.tensor(out, shape, x.dtype);
}

/** Writes the band's diagonals into `out` (a batch of [M, N] matrices already holding the background). */
function writeDiagonals(out: Store, diag: tf.Tensor, b: Band, batches: number, m: number, n: number, ctx: KernelContext): void {
  const numDiags = b.hi - b.lo + 1;
  const want = numDiags === 1 ? 1 : 2;
  const maxLen = diag.shape[diag.rank - 1] ?? 0;
  if (diag.rank < want || (numDiags > 1 && diag.shape[diag.rank - 2] !== numDiags)) {
    throw bad(ctx, `diagonal of shape [${diag.shape}] does not hold ${numDiags} diagonal(s)`);
  }
  const expectLen = Math.min(m + Math.min(b.hi, 0), n - Math.max(b.lo, 0));
  if (maxLen !== expectLen) throw bad(ctx, `diagonal length ${maxLen} does not fit a [${m}, ${n}] matrix (want ${expectLen})`);
  const src = valuesOf(diag, ctx);
  if (src.length !== batches * numDiags * maxLen) throw bad(ctx, `diagonal of shape [${diag.shape}] does not match ${batches} matrices`);
  forEachBandElement(b, batches, m, n, maxLen, (matrixAt, packedAt) => {
    out[matrixAt] = src[packedAt]!;
  });
}

/** MatrixDiag*: diagonal(s) -> [..., M, N] with the padding value elsewhere. */
function diag(dg: tf.Tensor, b: Band, rows: number, cols: number, pad: number, ctx: KernelContext): tf.Tensor {
  const numDiags = b.hi - b.lo + 1;
  const lead = numDiags === 1 ? 1 : 2;
  if (dg.rank < lead) throw bad(ctx, `diagonal must have rank >= ${lead}, got shape [${dg.shape}]`);
  const maxLen = dg.shape[dg.rank - 1]!;
  const minRows = maxLen - Math.min(b.hi, 0);
  const minCols = maxLen + Math.max(b.lo, 0);
  let m = rows;
  let n = cols;
  if (m === -1 && n === -1) {
    m = Math.max(minRows, minCols);
    n = m;
  } else if (m === -1) m = minRows;
  else if (n === -1) n = minCols;
  if (m < minRows || n < minCols) throw bad(ctx, `[${m}, ${n}] is too small for diagonals of length ${maxLen}`);
  const batch = dg.shape.slice(0, dg.rank - lead);
  const batches = batch.reduce((a, c) => a * c, 1);
  const shape = [...batch, m, n];
  const out = storeOf(dg.dtype, checkedSize(shape, ctx));
  out.fill(pad);
  writeDiagonals(out, dg, b, batches, m, n, ctx);
  return tf.tensor(out, shape, dg.dtype);
}

function setDiag(x: tf.Tensor, dg: tf.Tensor, b: Band, ctx: KernelContext): tf.Tensor {
  if (x.rank < 2) throw bad(ctx, `input must be at least a matrix, got shape [${x.shape}]`);
  const m = x.shape[x.rank - 2]!;
  const n = x.shape[x.rank - 1]!;
  checkBand(b, m, n, ctx);
  const batches = x.shape.slice(0, -2).reduce((a, c) => a * c, 1);
  const out = storeOf(x.dtype, x.size);
  out.set(valuesOf(x, ctx));
  writeDiagonals(out, dg, b, batches, m, n, ctx);
  return tf.tensor(out, x.shape, x.dtype);
}

const padOf = (inputs: Parameters<Kernel>[0], i: number, ctx: KernelContext): number =>
  inputs.length > i ? scalarOf(tensorAt(inputs, i, ctx), ctx, 'padding_value') : 0;

const MAIN: Band = { lo: 0, hi: 0, superRight: false, subRight: false };

export const LINALG_KERNELS: Record<string, Kernel> = {
  MatrixDiag: (inputs, _a, ctx) => [diag(tensorAt(inputs, 0, ctx), MAIN, -1, -1, 0, ctx)],
  MatrixDiagV2: (inputs, _a, ctx) => [diag(tensorAt(inputs, 0, ctx), bandOf(tensorAt(inputs, 1, ctx), 'LEFT_LEFT', ctx),
    scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_rows'), scalarOf(tensorAt(inputs, 3, ctx), ctx, 'num_cols'), padOf(inputs, 4, ctx), ctx)],
  MatrixDiagV3: (inputs, attrs, ctx) => [diag(tensorAt(inputs, 0, ctx), bandOf(tensorAt(inputs, 1, ctx), attrs.str('align', 'RIGHT_LEFT'), ctx),
    scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_rows'), scalarOf(tensorAt(inputs, 3, ctx), ctx, 'num_cols'), padOf(inputs, 4, ctx), ctx)],
  MatrixDiagPart: (inputs, _a, ctx) => [diagPart(tensorAt(inputs, 0, ctx), MAIN, 0, ctx)],
  MatrixDiagPartV2: (inputs, _a, ctx) => [diagPart(tensorAt(inputs, 0, ctx), bandOf(tensorAt(inputs, 1, ctx), 'LEFT_LEFT', ctx), padOf(inputs, 2, ctx), ctx)],
  MatrixDiagPartV3: (inputs, attrs, ctx) => [diagPart(tensorAt(inputs, 0, ctx), bandOf(tensorAt(inputs, 1, ctx), attrs.str('align', 'RIGHT_LEFT'), ctx), padOf(inputs, 2, ctx), ctx)],
  MatrixSetDiag: (inputs, _a, ctx) => [setDiag(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), MAIN, ctx)],
  MatrixSetDiagV2: (inputs, _a, ctx) => [setDiag(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), bandOf(tensorAt(inputs, 2, ctx), 'LEFT_LEFT', ctx), ctx)],
  MatrixSetDiagV3: (inputs, attrs, ctx) => [setDiag(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), bandOf(tensorAt(inputs, 2, ctx), attrs.str('align', 'RIGHT_LEFT'), ctx), ctx)],
};
