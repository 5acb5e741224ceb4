import { PathEscapeError } from './errors.js';

/**
 * Normalizes a relative path taken from a model file (shard name, asset name) and refuses any
 * that would leave the model folder: `..` segments, absolute paths, drive letters, NUL bytes,
 * backslashes (so Windows-style escapes are refused on every platform).
 */
export function safeRelativePath(path: string, what = 'path'): string {
  const fail = (why: string): never => {
    throw new PathEscapeError(`${what} ${JSON.stringify(path)} ${why}`, {
      hint: 'the model refers to a file outside its own folder; refusing to read it',
    });
  };
  if (path.length === 0) fail('is empty');
  if (path.length > 4096) fail('is longer than 4096 characters');
  if (path.includes('\0')) fail('contains a NUL byte');
  if (path.includes('\\')) fail('contains a backslash');
  if (path.startsWith('/')) fail('is absolute');
  if (/^[a-zA-Z]:/.test(path)) fail('has a drive letter');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(path)) fail('is a URL');
  const parts: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') fail('leaves the model folder');
    parts.push(seg);
  }
  if (parts.length === 0) fail('names no file');
  return parts.join('/');
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/');
}
