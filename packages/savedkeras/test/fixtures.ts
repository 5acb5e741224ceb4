import { join } from 'node:path';
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
