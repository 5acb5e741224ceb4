import { fileURLToPath } from 'node:url';
import type { ModelSource } from '@savedkeras/common';
import { NodeFileSource } from './node-file-source.js';

/** Plain paths and file:// URLs open as a NodeFileSource; any other URL scheme is left to other routers. */
export function nodeSourceRouter(url: string): ModelSource | undefined {
  if (/^file:\/\//i.test(url)) return new NodeFileSource(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  return new NodeFileSource(url);
}
