import * as tf from '@tensorflow/tfjs-core';
import { DataType } from '@savedkeras/proto';
import type { Kernel, KernelContext } from '../../kernel.js';
import { wrapInteger } from '../dtypes.js';
import { bad, broadcastMap, tensorAt, unsupported } from './util.js';

/**
 * TF's bitwise ops (bitwise_ops.cc; cwise_ops.h functors) on the integer types, which the graph holds as
 * int32 (dtypes.ts): results wrap to the declared type's width (int8 ~5 = -6, uint8 ~5 = 250). Shifts clamp
 * the shift count to [0, bits - 1] as TF's kernels do, shift left as unsigned, and shift right arithmetically
 * for signed types, logically for unsigned ones. An int64 / uint32 / uint64 result that does not fit the int32
 * the graph holds (uint32 ~x, int64 shifted past 2^31) is refused rather than truncated.
 */
const WIDTH: Partial<Record<number, { bits: number; signed: boolean }>> = {
  [DataType.INT8]: { bits: 8, signed: true }, [DataType.UINT8]: { bits: 8, signed: false },
  [DataType.INT16]: { bits: 16, signed: true }, [DataType.UINT16]: { bits: 16, signed: false },
  [DataType.INT32]: { bits: 32, signed: true }, [DataType.UINT32]: { bits: 32, signed: false },
  [DataType.INT64]: { bits: 64, signed: true }, [DataType.UINT64]: { bits: 64, signed: false },
};

function typeOf(attrs: Parameters<Kernel>[1], ctx: KernelContext): { type: number; bits: number; signed: boolean } {
  const type = attrs.tfType('T') ?? DataType.INT32;
  const w = WIDTH[type];
  if (!w) throw bad(ctx, `T must be an integer type, got DataType ${type}`);
  return { type, ...w };
}

function intsAt(inputs: Parameters<Kernel>[0], i: number, ctx: KernelContext): { values: number[]; shape: number[] } {
  const t = tensorAt(inputs, i, ctx);
  if (t.dtype !== 'int32') throw bad(ctx, `input ${i} has dtype ${t.dtype}, not an integer type`);
  return { values: Array.from(t.dataSync() as Int32Array), shape: t.shape };
}

/** A value back into the declared type as the graph holds it: int64, uint32 and uint64 results must fit int32. */
function fit(v: bigint, type: number, bits: number, signed: boolean, ctx: KernelContext): number {
  const w = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  if (bits >= 32) {
    if (w < -0x80000000n || w > 0x7fffffffn) {
      throw unsupported(ctx, `the result ${w} does not fit the int32 savedkeras holds ${signed ? '' : 'u'}int${bits} values in`);
    }
    return Number(w);
  }
  return wrapInteger(type, Number(w));
}


const binaryBits = (fn: (a: bigint, b: bigint, bits: number, signed: boolean) => bigint): Kernel => (inputs, attrs, ctx) => {
  const { type, bits, signed } = typeOf(attrs, ctx);
  const a = intsAt(inputs, 0, ctx);
  const b = intsAt(inputs, 1, ctx);
  const { out, shape } = broadcastMap([a.values, b.values], [a.shape, b.shape], (x, y) => fit(fn(BigInt(x), BigInt(y), bits, signed), type, bits, signed, ctx), ctx);
  return [tf.tensor(Int32Array.from(out), shape, 'int32')];
};

/** TF clamps the shift count into [0, bits - 1] (cwise_ops.h left_shift_op / right_shift_op). */
const clampShift = (y: bigint, bits: number): bigint => (y < 0n ? 0n : y > BigInt(bits - 1) ? BigInt(bits - 1) : y);

/** BitwiseAnd on tfjs' own kernel where the shapes agree (int32 data; And of wrapped values stays wrapped). */
const bitwiseAnd: Kernel = (inputs, attrs, ctx) => {
  typeOf(attrs, ctx);
  const a = tensorAt(inputs, 0, ctx);
  const b = tensorAt(inputs, 1, ctx);
  if (a.dtype === 'int32' && b.dtype === 'int32' && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) return [tf.bitwiseAnd(a, b)];
  return binaryBits((x, y) => x & y)(inputs, attrs, ctx);
};

const invert: Kernel = (inputs, attrs, ctx) => {
  const { type, bits, signed } = typeOf(attrs, ctx);
  const x = intsAt(inputs, 0, ctx);
  return [tf.tensor(Int32Array.from(x.values, (v) => fit(~BigInt(v), type, bits, signed, ctx)), x.shape, 'int32')];
};

/** PopulationCount: set bits of each value in its declared width, as uint8. */
const populationCount: Kernel = (inputs, attrs, ctx) => {
  const { bits } = typeOf(attrs, ctx);
  const x = intsAt(inputs, 0, ctx);
  const count = (v: number): number => {
    let u = BigInt.asUintN(bits, BigInt(v));
    let n = 0;
    for (; u > 0n; u >>= 1n) n += Number(u & 1n);
    return n;
  };
  return [tf.tensor(Int32Array.from(x.values, count), x.shape, 'int32')];
};

export const BITWISE_KERNELS: Record<string, Kernel> = {
  BitwiseAnd: bitwiseAnd,
  BitwiseOr: binaryBits((x, y) => x | y),
  BitwiseXor: binaryBits((x, y) => x ^ y),
  Invert: invert,
  PopulationCount: populationCount,
  LeftShift: binaryBits((x, y, bits) => BigInt.asUintN(bits, x) << clampShift(y, bits)),
  RightShift: binaryBits((x, y, bits, signed) => (signed ? x : BigInt.asUintN(bits, x)) >> clampShift(y, bits)),
};
