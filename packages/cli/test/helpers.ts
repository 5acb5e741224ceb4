import { execFile, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesPath, listFixtures, requireFixtures, type SavedModelFixture, type TensorFact } from '@savedkeras/fixtures';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const binPath = path.join(repoRoot, 'packages/cli/dist/bin.js');
export const fixturesDir = fixturesPath();

/** Packages whose dist/ the CLI loads at run time. */
const NEEDED = ['common', 'proto', 'object-graph', 'backend-node', 'testing', 'cli'];

/**
 * The tests run the built CLI, as a user would. `pnpm test` builds first; when run alone
 * (`npx vitest run packages/cli`) a missing build is made here.
 */
export function ensureBuilt(): void {
  const missing = NEEDED.filter((p) => !existsSync(path.join(repoRoot, 'packages', p, 'dist/index.js')));
  if (missing.length === 0 && existsSync(binPath)) return;
  process.stderr.write(`[cli tests] building (dist missing for ${missing.join(', ') || 'cli bin'})...\n`);
  execSync('pnpm build', { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - t0 });
      },
    );
  });
}

/** Runs `jobs` with at most `limit` at once (2 cores: more would only queue). */
export async function pool<T>(jobs: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

export interface ManifestModel extends SavedModelFixture {
  keras_version: string | null;
  top_identifier: string | null;
  top_has_config: boolean | null;
  nodes_without_config: { path: string; class_name: string; identifier: string }[];
  layer_classes: string[];
  identifiers: string[];
  user_object_identifiers: string[];
  signatures: Record<string, { inputs: Record<string, TensorFact>; outputs: Record<string, TensorFact> }>;
  variable_tensors: number;
  variable_dtypes: string[];
}

/**
 * The fixture manifest, or null when ../shared is absent (a visible skip locally; in CI, where
 * the fixtures are always laid beside the repo, absence is a failure).
 */
export function loadManifest(): ManifestModel[] | null {
  return requireFixtures('cli fixture tests') ? (listFixtures() as ManifestModel[]) : null;
}
