import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerOptions {
  /** Answer `Range:` with 206 (default true). When false, Range is ignored and 200 sent whole. */
  ranges?: boolean;
  /** Answer HEAD (default true). When false, HEAD gets 405. */
  head?: boolean;
  /** Send Accept-Ranges: none on HEAD when ranges are off (default false: say nothing). */
  announceNoRanges?: boolean;
  /** Paths (without the leading /) answered with this status and no body. */
  statusFor?: Record<string, number>;
  /** Paths whose 206 answers claim a wrong Content-Range start. */
  lieAboutRange?: string[];
}

export interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  status: number;
  bodyBytes: number;
}

/** A tiny HTTP server over in-memory files on 127.0.0.1, logging every request, for UrlSource tests. */
export async function startServer(
  files: Map<string, Uint8Array>,
  options: ServerOptions = {},
): Promise<{ base: string; log: LoggedRequest[]; close: () => Promise<void> }> {
  const { ranges = true, head = true } = options;
  const log: LoggedRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const path = decodeURIComponent(url.split('?')[0]).replace(/^\//, '');
    const entry: LoggedRequest = { method: req.method ?? '', url, range: req.headers.range, status: 0, bodyBytes: 0 };
    log.push(entry);
    const send = (status: number, headers: Record<string, string | number>, body?: Uint8Array) => {
      entry.status = status;
      entry.bodyBytes = req.method === 'HEAD' ? 0 : (body?.length ?? 0);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const forced = options.statusFor?.[path];
    if (forced !== undefined) return send(forced, {});
    if (req.method === 'HEAD' && !head) return send(405, {});
    const data = files.get(path);
    if (!data) return send(404, { 'Content-Type': 'text/plain' }, new TextEncoder().encode('not found'));
    const base: Record<string, string | number> = { 'Content-Type': 'application/octet-stream' };
    if (ranges) base['Accept-Ranges'] = 'bytes';
    else if (options.announceNoRanges) base['Accept-Ranges'] = 'none';
    const m = ranges && req.headers.range ? /^bytes=(\d+)-(\d+)$/.exec(req.headers.range) : null;
    if (m) {
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), data.length - 1);
      if (start >= data.length) return send(416, { 'Content-Range': `bytes */${data.length}` });
      const body = data.subarray(start, end + 1);
      const claimed = options.lieAboutRange?.includes(path) ? start + 1 : start;
      return send(206, { ...base, 'Content-Length': body.length, 'Content-Range': `bytes ${claimed}-${claimed + body.length - 1}/${data.length}` }, body);
    }
    return send(200, { ...base, 'Content-Length': data.length }, data);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    log,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Deterministic bytes: byte i of a file is a function of i, so a wrong slice shows. */
export function patternBytes(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}
