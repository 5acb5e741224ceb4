import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// knip over the whole workspace (config: knip.jsonc at the root; `pnpm knip` runs the same): unused files,
// exports, types and dependencies, dependencies used but not listed, and stale entries in its own config.
// A finding fails this test with knip's report as the message, so `pnpm test` (what CI runs) catches it.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('knip', () => {
  it('finds nothing unused or unlisted in any package', () => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules/knip/bin/knip.js'), '--no-progress', '--treat-config-hints-as-errors'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 300_000,
    });
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`.trim(), "knip's findings (received); fix them or, where justified, add a commented ignore to knip.jsonc").toBe('');
    expect(run.status).toBe(0);
  });
});
