/**
 * The Winograd transforms of a 3x3 convolution as a small WebAssembly SIMD module, assembled here from its instructions
 * (as packages/proto's CRC-32C module is) and run on tfjs-backend-wasm's own memory, which it imports: the transforms read
 * the input tensor and write the output tensor where they lie on the backend's heap, four channels per instruction.
 *
 * F(m x m, 3 x 3) with a = m + 2 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
 *   input   V[xi][nu] = (B^T d B)[xi][nu] for the a x a input tile d of each channel (one tile per m x m output pixels);
 *   product M[xi][nu] = V[xi][nu] x U[xi][nu], a matrix product over channels per (xi, nu) (the backend's XNNPACK);
 *   output  Y = A^T M A, the m x m output pixels, plus the bias, clamped to [lo, hi] (ReLU: lo 0; none: -Infinity).
 *
 * The module's two functions, in outline (every address a byte address on the backend's heap; C4 = channels * 4):
 *   input(x, H, W, C4, tilesW, tilesPerImage, padTop, padLeft, tileStart, tileCount, u, uStride, zero) -> any V not finite
 *     for t in 0 .. tileCount: tile g = tileStart + t of image n, its input rows y0 .. y0 + a - 1, columns x0 .. x0 + a - 1
 *       addr[r][s] = the pixel's address, or `zero` (C4 zero bytes) for a pixel in the padding
 *       for c in 0 .. C4 step 16: d = the a x a four-channel vectors; V = B^T d B;
 *                                 V[k] stored at u + k * uStride + t * C4 + c   (k = xi * a + nu)
 *   output(m, mStride, out, Ho, Wo, K4, tilesW, tilesPerImage, tileStart, tileCount, bias, sink, lo, hi)
 *     for t: addr[i][j] = the output pixel's address, or `sink` (K4 scratch bytes) where the tile overhangs the image
 *       for k in 0 .. K4 step 16: M = the a x a vectors at m + k' * mStride + t * K4 + k; Y = A^T M A;
 *                                 stored min(max(Y + bias[k], lo), hi)
 */

import { assembleWasmModule, signedLeb128, unsignedLeb128 } from '@savedkeras/common';

/** The transform matrices of one variant, and m (output tile side). */
export interface WinogradVariant {
  readonly m: number;
  /** B^T, a x a. */
  readonly bt: readonly (readonly number[])[];
  /** G, a x 3 (the filter transform, done in JS once per filter). */
  readonly g: readonly (readonly number[])[];
  /** A^T, m x a. */
  readonly at: readonly (readonly number[])[];
}

/** F(2x2, 3x3): interpolation points 0, 1, -1, infinity; the input and output transforms only add and subtract. */
export const F2X2: WinogradVariant = {
  m: 2,
  bt: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  g: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

/** F(4x4, 3x3): points 0, 1, -1, 2, -2, infinity (4x fewer multiplications than direct, larger rounding error). */
export const F4X4: WinogradVariant = {
  m: 4,
  bt: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  g: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

export interface WinogradTransforms {
  /** Returns 1 when an input value (so a transformed one) is infinite or NaN: the caller falls back to the direct convolution. */
  input(x: number, h: number, w: number, c4: number, tilesW: number, tilesPerImage: number, padTop: number, padLeft: number, tileStart: number, tileCount: number, u: number, uStride: number, zero: number): number;
  output(m: number, mStride: number, out: number, ho: number, wo: number, k4: number, tilesW: number, tilesPerImage: number, tileStart: number, tileCount: number, bias: number, sink: number, lo: number, hi: number): void;
}

const leb = unsignedLeb128;
const sleb = signedLeb128;

// Opcodes (WebAssembly core spec and its fixed-width SIMD extension, binary format).
const GET = 0x20, SET = 0x21, I32_CONST = 0x41, ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, DIV_U = 0x6e, REM_U = 0x70, AND = 0x71;
const LT_U = 0x49, GE_U = 0x4f, SELECT = 0x1b, BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, BR = 0x0c, END = 0x0b, VOID = 0x40;
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b, SIMD = 0xfd;
const V128_LOAD = 0x00, V128_STORE = 0x0b, V128_CONST = 0x0c, F32X4_SPLAT = 0x13;
const V128_OR = 0x50, V128_ANY_TRUE = 0x53, TEE = 0x22;
const F32X4_NEG = 0xe1, F32X4_ADD = 0xe4, F32X4_SUB = 0xe5, F32X4_MUL = 0xe6, F32X4_MIN = 0xe8, F32X4_MAX = 0xe9;

/** Instruction writer for one function body. */
class Body {
  readonly code: number[] = [];
  get(i: number): this { this.code.push(GET, ...leb(i)); return this; }
  set(i: number): this { this.code.push(SET, ...leb(i)); return this; }
  tee(i: number): this { this.code.push(TEE, ...leb(i)); return this; }
  i32(n: number): this { this.code.push(I32_CONST, ...sleb(n)); return this; }
  op(...ops: number[]): this { this.code.push(...ops); return this; }
  simd(op: number): this { this.code.push(SIMD, ...leb(op)); return this; }
  load(): this { this.code.push(SIMD, ...leb(V128_LOAD), 2, 0); return this; } // align 4 bytes (a hint), offset 0
  store(): this { this.code.push(SIMD, ...leb(V128_STORE), 2, 0); return this; }
  splatConst(v: number): this {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 4; i++) view.setFloat32(i * 4, v, true);
    this.code.push(SIMD, ...leb(V128_CONST), ...bytes);
    return this;
  }
  /** `local = local + n` */
  addTo(local: number, n: number | { local: number }): this {
    this.get(local);
    if (typeof n === 'number') this.i32(n);
    else this.get(n.local);
    return this.op(ADD).set(local);
  }
  /** `for (;;) { if (counter >= limit) break; body(); step(); }` */
  loop(counter: number, limit: number, body: () => void, step: () => void): this {
    this.op(BLOCK, VOID, LOOP, VOID);
    this.get(counter).get(limit).op(GE_U, BR_IF, 1);
    body();
    step();
    this.op(BR, 0, END, END);
    return this;
  }
  /** Pushes sum(coef * value) over the nonzero terms as f32x4 (the values are v128 locals). */
  combination(terms: readonly (readonly [number, number])[]): this {
    const nonzero = terms.filter(([c]) => c !== 0);
    if (nonzero.length === 0) return this.splatConst(0);
    const first = nonzero.find(([c]) => c > 0) ?? nonzero[0]!;
    const scaled = (c: number, local: number): void => {
      this.get(local);
      if (Math.abs(c) !== 1) this.splatConst(Math.abs(c)).simd(F32X4_MUL);
    };
    scaled(first[0], first[1]);
    if (first[0] < 0) this.simd(F32X4_NEG);
    for (const term of nonzero) {
      if (term === first) continue;
      scaled(term[0], term[1]);
      this.simd(term[0] > 0 ? F32X4_ADD : F32X4_SUB);
    }
    return this;
  }
}

/** Locals are numbered after the parameters: i32 ones first, then v128 ones. */
function localsDecl(i32Count: number, v128Count: number): number[] {
  return [2, ...leb(i32Count), I32, ...leb(v128Count), V128];
}

function inputFunction(v: WinogradVariant): number[] {
  const a = v.m + 2;
  const [x, H, W, C4, tilesW, tilesPerImage, padTop, padLeft, tileStart, tileCount, u, uStride, zero] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const P = 13;
  const [t, n, rem, y0, x0, y, rowBase, rowValid, cOff, p, rowBytes, xx] = Array.from({ length: 12 }, (_, i) => P + i);
  const addr0 = P + 12;
  const i32Count = 12 + a * a;
  const d0 = P + i32Count;
  const tmp0 = d0 + a * a;
  const value = tmp0 + a * a;
  const bad = value + 1;
  const b = new Body();
  b.get(W).get(C4).op(MUL).set(rowBytes);
  b.i32(0).set(t);
  b.loop(t, tileCount, () => {
    b.get(tileStart).get(t).op(ADD).get(tilesPerImage).op(DIV_U).set(n);
    b.get(tileStart).get(t).op(ADD).get(n).get(tilesPerImage).op(MUL, SUB).set(rem);
    b.get(rem).get(tilesW).op(DIV_U).i32(v.m).op(MUL).get(padTop).op(SUB).set(y0);
    b.get(rem).get(tilesW).op(REM_U).i32(v.m).op(MUL).get(padLeft).op(SUB).set(x0);
    for (let r = 0; r < a; r++) {
      b.get(y0).i32(r).op(ADD).set(y);
      b.get(y).get(H).op(LT_U).set(rowValid);
      b.get(x).get(n).get(H).op(MUL).get(y).op(ADD).get(rowBytes).op(MUL, ADD).set(rowBase);
      for (let s = 0; s < a; s++) {
        b.get(x0).i32(s).op(ADD).set(xx);
        b.get(rowBase).get(xx).get(C4).op(MUL, ADD); // the pixel
        b.get(zero); // or the zeros
        b.get(rowValid).get(xx).get(W).op(LT_U, AND, SELECT).set(addr0 + r * a + s);
      }
    }
    b.i32(0).set(cOff);
    b.loop(cOff, C4, () => {
      for (let k = 0; k < a * a; k++) b.get(addr0 + k).get(cOff).op(ADD).load().set(d0 + k);
      // tmp = B^T d (rows), then V = tmp B (columns)
      for (let i = 0; i < a; i++) {
        for (let s = 0; s < a; s++) b.combination(v.bt[i]!.map((c, r) => [c, d0 + r * a + s] as const)).set(tmp0 + i * a + s);
      }
      b.get(u).get(t).get(C4).op(MUL, ADD).get(cOff).op(ADD).set(p);
      for (let i = 0; i < a; i++) {
        for (let j = 0; j < a; j++) {
          b.get(p);
          b.combination(v.bt[j]!.map((c, s) => [c, tmp0 + i * a + s] as const)).tee(value);
          b.store();
          // value - value is +0 for a finite value, NaN for an infinity or NaN: OR-ed into `bad`.
          b.get(bad).get(value).get(value).simd(F32X4_SUB).simd(V128_OR).set(bad);
          b.addTo(p, { local: uStride });
        }
      }
    }, () => b.addTo(cOff, 16));
  }, () => b.addTo(t, 1));
  b.get(bad).simd(V128_ANY_TRUE);
  return [...localsDecl(i32Count, 2 * a * a + 2), ...b.code, END];
}

function outputFunction(v: WinogradVariant): number[] {
  const a = v.m + 2;
  const mo = v.m;
  const [m, mStride, out, Ho, Wo, K4, tilesW, tilesPerImage, tileStart, tileCount, bias, sink, lo, hi] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const P = 14;
  const [t, n, rem, oy0, ox0, oy, rowBase, rowValid, kOff, p, rowBytes, ox] = Array.from({ length: 12 }, (_, i) => P + i);
  const addr0 = P + 12;
  const i32Count = 12 + mo * mo;
  const m0 = P + i32Count;
  const tmp0 = m0 + a * a;
  const biasV = tmp0 + mo * a;
  const loV = biasV + 1;
  const hiV = biasV + 2;
  const b = new Body();
  b.get(Wo).get(K4).op(MUL).set(rowBytes);
  b.get(lo).simd(F32X4_SPLAT).set(loV);
  b.get(hi).simd(F32X4_SPLAT).set(hiV);
  b.i32(0).set(t);
  b.loop(t, tileCount, () => {
    b.get(tileStart).get(t).op(ADD).get(tilesPerImage).op(DIV_U).set(n);
    b.get(tileStart).get(t).op(ADD).get(n).get(tilesPerImage).op(MUL, SUB).set(rem);
    b.get(rem).get(tilesW).op(DIV_U).i32(mo).op(MUL).set(oy0);
    b.get(rem).get(tilesW).op(REM_U).i32(mo).op(MUL).set(ox0);
    for (let i = 0; i < mo; i++) {
      b.get(oy0).i32(i).op(ADD).set(oy);
      b.get(oy).get(Ho).op(LT_U).set(rowValid);
      b.get(out).get(n).get(Ho).op(MUL).get(oy).op(ADD).get(rowBytes).op(MUL, ADD).set(rowBase);
      for (let j = 0; j < mo; j++) {
        b.get(ox0).i32(j).op(ADD).set(ox);
        b.get(rowBase).get(ox).get(K4).op(MUL, ADD);
        b.get(sink);
        b.get(rowValid).get(ox).get(Wo).op(LT_U, AND, SELECT).set(addr0 + i * mo + j);
      }
    }
    b.i32(0).set(kOff);
    b.loop(kOff, K4, () => {
      b.get(m).get(t).get(K4).op(MUL, ADD).get(kOff).op(ADD).set(p);
      for (let k = 0; k < a * a; k++) {
        b.get(p).load().set(m0 + k);
        if (k < a * a - 1) b.addTo(p, { local: mStride });
      }
      b.get(bias).get(kOff).op(ADD).load().set(biasV);
      // tmp = A^T M (rows), then Y = tmp A (columns)
      for (let i = 0; i < mo; i++) {
        for (let s = 0; s < a; s++) b.combination(v.at[i]!.map((c, r) => [c, m0 + r * a + s] as const)).set(tmp0 + i * a + s);
      }
      for (let i = 0; i < mo; i++) {
        for (let j = 0; j < mo; j++) {
          b.get(addr0 + i * mo + j).get(kOff).op(ADD);
          b.combination(v.at[j]!.map((c, s) => [c, tmp0 + i * a + s] as const));
          b.get(biasV).simd(F32X4_ADD).get(loV).simd(F32X4_MAX).get(hiV).simd(F32X4_MIN);
          b.store();
        }
      }
    }, () => b.addTo(kOff, 16));
  }, () => b.addTo(t, 1));
  return [...localsDecl(i32Count, a * a + mo * a + 3), ...b.code, END];
}

/** The module's bytes; it imports the backend's memory as env.mem (shared for tfjs' threaded build). */
function winogradModuleBytes(v: WinogradVariant, sharedMemory: boolean): Uint8Array {
  return assembleWasmModule({ importAs: 'mem', shared: sharedMemory }, [
    { name: 'input', params: new Array(13).fill(I32), results: [I32], body: inputFunction(v) },
    { name: 'output', params: [...new Array(12).fill(I32), F32, F32], results: [], body: outputFunction(v) },
  ]);
}

/** The transforms bound to `memory`, or null where this engine has no WebAssembly SIMD (the caller keeps its direct path). */
export function instantiateWinograd(v: WinogradVariant, memory: WebAssembly.Memory): WinogradTransforms | null {
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = winogradModuleBytes(v, shared);
    if (!WebAssembly.validate(bytes)) return null;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
    return instance.exports as unknown as WinogradTransforms;
  } catch {
    return null;
  }
}
