import { describe, expect, it } from 'vitest';
import { ChecksumError, hostCrc32c, MemorySource, registerHostCrc32c } from '@savedkeras/common';
import { CheckpointReader, crc32c, crc32cExtend, crc32cExtendPortable } from '@savedkeras/proto';
import { writeKerasSavedModel } from '@savedkeras/savedmodel-writer';
import { registerNativeCrc32c } from '../src/index.js';

// Importing the package registers @node-rs/crc32's hardware CRC-32C (this machine and CI: linux x64).

describe('native crc32c (registered by @savedkeras/backend-node)', () => {
  it('is registered on import and gives the CRC-32C test vectors of RFC 3720 B.4 and the check value', () => {
    const host = hostCrc32c();
    expect(host).not.toBeNull();
    const range = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
    const cases: [Uint8Array, number][] = [
      [new Uint8Array(32), 0x8a9136aa],
      [new Uint8Array(32).fill(0xff), 0x62a8ab43],
      [range(32), 0x46dd794e],
      [range(32).reverse(), 0x113fdb5c],
      [new TextEncoder().encode('123456789'), 0xe3069283],
      [new Uint8Array(0), 0],
    ];
    for (const [bytes, crc] of cases) expect(host!(0, bytes) >>> 0).toBe(crc);
  });

  it('agrees with the portable loop on views at odd offsets, whole and extended piece by piece', () => {
    const bytes = new Uint8Array(3 << 20);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const view = bytes.subarray(7, bytes.length - 3);
    const want = crc32cExtendPortable(0, view);
    expect(crc32c(view)).toBe(want); // through proto: large buffers go to the registered one
    let running = 0;
    for (let at = 0; at < view.length; at += 1_000_003) running = crc32cExtend(running, view.subarray(at, at + 1_000_003));
    expect(running).toBe(want);
  });

  it('a corrupted weight byte is a ChecksumError naming the tensor (readMany and readManyInto)', async () => {
    const files = writeKerasSavedModel({ kind: 'Sequential', input: { shape: [64] }, layers: [{ className: 'Dense', name: 'dense', units: 64 }] });
    const clean = await CheckpointReader.open(new MemorySource(files));
    const key = clean.keys().find((k) => k.includes('kernel'))!;
    const entry = clean.entry(key)!;
    expect(entry.size).toBe(64 * 64 * 4); // large enough to take the native path
    const got = await clean.readMany([key]);
    expect(got.get(key)!.values.length).toBe(64 * 64);

    const shard = clean.shardFile(entry.shardId);
    const bad = files.get(shard)!.slice();
    bad[entry.offset + 1000] ^= 0x10;
    const corrupt = new Map(files).set(shard, bad);
    const reader = await CheckpointReader.open(new MemorySource(corrupt));
    await expect(reader.readMany([key])).rejects.toThrow(ChecksumError);
    await expect(reader.readMany([key])).rejects.toThrow(key);
    const target = new Uint8Array(entry.size);
    await expect(reader.readManyInto([{ key, dtype: 'float32', target: () => target }])).rejects.toThrow(ChecksumError);
  });

  it('a CRC-32C that gives another check value is refused; SAVEDKERAS_NATIVE_CRC32C=0 keeps the portable loops', () => {
    const before = hostCrc32c();
    try {
      expect(registerHostCrc32c((crc) => crc ^ 1)).toBe(false);
      expect(hostCrc32c()).toBe(before);
      registerHostCrc32c(null);
      process.env['SAVEDKERAS_NATIVE_CRC32C'] = '0';
      expect(registerNativeCrc32c()).toBe(false);
      expect(hostCrc32c()).toBeNull();
    } finally {
      delete process.env['SAVEDKERAS_NATIVE_CRC32C'];
      registerHostCrc32c(before);
    }
  });
});
