import { describe, expect, it } from 'vitest';
import { ChecksumError, MemorySource } from '@savedkeras/common';
import { CheckpointReader, READ_PIECE_BYTES, STREAM_PIECE_BYTES } from '@savedkeras/proto';
import { writeTensorBundle } from '../src/bundle-writer.js';

/** proto's CheckpointReader.readMany on bundles from the writer: pipelined reads: large tensors alone or in pieces, small ones grouped, every byte verified. */

const SHARD0 = 'variables/variables.data-00000-of-00001';

class CountingSource extends MemorySource {
  ranges: [number, number][] = [];
  override async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.ranges.push([offset, length]);
    return super.readRange(path, offset, length);
  }
}

/** A source that also reads into a caller's buffer (what RangeIntoSource asks for). */
class IntoSource extends CountingSource {
  into: [number, number][] = [];
  async readRangeInto(path: string, offset: number, target: Uint8Array): Promise<void> {
    this.into.push([offset, target.length]);
    target.set(await super.readRange(path, offset, target.length));
    this.ranges.pop(); // counted as an into-read, not a plain one
  }
}

// A float32 tensor of 2.5 pieces between two small ones, with values that depend on the position.
const bigCount = (READ_PIECE_BYTES * 2.5) / 4;
const big = new Float32Array(bigCount);
for (let i = 0; i < bigCount; i++) big[i] = Math.fround(Math.sin(i) * 1000);
/** Byte equality of two float arrays (vitest's deep equality is far too slow for millions of elements). */
const sameBytes = (a: unknown, b: Float32Array) =>
  a instanceof Float32Array && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const bundle = () =>
  writeTensorBundle([
    { key: 'a', dtype: 'float32', shape: [3], values: [1, 2, 3] },
    { key: 'big', dtype: 'float32', shape: [bigCount], bytes: new Uint8Array(big.buffer) },
    { key: 'z', dtype: 'int32', shape: [2], values: [7, 8] },
  ]);

describe('readMany with large tensors', () => {
  it('reads a large tensor alone from a plain source, small ones grouped, values intact', async () => {
    const source = new CountingSource(bundle());
    const ckpt = await CheckpointReader.open(source);
    const got = await ckpt.readMany(['z', 'big', 'a']);
    expect(source.ranges).toEqual([
      [0, 12],
      [12, READ_PIECE_BYTES * 2.5],
      [12 + READ_PIECE_BYTES * 2.5, 8],
    ]);
    expect(sameBytes(got.get('big')!.values, big)).toBe(true);
    expect(Array.from(got.get('a')!.values as Float32Array)).toEqual([1, 2, 3]);
    expect(Array.from(got.get('z')!.values as Int32Array)).toEqual([7, 8]);
  });

  it('reads it in pieces into its own buffer when the source can read into buffers', async () => {
    const source = new IntoSource(bundle());
    const ckpt = await CheckpointReader.open(source);
    const progress: number[] = [];
    const got = await ckpt.readMany(['big', 'a', 'z'], { onProgress: (done) => progress.push(done) });
    expect(source.into).toEqual([
      [12, READ_PIECE_BYTES],
      [12 + READ_PIECE_BYTES, READ_PIECE_BYTES],
      [12 + 2 * READ_PIECE_BYTES, READ_PIECE_BYTES / 2],
    ]);
    expect(sameBytes(got.get('big')!.values, big)).toBe(true);
    expect(progress[progress.length - 1]).toBe(READ_PIECE_BYTES * 2.5 + 12 + 8);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
  });

  it('a corrupt byte in the last piece fails the crc32c check of the whole tensor', async () => {
    const files = bundle();
    const shard = files.get(SHARD0)!.slice();
    shard[12 + 2 * READ_PIECE_BYTES + 100] ^= 0x40;
    files.set(SHARD0, shard);
    for (const source of [new CountingSource(files), new IntoSource(files)]) {
      const ckpt = await CheckpointReader.open(source);
      await expect(ckpt.readMany(['a', 'big'])).rejects.toThrow(ChecksumError);
      await expect(ckpt.readMany(['a', 'big'])).rejects.toThrow(/"big"/);
    }
  });
});

describe('readManyInto streams raw bytes into caller memory', () => {
  it('fills each target with the stored bytes, in pieces for a large tensor, and checks every crc', async () => {
    const source = new CountingSource(bundle());
    const ckpt = await CheckpointReader.open(source);
    expect(ckpt.canReadInto('big', 'float32')).toBe(true);
    expect(ckpt.canReadInto('big', 'int32')).toBe(false);
    expect(ckpt.canReadInto('nope', 'float32')).toBe(false);
    const bigTarget = new Float32Array(bigCount);
    const aTarget = new Float32Array(3);
    const zTarget = new Int32Array(2);
    let calls = 0;
    await ckpt.readManyInto([
      { key: 'a', dtype: 'float32', target: () => new Uint8Array(aTarget.buffer) },
      { key: 'big', dtype: 'float32', target: () => (calls++, new Uint8Array(bigTarget.buffer)) },
      { key: 'z', dtype: 'int32', target: () => new Uint8Array(zTarget.buffer) },
    ]);
    expect(sameBytes(bigTarget, big)).toBe(true);
    expect(Array.from(aTarget)).toEqual([1, 2, 3]);
    expect(Array.from(zTarget)).toEqual([7, 8]);
    expect(calls).toBe(3); // asked again for every piece
    // a | big in 3 pieces | z: no read larger than a piece.
    expect(source.ranges.every(([, len]) => len <= READ_PIECE_BYTES)).toBe(true);
    expect(source.ranges.length).toBe(5);
  });

  it('with a source that reads into buffers, every piece (of STREAM_PIECE_BYTES) goes through two reused scratch buffers', async () => {
    const source = new IntoSource(bundle());
    const ckpt = await CheckpointReader.open(source);
    const bigTarget = new Float32Array(bigCount);
    const zTarget = new Int32Array(2);
    await ckpt.readManyInto([
      { key: 'big', dtype: 'float32', target: () => new Uint8Array(bigTarget.buffer) },
      { key: 'z', dtype: 'int32', target: () => new Uint8Array(zTarget.buffer) },
    ]);
    expect(source.ranges).toEqual([]);
    // Pieces of STREAM_PIECE_BYTES (smaller scratch buffers: less memory at the peak of a wasm load).
    const pieces = (READ_PIECE_BYTES * 2.5) / STREAM_PIECE_BYTES;
    expect(Number.isInteger(pieces)).toBe(true);
    expect(source.into.map(([, len]) => len)).toEqual([...Array<number>(pieces).fill(STREAM_PIECE_BYTES), 8]);
    expect(sameBytes(bigTarget, big)).toBe(true);
    expect(Array.from(zTarget)).toEqual([7, 8]);
  });

  it('a corrupt byte fails with ChecksumError; keys that are not raw numeric bytes are refused', async () => {
    const files = bundle();
    const shard = files.get(SHARD0)!.slice();
    shard[12 + READ_PIECE_BYTES + 5] ^= 1;
    files.set(SHARD0, shard);
    const ckpt = await CheckpointReader.open(new MemorySource(files));
    const t = new Uint8Array(bigCount * 4);
    await expect(ckpt.readManyInto([{ key: 'big', dtype: 'float32', target: () => t }])).rejects.toThrow(ChecksumError);
    const strings = await CheckpointReader.open(new MemorySource(writeTensorBundle([{ key: 's', dtype: 'string', shape: [1], values: ['x'] }])));
    expect(strings.canReadInto('s', 'string')).toBe(false);
    await expect(strings.readManyInto([{ key: 's', dtype: 'string', target: () => new Uint8Array(5) }])).rejects.toThrow(/cannot be streamed/);
    const be = await CheckpointReader.open(new MemorySource(writeTensorBundle([{ key: 'f', dtype: 'float32', shape: [1], values: [1] }], { bigEndian: true })));
    expect(be.canReadInto('f', 'float32')).toBe(false);
  });
});
