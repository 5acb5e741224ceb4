/**
 * Two one-pass element-wise loops as a small WebAssembly SIMD module run on tfjs-backend-wasm's own memory (imported, as
 * the Winograd transforms' module is), four floats per instruction, each computing exactly what the backend's XNNPACK
 * kernels computed in two or three passes (the same float32 operations in the same order, so the same bits):
 *
 *   affine(x, out, end, wb, c4)   out = x * w[c] + b[c] per channel c (inference batch norm folded per channel; XNNPACK's
 *                                 broadcasting Multiply then Add each took ~3x a plain pass); w is C floats at wb, b the
 *                                 C floats after it; c4 = C * 4 bytes (C a multiple of 4); end = x + the input's bytes.
 *   blocksRepeat(u, rows, R, c4)  1 when an image of `rows` row pairs (R bytes a row, c4 bytes a pixel, a multiple of 16)
 *                                 repeats every pixel's bits in its 2x2 block and holds no NaN or infinity, else 0 (the
 *                                 sub-pixel convolution's test that its input is a 2x nearest upsampling); stops at the first
 *                                 row pair that fails.
 *   seluTail(e, out, end)         out = (e * (e > 0 ? 1 : alpha)) * scale: SELU after the backend's Elu (was Prelu then a
 *                                 scalar Multiply); byte counts a multiple of 16.
 *   biasAdd(x, out, end, b, c4)   out = x + b[c] per channel c (a bias added along the last axis: XNNPACK's broadcasting Add
 *                                 took ~2x a plain pass, and with threads one thread-pool call however small); as affine.
 */

import { assembleWasmModule, unsignedLeb128 } from '@savedkeras/common';

export interface ElementwisePasses {
  affine(x: number, out: number, end: number, wb: number, c4: number): void;
  seluTail(e: number, out: number, end: number): void;
  blocksRepeat(u: number, rows: number, rowBytes: number, c4: number): number;
  biasAdd(x: number, out: number, end: number, b: number, c4: number): void;
}

const leb = unsignedLeb128;
const GET = 0x20, SET = 0x21, TEE = 0x22, I32_CONST = 0x41, ADD = 0x6a, GE_U = 0x4f;
const BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, BR = 0x0c, END = 0x0b, VOID = 0x40, I32 = 0x7f, V128 = 0x7b, SIMD = 0xfd;
const LOAD = [SIMD, 0x00, 2, 0], STORE = [SIMD, 0x0b, 2, 0]; // align 4 bytes (a hint), offset 0
const F32X4_GT = [SIMD, 0x44], BITSELECT = [SIMD, 0x52], I32X4_EQ = [SIMD, ...leb(0x37)], V128_AND = [SIMD, 0x4e], V128_OR = [SIMD, 0x50], V128_XOR = [SIMD, 0x51], V128_ANY_TRUE = [SIMD, 0x53], F32X4_ADD = [SIMD, ...leb(0xe4)], F32X4_MUL = [SIMD, ...leb(0xe6)];

function splat(v: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) view.setFloat32(i * 4, v, true);
  return [SIMD, 0x0c, ...bytes];
}

/** `local += n` (a constant) or `local += other local`. */
const addTo = (local: number, n: number | { local: number }): number[] =>
  [GET, local, ...(typeof n === 'number' ? [I32_CONST, ...leb(n)] : [GET, n.local]), ADD, SET, local];

/** affine(x 0, out 1, end 2, wb 3, c4 4), local k 5; without `scale`, biasAdd(x 0, out 1, end 2, b 3, c4 4): no product. */
function affineBody(scale = true): number[] {
  const [x, out, end, wb, c4, k] = [0, 1, 2, 3, 4, 5];
  return [
    1, 1, I32, // one i32 local: k
    BLOCK, VOID, LOOP, VOID,
    GET, x, GET, end, GE_U, BR_IF, 1,
    I32_CONST, 0, SET, k,
    BLOCK, VOID, LOOP, VOID,
    GET, k, GET, c4, GE_U, BR_IF, 1,
    GET, out, GET, k, ADD, // the store's address
    GET, x, GET, k, ADD, ...LOAD,
    ...(scale ? [GET, wb, GET, k, ADD, ...LOAD, ...F32X4_MUL, GET, wb, GET, c4, ADD] : [GET, wb]), GET, k, ADD, ...LOAD,
    ...F32X4_ADD,
    ...STORE,
    ...addTo(k, 16),
    BR, 0, END, END,
    ...addTo(x, { local: c4 }),
    ...addTo(out, { local: c4 }),
    BR, 0, END, END,
    END,
  ];
}

/** seluTail(e 0, out 1, end 2), local v 3 (v128). */
function seluTailBody(alpha: number, scale: number): number[] {
  const [e, out, end, v] = [0, 1, 2, 3];
  return [
    1, 1, V128,
    BLOCK, VOID, LOOP, VOID,
    GET, e, GET, end, GE_U, BR_IF, 1,
    GET, out,
    GET, e, ...LOAD, TEE, v,
    ...splat(1), ...splat(alpha), GET, v, ...splat(0), ...F32X4_GT, ...BITSELECT, // v > 0 ? 1 : alpha, per lane
    ...F32X4_MUL,
    ...splat(scale), ...F32X4_MUL,
    ...STORE,
    ...addTo(e, 16),
    ...addTo(out, 16),
    BR, 0, END, END,
    END,
  ];
}

/** blocksRepeat(u 0, rows 1, rowBytes 2, c4 3), locals end 4, a 5, k 6 (i32), differ 7, exponents 8, top 9 (v128). */
function blocksRepeatBody(): number[] {
  const [u, rows, rowBytes, c4, end, a, k, differ, exponents, top] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const xorWith = (offset: number[]): number[] => [GET, top, GET, a, GET, k, ADD, ...offset, ...LOAD, ...V128_XOR, GET, differ, ...V128_OR, SET, differ];
  return [
    2, 3, I32, 3, V128,
    BLOCK, VOID, LOOP, VOID,
    GET, rows, I32_CONST, 0, 0x46 /* i32.eq */, BR_IF, 1,
    GET, u, GET, rowBytes, ADD, SET, end, // the end of the pair's top row
    GET, u, SET, a,
    BLOCK, VOID, LOOP, VOID, // pixel pairs of the top row
    GET, a, GET, end, GE_U, BR_IF, 1,
    I32_CONST, 0, SET, k,
    BLOCK, VOID, LOOP, VOID,
    GET, k, GET, c4, GE_U, BR_IF, 1,
    GET, a, GET, k, ADD, ...LOAD, TEE, top,
    ...splat(Infinity), ...V128_AND, ...splat(Infinity), ...I32X4_EQ, GET, exponents, ...V128_OR, SET, exponents, // exponent all ones
    ...xorWith([GET, c4, ADD]), // right neighbour
    ...xorWith([GET, rowBytes, ADD]), // below
    ...xorWith([GET, rowBytes, ADD, GET, c4, ADD]), // below right
    ...addTo(k, 16),
    BR, 0, END, END,
    GET, a, GET, c4, ADD, GET, c4, ADD, SET, a,
    BR, 0, END, END,
    GET, differ, GET, exponents, ...V128_OR, ...V128_ANY_TRUE, BR_IF, 1, // this pair failed: 0
    ...addTo(u, { local: rowBytes }), ...addTo(u, { local: rowBytes }),
    GET, rows, I32_CONST, 1, 0x6b /* i32.sub */, SET, rows,
    BR, 0, END, END,
    GET, rows, I32_CONST, 0, 0x46 /* i32.eq */,
    END,
  ];
}

function moduleBytes(sharedMemory: boolean, seluAlpha: number, seluScale: number): Uint8Array {
  return assembleWasmModule({ importAs: 'mem', shared: sharedMemory }, [
    { name: 'affine', params: [I32, I32, I32, I32, I32], results: [], body: affineBody() },
    { name: 'seluTail', params: [I32, I32, I32], results: [], body: seluTailBody(seluAlpha, seluScale) },
    { name: 'blocksRepeat', params: [I32, I32, I32, I32], results: [I32], body: blocksRepeatBody() },
    { name: 'biasAdd', params: [I32, I32, I32, I32, I32], results: [], body: affineBody(false) },
  ]);
}

const byMemory = new WeakMap<WebAssembly.Memory, ElementwisePasses | null>();

/** The passes bound to `memory`, or null where this engine has no WebAssembly SIMD (callers keep the kernels' way). */
export function elementwisePasses(memory: WebAssembly.Memory, seluAlpha: number, seluScale: number): ElementwisePasses | null {
  let found = byMemory.get(memory);
  if (found !== undefined) return found;
  found = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = moduleBytes(shared, seluAlpha, seluScale);
    if (WebAssembly.validate(bytes)) found = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports as unknown as ElementwisePasses;
  } catch {
    found = null; // a page that forbids compiling WebAssembly
  }
  byMemory.set(memory, found);
  return found;
}
