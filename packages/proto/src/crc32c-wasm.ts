/**
 * CRC-32C slicing-by-16 as a tiny WebAssembly function, ~40% faster than the same loop in JS
 * (no typed-array bounds checks, 32-bit loads straight from memory). The module is assembled
 * here from its instructions (below) rather than shipped as an opaque blob; its memory holds
 * the 16 lookup tables (16 KiB) followed by a 1 MiB window that data is copied into piece by
 * piece (the copy runs at memory speed and the window stays in cache). Measured on the 2-core
 * benchmark machine: 100 MB in ~50 ms, against ~70 ms for the JS loop.
 *
 * The function, in WebAssembly text form:
 *   (func (export "crc") (param $crc i32) (param $p i32) (param $len i32) (result i32)
 *     c = ~crc; end = p + len; end16 = p + (len & -16)
 *     while p < end16:  w0..w3 = the next four little-endian words, w0 ^= c
 *                       c = T15[w0 & 255] ^ T14[(w0 >> 8) & 255] ^ ... ^ T0[w3 >>> 24]; p += 16
 *     while p < end:    c = T0[(c ^ byte[p]) & 255] ^ (c >>> 8); p += 1
 *     return ~c)
 * where Tk[n] is the i32 at byte offset (k * 256 + n) * 4.
 */
import { SLICE_TABLES } from './crc32c-tables.js';
import { assembleWasmModule, signedLeb128, unsignedLeb128 } from '@savedkeras/common';

const TABLE_BYTES = 16 * 1024;
const WINDOW_BYTES = 1 << 20;

const leb = unsignedLeb128;
const sleb = signedLeb128;

// Opcodes used (WebAssembly core spec, binary format).
const GET = 0x20, SET = 0x21, CONST = 0x41, XOR = 0x73, AND = 0x71, SHL = 0x74, SHR_U = 0x76, ADD = 0x6a;
const GE_U = 0x4f, LOAD = 0x28, LOAD8_U = 0x2d, BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, BR = 0x0c, END = 0x0b, VOID = 0x40, I32 = 0x7f;

/** The module's bytes: one memory ("mem") and the function "crc". */
function crc32cModuleBytes(): Uint8Array {
  const b: number[] = [];
  const get = (i: number) => b.push(GET, i);
  const set = (i: number) => b.push(SET, i);
  const k = (n: number) => b.push(CONST, ...sleb(n));
  const load = (offset: number) => b.push(LOAD, 2, ...leb(offset));
  // Locals: 0 crc, 1 p, 2 len (params); 3 c, 4 end16, 5 end, 6..9 the four words.
  get(0), k(-1), b.push(XOR), set(3);
  get(1), get(2), b.push(ADD), set(5);
  get(1), get(2), k(-16), b.push(AND, ADD), set(4);
  b.push(BLOCK, VOID, LOOP, VOID);
  get(1), get(4), b.push(GE_U, BR_IF, 1);
  get(3), get(1), load(0), b.push(XOR), set(6);
  for (let w = 1; w < 4; w++) get(1), load(4 * w), set(6 + w);
  for (let i = 0; i < 16; i++) {
    const w = i >> 2;
    const byte = i & 3;
    get(6 + w);
    if (byte > 0) k(8 * byte), b.push(SHR_U);
    if (byte < 3) k(255), b.push(AND);
    k(2), b.push(SHL), load((15 - i) * 1024);
    if (i > 0) b.push(XOR);
  }
  set(3);
  get(1), k(16), b.push(ADD), set(1);
  b.push(BR, 0, END, END);
  b.push(BLOCK, VOID, LOOP, VOID);
  get(1), get(5), b.push(GE_U, BR_IF, 1);
  get(3), get(1), b.push(LOAD8_U, 0, 0, XOR), k(255), b.push(AND), k(2), b.push(SHL), load(0);
  get(3), k(8), b.push(SHR_U, XOR), set(3);
  get(1), k(1), b.push(ADD), set(1);
  b.push(BR, 0, END, END);
  get(3), k(-1), b.push(XOR, END);

  const body = [1, 7, I32, ...b]; // one group of 7 i32 locals
  const pages = Math.ceil((TABLE_BYTES + WINDOW_BYTES) / 65536);
  return assembleWasmModule({ exportAs: 'mem', pages }, [{ name: 'crc', params: [I32, I32, I32], results: [I32], body }]);
}

/** crc32cExtend backed by WebAssembly, or null where WebAssembly cannot run (e.g. a CSP without wasm-unsafe-eval). */
export function makeWasmCrc32c(): ((crc: number, data: Uint8Array) => number) | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    // Synchronous compile: the module is a few hundred bytes, well under browsers' main-thread limit.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(crc32cModuleBytes()));
    const { mem, crc } = instance.exports as { mem: WebAssembly.Memory; crc: (c: number, p: number, n: number) => number };
    const heap = new Uint8Array(mem.buffer);
    // WebAssembly memory is little-endian whatever the host is.
    const tables = new DataView(mem.buffer, 0, TABLE_BYTES);
    SLICE_TABLES.forEach((v, i) => tables.setInt32(i * 4, v, true));
    return (c, data) => {
      for (let i = 0; i < data.length; i += WINDOW_BYTES) {
        const part = data.subarray(i, Math.min(data.length, i + WINDOW_BYTES));
        heap.set(part, TABLE_BYTES);
        c = crc(c, TABLE_BYTES, part.length) >>> 0;
      }
      return c >>> 0;
    };
  } catch {
    return null;
  }
}
