// LEB128 integers of the WebAssembly binary format (core spec 5.2.2), for the small modules savedkeras assembles at
// load (proto's CRC-32C loop, kernels' Winograd transforms).

/** An unsigned LEB128 encoding of `n` (taken as a u32). */
export function unsignedLeb128(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** A signed LEB128 encoding of `n` (an i32). */
export function signedLeb128(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
