import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesPath, requireFixtures, type FixtureKind } from '@savedkeras/fixtures';

export const repoRoot = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const webDist = nodePath.join(repoRoot, 'apps/web/dist');
export const fixturesDir = fixturesPath();
export const screenshotPath = nodePath.join(repoRoot, 'docs/demo-page.png');

/**
 * Why the browser tests cannot run here, or null when they can. Absent fixtures or Chromium skip
 * the tests with a visible message on a developer machine, and fail them under CI (absent fixtures
 * throw here, through the one CI-aware guard).
 */
export function missingPrerequisite(chromiumPath: string, kind: FixtureKind = 'savedmodels'): string | null {
  if (!requireFixtures(`browser tests on ${kind}`, kind)) return `fixtures not found at ${fixturesPath(kind)}`;
  if (!existsSync(chromiumPath)) return `Chromium not found at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  return null;
}

export function fixture(slug: string): string {
  return nodePath.join(fixturesDir, slug);
}
