import * as tf from '@tensorflow/tfjs-core';
import type { KernelFix } from './fixes.js';
import { F2X2, F4X4, instantiateWinograd, type WinogradTransforms, type WinogradVariant } from './winograd-wasm.js';

/** What of tfjs-backend-wasm's module and backend the Winograd path uses (all present in 4.22). */
interface WasmModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _BatchMatMul(aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, transposeA: number, transposeB: number, outId: number): void;
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void; getThreadsCount?(): number };
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}
interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(id: object): { id: number; memoryOffset: number; shape: number[] } | undefined; has(id: object): boolean };
}

type Conv2DAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
  activation?: string;
};

function wasmParts(backend: unknown): WasmBackend | undefined {
  const b = backend as Partial<WasmBackend>;
  const w = b.wasm;
  if (!w || typeof w._BatchMatMul !== 'function' || typeof w._malloc !== 'function' || !w.tfjs || !b.dataIdMap) return undefined;
  return b as WasmBackend;
}

/**
 * Whether a (Fused)Conv2D call is one Winograd F(m x m, 3 x 3) computes: float32, NHWC, a 3 x 3 filter, stride 1,
 * dilation 1, input and output channels multiples of 4 (the transforms move four channels per instruction), no PReLU
 * weights, activation none / ReLU / ReLU6 (folded into the output transform's clamp), any padding, on tfjs-backend-wasm.
 */
function winogradApplies(attrs: Record<string, unknown>, shapes: number[][], args: { inputs: Record<string, tf.TensorInfo | undefined>; backend: unknown }): boolean {
  const { x, filter, preluActivationWeights } = args.inputs;
  if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || preluActivationWeights) return false;
  const a = attrs as Conv2DAttrs;
  if (a.dataFormat === 'NCHW' || !['linear', 'relu', 'relu6', undefined].includes(a.activation)) return false;
  const [xs, fs] = shapes;
  if (!xs || !fs || xs.length !== 4 || fs.length !== 4 || !xs.every((d) => d > 0)) return false;
  if (fs[0] !== 3 || fs[1] !== 3 || fs[2] !== xs[3] || fs[2]! % 4 !== 0 || fs[3]! % 4 !== 0 || fs[3]! === 0) return false;
  const pair = (v: unknown) => (Array.isArray(v) ? v : [v, v]);
  if (pair(a.strides).some((s) => s !== 1) || pair(a.dilations ?? 1).some((d) => d !== 1)) return false;
  let info: tf.backend_util.Conv2DInfo;
  try {
    info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode);
    if (info.outHeight <= 0 || info.outWidth <= 0) return false;
  } catch {
    return false;
  }
  const bias = args.inputs['bias'];
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== fs[3])) return false;
  const be = wasmParts(args.backend);
  if (be === undefined || transformsFor(args.backend) === null) return false;
  const tiles = info.batchSize * Math.ceil(info.outHeight / VARIANT.m) * Math.ceil(info.outWidth / VARIANT.m);
  return winogradPaysOnThreads(be.wasm.tfjs.getThreadsCount?.() ?? 1, tiles, info.inChannels, info.outChannels, chunkBytes(be));
}

/**
 * Whether Winograd beats the backend's direct convolution with this many threads. One thread: always (the products' a^2
 * calls cost nothing extra). More: each of a chunk's a^2 products is one call on tfjs' thread pool that wakes the other
 * threads and waits for all of them, where the direct convolution is one such call; a product of fewer multiply-adds than
 * WINOGRAD_MIN_PRODUCT_MACS (default 2^20; read per call, for measuring) costs more in those waits than Winograd saves.
 * 2 threads, wall ms per call, tfjs' direct kernel vs Winograd (tools/perf/predict-winograd-env-ab.mjs, load ~12, which
 * inflates every wait): [8,5,5,64] -> 64 (8 rows of 64 x 64 per product) 3.2 vs 34.0, [8,13,13,32] -> 64 (128 rows,
 * 0.26 M) 5.1 vs 38.6, [8,7,7,128] -> 128 (0.5 M) 17.9 vs 45.8, [8,64,64,64] -> 64 (~1,800 rows, 7.5 M) 166 vs 154.
 */
export function winogradPaysOnThreads(threads: number, tiles: number, c: number, k: number, chunk: number): boolean {
  if (threads <= 1) return true;
  const a = VARIANT.m + 2;
  const rows = Math.max(1, Math.min(tiles, Math.floor(chunk / (a * a * (c + k) * 4))));
  return rows * c * k >= Number(env('WINOGRAD_MIN_PRODUCT_MACS') ?? 1 << 20);
}

const env = (name: string): string | undefined => (typeof process === 'undefined' ? undefined : process.env?.[name]);
const VARIANT: WinogradVariant = env('WINOGRAD_M') === '2' ? F2X2 : F4X4;
const transformsByMemory = new WeakMap<WebAssembly.Memory, WinogradTransforms | null>();
function transformsFor(backend: unknown): WinogradTransforms | null {
  const w = wasmParts(backend)?.wasm;
  const memory = w?.wasmMemory ?? w?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  if (!transformsByMemory.has(memory)) transformsByMemory.set(memory, instantiateWinograd(VARIANT, memory));
  return transformsByMemory.get(memory)!;
}

/** The filter transformed as a^2 matrices [C, K] in one heap block, each registered with the backend under its own id. */
interface TransformedFilter {
  block: number;
  ids: number[];
  /** An infinite or NaN filter value spreads over every output of a tile: such filters keep the direct convolution. */
  finite: boolean;
}

/**
 * Transformed filters kept per filter while the filter's data lives (a Keras kernel is the same tensor every call), so
 * the transform runs once and XNNPACK, which caches its packed weights per weight tensor id, packs them once. A filter
 * whose data is gone has its copy freed at the next miss; at most 64 are kept.
 */
function filterCache(v: WinogradVariant) {
  const cache = new Map<object, TransformedFilter>();
  const free = (be: WasmBackend, f: TransformedFilter): void => {
    for (const id of f.ids) be.wasm.tfjs.disposeData(id); // also deletes the XNNPACK operators cached on it
    be.wasm._free(f.block);
  };
  return (be: WasmBackend, filter: tf.TensorInfo): TransformedFilter => {
    const hit = cache.get(filter.dataId);
    if (hit) return hit;
    for (const [id, kept] of cache) {
      if (!be.dataIdMap.has(id) || cache.size >= 64) {
        free(be, kept);
        cache.delete(id);
      }
    }
    winogradStats.cachedFilters = cache.size;
    const [, , c, k] = filter.shape as [number, number, number, number];
    const a = v.m + 2;
    const g = be.wasm.HEAPF32.subarray(be.dataIdMap.get(filter.dataId)!.memoryOffset / 4, be.dataIdMap.get(filter.dataId)!.memoryOffset / 4 + 9 * c * k).slice();
    const size = c * k;
    const block = be.wasm._malloc(a * a * size * 4) >>> 0;
    const out = new Float32Array(a * a * size);
    // U[xi][nu] = G g G^T per (c, k), in float64, rounded once.
    const tmp = new Float64Array(a * 3);
    for (let ci = 0; ci < c; ci++) {
      for (let ki = 0; ki < k; ki++) {
        const at = (r: number, s: number) => g[((r * 3 + s) * c + ci) * k + ki]!;
        for (let i = 0; i < a; i++) {
          for (let s = 0; s < 3; s++) tmp[i * 3 + s] = v.g[i]![0]! * at(0, s) + v.g[i]![1]! * at(1, s) + v.g[i]![2]! * at(2, s);
        }
        for (let i = 0; i < a; i++) {
          for (let j = 0; j < a; j++) {
            out[(i * a + j) * size + ci * k + ki] = tmp[i * 3]! * v.g[j]![0]! + tmp[i * 3 + 1]! * v.g[j]![1]! + tmp[i * 3 + 2]! * v.g[j]![2]!;
          }
        }
      }
    }
    const finite = out.every(Number.isFinite);
    be.wasm.HEAPF32.set(out, block / 4);
    const ids = Array.from({ length: a * a }, (_, i) => {
      const id = be.dataIdNextNumber++;
      be.wasm.tfjs.registerTensor(id, size, block + i * size * 4);
      return id;
    });
    const kept = { block, ids, finite };
    cache.set(filter.dataId, kept);
    winogradStats.cachedFilters = cache.size;
    return kept;
  };
}

/** What the Winograd path did in this process (for tests: that a call took it, fell back, or left no filter copies). */
export const winogradStats = { calls: 0, fallbacks: 0, cachedFilters: 0 };

/**
 * Bytes the a^2 transformed inputs and products of one chunk of tiles take. One thread: 4 MiB, so a chunk's data stays
 * in cache between the transforms and the products ([8,128,128,64] x 64: 32 MiB costs the same CPU, 64 MiB 1.5x).
 * More threads: tfjs' BatchMatMul does run XNNPACK on the backend's thread pool (a [65536,64] x [64,64] product: the main
 * thread's CPU halves with 2 threads, the total stays), so each of the a^2 products is one parallel call that waits for
 * every thread; 4 MiB chunks made a [8,256,256,64] convolution ~5,000 such calls of ~230 rows, where the waits cost more
 * than the second thread gave (unet-denoise-autoencoder, 2 threads, load 10-17: 14.5 s CPU per predict, 6.5 s with
 * 32 MiB chunks, ~1,800 rows for 64 channels in and out). WINOGRAD_CHUNK_BYTES overrides both (read per call, for measuring).
 */
function chunkBytes(be: WasmBackend): number {
  const chosen = env('WINOGRAD_CHUNK_BYTES');
  if (chosen !== undefined) return Number(chosen);
  return (be.wasm.tfjs.getThreadsCount?.() ?? 1) > 1 ? 32 << 20 : 4 << 20;
}

/**
 * (Fused)Conv2D by Winograd F(m x m, 3 x 3) on tfjs-backend-wasm: the input transform (WebAssembly SIMD, on the heap),
 * a^2 matrix products [tiles, C] x [C, K] on the backend's own XNNPACK BatchMatMul (its fully-connected operator, the
 * transformed filter packed once per filter), the output transform with bias and activation. The tiles go in chunks so
 * the transformed data stays a few MiB. The call must pass winogradApplies.
 */
export function winogradConv2d(direct: tf.KernelFunc): tf.KernelFunc {
  const v = VARIANT;
  const a = v.m + 2;
  const filters = filterCache(v);
  return ({ inputs, attrs, backend }) => {
    const be = wasmParts(backend)!;
    const transforms = transformsFor(backend)!;
    const x = inputs['x']!;
    const filter = inputs['filter']!;
    const bias = inputs['bias'];
    const at = (attrs ?? {}) as Conv2DAttrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], at.strides, 1, at.pad, at.dimRoundingMode);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, outChannels: k } = info;
    const tilesH = Math.ceil(ho / v.m);
    const tilesW = Math.ceil(wo / v.m);
    const tilesPerImage = tilesH * tilesW;
    const tiles = n * tilesPerImage;
    const chunk = Math.max(1, Math.min(tiles, Math.floor(chunkBytes(be) / (a * a * (c + k) * 4))));
    const weights = filters(be, filter);
    winogradStats.calls++;
    if (!weights.finite) {
      winogradStats.fallbacks++;
      return direct({ inputs, attrs, backend });
    }
    const out = (backend as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo }).makeOutput(info.outShape, 'float32');
    const wasm = be.wasm;
    const uBytes = chunk * c * 4;
    const mBytes = chunk * k * 4;
    const scratchBytes = a * a * (uBytes + mBytes) + (c + 2 * k) * 4 + 32;
    const scratch = wasm._malloc(scratchBytes) >>> 0;
    const u = scratch;
    const m = u + a * a * uBytes;
    const zero = m + a * a * mBytes; // C zeros, then K zeros (the bias when there is none), then K scratch floats
    const sink = zero + (c + k) * 4;
    const shapes = sink + k * 4; // [1, rows, C], [1, C, K] as size_t (i32) for BatchMatMul
    wasm.HEAPF32.fill(0, zero / 4, (zero + (c + k) * 4) / 4);
    const register = (base: number, bytes: number, size: number) =>
      Array.from({ length: a * a }, (_, i) => {
        const id = be.dataIdNextNumber++;
        wasm.tfjs.registerTensor(id, size, base + i * bytes);
        return id;
      });
    const uIds = register(u, uBytes, chunk * c);
    const mIds = register(m, mBytes, chunk * k);
    const biasPtr = bias ? be.dataIdMap.get(bias.dataId)!.memoryOffset : zero + c * 4;
    const lo = at.activation === 'relu' || at.activation === 'relu6' ? 0 : -Infinity;
    const hi = at.activation === 'relu6' ? 6 : Infinity;
    const xPtr = be.dataIdMap.get(x.dataId)!.memoryOffset;
    const outPtr = be.dataIdMap.get(out.dataId)!.memoryOffset;
    let finite = true;
    try {
      for (let start = 0; start < tiles && finite; start += chunk) {
        const rows = Math.min(chunk, tiles - start);
        finite = transforms.input(xPtr, h, w, c * 4, tilesW, tilesPerImage, info.padInfo.top, info.padInfo.left, start, rows, u, uBytes, zero) === 0;
        if (!finite) break;
        const s32 = shapes / 4;
        wasm.HEAP32.set([1, rows, c, 1, c, k], s32);
        for (let i = 0; i < a * a; i++) wasm._BatchMatMul(uIds[i]!, shapes, 3, weights.ids[i]!, shapes + 12, 3, 0, 0, mIds[i]!);
        transforms.output(m, mBytes, outPtr, ho, wo, k * 4, tilesW, tilesPerImage, start, rows, biasPtr, sink, lo, hi);
      }
    } finally {
      for (const id of [...uIds, ...mIds]) wasm.tfjs.disposeData(id);
      wasm._free(scratch);
    }
    if (finite) return out;
    // An infinity or NaN in the input: Winograd would spread it over its whole tile (Inf - Inf), TensorFlow's direct
    // convolution only over the 3x3 windows that hold it.
    (backend as tf.KernelBackend).disposeData(out.dataId);
    winogradStats.fallbacks++;
    return direct({ inputs, attrs, backend });
  };
}

export const WINOGRAD_FIXES: readonly KernelFix[] = (['FusedConv2D', 'Conv2D'] as const).map(
  (kernel): KernelFix => ({
    kernel,
    backend: 'wasm',
    why:
      `tfjs-backend-wasm 4.22 ${kernel} is right but XNNPACK's direct convolution on 128-bit WebAssembly SIMD (8-20 GFLOP/s against ` +
      "oneDNN's ~50 on AVX-512): the 3x3 convolutions bound unet-denoise-autoencoder and the generated CNN. float32 NHWC calls " +
      'with a 3x3 filter, stride 1, dilation 1, channels in and out multiples of 4 and no or a ReLU/ReLU6 activation run ' +
      'Winograd F(4x4, 3x3) (4x fewer multiplications, 2.4x less CPU on the U-Net; rounding error ~1e-5 of the sum of |terms|, ' +
      'pinned to TensorFlow; an infinite or NaN input or filter value, or no WebAssembly SIMD, keeps the direct kernel). With more ' +
      "than one thread only where each of its 36 products has at least 2^20 multiply-adds: each product is a call on tfjs' thread " +
      'pool, the direct convolution one (cnn-mnist-bn with 2 threads: 87 -> 23 ms per batch at load ~10)',
    via: 'winograd',
    when: (attrs, shapes, args) => winogradApplies(attrs, shapes, args),
  }),
);
