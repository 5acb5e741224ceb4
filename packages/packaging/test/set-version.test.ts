import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Versions move together: scripts/set-version.mjs run on a copy of the repository's real manifests
// (and the CLI's VERSION constant) changes every version and nothing else.
const run = promisify(execFile);
const repo = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../..');
const manifests = ['packages', 'apps'].flatMap((group) =>
  readdirSync(nodePath.join(repo, group))
    .map((d) => nodePath.join(group, d, 'package.json'))
    .filter((f) => existsSync(nodePath.join(repo, f))),
);
const PROGRAM = 'packages/cli/src/program.ts';

describe('scripts/set-version.mjs', () => {
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-set-version-'));
    for (const f of [...manifests, PROGRAM, 'scripts/set-version.mjs']) {
      await mkdir(nodePath.dirname(nodePath.join(copy, f)), { recursive: true });
      await cp(nodePath.join(repo, f), nodePath.join(copy, f));
    }
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  it('moves every package (public and private) and the CLI VERSION to one new version, and changes nothing else', async () => {
    expect(manifests.length).toBeGreaterThan(10);
    const { stdout } = await run(process.execPath, [nodePath.join(copy, 'scripts/set-version.mjs'), '7.8.9-rc.1']);
    expect(stdout).toContain('7.8.9-rc.1');
    for (const f of manifests) {
      const before = JSON.parse(await readFile(nodePath.join(repo, f), 'utf8')) as Record<string, unknown>;
      const after = JSON.parse(await readFile(nodePath.join(copy, f), 'utf8')) as Record<string, unknown>;
      expect(after['version'], f).toBe('7.8.9-rc.1');
      // workspace:* stays (pnpm pack writes the version in), and so does every other field.
      expect({ ...after, version: before['version'] }, f).toEqual(before);
    }
    const program = await readFile(nodePath.join(copy, PROGRAM), 'utf8');
    expect(program).toContain("export const VERSION = '7.8.9-rc.1';");
    const original = await readFile(nodePath.join(repo, PROGRAM), 'utf8');
    expect(program.replace(/VERSION = '[^']*'/, '')).toBe(original.replace(/VERSION = '[^']*'/, ''));
  });

  it('refuses a version that is not X.Y.Z[-pre] and touches nothing', async () => {
    const before = await readFile(nodePath.join(copy, manifests[0]!), 'utf8');
    const err = await run(process.execPath, [nodePath.join(copy, 'scripts/set-version.mjs'), 'latest']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/usage/);
    expect(await readFile(nodePath.join(copy, manifests[0]!), 'utf8')).toBe(before);
  });
});
