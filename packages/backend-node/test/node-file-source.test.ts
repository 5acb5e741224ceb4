import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, MissingFileError, PathEscapeError, resolveSource, SubfolderSource } from '@savedkeras/common';
import { NodeFileSource } from '../src/index.js';

let base: string;
let model: string;
const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'savedkeras-nfs-'));
  model = join(base, 'model');
  await mkdir(join(model, 'variables'), { recursive: true });
  await writeFile(join(model, 'saved_model.pb'), data);
  await writeFile(join(model, 'variables', 'variables.index'), 'index');
  await writeFile(join(base, 'secret.txt'), 'outside');
  await symlink(join(base, 'secret.txt'), join(model, 'escape.txt'));
  await symlink(base, join(model, 'up'));
  await symlink(join(model, 'saved_model.pb'), join(model, 'inside-link.pb'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('NodeFileSource', () => {
  it('reads a whole file and reports its size', async () => {
    const s = new NodeFileSource(model);
    expect(await s.read('saved_model.pb')).toEqual(data);
    expect(await s.size('saved_model.pb')).toBe(1000);
    expect(new TextDecoder().decode(await s.read('variables/variables.index'))).toBe('index');
  });

  it('reads exactly the requested range', async () => {
    const s = new NodeFileSource(model);
    const r = await s.readRange('saved_model.pb', 100, 50);
    expect(r.length).toBe(50);
    expect(r).toEqual(data.subarray(100, 150));
    expect((await s.readRange('saved_model.pb', 1000, 0)).length).toBe(0);
    expect(await s.readRange('saved_model.pb', 990, 10)).toEqual(data.subarray(990));
  });

  it('throws MissingFileError naming a missing file, and size() is undefined', async () => {
    const s = new NodeFileSource(model);
    const err = await s.read('variables/variables.data-00000-of-00001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect((err as MissingFileError).file).toBe('variables/variables.data-00000-of-00001');
    expect((err as Error).message).toContain('variables.data-00000-of-00001');
    await expect(s.readRange('nope.bin', 0, 1)).rejects.toBeInstanceOf(MissingFileError);
    expect(await s.size('nope.bin')).toBeUndefined();
    expect(await s.size('variables')).toBeUndefined(); // a folder is not a file
    await expect(s.read('variables')).rejects.toBeInstanceOf(MissingFileError);
  });

  it('throws FormatError for a range past the end', async () => {
    const s = new NodeFileSource(model);
    const err = await s.readRange('saved_model.pb', 990, 11).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe('saved_model.pb');
    await expect(s.readRange('saved_model.pb', -1, 2)).rejects.toBeInstanceOf(FormatError);
    await expect(s.readRange('saved_model.pb', 2 ** 60, 1)).rejects.toBeInstanceOf(FormatError);
  });

  it('readRangeInto writes exactly the file bytes into the given view and nothing around it', async () => {
    const s = new NodeFileSource(model);
    const backing = new Uint8Array(80).fill(0xee);
    await s.readRangeInto('saved_model.pb', 100, backing.subarray(10, 60));
    expect(backing.subarray(10, 60)).toEqual(data.subarray(100, 150));
    expect(backing.subarray(0, 10).every((b) => b === 0xee)).toBe(true);
    expect(backing.subarray(60).every((b) => b === 0xee)).toBe(true);
    const tail = new Uint8Array(10);
    await s.readRangeInto('saved_model.pb', 990, tail);
    expect(tail).toEqual(data.subarray(990));
    await s.readRangeInto('saved_model.pb', 1000, new Uint8Array(0)); // empty range at the end is fine
    // Through a subfolder (TF Serving's model/1/ layout) the method is forwarded, paths stay inside.
    const sub = new SubfolderSource(new NodeFileSource(base), 'model');
    const viaSub = new Uint8Array(50);
    await sub.readRangeInto!('saved_model.pb', 100, viaSub);
    expect(viaSub).toEqual(data.subarray(100, 150));
    await expect(sub.readRangeInto!('../secret.txt', 0, new Uint8Array(1))).rejects.toBeInstanceOf(PathEscapeError);
  });

  it('readRangeInto checks bounds with typed errors and leaves the target untouched', async () => {
    const s = new NodeFileSource(model);
    const target = new Uint8Array(11).fill(0xee);
    const err = await s.readRangeInto('saved_model.pb', 990, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe('saved_model.pb');
    expect(target.every((b) => b === 0xee)).toBe(true); // refused before any byte was read
    await expect(s.readRangeInto('saved_model.pb', -1, new Uint8Array(2))).rejects.toBeInstanceOf(FormatError);
    await expect(s.readRangeInto('saved_model.pb', 2 ** 60, new Uint8Array(1))).rejects.toBeInstanceOf(FormatError);
    await expect(s.readRangeInto('saved_model.pb', 0.5, new Uint8Array(1))).rejects.toBeInstanceOf(FormatError);
    await expect(s.readRangeInto('nope.bin', 0, new Uint8Array(1))).rejects.toBeInstanceOf(MissingFileError);
    await expect(s.readRangeInto('variables', 0, new Uint8Array(1))).rejects.toBeInstanceOf(MissingFileError);
    await expect(s.readRangeInto('escape.txt', 0, new Uint8Array(1))).rejects.toBeInstanceOf(PathEscapeError);
  });

  it('refuses .. and absolute paths', async () => {
    const s = new NodeFileSource(model);
    await expect(s.read('../secret.txt')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.read('variables/../../secret.txt')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.read(join(base, 'secret.txt'))).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.size('/etc/passwd')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.readRange('..\\secret.txt', 0, 1)).rejects.toBeInstanceOf(PathEscapeError);
  });

  it('refuses symlinks that leave the folder, follows ones that stay inside', async () => {
    const s = new NodeFileSource(model);
    await expect(s.read('escape.txt')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.readRange('escape.txt', 0, 1)).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.size('escape.txt')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.read('up/secret.txt')).rejects.toBeInstanceOf(PathEscapeError);
    expect(await s.read('inside-link.pb')).toEqual(data);
  });

  it('refuses a symlink into a sibling folder whose name starts with the model folder\'s (`model` -> `model-other`)', async () => {
    // The inside test compares real paths: `<base>/model-other/x` starts with `<base>/model` but is not inside it.
    await mkdir(join(base, 'model-other', 'variables'), { recursive: true });
    await writeFile(join(base, 'model-other', 'saved_model.pb'), 'sibling');
    await writeFile(join(base, 'model-other', 'variables', 'variables.index'), 'sibling index');
    await symlink(join(base, 'model-other', 'saved_model.pb'), join(model, 'sibling.pb'));
    await symlink(join(base, 'model-other', 'variables'), join(model, 'sibling-vars'));
    try {
      const s = new NodeFileSource(model);
      await expect(s.read('sibling.pb')).rejects.toBeInstanceOf(PathEscapeError);
      await expect(s.readRange('sibling.pb', 0, 1)).rejects.toBeInstanceOf(PathEscapeError);
      await expect(s.size('sibling-vars/variables.index')).rejects.toBeInstanceOf(PathEscapeError);
      expect(await s.list()).not.toContain('sibling.pb');
      // A folder whose name merely starts the same way, inside the model folder, is read.
      expect(new TextDecoder().decode(await s.read('variables/variables.index'))).toBe('index');
    } finally {
      await rm(join(model, 'sibling.pb'));
      await rm(join(model, 'sibling-vars'));
      await rm(join(base, 'model-other'), { recursive: true, force: true });
    }
  });

  it('through folders: a linked folder inside is followed, one leading out is refused; sizes are the files\' own', async () => {
    await mkdir(join(base, 'outside-vars'), { recursive: true });
    await writeFile(join(base, 'outside-vars', 'variables.index'), 'outside index');
    await symlink(join(base, 'outside-vars'), join(model, 'vars-out'));
    await symlink(join(model, 'variables'), join(model, 'vars-in'));
    const s = new NodeFileSource(model);
    // A symlink's size is its target's (not the link's length); a folder has none.
    expect(await s.size('inside-link.pb')).toBe(data.length);
    expect(await s.size('variables')).toBeUndefined();
    expect(await s.size('variables/missing.index')).toBeUndefined();
    expect(await s.size('saved_model.pb/x')).toBeUndefined();
    // The same folder reached first as itself, then by a link inside: both read the file.
    expect(new TextDecoder().decode(await s.read('variables/variables.index'))).toBe('index');
    expect(await s.size('vars-in/variables.index')).toBe(5);
    expect(new TextDecoder().decode(await s.readRange('vars-in/variables.index', 1, 3))).toBe('nde');
    await expect(s.size('vars-out/variables.index')).rejects.toBeInstanceOf(PathEscapeError);
    await expect(s.read('vars-out/variables.index')).rejects.toBeInstanceOf(PathEscapeError);
    // Asked again (the folder's real path is kept by the source): still refused.
    await expect(s.readRange('vars-out/variables.index', 0, 1)).rejects.toBeInstanceOf(PathEscapeError);
    await rm(join(model, 'vars-out'));
    await rm(join(model, 'vars-in'));
  });

  it('lists files recursively, skipping links that leave the folder', async () => {
    const s = new NodeFileSource(model);
    expect(await s.list()).toEqual(['inside-link.pb', 'saved_model.pb', 'variables/variables.index']);
    expect(await s.list('variables')).toEqual(['variables/variables.index']);
    await expect(s.list('..')).rejects.toBeInstanceOf(PathEscapeError);
  });

  it('a missing folder: assertFolder throws MissingFileError, size() is undefined', async () => {
    const s = new NodeFileSource(join(base, 'no-such-model'));
    await expect(s.assertFolder()).rejects.toBeInstanceOf(MissingFileError);
    expect(await s.size('saved_model.pb')).toBeUndefined();
    // A file is opened as its folder, the file kept for format detection (a .keras, .h5 or model.json).
    const onFile = new NodeFileSource(join(model, 'saved_model.pb'));
    expect([onFile.root, onFile.file]).toEqual([model, 'saved_model.pb']);
    await expect(onFile.assertFolder()).resolves.toBeUndefined();
    await expect(new NodeFileSource(model).assertFolder()).resolves.toBeUndefined();
  });

  it('is reached through resolveSource for plain paths and file:// URLs', async () => {
    const byPath = resolveSource(model);
    expect(byPath).toBeInstanceOf(NodeFileSource);
    expect(await byPath.size('saved_model.pb')).toBe(1000);
    const byUrl = resolveSource(pathToFileURL(model).href);
    expect(byUrl).toBeInstanceOf(NodeFileSource);
    expect(await byUrl.read('saved_model.pb')).toEqual(data);
    expect(() => resolveSource('https://example.invalid/model')).toThrow(/no source can open/);
  });
});

describe('list() is cycle-safe (issue 14)', () => {
  it('two self-links in an empty subfolder end quickly, each real folder walked once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'savedkeras-cycle-'));
    await writeFile(join(dir, 'saved_model.pb'), 'x');
    await mkdir(join(dir, 'sub'));
    await symlink(join(dir, 'sub'), join(dir, 'sub', 'a'));
    await symlink(join(dir, 'sub'), join(dir, 'sub', 'b'));
    await symlink(dir, join(dir, 'sub', 'root'));
    const t0 = performance.now();
    const files = await new NodeFileSource(dir).list();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(files).toEqual(['saved_model.pb']);
    await rm(dir, { recursive: true, force: true });
  });
});
