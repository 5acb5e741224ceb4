import { describe, expect, it } from 'vitest';
import { forgetBackendFailures, selectBackend } from '../src/index.js';

// In Node, tfjs-backend-wasm reads its binary from the wasmPaths prefix with the file system: a prefix with
// nothing there fails the way a wrong wasmPaths fails in a page (the browser's fetch path is checked in
// Chromium: packages/e2e/test/wasm-fallback.e2e.test.ts). Its own file: a failed wasm start stays failed in a process.
describe('selectBackend when wasm cannot start', () => {
  it('falls back to cpu with a warning that says so and why (no silent 30-100x slowdown)', async () => {
    forgetBackendFailures();
    const warnings: string[] = [];
    const choice = await selectBackend(['wasm', 'cpu'], { wasmPaths: '/nonexistent-savedkeras-wasm/', warn: (m) => warnings.push(m) });
    expect(choice.name).toBe('cpu');
    const wasm = choice.tried.find((t) => t.name === 'wasm')!;
    expect(wasm.ok).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the wasm backend could not start (${wasm.error})`);
    expect(warnings[0]).toMatch(/running on the cpu backend instead, typically 30-100x slower/);
    expect(warnings[0]).toContain('wasmPaths');
  });

  it('no warning when the choice did not fall from wasm to cpu', async () => {
    const warnings: string[] = [];
    const choice = await selectBackend('cpu', { warn: (m) => warnings.push(m) });
    expect(choice.name).toBe('cpu');
    expect(warnings).toEqual([]);
  });
});
