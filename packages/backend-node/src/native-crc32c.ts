import { createRequire } from 'node:module';
import { registerHostCrc32c } from '@savedkeras/common';

interface NodeRsCrc32 {
  crc32c(input: Uint8Array, initialState?: number): number;
}

/**
 * Registers @node-rs/crc32's CRC-32C (the CPU's CRC32 instruction: ~24 ms of CPU per 100 MB on
 * this project's 2-core EPYC, against ~68 ms for proto's WebAssembly loop and its copy into wasm
 * memory) as the checksum of checkpoint reads. Where its prebuilt binary is missing (a platform it
 * has none for), or it fails the check value, proto's own loops stay in use. Returns whether it
 * was registered. Set SAVEDKERAS_NATIVE_CRC32C=0 to keep proto's loops.
 */
export function registerNativeCrc32c(): boolean {
  if (process.env['SAVEDKERAS_NATIVE_CRC32C'] === '0') return false;
  let lib: NodeRsCrc32;
  try {
    lib = createRequire(import.meta.url)('@node-rs/crc32') as NodeRsCrc32;
  } catch {
    return false;
  }
  return registerHostCrc32c((crc, data) => lib.crc32c(data, crc));
}
