/**
 * A faster CRC-32C the runtime can offer (Node: the CPU's CRC32 instruction through
 * @node-rs/crc32, registered by @savedkeras/backend-node). @savedkeras/proto checks every weight
 * byte with it when one is registered, and with its own WebAssembly / JavaScript loops otherwise
 * (browsers). It lives here, below both, like the source routers: proto stays free of Node code.
 */

/** Extends a finished crc32c value with `data`: extend(crc32c(a), b) === crc32c(a ‖ b). */
export type Crc32cExtend = (crc: number, data: Uint8Array) => number;

let host: Crc32cExtend | null = null;

/** ASCII "123456789", whose CRC-32C is 0xE3069283 (the check value of the Castagnoli CRC). */
const CHECK_INPUT = new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
const CHECK_VALUE = 0xe3069283;

/**
 * Registers `extend` as the CRC-32C to use for large buffers, after checking it on the standard
 * check value, split in two (so that it extends a running value, not only starts one).
 * Returns false, and registers nothing, when it gives another answer or throws. `null` unregisters.
 */
export function registerHostCrc32c(extend: Crc32cExtend | null): boolean {
  if (extend === null) {
    host = null;
    return true;
  }
  try {
    const whole = extend(0, CHECK_INPUT) >>> 0;
    const split = extend(extend(0, CHECK_INPUT.subarray(0, 4)), CHECK_INPUT.subarray(4)) >>> 0;
    if (whole !== CHECK_VALUE || split !== CHECK_VALUE) return false;
  } catch {
    return false;
  }
  host = extend;
  return true;
}

/** The registered CRC-32C, or null. */
export function hostCrc32c(): Crc32cExtend | null {
  return host;
}
