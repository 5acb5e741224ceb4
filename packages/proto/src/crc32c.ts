/**
 * CRC-32C (Castagnoli) and TensorFlow's masking of stored checksums (format reference §11).
 *
 * Every weight byte passes through here, so it is "slicing-by-16": 16 lookup tables, where table
 * k maps a byte to the CRC contribution of that byte followed by k zero bytes (crc32c-tables.ts).
 * The loop folds the running CRC into the next 16 bytes (read as four little-endian 32-bit
 * words) and combines 16 lookups, instead of one lookup and a shift per byte. Buffers of
 * WASM_MIN_BYTES or more go to the same loop compiled to WebAssembly (crc32c-wasm.ts, ~2 GB/s
 * against ~1.4 GB/s here and ~0.45 GB/s byte by byte); the JS loop is the fallback. Where the
 * runtime registered a faster one (common's registerHostCrc32c: in Node, @savedkeras/backend-node
 * registers the CPU's CRC32 instruction, ~4 GB/s), large buffers go there instead.
 */
import { hostCrc32c } from '@savedkeras/common';
import { SLICE_TABLES } from './crc32c-tables.js';
import { makeWasmCrc32c } from './crc32c-wasm.js';

const TABLES = SLICE_TABLES;
/** Below this the call and copy into wasm memory cost more than they save. */
export const WASM_MIN_BYTES = 1024;
const wasmExtend = makeWasmCrc32c();

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Extends `crc` (a finished crc32c value) with `data`: extend(value(a), b) == value(a ‖ b). */
export function crc32cExtend(crc: number, data: Uint8Array): number {
  if (data.length >= WASM_MIN_BYTES) {
    const host = hostCrc32c();
    if (host !== null) return host(crc, data) >>> 0;
  }
  if (wasmExtend !== null && data.length >= WASM_MIN_BYTES) return wasmExtend(crc, data);
  return crc32cExtendPortable(crc, data);
}

/**
 * Below this many bytes the sliced loop reads its 16-byte blocks byte by byte instead of through an Int32Array
 * view of the buffer: a view per call is an allocation (most of the cost of a tiny tensor's check: a model of
 * 2,000 small variables checks 2,000 of them per load). Micro (Node 20, one process): 16 bytes 128-146 -> 35-51 ns,
 * 64 bytes 188-295 -> 123-130 ns; from 256 bytes the view is faster (296-330 vs 381-421 ns).
 */
const SMALL_CRC_BYTES = 128;

/** The JavaScript loop (what crc32cExtend uses for short buffers and where WebAssembly is unavailable). */
export function crc32cExtendPortable(crc: number, data: Uint8Array): number {
  if (data.length < SMALL_CRC_BYTES) return crc32cExtendSmall(crc, data);
  const T = TABLES;
  const n = data.length;
  let c = ~crc;
  let i = 0;
  // Bytes up to a 4-byte boundary one at a time, so the middle can be read as aligned words.
  while (i < n && ((data.byteOffset + i) & 3) !== 0) c = T[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  const blocks = (n - i) >>> 4;
  if (blocks > 0 && HOST_LITTLE_ENDIAN) {
    const w = new Int32Array(data.buffer, data.byteOffset + i, blocks * 4);
    for (let j = 0; j < w.length; j += 4) {
      const a = c ^ w[j];
      const b = w[j + 1];
      const d = w[j + 2];
      const e = w[j + 3];
      c =
        T[0xf00 | (a & 0xff)] ^ T[0xe00 | ((a >>> 8) & 0xff)] ^ T[0xd00 | ((a >>> 16) & 0xff)] ^ T[0xc00 | (a >>> 24)] ^
        T[0xb00 | (b & 0xff)] ^ T[0xa00 | ((b >>> 8) & 0xff)] ^ T[0x900 | ((b >>> 16) & 0xff)] ^ T[0x800 | (b >>> 24)] ^
        T[0x700 | (d & 0xff)] ^ T[0x600 | ((d >>> 8) & 0xff)] ^ T[0x500 | ((d >>> 16) & 0xff)] ^ T[0x400 | (d >>> 24)] ^
        T[0x300 | (e & 0xff)] ^ T[0x200 | ((e >>> 8) & 0xff)] ^ T[0x100 | ((e >>> 16) & 0xff)] ^ T[e >>> 24];
    }
    i += blocks * 16;
  }
  while (i < n) c = T[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The sliced loop with each block's four little-endian words assembled from bytes (no view, any alignment or host byte order). */
function crc32cExtendSmall(crc: number, data: Uint8Array): number {
  const T = TABLES;
  const n = data.length;
  let c = ~crc;
  let i = 0;
  for (const end = n - 15; i < end; i += 16) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    const b = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    const d = data[i + 8] | (data[i + 9] << 8) | (data[i + 10] << 16) | (data[i + 11] << 24);
    const e = data[i + 12] | (data[i + 13] << 8) | (data[i + 14] << 16) | (data[i + 15] << 24);
    c =
      T[0xf00 | (a & 0xff)] ^ T[0xe00 | ((a >>> 8) & 0xff)] ^ T[0xd00 | ((a >>> 16) & 0xff)] ^ T[0xc00 | (a >>> 24)] ^
      T[0xb00 | (b & 0xff)] ^ T[0xa00 | ((b >>> 8) & 0xff)] ^ T[0x900 | ((b >>> 16) & 0xff)] ^ T[0x800 | (b >>> 24)] ^
      T[0x700 | (d & 0xff)] ^ T[0x600 | ((d >>> 8) & 0xff)] ^ T[0x500 | ((d >>> 16) & 0xff)] ^ T[0x400 | (d >>> 24)] ^
      T[0x300 | (e & 0xff)] ^ T[0x200 | ((e >>> 8) & 0xff)] ^ T[0x100 | ((e >>> 16) & 0xff)] ^ T[e >>> 24];
  }
  while (i < n) c = T[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32c(data: Uint8Array): number {
  return crc32cExtend(0, data);
}

const MASK_DELTA = 0xa282ead8;

export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const r = (masked - MASK_DELTA) >>> 0;
  return ((r >>> 17) | (r << 15)) >>> 0;
}
