import * as tf from '@tensorflow/tfjs-core';
import { fingerprint64, fingerprintCat64, sipHash24 } from '@savedkeras/kernels';
import type { Kernel, KernelContext, Value } from '../../kernel.js';
import { bad, checkedSize, stringBytes, tensorAt, tensorsFrom, unsupported } from './util.js';

/**
 * String hashing and feature crossing as Keras' preprocessing exports use them (Hashing with a salt,
 * HashedCrossing's SparseCross, lookups with several OOV buckets), and AsString (Hashing / IntegerLookup of
 * integers hash the decimal string). The hashes are the ones @savedkeras/layers computes for the
 * same layers (@savedkeras/kernels string-hash.ts). int64 outputs are held as int32, as everywhere
 * in the graph: a bucket that does not fit is refused rather than wrapped.
 */

/** TF's StrongKeyedHash key: `key` attr list(int), two uint64 words. */
function keyOf(raw: unknown, ctx: KernelContext, what: string): [bigint, bigint] {
  const list = Array.isArray(raw) ? raw : [];
  if (list.length !== 2) throw bad(ctx, `${what} must be 2 integers, got ${list.length}`);
  return [BigInt.asUintN(64, BigInt(String(list[0]))), BigInt.asUintN(64, BigInt(String(list[1])))];
}

function int32Buckets(hashes: bigint[], numBuckets: bigint, ctx: KernelContext): Int32Array {
  const out = new Int32Array(hashes.length);
  hashes.forEach((h, i) => {
    const v = numBuckets > 0n ? h % numBuckets : h;
    if (v > 0x7fffffffn) throw unsupported(ctx, `hash bucket ${v} does not fit int32 (savedkeras holds int64 as int32)`, 'use num_buckets below 2^31');
    out[i] = Number(v);
  });
  return out;
}

/** StringToHashBucketStrong: SipHash-2-4 keyed by the `key` attr, modulo num_buckets (Keras Hashing with a salt). */
const hashBucketStrong: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const n = attrs.int('num_buckets');
  if (!(n >= 1)) throw bad(ctx, `num_buckets must be >= 1, got ${n}`);
  const [k0, k1] = keyOf(attrs.raw('key')?.list?.i, ctx, 'key');
  const hashes = stringBytes(x).map((b) => sipHash24(k0, k1, b));
  return [tf.tensor(int32Buckets(hashes, BigInt(n), ctx), x.shape, 'int32')];
};

/** One column of a cross: per batch row, its features (int64 values as numbers, strings as raw bytes). */
interface CrossColumn {
  rowFeatures(b: number): (number | Uint8Array)[];
}

function denseColumn(t: tf.Tensor, batch: number, ctx: KernelContext): CrossColumn {
  if (t.rank !== 2 || t.shape[0] !== batch) throw bad(ctx, `dense input of shape [${t.shape}] is not [batch ${batch}, k]`);
  const k = t.shape[1]!;
  const values: (number | Uint8Array)[] = t.dtype === 'string' ? stringBytes(t) : Array.from(t.dataSync() as Int32Array);
  return { rowFeatures: (b) => values.slice(b * k, (b + 1) * k) };
}

function sparseColumn(indices: tf.Tensor, values: tf.Tensor, shape: tf.Tensor, ctx: KernelContext): { column: CrossColumn; batch: number } {
  const idx = indices.dataSync();
  const dims = Array.from(shape.dataSync());
  if (indices.rank !== 2 || indices.shape[1] !== 2 || dims.length !== 2) throw bad(ctx, 'sparse inputs must be rank 2');
  const vals: (number | Uint8Array)[] = values.dtype === 'string' ? stringBytes(values) : Array.from(values.dataSync() as Int32Array);
  const batch = dims[0]!;
  const rows: (number | Uint8Array)[][] = Array.from({ length: batch }, () => []);
  for (let i = 0; i < indices.shape[0]!; i++) {
    const b = idx[2 * i]!;
    if (!(b >= 0 && b < batch)) throw bad(ctx, `sparse index ${b} outside batch ${batch}`);
    rows[b]!.push(vals[i]!);
  }
  return { column: { rowFeatures: (b) => rows[b]! }, batch };
}

const dec = new TextDecoder();

/**
 * TF's SparseCross (sparse_cross_op.cc; Keras HashedCrossing and tf.sparse.cross(_hashed) export it): per batch row, every combination of one
 * feature per column (sparse columns first, then dense; the last column varies fastest). Hashed:
 * FingerprintCat64 over the columns' hashes (Fingerprint64 of strings, the value of int64s) starting
 * from hash_key, modulo num_buckets; not hashed: the features joined by "_X_".
 */
function cross(inputs: Value[], n: number, denseCount: number, ctx: KernelContext): { rows: (number | Uint8Array)[][][]; batch: number } {
  const columns: CrossColumn[] = [];
  let batch = -1;
  const sparseValues = tensorsFrom(inputs, n, n, ctx);
  for (let i = 0; i < n; i++) {
    const s = sparseColumn(tensorAt(inputs, i, ctx), sparseValues[i]!, tensorAt(inputs, 2 * n + i, ctx), ctx);
    if (batch >= 0 && s.batch !== batch) throw bad(ctx, 'inputs disagree on the batch size');
    batch = s.batch;
    columns.push(s.column);
  }
  const dense = tensorsFrom(inputs, 3 * n, denseCount, ctx);
  for (const d of dense) {
    if (batch < 0) batch = d.shape[0] ?? 0;
    columns.push(denseColumn(d, batch, ctx));
  }
  if (columns.length === 0) throw bad(ctx, 'nothing to cross');
  const rows: (number | Uint8Array)[][][] = [];
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const feats = columns.map((c) => c.rowFeatures(b));
    const count = feats.reduce((a, f) => a * f.length, 1);
    total += count * columns.length;
    checkedSize([total], ctx);
    const combos: (number | Uint8Array)[][] = [];
    for (let j = 0; j < count; j++) {
      const pick: (number | Uint8Array)[] = [];
      let r = j;
      for (let c = columns.length - 1; c >= 0; c--) {
        const f = feats[c]!;
        pick[c] = f[r % f.length]!;
        r = Math.floor(r / f.length);
      }
      combos.push(pick);
    }
    rows.push(combos);
  }
  return { rows, batch };
}

const featureHash = (f: number | Uint8Array): bigint => (typeof f === 'number' ? BigInt.asUintN(64, BigInt(f)) : fingerprint64(f));
const INT64_MAX = (1n << 63n) - 1n;

function sparseOutput(rows: unknown[][], batch: number, values: tf.Tensor): tf.Tensor[] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  const indices: number[] = [];
  rows.forEach((r, b) => r.forEach((_, j) => indices.push(b, j)));
  return [tf.tensor2d(indices, [indices.length / 2, 2], 'int32'), values, tf.tensor1d([batch, width], 'int32')];
}

const sparseCross: Kernel = (inputs, attrs, ctx) => {
  const n = attrs.int('N', 0);
  const denseCount = attrs.types('dense_types').length;
  const { rows, batch } = cross(inputs, n, denseCount, ctx);
  if (!attrs.bool('hashed_output')) {
    if (attrs.dtype('internal_type', 'string') !== 'string') throw unsupported(ctx, 'SparseCross of int64 features to strings (internal_type int64) is not supported');
    const strings = rows.flatMap((r) => r.map((pick) => pick.map((f) => (typeof f === 'number' ? String(f) : dec.decode(f))).join('_X_')));
    return sparseOutput(rows, batch, tf.tensor1d(strings, 'string'));
  }
  const key = BigInt.asUintN(64, BigInt(String(attrs.raw('hash_key')?.i ?? 0)));
  const buckets = BigInt(attrs.int('num_buckets', 0));
  const hashes = rows.flatMap((r) => r.map((pick) => pick.reduce((h: bigint, f) => fingerprintCat64(h, featureHash(f)), key)));
  return sparseOutput(rows, batch, tf.tensor1d(int32Buckets(hashes.map((h) => (buckets > 0n ? h : h % INT64_MAX)), buckets, ctx), 'int32'));
};

// ---------------------------------------------------------------- AsString (printf as TF's as_string_op.cc builds it)

/** |x| exactly as an integer digit string times a power of ten (every double is m·2^e). */
function exactDecimal(x: number): { digits: bigint; exp10: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let exp2 = -1074;
  if (e !== 0) {
    m |= 1n << 52n;
    exp2 = e - 1075;
  }
  if (exp2 >= 0) return { digits: m << BigInt(exp2), exp10: 0 };
  return { digits: m * 5n ** BigInt(-exp2), exp10: exp2 };
}

/** digits·10^exp10 rounded to an integer count of 10^-places, half to even (glibc's printf on exact ties). */
function roundedScaled(d: { digits: bigint; exp10: number }, places: number): bigint {
  const shift = d.exp10 + places;
  if (shift >= 0) return d.digits * 10n ** BigInt(shift);
  const div = 10n ** BigInt(-shift);
  const q = d.digits / div;
  const twice = 2n * (d.digits % div);
  return twice > div || (twice === div && q % 2n === 1n) ? q + 1n : q;
}

function fixed(x: number, p: number): string {
  const r = roundedScaled(exactDecimal(x), p).toString().padStart(p + 1, '0');
  return p === 0 ? r : `${r.slice(0, -p)}.${r.slice(-p)}`;
}

/** %.pe of |x|: mantissa digits and decimal exponent after rounding to p+1 significant digits. */
function scientificParts(x: number, p: number): { mantissa: string; exp: number } {
  const d = exactDecimal(x);
  if (d.digits === 0n) return { mantissa: '0'.repeat(p + 1), exp: 0 };
  let exp = d.digits.toString().length - 1 + d.exp10;
  let r = roundedScaled(d, p - exp).toString();
  if (r.length > p + 1) {
    exp += 1;
    r = r.slice(0, p + 1);
  }
  return { mantissa: r, exp };
}

function scientific(x: number, p: number): string {
  const { mantissa, exp } = scientificParts(x, p);
  const e = `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return (p === 0 ? mantissa : `${mantissa[0]}.${mantissa.slice(1)}`) + e;
}

function general(x: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  const { exp } = scientificParts(x, p - 1);
  const s = p > exp && exp >= -4 ? fixed(x, p - 1 - exp) : scientific(x, p - 1);
  // No '#' flag: trailing zeros of the fraction (and a trailing point) go.
  const [mantissa, e] = s.split('e') as [string, string | undefined];
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return e === undefined ? m : `${m}e${e}`;
}

/** AsString: ints as %d, floats as %f / %e (scientific) / %g (shortest) with precision, bools true/false, padded to width with TF's fill flag. */
const asString: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const precision = attrs.int('precision', -1);
  const scientificAttr = attrs.bool('scientific', false);
  const shortest = attrs.bool('shortest', false);
  const width = attrs.int('width', -1);
  const fill = attrs.str('fill', '');
  if (fill.length > 1 || (fill !== '' && !' +-0'.includes(fill))) throw unsupported(ctx, `AsString fill ${JSON.stringify(fill)} is not supported`);
  if (shortest && scientificAttr) throw bad(ctx, 'AsString cannot be both shortest and scientific');
  const isFloat = x.dtype === 'float32';
  if (!isFloat && (precision > -1 || shortest || scientificAttr)) throw bad(ctx, 'AsString precision/shortest/scientific apply to floating point values only');
  if (x.dtype === 'string' || x.dtype === 'complex64') throw unsupported(ctx, `AsString of ${x.dtype} is not supported`);
  const values = Array.from(x.dataSync() as ArrayLike<number>);
  const body = (v: number): string => {
    if (x.dtype === 'bool') return v ? 'true' : 'false';
    if (!isFloat) return String(Math.abs(v));
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return 'inf';
    const p = precision > -1 ? precision : 6;
    return shortest ? general(v, p) : scientificAttr ? scientific(v, p) : fixed(v, p);
  };
  const out = values.map((v) => {
    const negative = x.dtype !== 'bool' && (v < 0 || Object.is(v, -0));
    let s = body(v);
    const sign = negative ? '-' : fill === '+' ? '+' : fill === ' ' ? ' ' : '';
    if (x.dtype === 'bool') return s.padStart(Math.max(width, 0), ' ');
    if (fill === '0' && /^[0-9]/.test(s)) s = s.padStart(Math.max(width - sign.length, 0), '0');
    s = sign + s;
    return fill === '-' ? s.padEnd(Math.max(width, 0), ' ') : s.padStart(Math.max(width, 0), ' ');
  });
  return [tf.tensor(out, x.shape, 'string')];
};

export const STRING_HASH_KERNELS: Record<string, Kernel> = {
  AsString: asString,
  StringToHashBucketStrong: hashBucketStrong,
  SparseCross: sparseCross,
};
