import { existsSync, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageState, PredictResult } from '@savedkeras/web/hook';
import { chromiumPath } from './support/browser.js';
import { openDemoPage } from './support/demo-page.js';
import { compareValues, values, type TensorJson } from './support/node-reference.js';
import { fixturesPath, readExpected } from '@savedkeras/fixtures';
import { missingPrerequisite } from './support/paths.js';

// Every Keras 3 fixture (.keras and .h5) loaded by URL in the demo page in Chromium, against
// Keras' own predictions (reference/expected.json); one loaded through the page's file picker.
const kerasDir = fixturesPath('keras-files');
const missing = missingPrerequisite(chromiumPath, 'keras-files');
if (missing && !process.env.CI) console.warn(`\n[e2e] SKIPPED Keras-file browser tests: ${missing}\n`);

interface Case {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  tolerance?: number;
}
function cases(slug: string): Case[] {
  const exp = readExpected(nodePath.join(kerasDir, slug));
  if (!exp) throw new Error(`${slug} has no reference/expected.json`);
  return exp.cases as Case[];
}
/** The page has no class for the fixture's custom layer: that one must fail with an error naming it. */
const CUSTOM = 'custom-layer-scaled-dense';

describe.skipIf(missing !== null && !process.env.CI)('Keras .keras / .h5 files in the demo page (Chromium)', () => {
  let origin = '';
  let page: Page;
  let consoleLines: string[] = [];
  let close = async () => undefined as void;

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests cannot run: ${missing}`);
    ({ origin, page, consoleLines, close } = await openDemoPage([{ prefix: '/kfiles/', dir: kerasDir }]));
  });

  afterAll(async () => {
    await close();
  });

  const state = () => page.evaluate(() => window.__savedkeras.state()) as Promise<PageState>;

  async function expectReference(slug: string, label: string): Promise<void> {
    const s = await state();
    expect(s.status, `${label}: ${JSON.stringify(s.error)}\n${consoleLines.slice(-10).join('\n')}`).toBe('loaded');
    for (const c of cases(slug)) {
      const got = (await page.evaluate((i) => window.__savedkeras.predict(i), c.inputs as never)) as PredictResult;
      const outs = Object.values(got.outputs);
      const want = Object.values(c.outputs);
      expect(outs).toHaveLength(want.length);
      outs.forEach((o, i) => {
        const d = compareValues(values(o), values(want[i]!), c.tolerance ?? 1e-4);
        expect(d.ok, `${label} output ${i}: max |diff| vs Keras ${d.maxAbs}`).toBe(true);
      });
    }
  }

  const slugs = existsSync(kerasDir) ? readdirSync(kerasDir).filter((d) => existsSync(nodePath.join(kerasDir, d, 'model.keras'))).sort() : [];
  for (const slug of slugs.filter((s) => s !== CUSTOM)) {
    for (const file of ['model.keras', 'model.h5']) {
      if (!existsSync(nodePath.join(kerasDir, slug, file))) continue;
      it(`${slug}/${file} by URL gives Keras' predictions`, async () => {
        await page.evaluate((u) => window.__savedkeras.loadUrl(u).then(() => undefined, () => undefined), `${origin}/kfiles/${slug}/${file}`);
        await expectReference(slug, `${slug}/${file}`);
      });
    }
  }

  it('a custom layer the page has no class for fails with an error naming it (demo>ScaledDense)', async () => {
    await page.evaluate((u) => window.__savedkeras.loadUrl(u).then(() => undefined, () => undefined), `${origin}/kfiles/${CUSTOM}/model.keras`);
    const s = await state();
    expect(s.status).toBe('error');
    expect(JSON.stringify(s.error)).toContain('demo>ScaledDense');
  });

  it('a .keras file chosen with the file picker loads', async () => {
    const slug = 'rnn-bigru-timedistributed';
    const before = (await state()).loadCount;
    await page.setInputFiles('#file-input', nodePath.join(kerasDir, slug, 'model.keras'));
    await page.waitForFunction((n) => {
      const st = window.__savedkeras.state();
      return st.loadCount > n || st.status === 'error';
    }, before);
    expect((await state()).model?.source).toContain('chosen file model.keras');
    await expectReference(slug, `${slug} via the file picker`);
  });
});
