import { describe, expect, it } from 'vitest';
import { crc32c, crc32cExtend, crc32cExtendPortable, WASM_MIN_BYTES } from '../src/crc32c.js';
import { makeWasmCrc32c } from '../src/crc32c-wasm.js';

/** CRC-32C one bit at a time, straight from the definition (no tables): the reference for the sliced loop. */
function bitwise(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (0x82f63b78 ^ (c >>> 1)) >>> 0 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c slicing-by-16', () => {
  // Pseudo-random bytes (a fixed LCG), so every table lane sees varied values.
  const data = new Uint8Array(4096 + 64);
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;

  // Past SMALL_CRC_BYTES (128): both the byte-assembled blocks of short buffers and the aligned view of longer ones.
  it('agrees with the bitwise definition for every length 0..300 at every alignment 0..7', () => {
    for (let off = 0; off < 8; off++) {
      for (let len = 0; len <= 300; len++) {
        const view = data.subarray(off, off + len);
        expect(crc32c(view), `offset ${off} length ${len}`).toBe(bitwise(view));
      }
    }
  });

  it('agrees on a long buffer at an odd offset, and when extended piece by piece', () => {
    const view = data.subarray(3, 4096 + 3);
    const want = bitwise(view);
    expect(crc32c(view)).toBe(want);
    let c = 0;
    for (const cut of [[0, 1], [1, 17], [17, 1000], [1000, 4096]]) c = crc32cExtend(c, view.subarray(cut[0], cut[1]));
    expect(c).toBe(want);
  });

  it('reads a view without looking outside it (a buffer shared with other bytes)', () => {
    const buf = new Uint8Array(64).fill(0xab);
    const inner = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    buf.set(inner, 5);
    expect(crc32c(buf.subarray(5, 5 + inner.length))).toBe(crc32c(inner));
  });
});

describe('crc32c in WebAssembly', () => {
  const wasm = makeWasmCrc32c();
  // 1 MiB + a bit: crosses the module's copy window; odd offset: unaligned source.
  const big = new Uint8Array((1 << 20) + 1000 + 3);
  let s = 99;
  for (let i = 0; i < big.length; i++) big[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;

  it('is available in Node', () => {
    expect(wasm).not.toBeNull();
  });

  it('agrees with the bitwise definition and the JS loop, across the copy window, extending', () => {
    const view = big.subarray(3);
    const want = bitwise(view);
    expect(wasm!(0, view)).toBe(want);
    expect(crc32cExtendPortable(0, view)).toBe(want);
    expect(crc32c(view)).toBe(want);
    const cut = 777_777;
    expect(wasm!(wasm!(0, view.subarray(0, cut)), view.subarray(cut))).toBe(want);
    for (const len of [0, 1, 15, 16, 17, WASM_MIN_BYTES - 1, WASM_MIN_BYTES, WASM_MIN_BYTES + 5]) {
      expect(wasm!(0, view.subarray(1, 1 + len)), `length ${len}`).toBe(bitwise(view.subarray(1, 1 + len)));
      expect(crc32cExtend(0x12345678, view.subarray(1, 1 + len))).toBe(bitwise(view.subarray(1, 1 + len), 0x12345678));
    }
  });
});
