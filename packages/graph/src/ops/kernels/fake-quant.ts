import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext } from '../../kernel.js';
import { bad, tensorAt } from './util.js';

/**
 * FakeQuantWithMinMax{Args,Vars,VarsPerChannel} (tensorflow/core/kernels/fake_quant_ops_functor.h):
 * the range [min, max] is first nudged so that 0.0 is exactly representable, then every value is
 * clamped to the nudged range and rounded to the nearest of the 2^num_bits (- 1 when narrow_range)
 * levels. All arithmetic in float32, step by step as TensorFlow's kernel does it.
 */
const f = Math.fround;

interface Nudged { min: number; max: number; scale: number; invScale: number; quantZero: number }

function nudge(min: number, max: number, quantMin: number, quantMax: number): Nudged {
  const qmin = f(quantMin);
  const qmax = f(quantMax);
  const scale = f(f(max - min) / f(qmax - qmin));
  // TF recomputes the inverse rather than taking 1 / scale (precision)
  const invScale = f(f(qmax - qmin) / f(max - min));
  const zeroFromMin = f(qmin - f(min / scale));
  // std::round (halves away from zero; the zero point is never negative here); a NaN zero point (from
  // a zero-width range) converts to the integer 0 as the C++ cast does on x86
  const zero = zeroFromMin < qmin ? qmin : zeroFromMin > qmax ? qmax : Number.isNaN(zeroFromMin) ? 0 : Math.round(zeroFromMin);
  const nudgedMin = f(f(qmin - zero) * scale);
  return { min: nudgedMin, max: f(f(qmax - zero) * scale), scale, invScale, quantZero: Math.floor(f(f(-nudgedMin * invScale) + 0.5)) };
}

function quantLimits(attrs: Attrs, ctx: KernelContext): [number, number] {
  const bits = attrs.int('num_bits', 8);
  if (bits < 2 || bits > 16) throw bad(ctx, `num_bits must be between 2 and 16, got ${bits}`);
  return [attrs.bool('narrow_range', false) ? 1 : 0, (1 << bits) - 1];
}

/**
 * One element, as TF computes it: floor(shifted * inv_scale - quant_zero + 0.5) * scale, where
 * FakeQuantWithMinMaxVars divides by the scale instead of multiplying by the inverse (the last bit,
 * and which way a tie rounds, depend on which).
 */
function quantize(v: number, n: Nudged, divide: boolean): number {
  const clamped = v < n.min ? n.min : v > n.max ? n.max : v; // cwiseMin/cwiseMax: NaN stays NaN
  const shifted = f(clamped - n.min);
  const steps = divide ? f(shifted / n.scale) : f(shifted * n.invScale);
  return f(Math.floor(f(f(steps - n.quantZero) + 0.5)) * n.scale);
}

/** Every element with one range; TensorFlow outputs zeros for the range [0, 0]. */
function fakeQuantAll(x: tf.Tensor, min: number, max: number, limits: [number, number], divide: boolean): tf.Tensor {
  const data = x.dataSync() as Float32Array;
  const out = new Float32Array(data.length);
  if (min !== 0 || max !== 0) {
    const n = nudge(min, max, limits[0], limits[1]);
    for (let i = 0; i < data.length; i++) out[i] = quantize(data[i]!, n, divide);
  }
  return tf.tensor(out, x.shape, 'float32');
}

const args: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const min = attrs.float('min', -6);
  const max = attrs.float('max', 6);
  // TF's op constructor refuses these (the Vars ops take any range)
  if (!(min < max)) throw bad(ctx, `min ${min} must be less than max ${max}`);
  return [fakeQuantAll(x, min, max, quantLimits(attrs, ctx), false)];
};

const vars: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const min = tensorAt(inputs, 1, ctx);
  const max = tensorAt(inputs, 2, ctx);
  if (min.size !== 1 || max.size !== 1) throw bad(ctx, `min and max must be scalars, got shapes [${min.shape}] and [${max.shape}]`);
  return [fakeQuantAll(x, min.dataSync()[0]!, max.dataSync()[0]!, quantLimits(attrs, ctx), true)];
};

/** Per channel: min/max of shape [d] apply along the last dimension. */
const perChannel: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const mins = tensorAt(inputs, 1, ctx).dataSync() as Float32Array;
  const maxs = tensorAt(inputs, 2, ctx).dataSync() as Float32Array;
  const d = x.shape[x.rank - 1] ?? 0;
  if (x.rank < 1 || mins.length !== d || maxs.length !== d) {
    throw bad(ctx, `min and max must have the last dimension of inputs [${x.shape}] (${d}), got ${mins.length} and ${maxs.length}`);
  }
  const limits = quantLimits(attrs, ctx);
  const nudged = Array.from(mins, (mn, c) => {
    const mx = maxs[c]!;
    return mn === 0 && mx === 0 ? undefined : nudge(mn, mx, limits[0], limits[1]);
  });
  const data = x.dataSync() as Float32Array;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const n = nudged[i % d];
    out[i] = n ? quantize(data[i]!, n, false) : 0;
  }
  return [tf.tensor(out, x.shape, 'float32')];
};

export const FAKE_QUANT_KERNELS: Record<string, Kernel> = {
  FakeQuantWithMinMaxArgs: args,
  FakeQuantWithMinMaxVars: vars,
  FakeQuantWithMinMaxVarsPerChannel: perChannel,
};
