import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Page } from 'playwright-core';
import type { PageHook } from '@savedkeras/web/hook';
import { launchChromium, watchConsole } from './browser.js';
import { repoRoot, webDist } from './paths.js';
import { startStaticServer, type Mount, type ServedRequest } from './static-server.js';

declare global {
  interface Window {
    __savedkeras: PageHook;
  }
}

/** Builds the demo page when apps/web/dist is missing (`pnpm test:e2e` builds it first). */
export function ensureWebBuilt(): void {
  if (existsSync(nodePath.join(webDist, 'index.html'))) return;
  console.warn('[e2e] apps/web/dist missing: building it (pnpm test:e2e builds it first)');
  execFileSync('pnpm', ['--silent', '--filter', '@savedkeras/web', 'build'], { cwd: repoRoot, stdio: 'inherit' });
}

export interface DemoPage {
  origin: string;
  /** Every request the server answered, in order. */
  log: ServedRequest[];
  page: Page;
  /** The page's console, as it comes. */
  consoleLines: string[];
  close(): Promise<void>;
}

/**
 * The demo page served at /app/ with `mounts` beside it, opened in headless Chromium, once its
 * backend is chosen. Whatever started is closed again when opening fails.
 */
export async function openDemoPage(mounts: Mount[]): Promise<DemoPage> {
  ensureWebBuilt();
  const server = await startStaticServer([{ prefix: '/app/', dir: webDist }, ...mounts]);
  let closeBrowser = async (): Promise<void> => undefined;
  const close = async () => {
    await closeBrowser();
    await server.close();
  };
  try {
    const browser = await launchChromium();
    closeBrowser = browser.close;
    const page = await browser.context.newPage();
    const consoleLines = watchConsole(page);
    await page.goto(`${server.origin}/app/`);
    await page.waitForFunction(() => window.__savedkeras !== undefined);
    await page.evaluate(() => window.__savedkeras.ready.then(() => undefined));
    return { origin: server.origin, log: server.log, page, consoleLines, close };
  } catch (e) {
    await close();
    throw e;
  }
}
