import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '@savedkeras/common';
import { KERNEL_FIXES } from '@savedkeras/kernels';
import { selectBackend } from '../src/index.js';

describe('selectBackend', () => {
  it('initialises wasm in Node and computes with it', async () => {
    const choice = await selectBackend('wasm');
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.tried).toEqual([expect.objectContaining({ name: 'wasm', ok: true })]);
    expect(typeof choice.features?.simd).toBe('boolean');
    const y = tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(0.5));
    expect(Array.from(await y.data())).toEqual([1.5, 2.5, 3.5]);
  });

  it('replaces the kernels wasm gets wrong before it runs anything (MaxPool3D of negative windows)', async () => {
    const choice = await selectBackend('wasm');
    expect(choice.replacedKernels).toEqual([...new Set(KERNEL_FIXES.filter((f) => f.backend === 'wasm').map((f) => f.kernel))]);
    // tfjs-backend-wasm's own MaxPool3D answers ~1.2e-38 for a window of negatives; TensorFlow: the largest value.
    const x = tf.tensor5d([-3, -1, -4, -1.5, -5, -9, -2, -6], [1, 2, 2, 2, 1]);
    expect(Array.from(await tf.maxPool3d(x, 2, 2, 'valid').data())).toEqual([-1]);
  });

  it('initialises cpu without the "install tfjs-node" banner', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    try {
      const choice = await selectBackend('cpu');
      expect(choice.name).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      expect(Array.from(await tf.matMul(tf.eye(2), tf.tensor2d([1, 2, 3, 4], [2, 2])).data())).toEqual([1, 2, 3, 4]);
      const printed = [...warn.mock.calls, ...log.mock.calls].flat().map(String).join('\n');
      expect(printed).not.toContain('tfjs-node');
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it('without a preference picks the first that works and records why the others failed', async () => {
    const choice = await selectBackend();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(choice.name);
    expect(choice.tried.at(-1)).toEqual(expect.objectContaining({ name: choice.name, ok: true }));
    for (const t of choice.tried.slice(0, -1)) {
      expect(t.ok).toBe(false);
      expect(t.error).toBeTruthy();
    }
    // tfjs-node is not a dependency; unless a user installed it, it must be reported as missing.
    if (choice.name !== 'tensorflow') expect(choice.tried[0]).toEqual(expect.objectContaining({ name: 'tensorflow', ok: false }));
  });

  it('forcing an unknown backend fails with BackendError naming it', async () => {
    const err = await selectBackend('webgpu-nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('BACKEND');
    expect((err as Error).message).toContain('webgpu-nope');
  });
});
