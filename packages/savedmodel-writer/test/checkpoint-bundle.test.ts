import { describe, expect, it } from 'vitest';
import {
  ChecksumError,
  FormatError,
  LimitError,
  MemorySource,
  MissingFileError,
  UnsupportedFeatureError,
} from '@savedkeras/common';
import {
  ByteCursor,
  CheckpointReader,
  OBJECT_GRAPH_KEY,
  crc32c,
  crc32cExtend,
  encodeMessage,
  maskCrc,
  parseBlock,
} from '@savedkeras/proto';
import { writeTensorBundle, type BundleTensor } from '../src/bundle-writer.js';
import { writeSSTable } from '../src/sstable-writer.js';

// TensorBundle writer -> proto's CheckpointReader round trips, and the reader's errors on bundles made with the
// writer or by hand (format reference §8). Moved from proto's tests: proto cannot depend on this package.

const enc = new TextEncoder();
const INDEX = 'variables/variables.index';
const SHARD0 = 'variables/variables.data-00000-of-00001';

class CountingSource extends MemorySource {
  ranges: [string, number, number][] = [];
  override async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.ranges.push([path, offset, length]);
    return super.readRange(path, offset, length);
  }
}

async function failure(p: Promise<unknown>): Promise<Error & { file?: string; offset?: number; code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

const halfBits = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x7bff, 0x3555, 0x0000, 0x8000];
const halfWant = [1, -2, Infinity, -Infinity, 2 ** -24, 65504, 0.333251953125, 0, -0];

/** One tensor per dtype, with values chosen to hit sign, range and special cases. */
const EVERY_DTYPE: (BundleTensor & { want: unknown[]; ctor: string })[] = [
  { key: 'f32', dtype: 'float32', shape: [2, 3], values: [1.5, -2, 0, 3.25, -0, 1e-30], want: [1.5, -2, 0, 3.25, -0, Math.fround(1e-30)], ctor: 'Float32Array' },
  { key: 'f64', dtype: 'float64', shape: [3], values: [Math.PI, -1e300, 5e-324], want: [Math.PI, -1e300, 5e-324], ctor: 'Float64Array' },
  { key: 'i8', dtype: 'int8', shape: [3], values: [-128, 127, -1], want: [-128, 127, -1], ctor: 'Int8Array' },
  { key: 'i16', dtype: 'int16', shape: [3], values: [-32768, 32767, 7], want: [-32768, 32767, 7], ctor: 'Int16Array' },
  { key: 'i32', dtype: 'int32', shape: [1, 3], values: [-(2 ** 31), 2 ** 31 - 1, 42], want: [-(2 ** 31), 2 ** 31 - 1, 42], ctor: 'Int32Array' },
  { key: 'u8', dtype: 'uint8', shape: [3], values: [0, 255, 128], want: [0, 255, 128], ctor: 'Uint8Array' },
  { key: 'u16', dtype: 'uint16', shape: [2], values: [65535, 1], want: [65535, 1], ctor: 'Uint16Array' },
  { key: 'u32', dtype: 'uint32', shape: [2], values: [4294967295, 3], want: [4294967295, 3], ctor: 'Uint32Array' },
  { key: 'i64', dtype: 'int64', shape: [3], values: [-(2n ** 63n), 2n ** 63n - 1n, 12345678901234n], want: [-(2n ** 63n), 2n ** 63n - 1n, 12345678901234n], ctor: 'BigInt64Array' },
  { key: 'u64', dtype: 'uint64', shape: [2], values: [2n ** 64n - 1n, 7n], want: [2n ** 64n - 1n, 7n], ctor: 'BigUint64Array' },
  { key: 'bool', dtype: 'bool', shape: [4], values: [true, false, true, true], want: [1, 0, 1, 1], ctor: 'Uint8Array' },
  { key: 'f16', dtype: 'float16', shape: [9], values: halfBits, want: halfBits, ctor: 'Uint16Array' },
  { key: 'bf16', dtype: 'bfloat16', shape: [3], values: [0x3f80, 0xc040, 0x7f80], want: [0x3f80, 0xc040, 0x7f80], ctor: 'Uint16Array' },
  { key: 'c64', dtype: 'complex64', shape: [2], values: [1, -1, 0.5, 2], want: [1, -1, 0.5, 2], ctor: 'Float32Array' },
  { key: 'c128', dtype: 'complex128', shape: [1], values: [Math.E, -Math.PI], want: [Math.E, -Math.PI], ctor: 'Float64Array' },
  { key: 'qi8', dtype: 'qint8', shape: [2], values: [-5, 5], want: [-5, 5], ctor: 'Int8Array' },
  { key: 'scalar', dtype: 'float32', shape: [], values: [7], want: [7], ctor: 'Float32Array' },
  { key: 'empty', dtype: 'float32', shape: [0, 4], values: [], want: [], ctor: 'Float32Array' },
  {
    key: 'str',
    dtype: 'string',
    shape: [2, 2],
    values: ['', 'héllo', enc.encode('x'.repeat(200)), Uint8Array.from([0, 255, 10])],
    want: [[], [...enc.encode('héllo')], [...enc.encode('x'.repeat(200))], [0, 255, 10]],
    ctor: 'Array',
  },
  { key: 'str-empty', dtype: 'string', shape: [0], values: [], want: [], ctor: 'Array' },
];

function plain(values: unknown): unknown[] {
  return Array.from(values as ArrayLike<unknown>, (v) => (v instanceof Uint8Array ? [...v] : v));
}

describe('TensorBundle round trip (writer -> reader)', () => {
  for (const bigEndian of [false, true]) {
    it(`every dtype${bigEndian ? ', big-endian bundle' : ''}`, async () => {
      const files = writeTensorBundle(EVERY_DTYPE, { bigEndian });
      const ckpt = await CheckpointReader.open(new MemorySource(files));
      expect(ckpt.bigEndian).toBe(bigEndian);
      expect(ckpt.keys().sort()).toEqual(EVERY_DTYPE.map((t) => t.key).sort());
      for (const t of EVERY_DTYPE) {
        const got = await ckpt.readTensor(t.key);
        expect(got.dtype, t.key).toBe(t.dtype);
        expect(got.shape, t.key).toEqual(t.shape);
        expect(got.values.constructor.name, t.key).toBe(t.ctor);
        expect(plain(got.values), t.key).toEqual(t.want);
        const e = ckpt.entry(t.key)!;
        expect(e.dtypeName).toBe(t.dtype);
        expect(got.raw.length).toBe(e.size);
      }
      if (bigEndian) {
        // Stored big-endian: 1.5f is 3f c0 00 00.
        expect([...(await ckpt.readRaw('f32')).subarray(0, 4)]).toEqual([0x3f, 0xc0, 0, 0]);
      }
    });
  }

  it('float16 / bfloat16 widen to float32 on request', async () => {
    const ckpt = await CheckpointReader.open(new MemorySource(writeTensorBundle(EVERY_DTYPE)));
    const h = await ckpt.readTensor('f16', { widenHalf: true });
    expect(h.values).toBeInstanceOf(Float32Array);
    expect(plain(h.values)).toEqual(halfWant);
    const b = await ckpt.readTensor('bf16', { widenHalf: true });
    expect(plain(b.values)).toEqual([1, -3, Infinity]);
    const many = await ckpt.readMany(['f16', 'f32'], { widenHalf: true });
    expect(plain(many.get('f16')!.values)).toEqual(halfWant);
  });

  it('raw bytes of fixed dtypes are the little-endian element bytes', async () => {
    const ckpt = await CheckpointReader.open(new MemorySource(writeTensorBundle(EVERY_DTYPE)));
    expect([...(await ckpt.readRaw('i32'))]).toEqual([0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x7f, 42, 0, 0, 0]);
    // Strings: varint lengths, then the masked crc of the lengths as uint32 LE, then the bytes.
    const raw = await ckpt.readRaw('str-empty');
    expect([...raw]).toEqual([0xd8, 0xea, 0x82, 0xa2]); // mask(crc32c of nothing) = 0xa282ead8
  });

  it('two shards: tensors spread over both, object graph in shard 0, one read per shard', async () => {
    const tensors: BundleTensor[] = Array.from({ length: 10 }, (_, i) => ({
      key: `layer_with_weights-${i}/kernel/.ATTRIBUTES/VARIABLE_VALUE`,
      dtype: 'float32',
      shape: [4, 8],
      values: Array.from({ length: 32 }, (_, j) => i * 100 + j),
    }));
    const graph = {
      nodes: [
        { children: [{ nodeId: 1, localName: 'layer_with_weights-0' }] },
        { attributes: [{ name: 'VARIABLE_VALUE', fullName: 'dense/kernel', checkpointKey: tensors[0].key }] },
      ],
    };
    const files = writeTensorBundle(tensors, { numShards: 2, objectGraph: graph });
    expect([...files.keys()].sort()).toEqual([
      'variables/variables.data-00000-of-00002',
      'variables/variables.data-00001-of-00002',
      INDEX,
    ]);
    const source = new CountingSource(files);
    const ckpt = await CheckpointReader.open(source);
    expect(ckpt.numShards).toBe(2);
    expect(ckpt.entry(OBJECT_GRAPH_KEY)!.shardId).toBe(0);
    expect(new Set(tensors.map((t) => ckpt.entry(t.key)!.shardId))).toEqual(new Set([0, 1]));
    const got = await ckpt.readMany([...tensors.map((t) => t.key)].reverse());
    expect(source.ranges.length).toBe(2);
    for (const [i, t] of tensors.entries()) expect(plain(got.get(t.key)!.values)).toEqual(t.values);
    expect(got.size).toBe(10);
    const og = (await ckpt.readObjectGraph())!;
    expect(og.nodes.length).toBe(2);
    expect(og.nodes[0].children[0]).toMatchObject({ nodeId: 1, localName: 'layer_with_weights-0' });
    expect(og.nodes[1].attributes[0]).toMatchObject({ name: 'VARIABLE_VALUE', fullName: 'dense/kernel', checkpointKey: tensors[0].key });
  });

  it('an object graph given as bytes is stored as is (the testing package passes bytes)', async () => {
    const bytes = encodeMessage('TrackableObjectGraph', { nodes: [{ children: [{ nodeId: 0, localName: 'self' }] }] });
    const files = writeTensorBundle([], { objectGraph: bytes });
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    expect([...(await ckpt.readTensor(OBJECT_GRAPH_KEY)).values[0] as Uint8Array]).toEqual([...bytes]);
    expect((await ckpt.readObjectGraph())!.nodes[0].children[0].localName).toBe('self');
  });

  it('no object graph -> readObjectGraph() is null', async () => {
    const ckpt = await CheckpointReader.open(new MemorySource(writeTensorBundle([EVERY_DTYPE[0]])));
    expect(await ckpt.readObjectGraph()).toBeNull();
  });

  it('many keys: the index spans several data blocks (default 256 KiB blocks)', async () => {
    const tensors: BundleTensor[] = Array.from({ length: 6000 }, (_, i) => ({
      key: `model/layer_${String(i).padStart(5, '0')}/${'sublayer/'.repeat(4)}bias/.ATTRIBUTES/VARIABLE_VALUE`,
      dtype: 'int32',
      shape: [1],
      values: [i],
    }));
    const files = writeTensorBundle(tensors);
    expect(dataBlocks(files.get(INDEX)!)).toBeGreaterThan(1);
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    expect(ckpt.keys().length).toBe(6000);
    const got = await ckpt.readMany(ckpt.keys());
    const read = tensors.map((t) => (got.get(t.key)!.values as Int32Array)[0]);
    expect(read).toEqual(tensors.map((_, i) => i));
  });

  it('typed arrays over unaligned bytes are copied; aligned ones are views', async () => {
    const files = writeTensorBundle([
      { key: 'a', dtype: 'uint8', shape: [1], values: [9] },
      { key: 'b', dtype: 'float32', shape: [3], values: [1, 2, 3] },
      { key: 'c', dtype: 'float64', shape: [2], values: [0.1, 0.2] },
    ]);
    // Move the shard to an odd byteOffset inside a larger buffer.
    const shard = files.get(SHARD0)!;
    const host = new Uint8Array(shard.length + 3);
    host.set(shard, 3);
    files.set(SHARD0, host.subarray(3));
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    const many = await ckpt.readMany(['a', 'b', 'c']);
    expect(plain(many.get('b')!.values)).toEqual([1, 2, 3]);
    expect(plain(many.get('c')!.values)).toEqual([0.1, 0.2]);
    // b sits at shard offset 1 -> byte 4 of host: aligned for float32, so a view over the same memory.
    expect((many.get('b')!.values as Float32Array).buffer).toBe(host.buffer);
    // c sits at shard offset 13 -> byte 16 of host: aligned for float64 too.
    expect((many.get('c')!.values as Float64Array).buffer).toBe(host.buffer);
    files.set(SHARD0, shard.slice());
    const odd = new Uint8Array(shard.length + 1);
    odd.set(shard, 1);
    files.set(SHARD0, odd.subarray(1));
    const c2 = await CheckpointReader.open(new MemorySource(files));
    const b2 = await c2.readTensor('b');
    expect(plain(b2.values)).toEqual([1, 2, 3]);
    expect((b2.values as Float32Array).buffer).not.toBe(odd.buffer);
  });

  it('Node Buffers from a source are never modified, and unaligned ones are copied', async () => {
    const files = writeTensorBundle(EVERY_DTYPE, { bigEndian: true });
    const shard = files.get(SHARD0)!;
    // Buffer.slice() is a view, so a careless copy would swap the source's own bytes.
    const host = Buffer.alloc(shard.length + 1);
    host.set(shard, 1);
    const view = host.subarray(1);
    files.set(SHARD0, view);
    const before = Buffer.from(view);
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    for (let round = 0; round < 2; round++) {
      const many = await ckpt.readMany(EVERY_DTYPE.map((t) => t.key));
      for (const t of EVERY_DTYPE) expect(plain(many.get(t.key)!.values), t.key).toEqual(t.want);
    }
    expect(view.equals(before)).toBe(true);
  });

  it('readMany coalesces back-to-back tensors and splits around large gaps', async () => {
    const t = (key: string, n: number): BundleTensor => ({ key, dtype: 'float32', shape: [n], values: new Array(n).fill(1) });
    const files = writeTensorBundle([t('a', 10), t('b', 20000), t('c', 10)]);
    const source = new CountingSource(files);
    const ckpt = await CheckpointReader.open(source);
    await ckpt.readMany(['a', 'c']);
    // a and c are 80 000 bytes apart: two reads rather than one over b.
    expect(source.ranges.length).toBe(2);
    source.ranges = [];
    await ckpt.readMany(['a', 'b', 'c', 'a']);
    expect(source.ranges).toEqual([[SHARD0, 0, 80080]]);
    // A gap of 17 floats (a small optimizer slot between two weights) is not read through; a scalar is.
    const near = writeTensorBundle([t('a', 10), t('b', 17), t('c', 10), t('d', 1), t('e', 10)]);
    const nearSource = new CountingSource(near);
    await (await CheckpointReader.open(nearSource)).readMany(['a', 'c', 'e']);
    expect(nearSource.ranges).toEqual([[SHARD0, 0, 40], [SHARD0, 108, 84]]);
  });

  it('readTable reads <key>-keys / <key>-values', async () => {
    const files = writeTensorBundle([
      { key: 'lookup/.ATTRIBUTES/table-keys', dtype: 'string', shape: [3], values: ['a', 'b', 'c'] },
      { key: 'lookup/.ATTRIBUTES/table-values', dtype: 'int64', shape: [3], values: [2n, 3n, 4n] },
      { key: 'bad/.ATTRIBUTES/table-keys', dtype: 'string', shape: [1], values: ['a'] },
      { key: 'bad/.ATTRIBUTES/table-values', dtype: 'int64', shape: [2], values: [1n, 2n] },
    ]);
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    const t = await ckpt.readTable('lookup/.ATTRIBUTES/table');
    expect(plain(t.keys.values)).toEqual([[97], [98], [99]]);
    expect(plain(t.values.values)).toEqual([2n, 3n, 4n]);
    expect(await failure(ckpt.readTable('bad/.ATTRIBUTES/table'))).toBeInstanceOf(FormatError);
    expect(await failure(ckpt.readTable('nothing'))).toBeInstanceOf(FormatError);
  });
});

/** A bundle whose index entries are given as raw BundleEntryProto objects (to build broken ones). */
function handmade(
  entries: Record<string, object>,
  shards: Record<string, Uint8Array>,
  header: object = { numShards: 1, version: { producer: 1 } },
): CountingSource {
  const index = writeSSTable([
    { key: '', value: encodeMessage('BundleHeaderProto', header) },
    ...Object.entries(entries).map(([key, e]) => ({ key, value: encodeMessage('BundleEntryProto', e) })),
  ]);
  return new CountingSource({ [INDEX]: index, ...shards });
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const goodEntry = (bytes: Uint8Array, shape: number[], over: object = {}) => ({
  dtype: 1,
  shape: { dim: shape.map((size) => ({ size })) },
  shardId: 0,
  offset: 0,
  size: bytes.length,
  crc32c: maskCrc(crc32c(bytes)),
  ...over,
});

describe('TensorBundle errors on generated bundles', () => {
  const data = f32([1, 2, 3, 4]);

  it('the handmade baseline reads', async () => {
    const ckpt = await CheckpointReader.open(handmade({ w: goodEntry(data, [4]) }, { [SHARD0]: data }));
    expect(plain((await ckpt.readTensor('w')).values)).toEqual([1, 2, 3, 4]);
  });

  it('entry size that disagrees with its shape -> FormatError naming the index, before reading', async () => {
    const source = handmade({ w: goodEntry(data, [5]) }, { [SHARD0]: data });
    const ckpt = await CheckpointReader.open(source);
    const err = await failure(ckpt.readTensor('w'));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.file).toBe(INDEX);
    expect(err.message).toMatch(/float32\[5\] \(20 bytes\) but its entry says 16 bytes/);
    expect(source.ranges.length).toBe(0);
  });

  it('offset past the shard end -> FormatError naming the shard', async () => {
    const ckpt = await CheckpointReader.open(handmade({ w: goodEntry(data, [4], { offset: 8 }) }, { [SHARD0]: data }));
    const err = await failure(ckpt.readTensor('w'));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.file).toBe(SHARD0);
    expect(err.offset).toBe(8);
  });

  it('hostile shapes hit the element limit before any allocation', async () => {
    const ckpt = await CheckpointReader.open(handmade({ w: goodEntry(data, [2 ** 20, 2 ** 20]) }, { [SHARD0]: data }));
    expect(await failure(ckpt.readTensor('w'))).toBeInstanceOf(LimitError);
    const small = await CheckpointReader.open(handmade({ w: goodEntry(data, [4]) }, { [SHARD0]: data }), undefined, { maxTensorElements: 3 });
    expect(await failure(small.readTensor('w'))).toBeInstanceOf(LimitError);
  });

  it('a string tensor claiming more elements than its bytes can hold -> FormatError', async () => {
    const ckpt = await CheckpointReader.open(
      handmade({ s: { dtype: 7, shape: { dim: [{ size: 1e9 }] }, shardId: 0, offset: 0, size: 16, crc32c: 0 } }, { [SHARD0]: new Uint8Array(16) }),
    );
    const err = await failure(ckpt.readTensor('s'));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.file).toBe(INDEX);
  });

  it('corrupt string length checksum -> ChecksumError; lengths not adding up -> FormatError', async () => {
    const files = writeTensorBundle([{ key: 's', dtype: 'string', shape: [2], values: ['ab', 'cde'] }]);
    const shard = files.get(SHARD0)!;
    const bad = shard.slice();
    bad[3] ^= 1; // inside the 4-byte length checksum (after 2 one-byte lengths)
    files.set(SHARD0, bad);
    const err = await failure((await CheckpointReader.open(new MemorySource(files))).readTensor('s'));
    expect(err).toBeInstanceOf(ChecksumError);
    expect(err.file).toBe(SHARD0);
    expect(err.message).toMatch(/length checksum/);

    // Length 2 -> 3 with a recomputed length checksum: the strings then overrun the tensor.
    const lengths = Uint8Array.from([3, 3]);
    const c = crc32cExtend(crc32cExtend(0, Uint8Array.from([3, 0, 0, 0])), Uint8Array.from([3, 0, 0, 0]));
    const m = maskCrc(c);
    const forged = Uint8Array.from([...lengths, m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24, ...enc.encode('abcde')]);
    const src = handmade({ s: { dtype: 7, shape: { dim: [{ size: 2 }] }, shardId: 0, offset: 0, size: forged.length, crc32c: 0 } }, { [SHARD0]: forged });
    const err2 = await failure((await CheckpointReader.open(src)).readTensor('s'));
    expect(err2).toBeInstanceOf(FormatError);
    expect(err2.message).toMatch(/add up to 6 bytes, but 5 follow/);
  });

  it('shard id beyond num_shards, negative offsets -> FormatError at entry()', async () => {
    const ckpt = await CheckpointReader.open(
      handmade({ a: goodEntry(data, [4], { shardId: 1 }), b: goodEntry(data, [4], { offset: -4 }) }, { [SHARD0]: data }),
    );
    expect(() => ckpt.entry('a')).toThrow(/shard 1, but the header declares 1 shards/);
    expect(() => ckpt.entry('b')).toThrow(FormatError);
  });

  it('partitioned variables -> UnsupportedFeatureError', async () => {
    const ckpt = await CheckpointReader.open(
      handmade({ w: goodEntry(data, [4], { slices: [{ extent: [{ start: 0, length: 2 }] }] }) }, { [SHARD0]: data }),
    );
    const err = await failure(ckpt.readTensor('w'));
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect(err.message).toMatch(/partitioned/);
  });

  it('resource dtype -> UnsupportedFeatureError', async () => {
    const ckpt = await CheckpointReader.open(handmade({ r: goodEntry(data, [4], { dtype: 20 }) }, { [SHARD0]: data }));
    expect(await failure(ckpt.readTensor('r'))).toBeInstanceOf(UnsupportedFeatureError);
  });

  it('header checks: missing header, shard count, newer format version', async () => {
    const noHeader = new MemorySource({ [INDEX]: writeSSTable([{ key: 'w', value: encodeMessage('BundleEntryProto', goodEntry(data, [4])) }]) });
    expect(await failure(CheckpointReader.open(noHeader))).toBeInstanceOf(FormatError);
    const many = handmade({}, {}, { numShards: 50_000 });
    expect(await failure(CheckpointReader.open(many))).toBeInstanceOf(LimitError);
    expect(await failure(CheckpointReader.open(handmade({}, {}, { numShards: 0 })))).toBeInstanceOf(FormatError);
    const newer = handmade({}, {}, { numShards: 1, version: { producer: 2, minConsumer: 2 } });
    expect(await failure(CheckpointReader.open(newer))).toBeInstanceOf(UnsupportedFeatureError);
  });

  it('shard file names come from the header, not from what exists', async () => {
    const files = writeTensorBundle([{ key: 'w', dtype: 'float32', shape: [1], values: [1] }], { numShards: 3 });
    // A stale single-shard file from an earlier save is ignored; the missing shard is named.
    files.set(SHARD0, new Uint8Array(4));
    files.delete('variables/variables.data-00000-of-00003');
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    const err = await failure(ckpt.readTensor('w'));
    expect(err).toBeInstanceOf(MissingFileError);
    expect(err.file).toBe('variables/variables.data-00000-of-00003');
  });

  it('unknown key -> FormatError; entry() of unknown key is undefined', async () => {
    const ckpt = await CheckpointReader.open(handmade({ w: goodEntry(data, [4]) }, { [SHARD0]: data }));
    expect(ckpt.entry('nope')).toBeUndefined();
    expect(ckpt.has('nope')).toBe(false);
    expect(await failure(ckpt.readRaw('nope'))).toBeInstanceOf(FormatError);
  });

  it('variant tensors: per-element checksums verified, elements returned as bytes', async () => {
    const elems = [enc.encode('first'), enc.encode('second!')];
    const parts: number[] = [];
    let c = 0;
    for (const e of elems) {
      parts.push(e.length);
      const len64 = new Uint8Array(8);
      len64[0] = e.length;
      c = crc32cExtend(crc32cExtend(c, len64), e);
      const m = maskCrc(c);
      const mb = Uint8Array.from([m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24]);
      parts.push(...e, ...mb);
      c = crc32cExtend(c, mb);
    }
    const bytes = Uint8Array.from(parts);
    const entry = { dtype: 21, shape: { dim: [{ size: 2 }] }, shardId: 0, offset: 0, size: bytes.length, crc32c: maskCrc(c) };
    const ckpt = await CheckpointReader.open(handmade({ v: entry }, { [SHARD0]: bytes }));
    const t = await ckpt.readTensor('v');
    expect(t.dtype).toBe('variant');
    expect(plain(t.values)).toEqual(elems.map((e) => [...e]));
    const bad = bytes.slice();
    bad[2] ^= 1;
    const err = await failure((await CheckpointReader.open(handmade({ v: entry }, { [SHARD0]: bad }))).readTensor('v'));
    expect(err).toBeInstanceOf(ChecksumError);
  });
});

/** Number of data blocks named by the index block of an SSTable. */
function dataBlocks(file: Uint8Array): number {
  const c = new ByteCursor(file, 'x', 0, file.length - 48);
  c.varint64();
  c.varint64();
  const offset = c.varint64();
  const size = c.varint64();
  let n = 0;
  parseBlock(file.subarray(offset, offset + size), 'x', offset, 'index block', () => n++);
  return n;
}
