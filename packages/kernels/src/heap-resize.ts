import * as tf from '@tensorflow/tfjs-core';
import { assembleWasmModule, unsignedLeb128 } from '@savedkeras/common';
import type { KernelFix } from './fixes.js';

/**
 * ResizeNearestNeighbor by a whole factor (Keras UpSampling2D) on tfjs-backend-wasm's heap. The backend's kernel is a
 * scalar C loop that computes each output value's source index in floating point; an upsampling by (fy, fx) is only
 * copies: each source pixel fx times along its output row, then that row fy - 1 times more. Here that is one call of a
 * tiny WebAssembly function on the backend's own memory (imported, as heap-concat.ts' is):
 *   up16 / up4(dst, src, rows, pixels, c4, fx, fy): for each of `rows` source rows of `pixels` pixels of c4 bytes, each
 *   pixel stored fx times, 16 (c4 a multiple of 16) or 4 bytes per instruction, then the output row memory.copy'd fy - 1 times.
 */
interface Upsample {
  up16(dst: number, src: number, rows: number, pixels: number, c4: number, fx: number, fy: number): void;
  up4(dst: number, src: number, rows: number, pixels: number, c4: number, fx: number, fy: number): void;
}

interface WasmResizeBackend {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

const leb = unsignedLeb128;
const I32 = 0x7f, GET = 0x20, SET = 0x21, ADD = 0x6a, SUB = 0x6b, GE_U = 0x4f, I32_CONST = 0x41;
const BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, BR = 0x0c, END = 0x0b, VOID = 0x40, MEMORY_COPY = [0xfc, ...leb(10), 0, 0];
const COPY16 = [0xfd, 0x00, 4, 0, 0xfd, 0x0b, 4, 0]; // v128.load, v128.store (align 16: a hint, offset 0)
const COPY4 = [0x28, 2, 0, 0x36, 2, 0]; // i32.load, i32.store (align 4, offset 0)

/** `local += n` (a constant) or `local += other local`. */
const addTo = (local: number, n: number | { local: number }): number[] =>
  [GET, local, ...(typeof n === 'number' ? [I32_CONST, ...leb(n)] : [GET, n.local]), ADD, SET, local];

/** for (counter = from; counter < limit (a local); counter++) body */
const loop = (counter: number, from: number, limit: number, body: number[]): number[] => [
  I32_CONST, from, SET, counter,
  BLOCK, VOID, LOOP, VOID,
  GET, counter, GET, limit, GE_U, BR_IF, 1,
  ...body,
  ...addTo(counter, 1),
  BR, 0, END, END,
];

/** up(dst 0, src 1, rows 2, pixels 3, c4 4, fx 5, fy 6); locals r 7, p 8, t 9, k 10, row 11, rowBytes 12. */
function upBody(step: 16 | 4): number[] {
  const [dst, src, rows, pixels, c4, fx, fy, r, p, t, k, row, rowBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const pixel = [
    // for (k = 0; k < c4; k += step) store(dst + k, load(src + k))
    I32_CONST, 0, SET, k,
    BLOCK, VOID, LOOP, VOID,
    GET, k, GET, c4, GE_U, BR_IF, 1,
    GET, dst, GET, k, ADD, GET, src, GET, k, ADD, ...(step === 16 ? COPY16 : COPY4),
    ...addTo(k, step),
    BR, 0, END, END,
  ];
  return [
    1, 6, I32,
    ...loop(r, 0, rows, [
      GET, dst, SET, row,
      ...loop(p, 0, pixels, [...loop(t, 0, fx, [...pixel, ...addTo(dst, { local: c4 })]), ...addTo(src, { local: c4 })]),
      GET, dst, GET, row, SUB, SET, rowBytes,
      ...loop(t, 1, fy, [GET, dst, GET, row, GET, rowBytes, ...MEMORY_COPY, ...addTo(dst, { local: rowBytes })]),
    ]),
    END,
  ];
}

function upsampleModuleBytes(sharedMemory: boolean): Uint8Array {
  const params = [I32, I32, I32, I32, I32, I32, I32];
  return assembleWasmModule({ importAs: 'mem', shared: sharedMemory }, [
    { name: 'up16', params, results: [], body: upBody(16) },
    { name: 'up4', params, results: [], body: upBody(4) },
  ]);
}

const byMemory = new WeakMap<WebAssembly.Memory, Upsample | null>();
function upsampleFor(backend: unknown): Upsample | null {
  const b = backend as Partial<WasmResizeBackend>;
  const memory = b.wasm?.wasmMemory ?? b.wasm?.asm?.memory;
  if (typeof WebAssembly === 'undefined' || !(memory instanceof WebAssembly.Memory) || !b.dataIdMap || typeof b.makeOutput !== 'function') return null;
  if (!byMemory.has(memory)) {
    let up: Upsample | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const bytes = upsampleModuleBytes(shared);
      if (WebAssembly.validate(bytes)) up = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports as unknown as Upsample;
    } catch {
      up = null; // an engine without SIMD or bulk memory, or a page that forbids compiling WebAssembly: the backend's kernel
    }
    byMemory.set(memory, up);
  }
  return byMemory.get(memory)!;
}

/**
 * The whole factor by which TensorFlow's ResizeNearestNeighbor repeats every source index along one axis, or undefined
 * when its mapping is not that. TensorFlow (resize_nearest_neighbor_op.cc) takes output x from source
 * min(floor-or-round(scale * x'), in - 1) (then max(0, .) with half-pixel centres), x' = x or x + 0.5, all in float32,
 * scale = in / out (or (in - 1) / (out - 1) with align corners); that mapping is computed here as TensorFlow computes it
 * and compared with x / f: an upsampling by f takes this path only where TensorFlow copies exactly those pixels.
 */
function repeatFactor(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number | undefined {
  if (inSize < 1 || outSize % inSize !== 0) return undefined;
  const f = outSize / inSize;
  const scale = Math.fround(alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize);
  for (let x = 0; x < outSize; x++) {
    const at = Math.fround((halfPixelCenters ? Math.fround(x + 0.5) : x) * scale);
    let src = Math.min(alignCorners ? Math.round(at) : Math.floor(at), inSize - 1); // at >= 0: roundf and Math.round agree
    if (halfPixelCenters) src = Math.max(0, src);
    if (src !== Math.floor(x / f)) return undefined;
  }
  return f;
}

interface ResizeAttrs { alignCorners?: boolean; halfPixelCenters?: boolean; size: [number, number] }

/** The (fy, fx) of a float32 NHWC ResizeNearestNeighbor call that is a whole-factor upsampling on the wasm heap, or undefined. */
function upsamplingOf(attrs: Record<string, unknown>, args: { inputs: Record<string, tf.TensorInfo | undefined>; backend: unknown }): [number, number] | undefined {
  const images = args.inputs['images'];
  const a = attrs as unknown as ResizeAttrs;
  if (images?.dtype !== 'float32' || images.shape.length !== 4 || !images.shape.every((d) => d > 0) || !Array.isArray(a.size)) return undefined;
  const [, h, w] = images.shape as [number, number, number, number];
  const fy = repeatFactor(h, a.size[0], !!a.alignCorners, !!a.halfPixelCenters);
  const fx = fy === undefined ? undefined : repeatFactor(w, a.size[1], !!a.alignCorners, !!a.halfPixelCenters);
  return fy !== undefined && fx !== undefined && upsampleFor(args.backend) !== null ? [fy, fx] : undefined;
}

export function resizeNearestOnHeap(previous: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const factors = upsamplingOf((args.attrs ?? {}) as Record<string, unknown>, args as { inputs: Record<string, tf.TensorInfo | undefined>; backend: unknown });
    const be = args.backend as unknown as WasmResizeBackend;
    const up = upsampleFor(be);
    if (factors === undefined || up === null) return previous(args);
    const images = args.inputs['images']!;
    const [n, h, w, c] = images.shape as [number, number, number, number];
    const [fy, fx] = factors;
    const out = be.makeOutput([n, h * fy, w * fx, c], 'float32');
    // Offsets read after makeOutput (its allocation may grow the heap; offsets stay valid, views would not).
    const c4 = c * 4;
    (c4 % 16 === 0 ? up.up16 : up.up4)(be.dataIdMap.get(out.dataId)!.memoryOffset, be.dataIdMap.get(images.dataId)!.memoryOffset, n * h, w, c4, fx, fy);
    return out;
  };
}

export const HEAP_RESIZE_NEAREST_FIX: KernelFix = {
  kernel: 'ResizeNearestNeighbor',
  backend: 'wasm',
  why:
    "tfjs-backend-wasm 4.22 ResizeNearestNeighbor is right but a scalar C loop that computes every output value's source " +
    "index in floating point: legacy-tf23-upsampling-decoder's two UpSampling2D took 1.06 ms of CPU per batch of 8 (7 %) where " +
    'TensorFlow takes 0.17. float32 calls whose output repeats every source pixel a whole number of times along each axis (as ' +
    'TensorFlow computes the source indices: any UpSampling2D) copy the pixels on the heap in one WebAssembly call (16 bytes per ' +
    'SIMD instruction where the channels are a multiple of 4, the repeated rows by memory.copy)',
  via: 'heap-upsample',
  when: (attrs, _shapes, args) => upsamplingOf(attrs, args) !== undefined,
};
