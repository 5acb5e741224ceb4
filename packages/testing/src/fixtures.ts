import { existsSync, readFileSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asSourceError, checkRange, missing, safeRelativePath, type ModelSource } from '@savedkeras/common';

/**
 * The real SavedModels of /work/shared live next to the repository (`<repo>/../shared`), never
 * inside it. A fresh clone has none: tests print a visible message and skip, except under CI,
 * where a missing fixture folder is an error.
 */

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (no pnpm-workspace.yaml above @savedkeras/testing)');
    dir = up;
  }
}

/** `<repo>/../shared`, whether or not it exists. */
export function sharedRoot(): string {
  return resolve(repoRoot(), '../shared');
}

/** Absolute path of `<repo>/../shared/fixtures/savedmodels` (or under `shared`), or undefined when absent. */
export function fixturesRoot(shared = sharedRoot()): string | undefined {
  const p = join(shared, 'fixtures', 'savedmodels');
  return existsSync(join(p, 'manifest.json')) ? p : undefined;
}

/**
 * True when the fixtures are there. Otherwise prints `[fixtures] <path> not found: skipping
 * <testName>` and returns false — or throws when `process.env.CI` is set, so CI never passes
 * by skipping.
 */
export function requireFixtures(testName: string, shared = sharedRoot()): boolean {
  if (fixturesRoot(shared)) return true;
  const where = join(shared, 'fixtures', 'savedmodels');
  if (process.env['CI']) {
    throw new Error(`[fixtures] ${where} not found, and CI is set: ${testName} needs the shared fixtures`);
  }
  console.warn(`[fixtures] ${shared} not found: skipping ${testName}`);
  return false;
}

/** One entry of manifest.json (the facts recorded per fixture); `dir` is its absolute folder. */
export interface FixtureInfo {
  slug: string;
  dir: string;
  tf_version: string;
  metadata_source: string;
  top_class: string | null;
  identifiers?: string[];
  layer_classes?: string[];
  signatures?: Record<string, { inputs: Record<string, { dtype: string; shape: number[] }>; outputs: Record<string, { dtype: string; shape: number[] }> }>;
  files: string[];
  [key: string]: unknown;
}

export function listFixtures(): FixtureInfo[] {
  const root = fixturesRoot();
  if (!root) throw new Error(`[fixtures] ${sharedRoot()} not found (call requireFixtures first)`);
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { models: Omit<FixtureInfo, 'dir'>[] };
  return manifest.models.map((m) => ({ ...m, dir: join(root, m.slug as string) }) as FixtureInfo);
}

/** Absolute folder of fixture `slug` (throws when fixtures or the slug are absent). */
export function fixtureDir(slug: string): string {
  const f = listFixtures().find((m) => m.slug === slug);
  if (!f) throw new Error(`[fixtures] no fixture named ${slug}`);
  return f.dir;
}

/**
 * A small read-only ModelSource over a folder, for tests of packages that cannot import
 * @savedkeras/backend-node (which holds the real one).
 */
export function fsSource(dir: string): ModelSource {
  const root = resolve(dir);
  const full = (path: string) => join(root, ...safeRelativePath(path).split('/'));
  return {
    description: root,
    async read(path) {
      try {
        return new Uint8Array(await readFile(full(path)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(root, path);
        throw asSourceError(e, path);
      }
    },
    async readRange(path, offset, length) {
      const size = await this.size(path);
      if (size === undefined) throw missing(root, path);
      checkRange(path, size, offset, length);
      const fh = await open(full(path), 'r');
      try {
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== length) checkRange(path, offset + got, offset, length);
        return buf;
      } finally {
        await fh.close();
      }
    },
    async size(path) {
      try {
        const s = await stat(full(path));
        return s.isFile() ? s.size : undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw asSourceError(e, path);
      }
    },
    async list(sub = '') {
      const base = sub === '' ? root : full(sub);
      const entries = await readdir(base, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(root.length + 1).split('\\').join('/'))
        .sort();
    },
  };
}
