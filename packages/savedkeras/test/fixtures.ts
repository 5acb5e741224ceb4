import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = resolve(repoRoot, '../shared/fixtures/savedmodels');

/** True when ../shared is beside the checkout; prints a visible skip notice otherwise, and fails in CI. */
export function haveFixtures(what: string): boolean {
  if (existsSync(resolve(FIXTURES, 'manifest.json'))) return true;
  if (process.env.CI) throw new Error(`[fixtures] ${FIXTURES} is missing in CI: ${what} cannot run`);
  console.warn(`[fixtures] ${FIXTURES} not found: skipping ${what}`);
  return false;
}

export interface ManifestEntry {
  slug: string;
  tf_version: string;
  top_class: string | null;
  has_training_config: boolean;
  layer_classes: string[];
  [k: string]: unknown;
}

export function manifest(): ManifestEntry[] {
  return haveFixtures('manifest') ? (JSON.parse(readFileSync(resolve(FIXTURES, 'manifest.json'), 'utf8')).models as ManifestEntry[]) : [];
}

export interface TensorJson {
  dtype: string;
  shape: number[];
  value: unknown;
}
export interface ExpectedCase {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  tolerance?: number;
}
export interface Expected {
  signature: string;
  cases: ExpectedCase[];
}

export function expected(slug: string): Expected | undefined {
  const f = resolve(FIXTURES, slug, 'reference/expected.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Expected) : undefined;
}

export function fixtureDir(slug: string): string {
  return resolve(FIXTURES, slug);
}
