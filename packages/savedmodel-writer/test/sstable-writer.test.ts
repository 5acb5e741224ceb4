import { describe, expect, it } from 'vitest';
import { ChecksumError, FormatError, LimitError, UnsupportedFeatureError } from '@savedkeras/common';
import { ByteCursor, crc32c, maskCrc, parseBlock, pushVarint, readSSTable } from '@savedkeras/proto';
import { shortSuccessor, shortestSeparator, writeSSTable } from '../src/sstable-writer.js';

// The SSTable writer against proto's reader (format reference §8.2); moved from proto's checkpoint-format tests,
// which keep the crc32c vectors and varints (proto cannot depend on this package: it would be a cycle).

const enc = new TextEncoder();

describe('SSTable', () => {
  const entries = (n: number, valueSize = 40) =>
    Array.from({ length: n }, (_, i) => ({
      key: `layer_with_weights-${String(i).padStart(5, '0')}/kernel/.ATTRIBUTES/VARIABLE_VALUE`,
      value: Uint8Array.from({ length: valueSize }, (_, j) => (i * 31 + j) & 0xff),
    }));

  it('reads back what the writer wrote, one block', () => {
    const input = entries(40);
    const file = writeSSTable(input);
    const got = readSSTable(file, 'a.index');
    expect(got.map((e) => e.key)).toEqual(input.map((e) => e.key));
    got.forEach((e, i) => expect(Array.from(e.value)).toEqual(Array.from(input[i].value)));
  });

  it('reads many data blocks in order (small block size)', () => {
    const input = entries(500, 300);
    const file = writeSSTable(input, { blockSize: 4096 });
    const blocks = indexEntries(file);
    expect(blocks.length).toBeGreaterThan(30);
    // Index keys are shortened separators, not the keys themselves.
    expect(blocks.some((k) => !input.some((e) => e.key === k))).toBe(true);
    const got = readSSTable(file, 'a.index');
    expect(got.length).toBe(500);
    expect(got.map((e) => e.key)).toEqual(input.map((e) => e.key));
    expect(Array.from(got[499].value)).toEqual(Array.from(input[499].value));
  });

  it('sorts keys bytewise, with "" first', () => {
    const file = writeSSTable([
      { key: 'b', value: new Uint8Array([2]) },
      { key: '', value: new Uint8Array([0]) },
      { key: 'a', value: new Uint8Array([1]) },
      { key: 'ab', value: new Uint8Array([3]) },
    ]);
    expect(readSSTable(file, 'a.index').map((e) => e.key)).toEqual(['', 'a', 'ab', 'b']);
  });

  it('separators: shortest key between two keys, short successor of the last', () => {
    expect(new TextDecoder().decode(shortestSeparator(enc.encode('abcd/kernel'), enc.encode('abzz')))).toBe('abd');
    expect(new TextDecoder().decode(shortestSeparator(enc.encode('abc'), enc.encode('abd')))).toBe('abc');
    expect(new TextDecoder().decode(shortSuccessor(enc.encode('variables/9')))).toBe('w');
  });

  it('an empty table has only its empty metaindex and index blocks', () => {
    expect(readSSTable(writeSSTable([]), 'a.index')).toEqual([]);
  });

  describe('corruption', () => {
    const good = writeSSTable(entries(40));
    const expectError = (bytes: Uint8Array, type: new (...a: never[]) => Error, pattern: RegExp) => {
      let err: unknown;
      try {
        readSSTable(bytes, 'variables/variables.index');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(/^variables\/variables\.index/);
      expect((err as Error).message).toMatch(pattern);
    };

    it('shorter than a footer', () => expectError(good.subarray(0, 47), FormatError, /shorter than the 48-byte/));
    it('truncated (footer gone)', () => expectError(good.subarray(0, good.length - 10), FormatError, /magic/));
    it('bad magic', () => {
      const b = good.slice();
      b[b.length - 1] ^= 0x01;
      expectError(b, FormatError, /bad SSTable magic/);
    });
    it('flipped byte in a data block', () => {
      const b = good.slice();
      b[20] ^= 0x40;
      expectError(b, ChecksumError, /data block checksum mismatch/);
    });
    it('garbled index block (contents changed, trailer recomputed)', () => {
      // Rewrite the index handle in the footer to point at a block made of junk with a valid trailer.
      const junk = Uint8Array.from([0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
      expectError(withIndexBlock(good, junk), FormatError, /index block/);
    });
    it('index block handle outside the file', () => {
      const b = good.slice();
      const f = b.length - 48;
      // metaindex handle is 2 small varints; overwrite the index handle offset with a huge varint.
      const metaLen = varintLength(b, f) + varintLength(b, f + varintLength(b, f));
      b.set([0xff, 0xff, 0xff, 0x7f, 0x08], f + metaLen);
      expectError(b, FormatError, /pass the start of the footer/);
    });
    it('Snappy-compressed block', () => {
      const b = good.slice();
      // The data block starts at 0; find its trailer through a clean re-read of the index handle.
      const size = dataBlockSize(good);
      b[size] = 1;
      b.set(le32(maskCrc(crc32c(Uint8Array.from([...b.subarray(0, size), 1])))), size + 1);
      expectError(b, UnsupportedFeatureError, /Snappy/);
    });
    it('entry count limit', () => {
      expect(() => readSSTable(good, 'variables/variables.index', { maxEntries: 10 })).toThrow(LimitError);
    });
    it('restart array that does not match the entries', () => {
      const size = dataBlockSize(good);
      const block = good.slice(0, size);
      // Move restart point 1 (entry 16) by one byte, keep the trailer valid.
      const numRestarts = block[size - 4];
      const r1 = size - 4 * (numRestarts + 1) + 4;
      block[r1] += 1;
      const b = good.slice();
      b.set(block, 0);
      b.set(le32(maskCrc(crc32c(Uint8Array.from([...block, 0])))), size + 1);
      expectError(b, FormatError, /restart point 1/);
    });
    it('shared prefix longer than the previous key', () => {
      const size = dataBlockSize(good);
      const block = good.slice(0, size);
      // Entry 1 begins right after entry 0 (shared 0, nonShared k, valueLen 40, key, value).
      const c = new ByteCursor(block, 'x');
      c.varint32();
      const nonShared = c.varint32();
      const valueLen = c.varint32();
      const second = c.pos + nonShared + valueLen;
      block[second] = 120; // shared = 120 > previous key length
      const b = good.slice();
      b.set(block, 0);
      b.set(le32(maskCrc(crc32c(Uint8Array.from([...block, 0])))), size + 1);
      expectError(b, FormatError, /shares 120 key bytes/);
    });
  });
});

function le32(v: number): Uint8Array {
  return Uint8Array.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

function varintLength(b: Uint8Array, p: number): number {
  let n = 1;
  while (b[p + n - 1] & 0x80) n++;
  return n;
}

/** Size of the first data block (it starts at 0), read from the single index entry. */
function dataBlockSize(file: Uint8Array): number {
  const f = file.length - 48;
  const c = new ByteCursor(file, 'x', 0, f);
  c.varint64();
  c.varint64();
  const indexOffset = c.varint64();
  const ic = new ByteCursor(file, 'x', 0, indexOffset);
  ic.varint32(); // shared
  const nonShared = ic.varint32();
  ic.varint32(); // value length
  ic.take(nonShared);
  ic.varint64(); // data block offset (0)
  return ic.varint64();
}

/** `file` with its index block replaced by `contents` (appended, with a valid trailer, before a new footer). */
function withIndexBlock(file: Uint8Array, contents: Uint8Array): Uint8Array {
  const body = file.subarray(0, file.length - 48);
  const trailer = Uint8Array.from([0, ...le32(maskCrc(crc32c(Uint8Array.from([...contents, 0]))))]);
  const f = file.length - 48;
  const c = new ByteCursor(file, 'x', 0, f);
  const metaOffset = c.varint64();
  const metaSize = c.varint64();
  const handles: number[] = [];
  pushVarint(handles, metaOffset);
  pushVarint(handles, metaSize);
  pushVarint(handles, body.length);
  pushVarint(handles, contents.length);
  const footer = new Uint8Array(48);
  footer.set(handles);
  footer.set(file.subarray(file.length - 8), 40);
  return Uint8Array.from([...body, ...contents, ...trailer, ...footer]);
}

/** The keys of the index block (one per data block). */
function indexEntries(file: Uint8Array): string[] {
  const c = new ByteCursor(file, 'x', 0, file.length - 48);
  c.varint64();
  c.varint64();
  const offset = c.varint64();
  const size = c.varint64();
  const keys: string[] = [];
  parseBlock(file.subarray(offset, offset + size), 'x', offset, 'index block', (k) => keys.push(new TextDecoder().decode(k)));
  return keys;
}
