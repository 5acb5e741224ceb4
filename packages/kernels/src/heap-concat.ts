import * as tf from '@tensorflow/tfjs-core';
import { assembleWasmModule, unsignedLeb128 } from '@savedkeras/common';
import type { KernelFix } from './fixes.js';

/**
 * Concat on tfjs-backend-wasm's heap. The backend's kernel copies one `subarray().set()` per input per outer row: a
 * channel concatenation of [8, 256, 256, 64] images (a U-Net's skip connection) is a million JS calls of 256 bytes each.
 * Here each input is one call of a tiny WebAssembly function (assembled below, on the backend's own memory, which it
 * imports) that copies its rows where they lie:
 *   rows(dst, dstStride, src, rowBytes, count): for r in 0 .. count: copy rowBytes from src + r * rowBytes to dst + r * dstStride
 */
interface RowCopy {
  rows(dst: number, dstStride: number, src: number, rowBytes: number, count: number): void;
}

interface WasmConcatBackend {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

const leb = unsignedLeb128;
const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * The module's bytes (WebAssembly core + bulk memory, and with `simd` fixed-width SIMD); env.mem is shared for tfjs'
 * threaded build. `rows` copies row by row with memory.copy, which is a call into the engine per row (~60 ns: 1 M rows of
 * 256 bytes took 95 ms where one 268 MB copy takes 33); with `simd`, rows whose length is a multiple of 16 bytes are
 * copied 16 bytes per instruction in the loop instead.
 */
function rowCopyModuleBytes(sharedMemory: boolean, simd: boolean): Uint8Array {
  const I32 = 0x7f, GET = 0x20, SET = 0x21, ADD = 0x6a, MUL = 0x6c, AND = 0x71, GE_U = 0x4f, I32_CONST = 0x41, EQZ = 0x45;
  const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, BR_IF = 0x0d, BR = 0x0c, END = 0x0b, VOID = 0x40, MEMORY_COPY = [0xfc, 10, 0, 0];
  const V128_LOAD = [0xfd, 0, 4, 0], V128_STORE = [0xfd, 11, 4, 0]; // align 16 (a hint), offset 0
  const [dst, dstStride, src, rowBytes, count, r, d, s, off] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const vectorRow = [
    // for (off = 0; off < rowBytes; off += 16) v128.store(d + off, v128.load(s + off))
    I32_CONST, 0, SET, off,
    BLOCK, VOID, LOOP, VOID,
    GET, off, GET, rowBytes, GE_U, BR_IF, 1,
    GET, d, GET, off, ADD, GET, s, GET, off, ADD, ...V128_LOAD, ...V128_STORE,
    GET, off, I32_CONST, 16, ADD, SET, off,
    BR, 0, END, END,
  ];
  const copyRow = [GET, d, GET, s, GET, rowBytes, ...MEMORY_COPY];
  const body = [
    1, 4, I32, // i32 locals: r, d, s, off
    BLOCK, VOID, LOOP, VOID,
    GET, r, GET, count, GE_U, BR_IF, 1,
    GET, dst, GET, r, GET, dstStride, MUL, ADD, SET, d,
    GET, src, GET, r, GET, rowBytes, MUL, ADD, SET, s,
    ...(simd ? [GET, rowBytes, I32_CONST, 15, AND, EQZ, IF, VOID, ...vectorRow, ELSE, ...copyRow, END] : copyRow),
    GET, r, I32_CONST, 1, ADD, SET, r,
    BR, 0, END, END, END,
  ];
  return assembleWasmModule({ importAs: 'mem', shared: sharedMemory }, [{ name: 'rows', params: [I32, I32, I32, I32, I32], results: [], body }]);
}

const byMemory = new WeakMap<WebAssembly.Memory, RowCopy | null>();
function rowCopyFor(backend: unknown): RowCopy | null {
  const b = backend as Partial<WasmConcatBackend>;
  const memory = b.wasm?.wasmMemory ?? b.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || !b.dataIdMap || typeof b.makeOutput !== 'function') return null;
  if (!byMemory.has(memory)) {
    let copy: RowCopy | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      // With SIMD where the engine has it, else memory.copy alone.
      const bytes = [rowCopyModuleBytes(shared, true), rowCopyModuleBytes(shared, false)].find((b) => WebAssembly.validate(b));
      if (bytes) copy = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports as unknown as RowCopy;
    } catch {
      copy = null; // an engine without bulk memory keeps the backend's kernel
    }
    byMemory.set(memory, copy);
  }
  return byMemory.get(memory)!;
}

/** A Concat call this path takes: numeric data on the heap, at least two non-empty inputs, a non-empty output. */
function heapConcatApplies(args: { inputs: Record<string, tf.TensorInfo | undefined>; backend: unknown }): boolean {
  const inputs = Object.values(args.inputs).filter((t): t is tf.TensorInfo => t !== undefined);
  const dtype = inputs[0]?.dtype;
  if (dtype === undefined || BYTES[dtype] === undefined || inputs.some((t) => t.dtype !== dtype)) return false;
  if (inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0).length < 2) return false;
  return rowCopyFor(args.backend) !== null;
}

export function concatOnHeap(previous: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, inputs[0]!.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const be = args.backend as unknown as WasmConcatBackend;
    const copy = rowCopyFor(be);
    if (copy === null || parts.length < 2) return previous(args);
    const bytes = BYTES[parts[0]!.dtype]!;
    const outer = tf.util.sizeFromShape(parts[0]!.shape.slice(0, axis));
    const rowBytes = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)) * bytes);
    const outRowBytes = rowBytes.reduce((s, n) => s + n, 0);
    const out = be.makeOutput(outShape, parts[0]!.dtype);
    // Offsets read after makeOutput (its allocation may grow the heap; offsets stay valid, views would not).
    let dst = be.dataIdMap.get(out.dataId)!.memoryOffset;
    parts.forEach((t, i) => {
      copy.rows(dst, outRowBytes, be.dataIdMap.get(t.dataId)!.memoryOffset, rowBytes[i]!, outer);
      dst += rowBytes[i]!;
    });
    return out;
  };
}

export const HEAP_CONCAT_FIX: KernelFix = {
  kernel: 'Concat',
  backend: 'wasm',
  why:
    'tfjs-backend-wasm 4.22 Concat is right but copies one typed-array subarray per input per outer row: a channel ' +
    "concatenation of [8, 256, 256, 64] images (unet-denoise-autoencoder's skip connections) is a million small JS copies. " +
    "float32, int32 and bool calls copy each input in one call of a small WebAssembly function on the backend's heap (16 " +
    'bytes per SIMD instruction, or memory.copy per row): that concatenation 107 -> 78 ms CPU, [8,64,64,3] + [8,64,64,5] 5 -> 0.5 ms',
  via: 'heap-concat',
  when: (_attrs, _shapes, args) => heapConcatApplies(args),
};
