import { afterEach, describe, expect, it } from 'vitest';
import { FormatError, MissingFileError, PathEscapeError, resolveSource, SourceIOError, type ProgressEvent } from '@savedkeras/common';
import { UrlSource } from '../src/index.js';
import { patternBytes, startServer, type ServerOptions } from './http-fixture-server.js';

const SHARD = patternBytes(300_000, 1);
const INDEX = patternBytes(1_000, 2);
const files = () =>
  new Map<string, Uint8Array>([
    ['m/saved_model.pb', patternBytes(5_000, 3)],
    ['m/variables/variables.index', INDEX],
    ['m/variables/variables.data-00000-of-00001', SHARD],
    ['m/assets/a b#c.txt', new TextEncoder().encode('spaces and hash')],
    ['m/empty.bin', new Uint8Array(0)],
    ['secret.txt', new TextEncoder().encode('outside the model folder')],
  ]);

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function serve(options: ServerOptions = {}) {
  const s = await startServer(files(), options);
  closers.push(s.close);
  return s;
}

describe('UrlSource with a server that supports ranges', () => {
  it('reads whole files and exact ranges, fetching only the bytes asked for', async () => {
    const s = await serve();
    const src = new UrlSource(`${s.base}m`);
    expect(src.baseUrl).toBe(`${s.base}m/`);
    expect(await src.read('saved_model.pb')).toEqual(patternBytes(5_000, 3));
    expect(await src.size('variables/variables.data-00000-of-00001')).toBe(SHARD.length);
    const got = await src.readRange('variables/variables.data-00000-of-00001', 123_456, 1_000);
    expect(got).toEqual(SHARD.subarray(123_456, 124_456));
    const rangeGets = s.log.filter((r) => r.method === 'GET' && r.url.includes('variables.data'));
    expect(rangeGets).toHaveLength(1);
    expect(rangeGets[0]).toMatchObject({ range: 'bytes=123456-124455', status: 206, bodyBytes: 1_000 });
    // The whole 300 kB shard never crossed the wire.
    const shardBytes = s.log.filter((r) => r.url.includes('variables.data')).reduce((n, r) => n + r.bodyBytes, 0);
    expect(shardBytes).toBe(1_000);
  });

  it('percent-encodes path segments (spaces, #) and reads zero-length ranges without a request', async () => {
    const s = await serve();
    const src = new UrlSource(`${s.base}m/`);
    expect(new TextDecoder().decode(await src.read('assets/a b#c.txt'))).toBe('spaces and hash');
    expect(s.log.at(-1)!.url).toBe('/m/assets/a%20b%23c.txt');
    const before = s.log.length;
    expect(await src.readRange('variables/variables.index', 10, 0)).toEqual(new Uint8Array(0));
    expect(s.log.length).toBe(before + 1); // the HEAD for size only
    expect(await src.size('empty.bin')).toBe(0);
  });

  it('refuses ranges past the end with FormatError, before asking the server for them', async () => {
    const s = await serve();
    const src = new UrlSource(`${s.base}m/`);
    await expect(src.readRange('variables/variables.index', 900, 200)).rejects.toBeInstanceOf(FormatError);
    expect(s.log.filter((r) => r.method === 'GET')).toHaveLength(0);
  });

  it('rejects a 206 whose Content-Range is not the range asked for', async () => {
    const s = await serve({ lieAboutRange: ['m/variables/variables.index'] });
    const src = new UrlSource(`${s.base}m/`);
    const err = await src.readRange('variables/variables.index', 10, 20).catch((e) => e);
    expect(err).toBeInstanceOf(SourceIOError);
    expect(err.message).toMatch(/asked for bytes 10-29, server sent 11-30/);
  });

  it('reports download progress as bytes arrive, ending at the bytes received', async () => {
    const s = await serve();
    const events: ProgressEvent[] = [];
    const src = new UrlSource(`${s.base}m/`, { onProgress: (p) => events.push(p) });
    await src.read('variables/variables.data-00000-of-00001');
    expect(events.length).toBeGreaterThan(1);
    for (let i = 1; i < events.length; i++) expect(events[i].loadedBytes).toBeGreaterThanOrEqual(events[i - 1].loadedBytes);
    expect(events.at(-1)).toMatchObject({ stage: 'download', loadedBytes: SHARD.length, totalBytes: SHARD.length, fraction: 1 });
    expect(src.bytesReceived).toBe(SHARD.length);
  });
});

describe('UrlSource with a server that ignores ranges', () => {
  it('downloads a file once, keeps it, and cuts every later range from it', async () => {
    const s = await serve({ ranges: false });
    const src = new UrlSource(`${s.base}m/`);
    const path = 'variables/variables.data-00000-of-00001';
    expect(await src.readRange(path, 0, 10)).toEqual(SHARD.subarray(0, 10));
    expect(await src.readRange(path, 299_990, 10)).toEqual(SHARD.subarray(299_990));
    expect(await src.read(path)).toEqual(SHARD);
    const gets = s.log.filter((r) => r.method === 'GET' && r.url.includes('variables.data'));
    expect(gets).toHaveLength(1);
    expect(gets[0].status).toBe(200);
    // Once the server showed it ignores ranges, other files are not asked in ranges either.
    await src.readRange('variables/variables.index', 5, 5);
    expect(s.log.filter((r) => r.range !== undefined && r.url.includes('variables.index'))).toHaveLength(0);
  });

  it('trusts Accept-Ranges: none on HEAD and never sends a Range header', async () => {
    const s = await serve({ ranges: false, announceNoRanges: true });
    const src = new UrlSource(`${s.base}m/`);
    expect(await src.readRange('variables/variables.index', 100, 50)).toEqual(INDEX.subarray(100, 150));
    expect(s.log.some((r) => r.range !== undefined)).toBe(false);
  });

  it('finds sizes without HEAD: a 1-byte range GET, or the full GET that is then kept', async () => {
    const withRanges = await serve({ head: false });
    const a = new UrlSource(`${withRanges.base}m/`);
    expect(await a.size('variables/variables.data-00000-of-00001')).toBe(SHARD.length);
    expect(withRanges.log.filter((r) => r.method === 'GET').map((r) => r.bodyBytes)).toEqual([1]);

    const noRanges = await serve({ head: false, ranges: false });
    const b = new UrlSource(`${noRanges.base}m/`);
    expect(await b.size('variables/variables.data-00000-of-00001')).toBe(SHARD.length);
    expect(await b.readRange('variables/variables.data-00000-of-00001', 7, 3)).toEqual(SHARD.subarray(7, 10));
    expect(noRanges.log.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(await b.size('nope.bin')).toBeUndefined();
  });
});

describe('UrlSource errors', () => {
  it('turns 404 into MissingFileError naming the path, and size() into undefined', async () => {
    const s = await serve();
    const src = new UrlSource(`${s.base}m/`);
    expect(await src.size('keras_metadata.pb')).toBeUndefined();
    const err = await src.read('keras_metadata.pb').catch((e) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect(err.file).toBe('keras_metadata.pb');
    await expect(src.readRange('variables/missing.data', 0, 4)).rejects.toBeInstanceOf(MissingFileError);
  });

  it('turns other HTTP statuses into SourceIOError with the status and a hint', async () => {
    const s = await serve({ statusFor: { 'm/saved_model.pb': 403, 'm/variables/variables.index': 500 } });
    const src = new UrlSource(`${s.base}m/`);
    const forbidden = await src.read('saved_model.pb').catch((e) => e);
    expect(forbidden).toBeInstanceOf(SourceIOError);
    expect(forbidden.message).toMatch(/HTTP 403/);
    expect(forbidden.hint).toMatch(/Authorization/);
    await expect(src.read('variables/variables.index')).rejects.toThrow(/HTTP 500/);
  });

  it('turns a refused connection into SourceIOError naming the URL', async () => {
    const s = await serve();
    await s.close();
    closers = [];
    const err = await new UrlSource(`${s.base}m/`).read('saved_model.pb').catch((e) => e);
    expect(err).toBeInstanceOf(SourceIOError);
    expect(err.message).toContain(`${s.base}m/saved_model.pb`);
  });

  it.each([
    '../secret.txt',
    'variables/../../secret.txt',
    '%2e%2e/secret.txt',
    'variables/%2E%2E/%2e%2e/secret.txt',
    '.%2e/secret.txt',
    '/secret.txt',
    'http://127.0.0.1/secret.txt',
    '..\\secret.txt',
  ])('refuses %s with PathEscapeError and sends no request', async (path) => {
    const s = await serve();
    const src = new UrlSource(`${s.base}m/`);
    await expect(src.read(path)).rejects.toBeInstanceOf(PathEscapeError);
    await expect(src.readRange(path, 0, 1)).rejects.toBeInstanceOf(PathEscapeError);
    await expect(src.size(path)).rejects.toBeInstanceOf(PathEscapeError);
    expect(s.log).toHaveLength(0);
  });

  it('keeps a literal % in a file name as a file name, under the base', () => {
    const src = new UrlSource('http://127.0.0.1:1/m/');
    expect(src.urlFor('assets/100%.txt')).toBe('http://127.0.0.1:1/m/assets/100%25.txt');
  });

  it('needs an http(s) base URL', () => {
    expect(() => new UrlSource('file:///tmp/model')).toThrow(SourceIOError);
  });
});

describe('web source router', () => {
  it('opens http(s) URLs as UrlSource once the package is imported', async () => {
    const s = await serve();
    const src = resolveSource(`${s.base}m`);
    expect(src).toBeInstanceOf(UrlSource);
    expect(await src.size('saved_model.pb')).toBe(5_000);
  });
});
