import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isSavedKerasError } from '@savedkeras/common';
import {
  exampleMlp,
  fixturesRoot,
  fsSource,
  listFixtures,
  requireFixtures,
  sharedRoot,
  writeKerasSavedModel,
  writeToDirectory,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'savedkeras-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fsSource', () => {
  it('reads, ranges, sizes and lists the files of a folder', async () => {
    const files = writeKerasSavedModel(exampleMlp());
    await writeToDirectory(files, dir);
    const src = fsSource(dir);
    expect(await src.list!()).toEqual([...files.keys()].sort());
    const pb = files.get('saved_model.pb')!;
    expect(await src.size('saved_model.pb')).toBe(pb.length);
    expect(Array.from(await src.read('saved_model.pb'))).toEqual(Array.from(pb));
    expect(Array.from(await src.readRange('saved_model.pb', 10, 20))).toEqual(Array.from(pb.subarray(10, 30)));
    expect(await src.size('nope.pb')).toBeUndefined();
    expect(await src.list!('variables')).toEqual([...files.keys()].filter((k) => k.startsWith('variables/')).sort());
  });

  it('refuses missing files, ranges past the end and paths leaving the folder, with typed errors', async () => {
    const src = fsSource(dir);
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'no error';
      } catch (e) {
        return isSavedKerasError(e) ? e.code : String(e);
      }
    };
    expect(await code(src.read('missing.pb'))).toBe('MISSING_FILE');
    expect(await code(src.read('../outside'))).toBe('PATH_ESCAPE');
    expect(await code(src.size('/etc/passwd'))).toBe('PATH_ESCAPE');
    const size = (await src.size('saved_model.pb'))!;
    expect(await code(src.readRange('saved_model.pb', size - 4, 8))).toBe('FORMAT');
  });
});

describe('fixture discovery', () => {
  it('skips visibly without the shared folder, and fails under CI', () => {
    const absent = join(dir, 'no-shared-here');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ci = process.env['CI'];
    try {
      delete process.env['CI'];
      expect(requireFixtures('a test', absent)).toBe(false);
      expect(warn).toHaveBeenCalledWith(`[fixtures] ${absent} not found: skipping a test`);
      process.env['CI'] = 'true';
      expect(() => requireFixtures('a test', absent)).toThrow(/CI is set/);
    } finally {
      if (ci === undefined) delete process.env['CI'];
      else process.env['CI'] = ci;
      warn.mockRestore();
    }
    expect(fixturesRoot(absent)).toBeUndefined();
  });

  it.skipIf(!requireFixtures('testing: listFixtures'))('lists the manifest models with their folders', () => {
    const root = fixturesRoot()!;
    expect(root).toBe(join(sharedRoot(), 'fixtures', 'savedmodels'));
    const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { count: number };
    const list = listFixtures();
    expect(list.length).toBe(manifest.count);
    for (const f of list) {
      expect(existsSync(f.dir)).toBe(true);
      for (const file of f.files) expect(existsSync(join(f.dir, file)), `${f.slug}/${file}`).toBe(true);
    }
  });
});
