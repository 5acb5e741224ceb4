import { describe, expect, it } from 'vitest';
import { FormatError, LimitError, MemorySource, SavedKerasError } from '@savedkeras/common';
import { CheckpointReader, crc32c, encodeMessage, maskCrc } from '@savedkeras/proto';
import { writeSSTable } from '../src/sstable-writer.js';

// Checkpoint index entries that lie about their tensor, made with the project's own SSTable and
// proto writers: shape products past 2^53 or int32, negative or 64-bit dimensions, offsets and sizes
// past the shard or past 2^53, sizes that disagree with the dtype. Each is a typed error naming the
// file, raised before a byte of the shard is read (so before anything is allocated for it).

const INDEX = 'variables/variables.index';
const SHARD0 = 'variables/variables.data-00000-of-00001';

class CountingSource extends MemorySource {
  reads: string[] = [];
  override async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.reads.push(path);
    return super.readRange(path, offset, length);
  }
}

const data = new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer);

/** A one-shard bundle whose entry `w` is `over` applied to a correct float32[4] entry. */
function bundle(over: object): CountingSource {
  const entry = { dtype: 1, shape: { dim: [{ size: 4 }] }, shardId: 0, offset: 0, size: 16, crc32c: maskCrc(crc32c(data)), ...over };
  const index = writeSSTable([
    { key: '', value: encodeMessage('BundleHeaderProto', { numShards: 1, version: { producer: 1 } }) },
    { key: 'w', value: encodeMessage('BundleEntryProto', entry) },
  ]);
  return new CountingSource({ [INDEX]: index, [SHARD0]: data });
}

/** A 64-bit integer field as protobufjs takes it (two's complement halves). */
const int64 = (v: bigint) => ({ low: Number(BigInt.asIntN(32, v)), high: Number(BigInt.asIntN(32, v >> 32n)), unsigned: false });
const dims = (...sizes: (number | bigint)[]) => ({ shape: { dim: sizes.map((size) => ({ size: typeof size === 'bigint' ? int64(size) : size })) } });

async function refusal(over: object, limits?: { maxTensorElements: number }): Promise<{ e: SavedKerasError; shardReads: number }> {
  const source = bundle(over);
  const ckpt = await CheckpointReader.open(source, undefined, limits);
  const e = await ckpt.readTensor('w').then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'a typed error').toBeInstanceOf(SavedKerasError);
  return { e: e as SavedKerasError, shardReads: source.reads.filter((p) => p === SHARD0).length };
}

describe('checkpoint entries that lie about their tensor', () => {
  it('the untouched entry reads (the baseline of every case below)', async () => {
    const ckpt = await CheckpointReader.open(bundle({}));
    expect(Array.from((await ckpt.readTensor('w')).values as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['[2^27, 2^27] (2^54 elements, past 2^53)', dims(2 ** 27, 2 ** 27), LimitError, /more than 2147483647 elements/],
    ['[65536, 32768] (2^31 elements, past int32)', dims(65536, 32768), LimitError, /more than 2147483647 elements/],
    ['[0, 2^62] (zero elements, a dimension past 2^53)', dims(0, 2n ** 62n), FormatError, /has dimension past 2\^53/],
    ['[2^63 - 1]', dims(2n ** 63n - 1n), FormatError, /has dimension past 2\^53/],
    ['[-1]', dims(-1), FormatError, /dimension -1/],
    ['[4, -2^63]', dims(4, -(2n ** 63n)), FormatError, /has dimension below -2\^53/],
  ])('shape %s: typed, naming the index, before the shard is read', async (_, over, type, message) => {
    const { e, shardReads } = await refusal(over);
    expect(e).toBeInstanceOf(type);
    expect(e.file).toBe(INDEX);
    expect(e.message).toMatch(message);
    expect(shardReads).toBe(0);
  });

  it('a 2^54-element shape is refused even when the caller lifts maxTensorElements to 2^53 - 1', async () => {
    const { e, shardReads } = await refusal(dims(2 ** 27, 2 ** 27), { maxTensorElements: Number.MAX_SAFE_INTEGER });
    expect(e).toBeInstanceOf(LimitError);
    expect(shardReads).toBe(0);
    // Under the lifted limit, 2^31 float32 elements are 2^33 bytes, not the 16 of the entry (no int32 wrap to 0).
    const wrap = await refusal(dims(65536, 32768), { maxTensorElements: Number.MAX_SAFE_INTEGER });
    expect(wrap.e).toBeInstanceOf(FormatError);
    expect(wrap.e.message).toMatch(/float32\[65536, 32768\] \(8589934592 bytes\) but its entry says 16 bytes/);
    expect(wrap.shardReads).toBe(0);
  });

  it.each([
    ['offset 2^53 + 1', { offset: int64(2n ** 53n + 1n) }, /offset past 2\^53 and size 16/],
    ['size 2^64 - 1 (-1 as int64)', { size: int64(-1n) }, /size -1/],
    ['offset -16', { offset: -16 }, /offset -16/],
  ])('%s: FORMAT naming the index', async (_, over, message) => {
    const { e, shardReads } = await refusal(over);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.file).toBe(INDEX);
    expect(e.message).toMatch(message);
    expect(shardReads).toBe(0);
  });

  it('offset + size past the shard (offset 2^53 - 16): FORMAT naming the shard, nothing read', async () => {
    const { e, shardReads } = await refusal({ offset: int64(2n ** 53n - 16n) });
    expect(e).toBeInstanceOf(FormatError);
    expect(e.file).toBe(SHARD0);
    expect(e.message).toMatch(/occupies \[9007199254740976, 9007199254740992\) but the shard is 16 bytes/);
    expect(shardReads).toBe(0);
  });

  it.each([
    ['float64[4] in 16 bytes', { dtype: 2 }, /float64\[4\] \(32 bytes\) but its entry says 16 bytes/],
    ['int8[4] in 16 bytes', { dtype: 6 }, /int8\[4\] \(4 bytes\) but its entry says 16 bytes/],
    ['float32[4] in 2^40 bytes', { size: int64(2n ** 40n) }, /float32\[4\] \(16 bytes\) but its entry says 1099511627776 bytes/],
  ])('size vs dtype, %s: FORMAT naming the index', async (_, over, message) => {
    const { e, shardReads } = await refusal(over);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.file).toBe(INDEX);
    expect(e.message).toMatch(message);
    expect(shardReads).toBe(0);
  });
});
