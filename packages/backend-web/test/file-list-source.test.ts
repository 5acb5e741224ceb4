import { describe, expect, it } from 'vitest';
import { FormatError, MissingFileError, PathEscapeError, SourceIOError } from '@savedkeras/common';
import { FileListSource, findRoot } from '../src/index.js';
import { patternBytes } from './http-fixture-server.js';

/** A File as a folder input hands it out: webkitRelativePath is the path under the chosen folder. */
function picked(path: string, bytes: Uint8Array): File {
  const f = new File([bytes], path.slice(path.lastIndexOf('/') + 1));
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

const PB = patternBytes(2_000, 1);
const SHARD = patternBytes(70_000, 2);

describe('FileListSource', () => {
  it('keys a picked model folder by path with the folder stripped', async () => {
    const src = new FileListSource([
      picked('cnn/saved_model.pb', PB),
      picked('cnn/variables/variables.index', patternBytes(10)),
      picked('cnn/variables/variables.data-00000-of-00001', SHARD),
    ]);
    expect(src.root).toBe('cnn');
    expect(await src.list()).toEqual(['saved_model.pb', 'variables/variables.data-00000-of-00001', 'variables/variables.index']);
    expect(await src.read('saved_model.pb')).toEqual(PB);
    expect(await src.size('variables/variables.data-00000-of-00001')).toBe(SHARD.length);
    expect(await src.readRange('variables/variables.data-00000-of-00001', 65_000, 5_000)).toEqual(SHARD.subarray(65_000));
    expect(src.totalBytes).toBe(PB.length + 10 + SHARD.length);
    expect(src.description).toContain('cnn');
  });

  it('finds the one SavedModel inside a picked parent folder and leaves other files out', async () => {
    const src = new FileListSource([
      picked('downloads/README.md', patternBytes(5)),
      picked('downloads/models/cnn/saved_model.pb', PB),
      picked('downloads/models/cnn/variables/variables.index', patternBytes(10)),
      picked('downloads/models/cnn/assets/vocab/deeper/saved_model.pb', patternBytes(3)),
    ]);
    expect(src.root).toBe('downloads/models/cnn');
    expect(await src.list()).toEqual(['assets/vocab/deeper/saved_model.pb', 'saved_model.pb', 'variables/variables.index']);
    expect(await src.size('README.md')).toBeUndefined();
  });

  it('asks which one when the folder holds several SavedModels, and takes { root }', async () => {
    const files = [picked('m/a/saved_model.pb', PB), picked('m/b/saved_model.pb', patternBytes(7))];
    const err = (() => {
      try {
        new FileListSource(files);
      } catch (e) {
        return e as SourceIOError;
      }
    })();
    expect(err).toBeInstanceOf(SourceIOError);
    expect(err!.message).toContain('m/a, m/b');
    const b = new FileListSource(files, { root: 'm/b/' });
    expect(await b.read('saved_model.pb')).toEqual(patternBytes(7));
  });

  it('accepts dropped entries ({ path, file } with a leading /) and loose files', async () => {
    const dropped = new FileListSource([
      { path: '/model/saved_model.pb', file: new File([PB], 'saved_model.pb') },
      { path: '/model/variables/variables.index', file: new File([patternBytes(4)], 'variables.index') },
    ]);
    expect(await dropped.list('variables')).toEqual(['variables/variables.index']);
    const loose = new FileListSource([new File([PB], 'saved_model.pb')]);
    expect(loose.root).toBe('');
    expect(await loose.read('saved_model.pb')).toEqual(PB);
  });

  it('strips the top folder even without saved_model.pb, so the missing file is named plainly', async () => {
    const src = new FileListSource([picked('oops/variables/variables.index', patternBytes(4))]);
    const err = await src.read('saved_model.pb').catch((e) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect(err.file).toBe('saved_model.pb');
  });

  it('gives typed errors for ranges past the end, missing files and escaping paths', async () => {
    const src = new FileListSource([picked('m/saved_model.pb', PB)]);
    await expect(src.readRange('saved_model.pb', 1_990, 11)).rejects.toBeInstanceOf(FormatError);
    await expect(src.readRange('variables/variables.index', 0, 1)).rejects.toBeInstanceOf(MissingFileError);
    await expect(src.read('../m/saved_model.pb')).rejects.toBeInstanceOf(PathEscapeError);
    expect(() => new FileListSource([])).toThrow(SourceIOError);
    expect(() => new FileListSource([picked('m/../../etc/passwd', PB)])).toThrow(PathEscapeError);
  });

  it('findRoot prefers the shallowest saved_model.pb', () => {
    expect(findRoot(['x/saved_model.pb', 'x/assets/y/saved_model.pb'])).toBe('x');
    expect(findRoot(['saved_model.pb', 'variables/variables.index'])).toBe('');
    expect(findRoot(['a/x', 'b/y'])).toBe('');
  });
});
