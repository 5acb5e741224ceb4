import { describe, expect, it } from 'vitest';
import { FormatError, MissingFileError, PathEscapeError, SourceIOError } from '@savedkeras/common';
import { DirectoryHandleSource, type DirectoryHandleLike, type FileHandleLike } from '../src/index.js';
import { patternBytes } from './http-fixture-server.js';

/**
 * An in-memory folder behaving as the File System Access API specifies: lookups of absent names
 * reject with a NotFoundError DOMException, of the wrong kind with TypeMismatchError. The real
 * handle (Chromium's origin-private file system) is exercised by the browser e2e tests.
 */
type Tree = { [name: string]: Uint8Array | Tree };
function handle(name: string, tree: Tree): DirectoryHandleLike {
  const get = (n: string, kind: 'file' | 'directory') => {
    const v = tree[n];
    if (v === undefined) return Promise.reject(new DOMException(`${n} not found`, 'NotFoundError'));
    if ((v instanceof Uint8Array) !== (kind === 'file')) return Promise.reject(new DOMException(`${n} is a ${kind === 'file' ? 'folder' : 'file'}`, 'TypeMismatchError'));
    return Promise.resolve(v instanceof Uint8Array ? fileHandle(n, v) : handle(n, v));
  };
  return {
    kind: 'directory',
    name,
    getDirectoryHandle: (n) => get(n, 'directory') as Promise<DirectoryHandleLike>,
    getFileHandle: (n) => get(n, 'file') as Promise<FileHandleLike>,
    async *values() {
      for (const [n, v] of Object.entries(tree)) yield v instanceof Uint8Array ? fileHandle(n, v) : handle(n, v);
    },
  } as DirectoryHandleLike;
}
function fileHandle(name: string, bytes: Uint8Array): FileHandleLike {
  return { kind: 'file', name, getFile: async () => new File([bytes], name) };
}

const PB = patternBytes(3_000, 1);
const SHARD = patternBytes(50_000, 2);
const model: Tree = { 'saved_model.pb': PB, variables: { 'variables.index': patternBytes(9), 'variables.data-00000-of-00001': SHARD } };

describe('DirectoryHandleSource', () => {
  it('reads, slices and sizes files by walking the handle', async () => {
    const src = new DirectoryHandleSource(handle('cnn', model));
    expect(await src.read('saved_model.pb')).toEqual(PB);
    expect(await src.readRange('variables/variables.data-00000-of-00001', 49_990, 10)).toEqual(SHARD.subarray(49_990));
    expect(await src.size('variables/variables.index')).toBe(9);
    expect(await src.list()).toEqual(['saved_model.pb', 'variables/variables.data-00000-of-00001', 'variables/variables.index']);
    expect(await src.list('variables')).toEqual(['variables/variables.data-00000-of-00001', 'variables/variables.index']);
  });

  it('treats absent names and wrong kinds as missing files, and refuses escapes', async () => {
    const src = new DirectoryHandleSource(handle('cnn', model));
    expect(await src.size('keras_metadata.pb')).toBeUndefined();
    expect(await src.size('variables')).toBeUndefined(); // a folder, not a file
    expect(await src.size('saved_model.pb/x')).toBeUndefined(); // a file used as a folder
    await expect(src.read('variables/nope')).rejects.toBeInstanceOf(MissingFileError);
    await expect(src.readRange('saved_model.pb', 2_999, 2)).rejects.toBeInstanceOf(FormatError);
    await expect(src.read('../other/saved_model.pb')).rejects.toBeInstanceOf(PathEscapeError);
  });

  it('open() descends into the one sub-folder holding a SavedModel', async () => {
    const parent = await DirectoryHandleSource.open(handle('models', { 'notes.txt': patternBytes(3), cnn: model }));
    expect(await parent.read('saved_model.pb')).toEqual(PB);
    await expect(DirectoryHandleSource.open(handle('models', { a: model, b: model }))).rejects.toBeInstanceOf(SourceIOError);
  });
});
