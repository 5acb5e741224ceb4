import { describe, expect, it } from 'vitest';
import { FormatError } from '@savedkeras/common';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../src/crc32c.js';
import { ByteCursor, pushVarint } from '../src/checkpoint/varint.js';

const enc = new TextEncoder();

describe('crc32c (format reference §11 vectors)', () => {
  const range = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
  const cases: [string, Uint8Array, number, number][] = [
    ['32 x 0x00', new Uint8Array(32), 0x8a9136aa, 0x0fd7fffa],
    ['32 x 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43, 0xf909b029],
    ['0x00..0x1f', range(32), 0x46dd794e, 0x951f7892],
    ['0x1f..0x00', range(32).reverse(), 0x113fdb5c, 0x593b0d57],
    ['"123456789"', enc.encode('123456789'), 0xe3069283, 0xc78ab0e5],
    ['empty', new Uint8Array(0), 0, 0xa282ead8],
  ];
  for (const [name, bytes, crc, masked] of cases) {
    it(name, () => {
      expect(crc32c(bytes)).toBe(crc);
      expect(maskCrc(crc)).toBe(masked);
      expect(unmaskCrc(masked)).toBe(crc);
    });
  }
  it('extend(value(a), b) == value(a ‖ b)', () => {
    const ab = enc.encode('hello, checkpoint');
    expect(crc32cExtend(crc32c(ab.subarray(0, 5)), ab.subarray(5))).toBe(crc32c(ab));
  });
  it('empty block trailer crc is 0xb0a1f2c0', () => {
    expect(maskCrc(crc32c(Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0])))).toBe(0xb0a1f2c0);
  });
});

// SSTable round trips and corruption cases need the writer: packages/savedmodel-writer/test/sstable-writer.test.ts.

describe('varints', () => {
  const cursor = (bytes: number[]) => new ByteCursor(Uint8Array.from(bytes), 'x.index', 100);

  it('round-trips values up to 2^53 - 1', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      const out: number[] = [];
      pushVarint(out, v);
      const c = cursor(out);
      expect(c.varint64()).toBe(v);
      expect(c.remaining).toBe(0);
      if (v <= 0xffffffff) expect(cursor(out).varint32()).toBe(v);
    }
  });

  it('refuses truncated varints, naming file and offset', () => {
    const c = cursor([0x01, 0x80, 0x80]);
    c.varint32();
    const err = (() => {
      try {
        c.varint32('block size');
      } catch (e) {
        return e as FormatError;
      }
    })();
    expect(err).toBeInstanceOf(FormatError);
    expect(err!.file).toBe('x.index');
    expect(err!.offset).toBe(101);
    expect(err!.message).toMatch(/truncated block size/);
  });

  it('refuses overlong varints', () => {
    expect(() => cursor([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).varint32()).toThrow(/longer than 5 bytes|longer than 32 bits/);
    expect(() => cursor([0xff, 0xff, 0xff, 0xff, 0x1f]).varint32()).toThrow(/longer than 32 bits/);
    expect(() => cursor([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).varint64()).toThrow(FormatError);
    expect(() => cursor([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]).varint64()).toThrow(/longer than 64 bits/);
    // 2^53 needs 8 bytes; refused rather than rounded.
    expect(() => cursor([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]).varint64()).toThrow(/larger than 2\^53/);
  });
});
