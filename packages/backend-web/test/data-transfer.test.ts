import { describe, expect, it } from 'vitest';
import { FileListSource, filesFromDataTransfer } from '../src/index.js';

/**
 * Entries shaped as the File and Directory Entries API hands them out on a real folder drop
 * (Chromium gives directory listings in batches of at most 100). A script cannot make a browser
 * produce a real folder drop, so the walk is checked against these.
 */
type Tree = { [name: string]: string | Tree };
function entry(name: string, node: string | Tree, parent = ''): unknown {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return { isFile: true, isDirectory: false, name, fullPath, file: (ok: (f: File) => void) => ok(new File([node], name)) };
  }
  const children = Object.entries(node).map(([n, v]) => entry(n, v, fullPath));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: unknown[]) => void) => {
          const batch = children.slice(at, at + 100);
          at += batch.length;
          setTimeout(() => ok(batch), 0);
        },
      };
    },
  };
}

function drop(tree: Tree): DataTransfer {
  const items = Object.entries(tree).map(([n, v]) => ({ kind: 'file', webkitGetAsEntry: () => entry(n, v), getAsFile: () => null }));
  return { items, files: [] } as unknown as DataTransfer;
}

describe('filesFromDataTransfer', () => {
  it('walks a dropped folder, batch by batch, keeping each file\'s path', async () => {
    const assets: Tree = {};
    for (let i = 0; i < 250; i++) assets[`a${String(i).padStart(3, '0')}.txt`] = `asset ${i}`;
    const files = await filesFromDataTransfer(
      drop({ cnn: { 'saved_model.pb': 'pb', variables: { 'variables.index': 'idx' }, assets } }),
    );
    expect(files).toHaveLength(252);
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['/cnn/saved_model.pb', '/cnn/variables/variables.index', '/cnn/assets/a249.txt']));
    const src = new FileListSource(files);
    expect(src.root).toBe('cnn');
    expect(new TextDecoder().decode(await src.read('variables/variables.index'))).toBe('idx');
    expect((await src.list('assets')).length).toBe(250);
  });

  it('takes plain files when the browser gives no entries', async () => {
    const f = new File(['x'], 'saved_model.pb');
    const dt = { items: [{ kind: 'file', getAsFile: () => f }], files: [f] } as unknown as DataTransfer;
    expect((await filesFromDataTransfer(dt)).map((x) => x.path)).toEqual(['saved_model.pb']);
  });
});
