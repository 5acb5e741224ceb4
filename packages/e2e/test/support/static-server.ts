import { createReadStream, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nodePath from 'node:path';

/** URL prefix -> folder. A mount with `ranges: false` ignores Range headers (like some static hosts). */
export interface Mount {
  prefix: string;
  dir: string;
  ranges?: boolean;
}

export interface ServedRequest {
  method: string;
  url: string;
  range?: string;
  status: number;
  /** Bytes of the response body sent (0 for HEAD); headers are not counted. */
  bytes: number;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServerOptions {
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`
   * with every response, so pages are cross-origin isolated (SharedArrayBuffer works and
   * tfjs-backend-wasm loads its threaded SIMD build).
   */
  crossOriginIsolated?: boolean;
}

/** The headers that make a page cross-origin isolated (the demo's Vite dev/preview servers send them too). */
const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/**
 * A static file server on 127.0.0.1 for the browser tests: the built demo page and the real
 * fixtures, with HEAD and single byte ranges (`bytes=a-b`, `a-`, `-n`), as a static host serves them.
 */
export async function startStaticServer(
  mounts: Mount[],
  options: StaticServerOptions = {},
): Promise<{ origin: string; log: ServedRequest[]; close: () => Promise<void> }> {
  const log: ServedRequest[] = [];
  const server = http.createServer((req, res) => {
    const entry: ServedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', range: req.headers.range, status: 0, bytes: 0 };
    log.push(entry);
    // Count what goes out as the body (the chunks given to write/end), to report download sizes.
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    const count = (chunk: unknown) => {
      if (typeof chunk === 'string') entry.bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) entry.bytes += chunk.length;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => (count(chunk), write(chunk, ...rest))) as typeof res.write;
    res.end = ((...args: unknown[]) => (typeof args[0] !== 'function' && count(args[0]), end(...args))) as typeof res.end;
    if (options.crossOriginIsolated) for (const [k, v] of Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)) res.setHeader(k, v);
    serve(req, res, mounts)
      .then((status) => (entry.status = status))
      .catch(() => {
        entry.status = 500;
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, mounts: Mount[]): Promise<number> {
  const end = (status: number, body?: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return status;
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return end(405, 'method not allowed');
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return end(400, 'bad URL');
  }
  const mount = mounts.find((m) => pathname === m.prefix.replace(/\/$/, '') || pathname.startsWith(m.prefix));
  if (!mount) return end(404, 'not found');
  const root = nodePath.resolve(mount.dir);
  let file = nodePath.resolve(root, `.${pathname.slice(mount.prefix.length - 1)}`);
  // Decoded `..` must not leave the mount (the browser tests also try it on purpose).
  if (file !== root && !file.startsWith(root + nodePath.sep)) return end(403, 'outside the served folder');
  let st = await fsp.stat(file).catch(() => null);
  if (st?.isDirectory()) {
    file = nodePath.join(file, 'index.html');
    st = await fsp.stat(file).catch(() => null);
  }
  if (!st || !st.isFile()) return end(404, 'not found');
  const size = st.size;
  const headers: Record<string, string | number> = {
    'Content-Type': TYPES[nodePath.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
  };
  if (mount.ranges !== false) headers['Accept-Ranges'] = 'bytes';
  const range = mount.ranges !== false ? parseRange(req.headers.range, size) : undefined;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${size}` });
    res.end();
    return 416;
  }
  const [start, last] = range ?? [0, size - 1];
  const status = range ? 206 : 200;
  res.writeHead(status, {
    ...headers,
    'Content-Length': size === 0 ? 0 : last - start + 1,
    ...(range ? { 'Content-Range': `bytes ${start}-${last}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return status;
  }
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(file, { start, end: last });
    stream.on('error', fail);
    res.on('close', ok);
    stream.pipe(res);
  });
  return status;
}

function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let last: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    last = size - 1;
  } else {
    start = Number(m[1]);
    last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > last) return 'unsatisfiable';
  return [start, last];
}
