// Shared helpers of the ops-*.test.ts files: run one kernel through the registry with attrs built by
// makeAttrs (defaults from our OpDef table), a test KernelContext and a seeded random source.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataType, type AttrValue } from '@savedkeras/proto';
import { seededRandom } from '@savedkeras/common';
import type { KernelContext, Value } from '../src/kernel.js';
import { isTensorValue } from '../src/kernel.js';
import { getKernel, getOpDef, makeAttrs } from '../src/ops/index.js';

await tf.setBackend('cpu');

/** AttrValue builders in the decoded-proto shape. */
export { attrValue as A } from '../src/ops/index.js';
export { DataType };

/** The project's seeded generator, so random-op tests are reproducible. */
export const seeded = seededRandom;

import { DEFAULT_LIMITS } from '@savedkeras/common';

export function context(op: string, random: () => number = seeded(1)): KernelContext {
  return {
    nodeName: `node_${op}`,
    op,
    functionName: '__test_fn',
    callFunction: () => {
      throw new Error('no functions in kernel tests');
    },
    training: false,
    random,
    limits: DEFAULT_LIMITS,
    reserve: () => {},
  };
}

/** Runs `op` on `inputs` with `attrs` (plus OpDef defaults). */
export function run(op: string, inputs: Value[], attrs: Record<string, AttrValue> = {}, random?: () => number): Value[] {
  const kernel = getKernel(op);
  if (!kernel) throw new Error(`no kernel for ${op}`);
  return kernel(inputs, makeAttrs(attrs, getOpDef(op), op), context(op, random));
}

/** Runs `op` and returns its first output as a tensor. */
export function run1(op: string, inputs: Value[], attrs: Record<string, AttrValue> = {}): tf.Tensor {
  const out = run(op, inputs, attrs)[0];
  if (!isTensorValue(out)) throw new Error(`${op} did not return a tensor`);
  return out;
}

export function tensorOut(v: Value | undefined): tf.Tensor {
  if (!isTensorValue(v)) throw new Error('not a tensor');
  return v;
}

/** Nested arrays of a tensor. */
export function arr(t: Value | undefined): unknown {
  const x = tensorOut(t);
  const a = x.arraySync();
  if (x.dtype !== 'bool') return a;
  const toBool = (v: unknown): unknown => (Array.isArray(v) ? v.map(toBool) : Boolean(v));
  return toBool(a);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? !Number.isNaN(a) : Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`element ${i}: ${a} != ${e} (tolerance ${tol})\nactual:   ${Array.from(actual).slice(0, 20)}\nexpected: ${Array.from(expected).slice(0, 20)}`);
    }
  }
}

export { tf };
