import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@savedkeras/common';
import { forgetBackendFailures, selectBackend } from '../src/index.js';

// Node has neither WebGPU nor WebGL: these tests check the fallback order, the per-backend
// reasons and remembered failures. The browser choice itself is checked in headless Chromium (e2e).
describe('selectBackend (in Node)', () => {
  it('falls through webgpu and webgl to cpu, saying why each failed, and the backend computes', async () => {
    forgetBackendFailures();
    const choice = await selectBackend(['webgpu', 'webgl', 'cpu']);
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([['webgpu', false], ['webgl', false], ['cpu', true]]);
    expect(choice.tried[0].error).toMatch(/WebGPU is not available/);
    expect(choice.tried[1].error).toMatch(/WebGL is not available/);
    expect(Array.from(await tf.add(tf.tensor1d([1, 2]), 1).data())).toEqual([2, 3]);
  });

  it('remembers failures and skips them on the next call', async () => {
    const choice = await selectBackend(['webgl', 'cpu']);
    expect(choice.tried[0]).toMatchObject({ name: 'webgl', ok: false, remembered: true });
  });

  it('an explicit single choice is not replaced: BackendError lists the reason', async () => {
    const err = await selectBackend('webgpu').catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toMatch(/webgpu: WebGPU is not available/);
    const typo = await selectBackend('webgll').catch((e) => e);
    expect(typo).toBeInstanceOf(BackendError);
    expect(typo.hint).toMatch(/known backends are webgpu, webgl, wasm, cpu/);
  });
});
