import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSavedKerasError } from '@savedkeras/common';
import {
  exampleMlp,
  fsSource,
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
