/**
 * The 16 lookup tables of CRC-32C slicing-by-16 (reflected Castagnoli polynomial 0x82f63b78):
 * table k (entries k*256 .. k*256+255) maps a byte n to the CRC contribution of n followed by k
 * zero bytes. Shared by the JS loop (crc32c.ts) and the WebAssembly one (crc32c-wasm.ts).
 */
const POLY = 0x82f63b78;

export const SLICE_TABLES = (() => {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // Table k: one more zero-byte step on table k-1.
  for (let k = 1; k < 16; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = t[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return t;
})();
