import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { PageHook } from '@savedkeras/web/hook';
import { chromiumPath, launchChromium, watchConsole } from './support/browser.js';
import { missingPrerequisite, repoRoot, webDist } from './support/paths.js';
import { startStaticServer } from './support/static-server.js';

declare global {
  interface Window {
    __savedkeras: PageHook;
  }
}

/**
 * When tfjs-backend-wasm cannot fetch its binary (wasmPaths wrong or missing, the usual mistake of a bundled
 * app), selectBackend with no preference falls back to cpu: 30-100x slower. That must not be silent: a warning
 * names the URL tfjs fetched and its HTTP status; asked for wasm explicitly, BackendError says the same.
 * The page is the demo opened on the cpu backend (its own choice never starts wasm); selectBackend is then
 * called through the page's hook with a wasmPaths prefix the server answers 404 for.
 */
const missing = missingPrerequisite(chromiumPath);
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED wasm fallback tests: ${missing}\n`);

describe.skipIf(missing !== null && !process.env.CI)('wasm binaries that cannot be fetched', () => {
  const closers: (() => Promise<void>)[] = [];
  let origin = '';
  let newPage: () => Promise<{ page: Page; lines: string[] }>;

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    if (!existsSync(nodePath.join(webDist, 'index.html'))) {
      execFileSync('pnpm', ['--silent', '--filter', '@savedkeras/web', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    }
    const server = await startStaticServer([{ prefix: '/app/', dir: webDist }]);
    origin = server.origin;
    const browser = await launchChromium();
    closers.push(browser.close, server.close);
    newPage = async () => {
      const page = await browser.context.newPage();
      const lines = watchConsole(page);
      await page.goto(`${origin}/app/?backend=cpu`);
      await page.waitForFunction(() => window.__savedkeras !== undefined);
      await page.evaluate(() => window.__savedkeras.ready.then(() => undefined));
      return { page, lines };
    };
  });

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('no preference: the fallback to cpu is warned about, naming the URL fetched and its status', async () => {
    const { page, lines } = await newPage();
    try {
      const r = await page.evaluate(async (prefix) => {
        const warnings: string[] = [];
        const { selectBackend, forgetBackendFailures } = window.__savedkeras.sources;
        forgetBackendFailures();
        const choice = await selectBackend(undefined, { wasmPaths: prefix, warn: (m) => warnings.push(m) });
        return { name: choice.name, tried: choice.tried, warnings };
      }, `${origin}/missing-wasm/`);
      expect(r.name).toBe('cpu');
      const wasm = r.tried.find((t) => t.name === 'wasm');
      expect(wasm?.ok).toBe(false);
      expect(wasm?.error).toMatch(new RegExp(`could not be fetched from ${origin}/missing-wasm/tfjs-backend-wasm[-a-z]*\\.wasm: HTTP 404`));
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain('the wasm backend could not start');
      expect(r.warnings[0]).toContain(`${origin}/missing-wasm/`);
      expect(r.warnings[0]).toMatch(/running on the cpu backend instead, typically 30-100x slower/);
      expect(r.warnings[0]).toContain('wasmPaths');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${lines.slice(-20).join('\n')}`);
    } finally {
      await page.close();
    }
  });

  it('wasm asked for explicitly: BackendError naming the URL, no fallback', async () => {
    const { page, lines } = await newPage();
    try {
      const r = await page.evaluate(async (prefix) => {
        const { selectBackend, forgetBackendFailures } = window.__savedkeras.sources;
        forgetBackendFailures();
        try {
          await selectBackend('wasm', { wasmPaths: prefix, warn: () => undefined });
          return { threw: false, code: '', message: '' };
        } catch (e) {
          return { threw: true, code: (e as { code?: string }).code ?? '', message: (e as Error).message };
        }
      }, `${origin}/missing-wasm/`);
      expect(r.threw).toBe(true);
      expect(r.code).toBe('BACKEND');
      expect(r.message).toMatch(new RegExp(`wasm: the WebAssembly binary could not be fetched from ${origin}/missing-wasm/tfjs-backend-wasm[-a-z]*\\.wasm: HTTP 404`));
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${lines.slice(-20).join('\n')}`);
    } finally {
      await page.close();
    }
  });
});
