import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageHook, PageState, PredictResult } from '@savedkeras/web/hook';
import { chromiumPath, launchChromium, watchConsole } from './support/browser.js';
import { compareValues, referenceCases, values } from './support/node-reference.js';
import { fixturesDir, missingPrerequisite, repoRoot, webDist } from './support/paths.js';
import { startStaticServer } from './support/static-server.js';

declare global {
  interface Window {
    __savedkeras: PageHook;
  }
}

/**
 * The demo page served with COOP/COEP (cross-origin isolated) loads tfjs-backend-wasm's threaded
 * SIMD build and says so, with XNNPACK on more than one thread (the demo's `wasmThreads`); served without them
 * it loads the plain SIMD build. Both compute the fixture's reference outputs (TensorFlow's numbers) on a
 * convolution model.
 */
const missing = missingPrerequisite(chromiumPath);
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED wasm threaded-build tests: ${missing}\n`);

describe.skipIf(missing !== null && !process.env.CI)('wasm build on a cross-origin-isolated page', () => {
  const closers: (() => Promise<void>)[] = [];
  let isolated = '';
  let plain = '';
  let newPage: () => Promise<{ page: Page; lines: string[] }>;

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    if (!existsSync(nodePath.join(webDist, 'index.html'))) {
      execFileSync('pnpm', ['--silent', '--filter', '@savedkeras/web', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    }
    const mounts = [
      { prefix: '/app/', dir: webDist },
      { prefix: '/models/', dir: fixturesDir },
    ];
    const a = await startStaticServer(mounts, { crossOriginIsolated: true });
    const b = await startStaticServer(mounts);
    isolated = a.origin;
    plain = b.origin;
    const browser = await launchChromium();
    closers.push(browser.close, a.close, b.close);
    newPage = async () => {
      const page = await browser.context.newPage();
      return { page, lines: watchConsole(page) };
    };
  });

  afterAll(async () => {
    for (const close of closers) await close();
  });

  async function runOn(origin: string, slug: string): Promise<{ state: PageState; isolated: boolean; cores: number; badge: string; result: PredictResult; ref: ReturnType<typeof referenceCases>[number] }> {
    const { page, lines } = await newPage();
    try {
      await page.goto(`${origin}/app/?backend=wasm`);
      await page.waitForFunction(() => window.__savedkeras !== undefined);
      await page.evaluate(() => window.__savedkeras.ready);
      const [ref] = referenceCases(slug);
      await page.evaluate((u) => window.__savedkeras.loadUrl(u).then(() => undefined), `${origin}/models/${slug}/`);
      const result = (await page.evaluate((i) => window.__savedkeras.predict(i), ref!.inputs)) as PredictResult;
      const state = (await page.evaluate(() => window.__savedkeras.state())) as PageState;
      const isIsolated = await page.evaluate(() => self.crossOriginIsolated);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency); // the real count again once the backend is up
      const badge = (await page.textContent('body'))?.match(/backend: [^\n]*/)?.[0] ?? '';
      return { state, isolated: isIsolated, cores, badge, result, ref: ref! };
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- page console ---\n${lines.slice(-20).join('\n')}`);
    } finally {
      await page.close();
    }
  }

  it.each([
    ['isolated', true],
    ['plain', false],
  ] as const)('%s page: the build tfjs picks is reported, and cnn-mnist-bn gives TensorFlow\'s outputs', async (_name, wantIsolated) => {
    const r = await runOn(wantIsolated ? isolated : plain, 'cnn-mnist-bn');
    expect(r.isolated).toBe(wantIsolated);
    expect(r.state.backend?.name).toBe('wasm');
    expect(r.state.backend?.features?.['threadedBuild']).toBe(wantIsolated);
    // The demo asks for one XNNPACK thread per logical core (wasmThreads); tfjs alone would take half (1 of 2 here).
    expect(r.state.backend?.features?.['threads']).toBe(wantIsolated && r.cores >= 2);
    // The page's badge names the build (the demo shows the features that are on).
    if (wantIsolated) expect(r.badge).toMatch(/threadedBuild/);
    else expect(r.badge).not.toMatch(/threadedBuild/);
    const outs = Object.values(r.result.outputs);
    const refs = Object.values(r.ref.outputs);
    expect(outs).toHaveLength(refs.length);
    outs.forEach((o, i) => {
      const d = compareValues(values(o), values(refs[i]!), r.ref.tolerance);
      expect(d.ok, `output ${i}: max |diff| ${d.maxAbs} vs expected.json`).toBe(true);
    });
  });
});
