import { execFile } from 'node:child_process';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// A user's process after selectBackend('wasm') must behave exactly as without savedkeras: the
// emscripten module of tfjs-backend-wasm installs 'uncaughtException' / 'unhandledRejection'
// handlers that rethrow (exit code 7 and a dump). Each case runs the same user code in a child
// process twice, without and with backend selection (the built package: what users import).
const dist = pathToFileURL(nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../dist/index.js')).href;

function runChild(code: string, withBackend: string | null): Promise<{ status: number; stderr: string }> {
  const setup = withBackend ? `const { selectBackend } = await import(${JSON.stringify(dist)}); await selectBackend(${JSON.stringify(withBackend)});\n` : '';
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', setup + code], { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stderr });
    });
  });
}

const CASES: Record<string, string> = {
  'an uncaught throw': `throw new Error('user boom');`,
  'an uncaught throw later, from a timer': `setTimeout(() => { throw new Error('user boom'); }, 10);`,
  'an unhandled rejection': `Promise.reject(new Error('user boom'));`,
  'process.exitCode': `process.exitCode = 3;`,
  'a normal end': `void 0;`,
};

describe('the wasm backend leaves the process alone', () => {
  for (const [what, code] of Object.entries(CASES)) {
    it(`${what}: same exit code and message as without savedkeras`, async () => {
      const [plain, wasm] = await Promise.all([runChild(code, null), runChild(code, 'wasm')]);
      expect(wasm.status).toBe(plain.status);
      expect(wasm.status).not.toBe(7);
      if (plain.stderr.includes('user boom')) {
        expect(wasm.stderr).toContain('Error: user boom');
        // The user's own error, printed once by Node, not rethrown from inside emscripten's handler.
        expect(wasm.stderr).not.toMatch(/tf-backend-wasm|throw ex;/);
        expect(wasm.stderr.match(/user boom/g)?.length).toBe(plain.stderr.match(/user boom/g)?.length);
      }
    });
  }

  it("a user's own uncaughtException handler still runs, and is the only one", async () => {
    const code = `process.on('uncaughtException', (e) => { console.error('handled ' + e.message + ' ' + process.listenerCount('uncaughtException')); process.exit(5); }); throw new Error('user boom');`;
    const wasm = await runChild(code, 'wasm');
    expect(wasm.status).toBe(5);
    expect(wasm.stderr).toContain('handled user boom 1');
  });
});
