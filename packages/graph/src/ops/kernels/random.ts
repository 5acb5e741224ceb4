import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext } from '../../kernel.js';
import { keyCounter, statelessIntV1, statelessIntV2, statelessV1, statelessV2 } from './philox.js';
import { bad, checkedSize, intsOf, scalarOf, tensorAt, variableAt, shareData } from './util.js';

/**
 * Stateful random ops draw from ctx.random() (the executor's seeded source), so results are
 * reproducible for a given seed but NOT bit-identical to TensorFlow. Stateless float32 and int32
 * draws are TF's own Philox numbers (philox.ts); other dtypes fall back to ctx.random().
 */
function uniform(n: number, ctx: KernelContext): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ctx.random();
  return out;
}

/** Standard normal by Box-Muller; `truncated` redraws values beyond 2 standard deviations. */
function normal(n: number, ctx: KernelContext, truncated: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do {
      const u1 = Math.max(ctx.random(), 1e-12);
      const u2 = ctx.random();
      v = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    } while (truncated && Math.abs(v) > 2);
    out[i] = v;
  }
  return out;
}

function shapeArg(t: tf.Tensor, ctx: KernelContext): number[] {
  const s = intsOf(t);
  checkedSize(s, ctx);
  return s;
}

const floats = (kind: 'uniform' | 'normal' | 'truncated'): Kernel => (inputs, _attrs, ctx) => {
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = kind === 'uniform' ? uniform(n, ctx) : normal(n, ctx, kind === 'truncated');
  return [tf.tensor(vals, shape, 'float32')];
};

/** Uniform integers in [minval, maxval). */
function uniformInt(shape: number[], lo: number, hi: number, ctx: KernelContext): tf.Tensor {
  if (hi <= lo) throw bad(ctx, `need minval < maxval, got ${lo} >= ${hi}`);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.min(Math.floor(ctx.random() * (hi - lo)), hi - lo - 1);
  return tf.tensor(out, shape, 'int32');
}

const uniformIntKernel = (minIndex: number): Kernel => (inputs, _attrs, ctx) => {
  const shape = shapeArg(tensorAt(inputs, 0, ctx), ctx);
  return [uniformInt(shape, scalarOf(tensorAt(inputs, minIndex, ctx), ctx, 'minval'), scalarOf(tensorAt(inputs, minIndex + 1, ctx), ctx, 'maxval'), ctx)];
};

/**
 * RngReadAndSkip: returns the RNG state variable's value and advances its counter (element 0) by
 * delta. Works on our int32-carried int64 state, enough for Keras' stateful random layers.
 */
const rngReadAndSkip: Kernel = (inputs, _attrs, ctx) => {
  const res = variableAt(inputs, 0, ctx);
  const delta = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'delta');
  const value = shareData(res.variable);
  const state = Array.from(res.variable.dataSync() as Int32Array);
  if (state.length > 0) state[0] = (state[0]! + delta) | 0;
  res.variable.assign(tf.tensor(state, res.variable.shape, res.variable.dtype));
  return [value];
};

export const RANDOM_KERNELS: Record<string, Kernel> = {
  RandomUniform: floats('uniform'),
  RandomStandardNormal: floats('normal'),
  TruncatedNormal: floats('truncated'),
  RandomUniformInt: uniformIntKernel(1),
  StatelessRandomUniform: statelessV1('uniform', floats('uniform')),
  StatelessRandomNormal: statelessV1('normal', floats('normal')),
  StatelessTruncatedNormal: statelessV1('truncated', floats('truncated')),
  StatelessRandomUniformInt: statelessIntV1(uniformIntKernel(2)),
  StatelessRandomUniformV2: statelessV2('uniform', floats('uniform')),
  StatelessRandomNormalV2: statelessV2('normal', floats('normal')),
  StatelessTruncatedNormalV2: statelessV2('truncated', floats('truncated')),
  StatelessRandomUniformIntV2: statelessIntV2(uniformIntKernel(4)),
  StatelessRandomGetKeyCounter: keyCounter(false),
  StatelessRandomGetKeyCounterAlg: keyCounter(true),
  StatelessRandomGetAlg: () => [tf.scalar(1, 'int32')],
  RngReadAndSkip: rngReadAndSkip,
};
