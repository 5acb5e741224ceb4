/** CRC-32C (Castagnoli) and TensorFlow's masking of stored checksums (format reference §11). */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Extends `crc` (a finished crc32c value) with `data`: extend(value(a), b) == value(a ‖ b). */
export function crc32cExtend(crc: number, data: Uint8Array): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
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
