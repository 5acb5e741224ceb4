/**
 * TensorFlow's ResizeBicubic and ResizeArea CPU kernels (resize_bicubic_op.cc, resize_area_op.cc)
 * on NHWC float32 data in JS: tfjs has neither. Shared by the graph kernels of those ops and the
 * Keras Resizing layer (interpolation 'bicubic' / 'area', which Keras' TF backend runs as them).
 */

export interface ResizeOptions {
  alignCorners: boolean;
  /** Bicubic only: TF2's tf.image.resize (half-pixel centres, Keys' a = -0.5 with out-of-image taps dropped). */
  halfPixelCenters: boolean;
}

/** TF's CalculateResizeScale, in float32. */
function scaleOf(inSize: number, outSize: number, alignCorners: boolean): number {
  return Math.fround(alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize);
}

const TABLE_SIZE = 1024;
const tables = new Map<number, Float32Array>();
/** TF's InitCoeffsTable(a): the cubic kernel at 1025 offsets, two taps each. */
function coeffsTable(a: number): Float32Array {
  let t = tables.get(a);
  if (t) return t;
  t = new Float32Array((TABLE_SIZE + 1) * 2);
  const f = Math.fround;
  for (let i = 0; i <= TABLE_SIZE; i++) {
    let x = f(i / TABLE_SIZE);
    t[i * 2] = f(f(f(f(f(f(a + 2) * x) - (a + 3)) * x) * x) + 1);
    x = f(x + 1);
    t[i * 2 + 1] = f(f(f(f(f(f(a * x) - 5 * a) * x) + 8 * a) * x) - 4 * a);
  }
  tables.set(a, t);
  return t;
}

interface Taps { index: Int32Array; weight: Float32Array }

/** TF's GetWeightsAndIndices for every output position of one axis (4 taps each). */
function bicubicTaps(inSize: number, outSize: number, o: ResizeOptions): Taps {
  const f = Math.fround;
  const scale = scaleOf(inSize, outSize, o.alignCorners);
  const keys = o.halfPixelCenters;
  const table = coeffsTable(keys ? -0.5 : -0.75);
  const index = new Int32Array(outSize * 4);
  const weight = new Float32Array(outSize * 4);
  const bound = (v: number) => Math.min(inSize - 1, Math.max(0, v));
  for (let out = 0; out < outSize; out++) {
    const inF = keys ? f(f(f(out + 0.5) * scale) - 0.5) : f(out * scale);
    const inLoc = Math.floor(inF);
    const delta = f(inF - inLoc);
    // lrintf: round half to even.
    const scaled = f(delta * TABLE_SIZE);
    const fl = Math.floor(scaled);
    const offset = scaled - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(scaled);
    const w = [table[offset * 2 + 1]!, table[offset * 2]!, table[(TABLE_SIZE - offset) * 2]!, table[(TABLE_SIZE - offset) * 2 + 1]!];
    for (let k = 0; k < 4; k++) {
      const want = inLoc - 1 + k;
      const idx = bound(want);
      index[out * 4 + k] = idx;
      weight[out * 4 + k] = keys && idx !== want ? 0 : w[k]!;
    }
    if (keys) {
      const sum = f(f(f(weight[out * 4]! + weight[out * 4 + 1]!) + weight[out * 4 + 2]!) + weight[out * 4 + 3]!);
      if (Math.abs(sum) >= 1000 * 1.1754943508222875e-38) {
        const inv = f(1 / sum);
        for (let k = 0; k < 4; k++) weight[out * 4 + k] = f(weight[out * 4 + k]! * inv);
      }
    }
  }
  return { index, weight };
}

/** ResizeBicubic of [batch, height, width, channels] data to [batch, outH, outW, channels] (float32). */
export function resizeBicubic(x: ArrayLike<number>, shape: readonly number[], outH: number, outW: number, o: ResizeOptions): Float32Array {
  const [b, h, w, c] = shape as [number, number, number, number];
  const ys = bicubicTaps(h, outH, o);
  const xs = bicubicTaps(w, outW, o);
  const out = new Float32Array(b * outH * outW * c);
  const f = Math.fround;
  const px = (n: number, y: number, xx: number, ch: number) => x[((n * h + y) * w + xx) * c + ch]!;
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          // Along y for each of the 4 x taps, then along x (TF's cached column order).
          let acc = 0;
          for (let kx = 0; kx < 4; kx++) {
            const xi = xs.index[ox * 4 + kx]!;
            let col = 0;
            for (let ky = 0; ky < 4; ky++) col = f(col + f(ys.weight[oy * 4 + ky]! * px(n, ys.index[oy * 4 + ky]!, xi, ch)));
            acc = f(acc + f(xs.weight[ox * 4 + kx]! * col));
          }
          out[((n * outH + oy) * outW + ox) * c + ch] = acc;
        }
      }
    }
  }
  return out;
}

/** The input cells one output cell of ResizeArea covers along an axis, with their overlap. */
function areaSpans(inSize: number, outSize: number, alignCorners: boolean): { index: number[]; weight: number[] }[] {
  const f = Math.fround;
  const scale = scaleOf(inSize, outSize, alignCorners);
  const spans: { index: number[]; weight: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    const in0 = f(o * scale);
    const in1 = f((o + 1) * scale);
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(in0); i < Math.ceil(in1); i++) {
      const s = i < in0 ? (i + 1 > in1 ? scale : f(i + 1 - in0)) : i + 1 > in1 ? f(in1 - i) : 1;
      index.push(Math.min(inSize - 1, Math.max(0, i)));
      weight.push(s);
    }
    spans.push({ index, weight });
  }
  return spans;
}

/** ResizeArea of [batch, height, width, channels] data (float32 output): the area-weighted mean of the covered cells. */
export function resizeArea(x: ArrayLike<number>, shape: readonly number[], outH: number, outW: number, alignCorners: boolean): Float32Array {
  const [b, h, w, c] = shape as [number, number, number, number];
  const f = Math.fround;
  const ys = areaSpans(h, outH, alignCorners);
  const xs = areaSpans(w, outW, alignCorners);
  const norm = f(1 / f(scaleOf(h, outH, alignCorners) * scaleOf(w, outW, alignCorners)));
  const out = new Float32Array(b * outH * outW * c);
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const sy = ys[oy]!;
      for (let ox = 0; ox < outW; ox++) {
        const sx = xs[ox]!;
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let i = 0; i < sy.index.length; i++) {
            let row = 0;
            for (let j = 0; j < sx.index.length; j++) row = f(row + f(x[((n * h + sy.index[i]!) * w + sx.index[j]!) * c + ch]! * sx.weight[j]!));
            sum = f(sum + f(row * sy.weight[i]!));
          }
          out[((n * outH + oy) * outW + ox) * c + ch] = f(sum * norm);
        }
      }
    }
  }
  return out;
}
