import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TABLE_BACKENDS, replaceTable, type PinFile, type PinOutcome } from '@savedkeras/conformance';
import type { ConformanceHooks, ConformanceRun } from '@savedkeras/web/hook';
import { chromiumPath, launchChromium, watchConsole } from './support/browser.js';
import { missingPrerequisite, repoRoot, webDist } from './support/paths.js';
import { startStaticServer } from './support/static-server.js';

declare global {
  interface Window extends ConformanceHooks {}
}

/**
 * Every EVERY-th case of the suite (Node runs all of them): WebGL here is SwiftShader, which
 * compiles a shader per kernel and parameter set, and the e2e run must stay quick.
 */
const EVERY = Number(process.env.CONFORMANCE_EVERY ?? 3);
const docFile = nodePath.join(repoRoot, 'docs/backends.md');

const missing = missingPrerequisite(chromiumPath);
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED backend conformance in Chromium: ${missing}\n`);

describe.skipIf(missing !== null && !process.env.CI)('backend conformance in headless Chromium', () => {
  let closeServer = async () => undefined as void;
  let closeBrowser = async () => undefined as void;
  let page: Page;
  let lines: string[] = [];
  let run: ConformanceRun;
  let pins: PinOutcome[];

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    if (!existsSync(nodePath.join(webDist, 'conformance.html'))) {
      execFileSync('pnpm', ['--silent', '--filter', '@savedkeras/web', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    }
    const server = await startStaticServer([{ prefix: '/app/', dir: webDist }]);
    closeServer = server.close;
    const browser = await launchChromium();
    closeBrowser = browser.close;
    page = await browser.context.newPage();
    lines = watchConsole(page);
    await page.goto(`${server.origin}/app/conformance.html`);
    await page.waitForFunction(() => window.__conformance !== undefined);
    try {
      run = await page.evaluate(([b, every]) => window.__conformance(b, every), [[...BROWSER_TABLE_BACKENDS], EVERY] as const);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${lines.slice(-20).join('\n')}`);
    }
    const pinFile = JSON.parse(readFileSync(nodePath.join(repoRoot, 'packages/conformance/tf-reference/kernel-fixes.json'), 'utf8')) as PinFile;
    pins = await page.evaluate(([f, b]) => window.__tfPins(f, b), [pinFile, [...BROWSER_TABLE_BACKENDS]] as const);
    if (process.env.CONFORMANCE_DUMP) writeFileSync(process.env.CONFORMANCE_DUMP, JSON.stringify({ ...run, pins }, null, 1));
    console.log(`[e2e] conformance in Chromium: ${run.outcomes.length} case runs on ${run.backends.join(', ')} in ${Math.round(run.ms)} ms`);
  }, 600_000);

  afterAll(async () => {
    await closeBrowser();
    await closeServer();
  });

  it('wasm and webgl both run in this Chromium', () => {
    expect(run.unavailable).toEqual({});
    expect(run.backends).toEqual([...BROWSER_TABLE_BACKENDS]);
  });

  it('every sampled case agrees with the cpu backend on wasm and webgl', () => {
    expect(run.outcomes.length).toBeGreaterThan(500);
    expect(run.failures).toEqual([]);
  });

  it('every kernel savedkeras replaces on wasm and webgl gives TensorFlow\'s numbers', () => {
    expect(pins.filter((p) => p.backend === 'webgl').length).toBeGreaterThan(0);
    expect(pins.filter((p) => !p.ok).map((p) => `${p.backend} ${p.name}: ${p.message}`)).toEqual([]);
  });

  it('docs/backends.md holds the current Chromium table', () => {
    const doc = readFileSync(docFile, 'utf8');
    const updated = replaceTable(doc, 'browser', run.table);
    if (process.env.UPDATE_BACKENDS_TABLE && updated !== doc) writeFileSync(docFile, updated);
    else expect(updated, 'docs/backends.md is stale: run `UPDATE_BACKENDS_TABLE=1 pnpm test:e2e`').toBe(doc);
  });
});
