import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { EXAMPLES, grammar as g, memorySource, referencePredict, writeKerasSavedModel, writeModuleSavedModel, type Part } from '@savedkeras/testing';
import { LimitError, loadKerasModel, loadSavedModel, type Limits } from '../src/index.js';

// Issue 14: structurally valid saved functions that hang or exhaust memory without a work and
// memory budget. Each must end in LIMIT (or the right value) quickly, free what it made, and leave
// the process able to load and run the next model correctly.

async function runPart(part: Part, limits: Partial<Limits> = {}, call: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const start = tf.memory().numTensors;
  const m = await loadSavedModel(memorySource(writeModuleSavedModel(g.moduleOf(part))), { limits });
  const x = tf.tensor1d([1, 2, 3]);
  let result: { y?: number[]; error?: Error };
  try {
    const out = m.signatures['serving_default']!({ x }, call);
    result = { y: Array.from(out['y']!.dataSync()) };
    tf.dispose(Object.values(out));
  } catch (e) {
    result = { error: e as Error };
  }
  x.dispose();
  m.dispose();
  // Nothing the call made survives it (cached constants go with the model).
  expect(tf.memory().numTensors).toBe(start);
  return result;
}

/** A following load and predict in the same process give the right answer. */
async function expectHealthy() {
  const spec = EXAMPLES['mlp']!.spec();
  const model = await loadKerasModel(memorySource(writeKerasSavedModel(spec)), { compile: false });
  const rows = [0.5, -1, 2, 0.25, 1.5, -0.5, 3, 1];
  const width = model.inputs[0]!.shape[1]!;
  const data = rows.slice(0, width * 2);
  const x = tf.tensor2d(data, [2, width]);
  const y = model.predict(x) as tf.Tensor;
  const want = Object.values(referencePredict(spec, [data]))[0]!;
  const got = Array.from(y.dataSync());
  got.forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 4));
  tf.dispose([x, y]);
  model.dispose();
}

const SMALL: Partial<Limits> = { maxKernelLaunches: 20_000, maxLiveBytes: 64 * 2 ** 20 };

describe('hostile saved functions end in LIMIT, name function and node, and free everything', () => {
  const cases: [string, () => Part, RegExp][] = [
    ['a While nested in a While', () => g.nestedWhile(2, 1_000_000), /maxKernelLaunches/],
    ['40 functions each calling the next twice', () => g.callFanOut(40), /maxKernelLaunches/],
    ['the same fan-out through If branches', () => g.callFanOut(40, true), /maxKernelLaunches/],
    ['a fan-out inside a While', () => g.wrap(g.callFanOut(40), 'while'), /maxKernelLaunches/],
    ['MatMul outer product [65536,1]x[1,65536]', () => g.outerProduct(65536), /maxTensorElements|maxLiveBytes/],
    ['MatMul outer product inside the live-byte limit of elements but not of bytes', () => g.outerProduct(8192), /maxLiveBytes/],
    ['broadcast [n,1]+[1,n]', () => g.broadcast(8192), /maxLiveBytes/],
    ['Einsum i,j->ij', () => g.einsum(8192), /maxLiveBytes/],
    ['a While body doubling a tensor with ConcatV2', () => g.concatDoubling(40, 1024), /maxLiveBytes/],
    ['a string Const splat of 2^28 elements', () => g.stringSplat(2 ** 28), /maxLiveBytes/],
  ];
  for (const [what, make, message] of cases) {
    test(what, async () => {
      const part = make();
      const t0 = performance.now();
      const r = await runPart(part, SMALL);
      expect(r.error, `${part.what} returned ${r.y}`).toBeInstanceOf(LimitError);
      expect(r.error!.message).toMatch(message);
      expect((r.error as LimitError).node).toMatch(/\//); // function/node
      expect(performance.now() - t0).toBeLessThan(20_000);
    });
  }

  test('the default limits stop a 2^40 call fan-out too', async () => {
    const r = await runPart(g.callFanOut(40));
    expect(r.error).toBeInstanceOf(LimitError);
    expect(r.error!.message).toMatch(/more than limits.maxKernelLaunches \(250000\) graph nodes/);
  }, 60_000);

  test('the same graphs at sizes that fit give the right values', async () => {
    for (const part of [g.nestedWhile(2, 10), g.callFanOut(6), g.callFanOut(4, true), g.outerProduct(16), g.broadcast(16), g.einsum(16), g.concatDoubling(4, 3), g.stringSplat(7), g.wrap(g.outerProduct(4), 'if')]) {
      const r = await runPart(part, SMALL);
      expect(r.error, part.what).toBeUndefined();
      expect(r.y, part.what).toEqual((part.expect as { y: number[] }).y);
    }
  });

  test('limits given to the loader reach the kernels (a Fill of 2^20 under maxComputedTensorElements 1000 is refused)', async () => {
    // outerProduct's splat constants are [n,1]: 4096 elements > 1000.
    const r = await runPart(g.outerProduct(4096), { maxComputedTensorElements: 1000 });
    expect(r.error).toBeInstanceOf(LimitError);
    expect(r.error!.message).toMatch(/maxComputedTensorElements \(1000\)/);
  });

  test('timeoutMs and an aborted signal end a long call with LIMIT', async () => {
    const slow = () => g.nestedWhile(2, 1_000_000);
    const t0 = performance.now();
    const r = await runPart(slow(), { maxKernelLaunches: 1e9 }, { timeoutMs: 300 });
    expect(r.error).toBeInstanceOf(LimitError);
    expect(r.error!.message).toMatch(/longer than timeoutMs=300/);
    expect(performance.now() - t0).toBeLessThan(10_000);
    const ac = new AbortController();
    ac.abort(new Error('user cancelled'));
    const a = await runPart(slow(), { maxKernelLaunches: 1e9 }, { signal: ac.signal });
    expect(a.error).toBeInstanceOf(LimitError);
    expect(a.error!.message).toMatch(/aborted/);
  });

  test('the process is healthy afterwards: a following load and predict give the right answer', async () => {
    await runPart(g.outerProduct(8192), SMALL);
    await runPart(g.callFanOut(40), SMALL);
    await expectHealthy();
  });
});
