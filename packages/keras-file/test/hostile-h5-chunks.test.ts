import { zlibSync } from 'fflate';
import * as jsfive from 'jsfive';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, SavedKerasError } from '@savedkeras/common';
import { H5File } from '../src/hdf5.js';

// Chunked HDF5 datasets whose chunk index or chunk bytes lie. Each file is written by h5wasm (HDF5's
// own library: layout message version 3, a version 1 chunk B-tree) and then has single fields
// changed in place, located by their values (HDF5 spec III.A.1 for B-tree nodes, IV.A.2.i for the
// layout message: chunk dimensions are 4-byte, dataspace dimensions 8-byte little-endian).

interface H5Dataset {
  name: string;
  data: Float32Array;
  shape: number[];
  dtype: string;
  chunks?: number[];
  compression?: number;
}
interface H5 {
  ready: Promise<{ FS: { readFile(p: string): Uint8Array; unlink(p: string): void } }>;
  File: new (name: string, mode: string) => { create_dataset(args: H5Dataset): unknown; close(): void };
}

let h5: H5;
let counter = 0;
async function h5File(d: H5Dataset): Promise<Uint8Array> {
  const { FS } = await h5.ready;
  const name = `/chunks-${counter++}.h5`;
  const f = new h5.File(name, 'w');
  f.create_dataset(d);
  f.close();
  const bytes = FS.readFile(name);
  FS.unlink(name);
  return bytes.slice();
}

function offsetsOf(bytes: Uint8Array, pattern: number[]): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    found.push(i);
  }
  return found;
}
const le = (v: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(v / 2 ** (8 * i)) % 256);
/** Replaces every n-byte little-endian `from` by `to`; returns how many there were. */
function patch(bytes: Uint8Array, from: number, to: number, n: 4 | 8): number {
  const at = offsetsOf(bytes, le(from, n));
  for (const i of at) bytes.set(le(to, n), i);
  return at.length;
}
/** Sets the first chunk dimension of the layout message (version 3, chunked class 2, rank 1: dimensionality 2). */
function setChunkDim(bytes: Uint8Array, from: number, to: number): void {
  const at = offsetsOf(bytes, [3, 2, 2]).filter((i) => offsetsOf(bytes.subarray(i + 11, i + 15), le(from, 4)).length === 1);
  expect(at, 'one layout message').toHaveLength(1);
  bytes.set(le(to, 4), at[0]! + 11);
}
/** The chunk B-tree nodes (signature TREE, node type 1). */
function chunkNodes(bytes: Uint8Array): number[] {
  return offsetsOf(bytes, [0x54, 0x52, 0x45, 0x45]).filter((i) => bytes[i + 4] === 1);
}

function readError(bytes: Uint8Array): SavedKerasError {
  try {
    new H5File(bytes, 'hostile.h5', DEFAULT_LIMITS).read('x');
  } catch (e) {
    expect(e, 'a SavedKerasError').toBeInstanceOf(SavedKerasError);
    return e as SavedKerasError;
  }
  throw new Error('expected the read to fail');
}

describe('chunked HDF5 datasets that lie (bounded before jsfive reads them)', () => {
  beforeAll(async () => {
    h5 = ((await import('h5wasm/node' as string)) as { default: H5 }).default;
  });

  it('honest chunked datasets (gzip and plain, edge chunks padded) read back exactly', async () => {
    const data = Float32Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i) * 100);
    for (const compression of [undefined, 9]) {
      const bytes = await h5File({ name: 'x', data, shape: [40, 30], dtype: '<f4', chunks: [7, 9], ...(compression ? { compression } : {}) });
      const got = new H5File(bytes, 'honest.h5', DEFAULT_LIMITS).read('x');
      expect(got.shape).toEqual([40, 30]);
      expect(Array.from(got.values)).toEqual(Array.from(data));
    }
  });

  it('a gzip chunk that inflates far past its chunk shape (a decompression bomb) is FORMAT, holding at most a few MiB', async () => {
    // [5, 4000037] float32 zeros in one chunk (80 MB inflated, ~80 KB stored); then the dataspace
    // and the chunk shape are rewritten to [5, 8]: the chunk now holds 160 bytes but inflates to 80 MB.
    const bytes = await h5File({ name: 'x', data: new Float32Array(5 * 4000037), shape: [5, 4000037], dtype: '<f4', chunks: [5, 4000037], compression: 9 });
    expect(bytes.length).toBeLessThan(200_000);
    expect(patch(bytes, 4000037, 8, 8)).toBeGreaterThanOrEqual(1); // dataspace (and max) dimension
    expect(patch(bytes, 4000037, 8, 4)).toBe(1); // layout chunk dimension
    const gzip = jsfive.Filters.get(1)!;
    let external = 0;
    jsfive.Filters.set(1, (buf, itemsize) => {
      const before = process.memoryUsage().arrayBuffers;
      try {
        return gzip(buf, itemsize);
      } finally {
        external = Math.max(external, process.memoryUsage().arrayBuffers - before);
      }
    });
    try {
      const e = readError(bytes);
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(/^hostile\.h5: x: .*a gzip chunk inflates past the 164 bytes its chunk shape holds/);
    } finally {
      jsfive.Filters.set(1, gzip);
    }
    // jsfive's own filter (pako, all at once) held the 80 MB inflated chunk at this point.
    expect(external).toBeLessThan(8 * 2 ** 20);
  });

  it('a gzip chunk in a zlib bomb of 64 MiB stops at the chunk size', async () => {
    const bomb = zlibSync(new Uint8Array(64 * 2 ** 20), { level: 9 });
    // An honest one-chunk gzip dataset of 4096 float32, its stored chunk replaced by the bomb's
    // first bytes would change the stored size; instead the bomb is the whole file read through
    // the filter directly, with the cap a 4096-value chunk gives.
    const data = new Float32Array(4096).fill(1);
    const bytes = await h5File({ name: 'x', data, shape: [4096], dtype: '<f4', chunks: [4096], compression: 1 });
    const file = new H5File(bytes, 'hostile.h5', DEFAULT_LIMITS);
    expect(Array.from(file.read('x').values)).toEqual(Array.from(data));
    // The filter outside a read is refused (it has no chunk size to bound by).
    expect(() => jsfive.Filters.get(1)!(bomb.slice().buffer, 4)).toThrow(/outside a bounded dataset read/);
  });

  it('a chunk shape far larger than the dataset (jsfive loops over every element of it) is FORMAT', async () => {
    const data = Float32Array.from({ length: 4099 }, (_, i) => i);
    for (const [to, message] of [
      [2 ** 31 - 1, /chunk shape \[2147483647\] over \[4099\] makes 1 chunks of 8589934588 bytes, more than/],
      [0, /chunk shape \[0\] has a dimension below 1/],
    ] as const) {
      const bytes = await h5File({ name: 'x', data, shape: [4099], dtype: '<f4', chunks: [4099] });
      setChunkDim(bytes, 4099, to);
      const e = readError(bytes);
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(message);
    }
  });

  describe('a chunk index that lies', () => {
    // [64] float32 in 4 chunks of 16: one leaf node; entry i = 8 (size, filter mask) + 2 x 8
    // (offset, element offset) + 8 (address) bytes at node + 24 + 32 i.
    const data = Float32Array.from({ length: 64 }, (_, i) => i + 0.5);
    async function leaf(): Promise<{ bytes: Uint8Array; node: number }> {
      const bytes = await h5File({ name: 'x', data, shape: [64], dtype: '<f4', chunks: [16] });
      const nodes = chunkNodes(bytes);
      expect(nodes).toHaveLength(1);
      const node = nodes[0]!;
      expect(bytes[node + 5], 'a leaf').toBe(0);
      expect(bytes[node + 6], '4 entries').toBe(4);
      return { bytes, node };
    }
    const set = (bytes: Uint8Array, at: number, v: number, n: number) => bytes.set(le(v, n), at);

    it('the honest file reads back', async () => {
      const { bytes } = await leaf();
      expect(Array.from(new H5File(bytes, 'hostile.h5', DEFAULT_LIMITS).read('x').values)).toEqual(Array.from(data));
    });

    it('one chunk listed twice (overlapping chunks), off the grid, or outside the dataset is FORMAT', async () => {
      for (const [offset, message] of [
        [0, /the chunk at \[0\] is listed twice \(overlapping chunks\)/],
        [8, /a chunk at \[8\] is off the \[16\] grid or outside \[64\]/],
        [64, /a chunk at \[64\] is off the \[16\] grid or outside \[64\]/],
      ] as const) {
        const { bytes, node } = await leaf();
        set(bytes, node + 24 + 32 + 8, offset, 8); // entry 1's offset (16)
        const e = readError(bytes);
        expect(e.code).toBe('FORMAT');
        expect(e.message).toMatch(message);
      }
    });

    it('a missing chunk (jsfive would give undefined values: NaN weights) is FORMAT', async () => {
      const { bytes, node } = await leaf();
      set(bytes, node + 6, 3, 2);
      const e = readError(bytes);
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(/1 of its 4 chunks are missing from the chunk index/);
    });

    it('a node whose children are itself (a loop) is FORMAT', async () => {
      const { bytes, node } = await leaf();
      set(bytes, node + 5, 1, 1); // level 1: the entries' addresses are child nodes
      for (let i = 0; i < 4; i++) set(bytes, node + 24 + 32 * i + 24, node, 8);
      const e = readError(bytes);
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(new RegExp(`the chunk index reaches the node at ${node} twice`));
    });

    it('a chunk or node address outside the file is FORMAT', async () => {
      const { bytes, node } = await leaf();
      set(bytes, node + 24 + 32 * 2 + 24, 2 ** 40, 8);
      expect(readError(bytes).message).toMatch(/the chunk at \[32\] has its 64 bytes outside the \d+-byte file/);
      const again = await leaf();
      set(again.bytes, again.node + 6, 60000, 2);
      expect(readError(again.bytes).message).toMatch(/lists 60000 entries past the end of the file/);
    });
  });
});

describe('HDF5 variable-length string attributes that name one heap object many times', () => {
  interface H5Attrs {
    create_group(name: string): { create_attribute(name: string, data: string[] | string): void };
    close(): void;
  }
  async function attrFile(values: string[]): Promise<Uint8Array> {
    const { FS } = await h5.ready;
    const name = `/attrs-${counter++}.h5`;
    const f = new h5.File(name, 'w') as unknown as H5Attrs;
    f.create_group('g').create_attribute('names', values);
    f.close();
    const bytes = FS.readFile(name);
    FS.unlink(name);
    return bytes.slice();
  }

  beforeAll(async () => {
    h5 = ((await import('h5wasm/node' as string)) as { default: H5 }).default;
  });

  it('honest variable-length strings read back', async () => {
    const values = ['A'.repeat(100_000), ...Array.from({ length: 2000 }, (_, i) => `w${i}`)];
    const file = new H5File(await attrFile(values), 'honest.h5', DEFAULT_LIMITS);
    expect(file.stringListAttr('g', 'names')).toEqual(values);
  });

  it('2000 elements naming one 100 KB object (200 MB of text from a ~150 KB file) are FORMAT', async () => {
    const values = ['A'.repeat(100_000), ...Array.from({ length: 2000 }, (_, i) => `w${i}`)];
    const bytes = await attrFile(values);
    // Each element is 16 bytes: length (4), heap collection address (8), object index (4). The
    // first names the 100 KB string; every other one is made a copy of it.
    const first = offsetsOf(bytes, le(100_000, 4)).filter((i) => bytes[i + 16] === 2 && bytes[i + 17] === 0 && bytes[i + 18] === 0);
    expect(first, 'the first element, followed by one of length 2').toHaveLength(1);
    const record = bytes.slice(first[0]!, first[0]! + 16);
    for (let k = 1; k <= 2000; k++) bytes.set(record, first[0]! + 16 * k);
    const e = (() => {
      try {
        new H5File(bytes, 'hostile.h5', DEFAULT_LIMITS).stringListAttr('g', 'names');
      } catch (err) {
        return err as SavedKerasError;
      }
      throw new Error('expected the read to fail');
    })();
    expect(e).toBeInstanceOf(SavedKerasError);
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/^hostile\.h5: g: HDF5 variable-length values decode to more than twice the \d+-byte file/);
  });
});
