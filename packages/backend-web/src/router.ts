import type { ModelSource } from '@savedkeras/common';
import { UrlSource } from './url-source.js';

/** http:// and https:// URLs open as a UrlSource; anything else is left to other routers. */
export function webSourceRouter(url: string): ModelSource | undefined {
  return /^https?:\/\//i.test(url) ? new UrlSource(url) : undefined;
}
