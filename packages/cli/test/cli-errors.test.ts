import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFixtures } from '@savedkeras/fixtures';
import { ensureBuilt, fixturesDir, runCli } from './helpers.js';

let tmp: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('savedkeras CLI errors and exit codes', () => {
  it('a missing folder: exit 1, MISSING_FILE on stderr, nothing on stdout, no stack', async () => {
    const r = await runCli(['inspect', path.join(tmp, 'no-such-model'), '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error \[MISSING_FILE\]: model folder not found: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a folder without saved_model.pb: exit 1, MISSING_FILE naming the file', async () => {
    const dir = path.join(tmp, 'empty');
    await mkdir(dir);
    const r = await runCli(['inspect', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [MISSING_FILE]');
    expect(r.stderr).toContain('saved_model.pb');
  });

  it('a garbage saved_model.pb: exit 1, FORMAT naming the file; --debug adds the stack', async () => {
    const dir = path.join(tmp, 'garbage');
    await mkdir(dir);
    await writeFile(path.join(dir, 'saved_model.pb'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    const r = await runCli(['inspect', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error \[FORMAT\]: .*saved_model\.pb/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(['--debug', 'inspect', dir]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('error [FORMAT]');
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it.skipIf(!requireFixtures('cli errors on a real fixture'))('a truncated real saved_model.pb: exit 1, FORMAT', async () => {
    const dir = path.join(tmp, 'truncated');
    await mkdir(dir);
    const pb = await readFile(path.join(fixturesDir, 'seq-logistic-rmsprop', 'saved_model.pb'));
    await writeFile(path.join(dir, 'saved_model.pb'), pb.subarray(0, Math.floor(pb.length / 2)));
    const r = await runCli(['inspect', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error [FORMAT]');
  });

  it.skipIf(!requireFixtures('cli errors on a real fixture'))('a flipped byte in a weight shard: exit 1, CHECKSUM naming the shard', async () => {
    const dir = path.join(tmp, 'flipped');
    await cp(path.join(fixturesDir, 'seq-logistic-rmsprop'), dir, { recursive: true });
    const shard = path.join(dir, 'variables', 'variables.data-00000-of-00001');
    const bytes = await readFile(shard);
    bytes[0] ^= 0x01; // the first stored tensor
    await writeFile(shard, bytes);
    const r = await runCli(['inspect', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error [CHECKSUM]');
    expect(r.stderr).toContain('variables/variables.data-00000-of-00001');
  });

  it('usage errors exit 2', async () => {
    const unknownCommand = await runCli(['frobnicate']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command');
    const noDir = await runCli(['inspect']);
    expect(noDir.code).toBe(2);
    const badBackend = await runCli(['inspect', tmp, '--backend', 'nope']);
    expect(badBackend.code).toBe(2);
    expect(badBackend.stderr).toContain('tensorflow, wasm, cpu');
  });

  it('--help lists the commands and the global options, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['inspect', 'example', '--backend', '--debug']) expect(r.stdout).toContain(word);
    const sub = await runCli(['inspect', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--json');
    expect(sub.stdout).toContain('--backend'); // global options shown on every command
  });
});
