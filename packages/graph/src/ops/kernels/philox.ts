import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { checkedSize, intsOf, scalarOf, tensorAt, unsupported } from './util.js';

/**
 * TensorFlow's stateless random numbers, bit for bit on the CPU path (Philox-4x32-10 as in
 * tensorflow/core/lib/random/philox_random.h, the seed scramble of stateless_random_ops.cc
 * `GenerateKey`, the float conversions and Box-Muller of random_distributions.h and the group
 * skipping of random_op_cpu.h). A stateless op with a constant seed gives TF's exact draws, so a
 * model that samples with a fixed seed at inference (a fixed-noise generator, a seeded stateless
 * dropout) gives TF's answer. Floats are float32 draws; other dtypes keep savedkeras' own stream.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (exact: partial products stay below 2^53). */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** One Philox-4x32-10 block: ten rounds, the key raised between rounds. */
function philoxBlock(counter: Uint32Array, key: Uint32Array): Uint32Array {
  let c0 = counter[0]!;
  let c1 = counter[1]!;
  let c2 = counter[2]!;
  let c3 = counter[3]!;
  let k0 = key[0]!;
  let k1 = key[1]!;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

/** A Philox stream: each call returns the next block of four uint32 and advances the 128-bit counter. */
class Philox {
  private readonly counter: Uint32Array;
  constructor(counter: Uint32Array, private readonly key: Uint32Array) {
    this.counter = Uint32Array.from(counter);
  }
  next(): Uint32Array {
    const out = philoxBlock(this.counter, this.key);
    this.skip(1);
    return out;
  }
  /** Advances the counter by `n` blocks (n < 2^53), carrying through all four words. */
  skip(n: number): void {
    let carry = n;
    for (let i = 0; i < 4 && carry > 0; i++) {
      const sum = this.counter[i]! + (carry % 4294967296);
      this.counter[i] = sum >>> 0;
      carry = Math.floor(carry / 4294967296) + (sum >= 4294967296 ? 1 : 0);
    }
  }
  clone(): Philox {
    return new Philox(this.counter, this.key);
  }
}

/** `GenerateKey`: the seed pair scrambled by one Philox block under a fixed key. */
function keyCounterFromSeed(seed: [number, number]): { key: Uint32Array; counter: Uint32Array } {
  const words = (v: number) => [v >>> 0, v < 0 ? 0xffffffff : Math.floor(v / 4294967296) >>> 0];
  const [s0lo, s0hi] = words(seed[0]);
  const [s1lo, s1hi] = words(seed[1]);
  const mix = philoxBlock(Uint32Array.of(s0lo!, s0hi!, s1lo!, s1hi!), Uint32Array.of(0x3ec8f720, 0x02461e29));
  return { key: Uint32Array.of(mix[0]!, mix[1]!), counter: Uint32Array.of(0, 0, mix[2]!, mix[3]!) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Uint32ToFloat: 23 random mantissa bits under exponent 0, minus one: [0, 1). */
function toFloat(x: number): number {
  u32[0] = ((x & 0x7fffff) | 0x3f800000) >>> 0;
  return f32[0]! - 1;
}

/** BoxMullerFloat: two uint32 -> two standard normals (sin first, as TF's sincos order). */
function boxMuller(x0: number, x1: number): [number, number] {
  let u1 = toFloat(x0);
  if (u1 < 1e-7) u1 = Math.fround(1e-7);
  const v1 = Math.fround(2 * Math.PI * toFloat(x1));
  const u2 = Math.fround(Math.sqrt(-2 * Math.log(u1)));
  return [Math.fround(Math.sin(v1) * u2), Math.fround(Math.cos(v1) * u2)];
}

type Dist = 'uniform' | 'normal' | 'truncated';

function fill(dist: Dist, n: number, gen: Philox): Float32Array {
  const out = new Float32Array(n);
  if (dist === 'truncated') {
    // Variable samples per output: each group of 4 outputs starts 256 blocks after the last one's start.
    for (let g = 0; g * 4 < n; g++) {
      const groupGen = gen.clone();
      groupGen.skip(g * 256);
      let block = groupGen.next();
      let used = 0;
      const word = () => {
        if (used === 4) {
          block = groupGen.next();
          used = 0;
        }
        return block[used++]!;
      };
      let index = 0;
      while (index < 4 && g * 4 + index < n) {
        const pair = boxMuller(word(), word());
        for (const v of pair) {
          if (Math.abs(v) < 2 && index < 4) {
            if (g * 4 + index < n) out[g * 4 + index] = v;
            index++;
          }
        }
      }
    }
    return out;
  }
  for (let i = 0; i < n; i += 4) {
    const b = gen.next();
    const vals = dist === 'uniform' ? [toFloat(b[0]!), toFloat(b[1]!), toFloat(b[2]!), toFloat(b[3]!)] : [...boxMuller(b[0]!, b[1]!), ...boxMuller(b[2]!, b[3]!)];
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = vals[k]!;
  }
  return out;
}

/**
 * The 64-bit key and counter words StatelessRandomGetKeyCounter made: int64 tensors are carried as
 * int32 here, so the full words travel beside the tensor objects to the V2 op that reads them.
 */
const WORDS = new WeakMap<tf.Tensor, Uint32Array>();

function wordsOf(t: tf.Tensor, count: number): Uint32Array {
  const known = WORDS.get(t);
  if (known && known.length === count * 2) return known;
  // Not made by our key/counter kernel: the int64 values were narrowed to int32, so sign-extend them.
  const vals = intsOf(t);
  const out = new Uint32Array(count * 2);
  for (let i = 0; i < count; i++) {
    out[2 * i] = (vals[i] ?? 0) >>> 0;
    out[2 * i + 1] = (vals[i] ?? 0) < 0 ? 0xffffffff : 0;
  }
  return out;
}

function seedOf(t: tf.Tensor, ctx: KernelContext): [number, number] {
  const s = intsOf(t);
  if (s.length !== 2) throw unsupported(ctx, `seed must hold 2 values, got ${s.length}`);
  return [s[0]!, s[1]!];
}

function shapeArg(t: tf.Tensor, ctx: KernelContext): number[] {
  const s = intsOf(t);
  checkedSize(s, ctx);
  return s;
}

/** Philox is TF's CPU choice for alg 1 (PHILOX) and 3 (AUTO_SELECT); 2 is ThreeFry. */
function checkAlg(t: tf.Tensor, ctx: KernelContext): void {
  const alg = scalarOf(t, ctx, 'alg');
  if (alg !== 1 && alg !== 3) throw unsupported(ctx, `random algorithm ${alg} (only Philox, 1, and auto-select, 3, are implemented)`);
}

/** Stateless V1 ops: (shape, seed). */
export const statelessV1 = (dist: Dist, fallback: Kernel): Kernel => (inputs, attrs, ctx) => {
  if (attrs.tfType('dtype') !== 1) return fallback(inputs, attrs, ctx);
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  const { key, counter } = keyCounterFromSeed(seedOf(tensorAt(inputs, 1, ctx), ctx));
  return [tf.tensor(fill(dist, shape.reduce((a, b) => a * b, 1), new Philox(counter, key)), shape, 'float32')];
};

/** Stateless V2 ops: (shape, key, counter, alg). */
export const statelessV2 = (dist: Dist, fallback: Kernel): Kernel => (inputs, attrs, ctx) => {
  if (attrs.tfType('dtype') !== 1) return fallback(inputs, attrs, ctx);
  checkAlg(tensorAt(inputs, 3, ctx), ctx);
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  const key = wordsOf(tensorAt(inputs, 1, ctx), 1);
  const c = wordsOf(tensorAt(inputs, 2, ctx), 2);
  return [tf.tensor(fill(dist, shape.reduce((a, b) => a * b, 1), new Philox(c, key)), shape, 'float32')];
};

/** lo + word % (hi - lo) for int32 (UniformDistribution<int32>), one word per output. */
function uniformInts(n: number, lo: number, hi: number, gen: Philox, ctx: KernelContext): Int32Array {
  if (hi <= lo) throw unsupported(ctx, `need minval < maxval, got ${lo} >= ${hi}`);
  const range = hi - lo;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i += 4) {
    const b = gen.next();
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (lo + (b[k]! % range)) | 0;
  }
  return out;
}

export const statelessIntV1 = (fallback: Kernel): Kernel => (inputs, attrs, ctx) => {
  if (attrs.tfType('dtype') !== 3) return fallback(inputs, attrs, ctx); // int64 draws take two words each
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  const { key, counter } = keyCounterFromSeed(seedOf(tensorAt(inputs, 1, ctx), ctx));
  const lo = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'minval');
  const hi = scalarOf(tensorAt(inputs, 3, ctx), ctx, 'maxval');
  return [tf.tensor(uniformInts(shape.reduce((a, b) => a * b, 1), lo, hi, new Philox(counter, key), ctx), shape, 'int32')];
};

export const statelessIntV2 = (fallback: Kernel): Kernel => (inputs, attrs, ctx) => {
  if (attrs.tfType('dtype') !== 3) return fallback(inputs, attrs, ctx);
  checkAlg(tensorAt(inputs, 3, ctx), ctx);
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  const key = wordsOf(tensorAt(inputs, 1, ctx), 1);
  const c = wordsOf(tensorAt(inputs, 2, ctx), 2);
  const lo = scalarOf(tensorAt(inputs, 4, ctx), ctx, 'minval');
  const hi = scalarOf(tensorAt(inputs, 5, ctx), ctx, 'maxval');
  return [tf.tensor(uniformInts(shape.reduce((a, b) => a * b, 1), lo, hi, new Philox(c, key), ctx), shape, 'int32')];
};

/** StatelessRandomGetKeyCounter(Alg): key [1] and counter [2] (uint64, carried as int32 with the full words beside them). */
export const keyCounter = (withAlg: boolean): Kernel => (inputs, _attrs, ctx) => {
  const { key, counter } = keyCounterFromSeed(seedOf(tensorAt(inputs, 0, ctx), ctx));
  const k = tf.tensor1d([key[0]! | 0], 'int32');
  const c = tf.tensor1d([counter[0]! | 0, counter[2]! | 0], 'int32');
  WORDS.set(k, key);
  WORDS.set(c, counter);
  const out: tf.Tensor[] = [k, c];
  if (withAlg) out.push(tf.scalar(1, 'int32'));
  return out;
};
