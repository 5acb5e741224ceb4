import {
  asSourceError,
  checkRange,
  FormatError,
  missing,
  MissingFileError,
  PathEscapeError,
  safeRelativePath,
  SourceIOError,
  type ModelSource,
  type ProgressCallback,
} from '@savedkeras/common';
import { readBody } from './read-body.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface UrlSourceOptions {
  /** The fetch to use (default: globalThis.fetch). Lets callers add auth headers or a test double. */
  fetch?: FetchLike;
  /** Called as bytes arrive, with the bytes received and announced so far over all requests. */
  onProgress?: ProgressCallback;
  /** Extra request headers (e.g. Authorization) sent with every request. */
  headers?: Record<string, string>;
}

/** Whether the server answers `Range:` requests with 206; unknown until the first answer says. */
type RangeSupport = 'unknown' | 'yes' | 'no';

/**
 * A SavedModel served over HTTP(S): `<base>/saved_model.pb`, `<base>/variables/...`.
 *
 * - read(path): one GET, streamed with progress.
 * - readRange(path, a, n): GET with `Range: bytes=a-(a+n-1)`, so a 2 GiB shard is fetched in the
 *   pieces the loader needs. When the server ignores ranges (200, or `Accept-Ranges: none`), the
 *   one full body it sent is kept and every later range of that file is cut from it: each file is
 *   downloaded at most once and held at most once.
 * - size(path): HEAD (Content-Length); when HEAD is refused or says nothing, a 1-byte range GET
 *   (Content-Range carries the total) or, without range support, the full GET that is then kept.
 * - 404 is MissingFileError naming the path; other failures are SourceIOError with the status.
 *
 * Every path goes through safeRelativePath, each segment is percent-encoded, and the final URL is
 * checked to still lie under the base URL: no `..`, encoded or not, reaches outside it.
 */
/** URL file names taken for one model file rather than a folder. */
const MODEL_FILE_NAME = /\.(keras|h5|hdf5|json)$/i;

export class UrlSource implements ModelSource {
  readonly description: string;
  /** The base URL, always ending with `/`. */
  readonly baseUrl: string;
  /**
   * Set when the URL names a model file (`.../model.keras`, `.../model.h5`, `.../model.json`): its
   * name, the base URL then being its folder. The file's format is still told from its bytes.
   */
  readonly file?: string;
  private readonly fetchFn: FetchLike;
  private readonly onProgress?: ProgressCallback;
  private readonly headers: Record<string, string>;
  private rangeSupport: RangeSupport = 'unknown';
  /** Whole files kept because the server cannot serve ranges of them (or they were fetched whole). */
  private readonly whole = new Map<string, Promise<Uint8Array>>();
  private readonly sizes = new Map<string, Promise<number | undefined>>();
  private loadedBytes = 0;
  private announcedBytes = 0;

  constructor(baseUrl: string | URL, options: UrlSourceOptions = {}) {
    const base = new URL(String(baseUrl), globalThis.location?.href);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new SourceIOError(`UrlSource needs an http(s) URL, got ${base.protocol}`, {
        hint: 'for a local folder use NodeFileSource (Node) or FileListSource (browser)',
      });
    }
    base.search = '';
    base.hash = '';
    const last = base.pathname.slice(base.pathname.lastIndexOf('/') + 1);
    if (MODEL_FILE_NAME.test(last)) {
      this.file = decodeURIComponent(last);
      base.pathname = base.pathname.slice(0, base.pathname.length - last.length);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.baseUrl = base.href;
    this.description = this.baseUrl;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new SourceIOError('no fetch() in this environment; pass options.fetch');
    // Called unbound: window.fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchFn = (input, init) => f(input, init);
    this.onProgress = options.onProgress;
    this.headers = { ...(options.headers ?? {}) };
  }

  /** The URL a model path resolves to; throws PathEscapeError for anything that would leave the base. */
  urlFor(path: string): string {
    const rel = safeRelativePath(path);
    const segments = rel.split('/');
    for (const seg of segments) {
      // `%2e%2e` is a plain file name to us, but servers that decode twice would climb up with it.
      if (/^(\.|\.\.)$/.test(tryDecode(seg))) {
        throw new PathEscapeError(`path ${JSON.stringify(path)} has an encoded dot segment`, {
          hint: 'the model refers to a file outside its own folder; refusing to read it',
        });
      }
    }
    const url = new URL(segments.map(encodeURIComponent).join('/'), this.baseUrl).href;
    if (!url.startsWith(this.baseUrl)) {
      throw new PathEscapeError(`path ${JSON.stringify(path)} resolves outside ${this.baseUrl}`, {
        hint: 'the model refers to a file outside its own folder; refusing to read it',
      });
    }
    return url;
  }

  async read(path: string): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const kept = this.whole.get(rel);
    if (kept) return kept;
    return this.fetchWhole(rel, false);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const rel = safeRelativePath(path);
    const kept = this.whole.get(rel);
    if (kept) {
      const buf = await kept;
      checkRange(rel, buf.length, offset, length);
      return buf.subarray(offset, offset + length);
    }
    const size = await this.size(rel);
    if (size === undefined) throw missing(this.description, rel);
    checkRange(rel, size, offset, length);
    if (length === 0) return new Uint8Array(0);
    if (this.rangeSupport === 'no') {
      const buf = await this.fetchWhole(rel, true);
      checkRange(rel, buf.length, offset, length);
      return buf.subarray(offset, offset + length);
    }
    return this.fetchRange(rel, offset, length);
  }

  async size(path: string): Promise<number | undefined> {
    const rel = safeRelativePath(path);
    let s = this.sizes.get(rel);
    if (!s) {
      s = this.probeSize(rel);
      this.sizes.set(rel, s);
      // A failed probe (network down) is not remembered: the next call tries again.
      s.catch(() => this.sizes.delete(rel));
    }
    return s;
  }

  private async probeSize(rel: string): Promise<number | undefined> {
    const url = this.urlFor(rel);
    const kept = this.whole.get(rel);
    if (kept) return (await kept).length;
    let head: Response | undefined;
    try {
      head = await this.fetchFn(url, { method: 'HEAD', headers: this.headers });
    } catch (e) {
      throw networkError(e, rel, url);
    }
    if (head.status === 404 || head.status === 410) return undefined;
    if (head.ok) {
      this.noteAcceptRanges(head);
      const n = contentLength(head);
      if (n !== undefined) return n;
    }
    // HEAD refused (405), or no usable Content-Length (compressed, chunked): ask with a GET.
    if (this.rangeSupport !== 'no') {
      const probe = await this.get(rel, url, { Range: 'bytes=0-0' });
      if (probe.status === 404 || probe.status === 410) {
        await discard(probe);
        return undefined;
      }
      if (probe.status === 206) {
        this.rangeSupport = 'yes';
        const total = parseContentRange(probe.headers.get('Content-Range'))?.total;
        await discard(probe);
        if (total !== undefined) return total;
      } else if (probe.status === 416) {
        // "Range Not Satisfiable" for bytes=0-0 means the file is empty.
        await discard(probe);
        return 0;
      } else if (probe.ok) {
        this.rangeSupport = 'no';
        return (await this.keepWhole(rel, probe)).length;
      } else {
        throw httpError(probe, rel, url);
      }
    }
    try {
      return (await this.fetchWhole(rel, true)).length;
    } catch (e) {
      if (e instanceof MissingFileError) return undefined;
      throw e;
    }
  }

  /** GET of the whole file; `keep` stores it for later ranges (servers without range support). */
  private async fetchWhole(rel: string, keep: boolean): Promise<Uint8Array> {
    const kept = this.whole.get(rel);
    if (kept) return kept;
    const url = this.urlFor(rel);
    const p = (async () => {
      const res = await this.get(rel, url, {});
      if (res.status === 404 || res.status === 410) {
        await discard(res);
        throw missing(this.description, rel);
      }
      if (!res.ok) throw httpError(res, rel, url);
      return this.download(rel, res, contentLength(res));
    })();
    if (keep) {
      this.whole.set(rel, p);
      p.catch(() => this.whole.delete(rel));
    }
    return p;
  }

  private keepWhole(rel: string, res: Response): Promise<Uint8Array> {
    const p = this.download(rel, res, contentLength(res));
    this.whole.set(rel, p);
    p.catch(() => this.whole.delete(rel));
    return p;
  }

  private async fetchRange(rel: string, offset: number, length: number): Promise<Uint8Array> {
    const url = this.urlFor(rel);
    const res = await this.get(rel, url, { Range: `bytes=${offset}-${offset + length - 1}` });
    if (res.status === 206) {
      this.rangeSupport = 'yes';
      const cr = parseContentRange(res.headers.get('Content-Range'));
      if (cr && (cr.start !== offset || cr.end !== offset + length - 1)) {
        await discard(res);
        throw new SourceIOError(`asked for bytes ${offset}-${offset + length - 1}, server sent ${cr.start}-${cr.end}`, {
          file: rel,
        });
      }
      return this.download(rel, res, length);
    }
    if (res.status === 404 || res.status === 410) {
      await discard(res);
      throw missing(this.description, rel);
    }
    if (res.status === 416) {
      await discard(res);
      throw new FormatError(`byte range [${offset}, ${offset}+${length}) passes the end of the file`, { file: rel, offset });
    }
    if (!res.ok) throw httpError(res, rel, url);
    // 200: the server ignored Range and is sending the whole file. Keep it rather than fetch it again.
    this.rangeSupport = 'no';
    const buf = await this.keepWhole(rel, res);
    checkRange(rel, buf.length, offset, length);
    return buf.subarray(offset, offset + length);
  }

  private async get(rel: string, url: string, extra: Record<string, string>): Promise<Response> {
    try {
      return await this.fetchFn(url, { method: 'GET', headers: { ...this.headers, ...extra } });
    } catch (e) {
      throw networkError(e, rel, url);
    }
  }

  private async download(rel: string, res: Response, expected: number | undefined): Promise<Uint8Array> {
    if (expected !== undefined) this.announce(expected);
    try {
      return await readBody(res, rel, expected, (n) => this.received(n));
    } catch (e) {
      throw asSourceError(e, rel);
    }
  }

  private noteAcceptRanges(res: Response): void {
    const ar = res.headers.get('Accept-Ranges');
    if (ar && /^\s*none\s*$/i.test(ar)) this.rangeSupport = 'no';
  }

  private announce(bytes: number): void {
    this.announcedBytes += bytes;
    this.report();
  }

  private received(bytes: number): void {
    this.loadedBytes += bytes;
    if (this.loadedBytes > this.announcedBytes) this.announcedBytes = this.loadedBytes;
    this.report();
  }

  private report(): void {
    this.onProgress?.({
      stage: 'download',
      loadedBytes: this.loadedBytes,
      totalBytes: this.announcedBytes,
      fraction: this.announcedBytes > 0 ? this.loadedBytes / this.announcedBytes : 0,
    });
  }

  /** Bytes received so far over all requests (for tests and the demo page). */
  get bytesReceived(): number {
    return this.loadedBytes;
  }
}

function tryDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Content-Length when it gives the body's real size (not for compressed bodies, which fetch inflates). */
function contentLength(res: Response): number | undefined {
  const enc = res.headers.get('Content-Encoding');
  if (enc && !/^\s*identity\s*$/i.test(enc)) return undefined;
  const v = res.headers.get('Content-Length');
  if (v === null || !/^\s*\d+\s*$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseContentRange(v: string | null): { start: number; end: number; total?: number } | undefined {
  const m = v ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to do: the body was unwanted anyway.
  }
}

function httpError(res: Response, rel: string, url: string): SourceIOError {
  void discard(res);
  const hint =
    res.status === 401 || res.status === 403
      ? 'the server refused access; pass headers (e.g. Authorization) in UrlSource options'
      : 'check the URL points at the SavedModel folder (the one holding saved_model.pb)';
  return new SourceIOError(`HTTP ${res.status} ${res.statusText} for ${url}`, { file: rel, hint });
}

function networkError(e: unknown, rel: string, url: string): SourceIOError {
  const msg = e instanceof Error ? e.message : String(e);
  return new SourceIOError(`could not fetch ${url}: ${msg}`, {
    file: rel,
    cause: e,
    hint: 'a network error, or a cross-origin URL whose server does not send Access-Control-Allow-Origin',
  });
}
