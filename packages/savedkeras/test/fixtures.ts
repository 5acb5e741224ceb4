import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKerasJson } from '@savedkeras/object-graph';
import { decodeSavedMetadata } from '@savedkeras/proto';
import { fixturesPath, listFixtures, readExpected, requireFixtures, type ExpectedFile, type SavedModelFixture } from '@savedkeras/fixtures';

export type { TensorJson } from '@savedkeras/fixtures';
const FIXTURES = fixturesPath();

/** The CI-aware guard of @savedkeras/fixtures: a visible skip notice locally, an error in CI. */
export function haveFixtures(what: string): boolean {
  return requireFixtures(what);
}

export function manifest(): SavedModelFixture[] {
  return haveFixtures('manifest') ? listFixtures() : [];
}

export function expected(slug: string): ExpectedFile | undefined {
  return readExpected(fixtureDir(slug));
}

export function fixtureDir(slug: string): string {
  return join(FIXTURES, slug);
}

/**
 * Every real fixture's keras_metadata.pb nodes, each metadata JSON parsed (TF <= 2.4 fixtures have no such file);
 * undefined when the fixtures are absent (the guard's skip notice locally; in CI the guard throws).
 */
export function fixtureKerasMetadata(what: string): { slug: string; nodes: unknown[] }[] | undefined {
  if (!haveFixtures(what)) return undefined;
  const out: { slug: string; nodes: unknown[] }[] = [];
  for (const f of listFixtures()) {
    const file = join(fixtureDir(f.slug), 'keras_metadata.pb');
    if (!existsSync(file)) continue;
    const nodes = decodeSavedMetadata(readFileSync(file)).nodes.map((n) => parseKerasJson(n.metadata, { file: 'keras_metadata.pb' }, 1e8));
    out.push({ slug: f.slug, nodes });
  }
  return out;
}
