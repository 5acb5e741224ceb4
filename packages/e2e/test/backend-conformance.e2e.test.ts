import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TABLE_BACKENDS, GRAPH_CASES, LAYER_CASES, replaceTable, type PinFile, type PinOutcome } from '@savedkeras/conformance';
import type { ConformanceHooks, ConformanceRun } from '@savedkeras/web/hook';
import { chromiumPath, launchChromium, watchConsole } from './support/browser.js';
import { missingPrerequisite, repoRoot, webDist } from './support/paths.js';
import { startStaticServer } from './support/static-server.js';

declare global {
  interface Window extends ConformanceHooks {}
}

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
      run = await page.evaluate((b) => window.__conformance(b), [...BROWSER_TABLE_BACKENDS]);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${lines.slice(-20).join('\n')}`);
    }
    const pinFile = JSON.parse(readFileSync(nodePath.join(repoRoot, 'packages/conformance/tf-reference/kernel-fixes.json'), 'utf8')) as PinFile;
    pins = await page.evaluate(([f, b]) => window.__tfPins(f, b), [pinFile, [...BROWSER_TABLE_BACKENDS]] as const);
    if (process.env.CONFORMANCE_DUMP) writeFileSync(process.env.CONFORMANCE_DUMP, JSON.stringify({ ...run, pins }, null, 1));
    console.log(`[e2e] conformance in Chromium: ${run.outcomes.length} case runs on ${run.backends.join(', ')} in ${Math.round(run.ms)} ms`);
    // Every case on both backends: about 2 minutes of page time with software WebGL on 2 busy cores (SwiftShader compiles
    // a shader per kernel and shape, most of it); the timeout leaves room for a slower CI machine.
  }, 1_200_000);

  afterAll(async () => {
    await closeBrowser();
    await closeServer();
  });

  it('wasm and webgl both run in this Chromium', () => {
    expect(run.unavailable).toEqual({});
    expect(run.backends).toEqual([...BROWSER_TABLE_BACKENDS]);
  });

  it('every case of the suite ran on wasm and webgl and agrees with the cpu backend', () => {
    // The page runs the suite it was built with: a count short of this one's is a stale build or a case left out.
    const names = [...GRAPH_CASES, ...LAYER_CASES].map((c) => c.name);
    for (const b of BROWSER_TABLE_BACKENDS) expect(run.outcomes.filter((o) => o.backend === b).map((o) => o.name), b).toEqual(names);
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
