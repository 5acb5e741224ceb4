import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const webDist = nodePath.join(repoRoot, 'apps/web/dist');
export const fixturesDir = nodePath.resolve(repoRoot, '../shared/fixtures/savedmodels');
export const screenshotPath = nodePath.join(repoRoot, 'docs/demo-page.png');

/**
 * Why the browser tests cannot run here, or null when they can. Absent fixtures or Chromium skip
 * the tests with a visible message on a developer machine, and fail them under CI.
 */
export function missingPrerequisite(chromiumPath: string): string | null {
  if (!existsSync(nodePath.join(fixturesDir, 'manifest.json'))) return `fixtures not found at ${fixturesDir}`;
  if (!existsSync(chromiumPath)) return `Chromium not found at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  return null;
}

export function fixture(slug: string): string {
  return nodePath.join(fixturesDir, slug);
}
