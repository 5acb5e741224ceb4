import type { Shape } from '@tensorflow/tfjs-layers';

/** Static shape arithmetic with unknown (null) dimensions, for computeOutputShape. */

/** An axis (possibly negative) as an index into a shape of `rank`, checked. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** NumPy broadcasting of two shapes; an unknown dim broadcast against 1 stays unknown. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da == null) out.push(db);
    else if (db == null) out.push(da);
    else if (da === db) out.push(da);
    else throw new RangeError(`shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast together`);
  }
  return out;
}

/** The shape after reducing `axis` (null = all axes). */
export function reducedShape(shape: Shape, axis: number | number[] | null | undefined, keepDims: boolean): Shape {
  const axes = axis == null ? shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, shape.length));
  if (keepDims) return shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return shape.filter((_, i) => !axes.includes(i));
}

export function product(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/** The static shape of a nested JS array constant. */
export function constantShape(v: unknown): Shape {
  const out: Shape = [];
  let cur = v;
  while (Array.isArray(cur)) {
    out.push(cur.length);
    cur = cur[0];
  }
  return out;
}
