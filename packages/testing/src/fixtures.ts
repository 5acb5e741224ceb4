import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asSourceError, checkRange, missing, safeRelativePath, type ModelSource } from '@savedkeras/common';

// Where the real fixtures are, the CI-aware guard and the expected.json reader live in
// @savedkeras/fixtures (which any package's tests can use); re-exported here for tests that import this package.
export * from '@savedkeras/fixtures';

/**
 * A small read-only ModelSource over a folder, for tests of packages that cannot import
 * @savedkeras/backend-node (which holds the real one).
 */
export function fsSource(dir: string): ModelSource {
  const root = resolve(dir);
  const full = (path: string) => join(root, ...safeRelativePath(path).split('/'));
  return {
    description: root,
    async read(path) {
      try {
        return new Uint8Array(await readFile(full(path)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(root, path);
        throw asSourceError(e, path);
      }
    },
    async readRange(path, offset, length) {
      const size = await this.size(path);
      if (size === undefined) throw missing(root, path);
      checkRange(path, size, offset, length);
      const fh = await open(full(path), 'r');
      try {
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== length) checkRange(path, offset + got, offset, length);
        return buf;
      } finally {
        await fh.close();
      }
    },
    async size(path) {
      try {
        const s = await stat(full(path));
        return s.isFile() ? s.size : undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw asSourceError(e, path);
      }
    },
    async list(sub = '') {
      const base = sub === '' ? root : full(sub);
      const entries = await readdir(base, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(root.length + 1).split('\\').join('/'))
        .sort();
    },
  };
}
