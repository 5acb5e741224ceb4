import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, Value } from '../../kernel.js';
import { isTensorValue } from '../../kernel.js';
import { gatherRows } from '@savedkeras/kernels';
import { DataType } from '@savedkeras/proto';
import { saturate, tensorFromProto } from '../tensor-proto.js';
import { deriveTensorList, isTensorList } from '../tensor-list-store.js';
import { stridedSlice } from './strided-slice.js';
import {
  axisOf, bad, broadcastShapes, castTo, checkedSize, intsOf, scalarOf, stringsOf, tensorAt, tensorsFrom, unsupported, where, shareData,
} from './util.js';

const shapeTensor = (dims: number[]) => tf.tensor1d(dims.map(saturate), 'int32');

/**
 * Identity-like ops return a value of their own, so that the executor can dispose input and output
 * independently: a clone for tensors (shares data), a new list object of the same lineage for
 * TensorLists (see tensor-list-store.ts); resources pass as they are.
 */
function passValue(v: Value): Value {
  if (isTensorValue(v)) return shareData(v);
  if (isTensorList(v)) return deriveTensorList(v, v.tensors.slice());
  return v;
}

const passThrough: Kernel = (inputs, _attrs, ctx) => {
  const v = inputs[0];
  if (v === undefined) throw bad(ctx, 'missing input');
  return [passValue(v)];
};

/** StopGradient: no gradient flows back when the graph runs under a gradient tape (training). */
const stopGradient: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (!ctx.training) return [shareData(x)];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: shareData(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return [f(x)];
};

const identityN: Kernel = (inputs) => inputs.map(passValue);

const constKernel: Kernel = (_inputs, attrs, ctx) => {
  const v = attrs.raw('value');
  if (!v?.tensor) throw bad(ctx, 'Const has no value tensor');
  return [tensorFromProto(v.tensor, where(ctx), ctx.limits)];
};

/** Reshape with one -1 inferred, as TF does. */
function reshapeDims(x: tf.Tensor, dims: number[], ctx: KernelContext): number[] {
  const unknown = dims.filter((d) => d === -1).length;
  if (unknown > 1) throw bad(ctx, `Reshape shape [${dims}] has more than one -1`);
  const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (dims.some((d) => d < -1)) throw bad(ctx, `Reshape shape [${dims}] has a negative dimension`);
  if (unknown === 1) {
    if (known === 0 || x.size % known !== 0) throw bad(ctx, `cannot reshape [${x.shape}] to [${dims}]`);
    return dims.map((d) => (d === -1 ? x.size / known : d));
  }
  if (known !== x.size) throw bad(ctx, `cannot reshape [${x.shape}] (${x.size} values) to [${dims}]`);
  return dims;
}

const pack: Kernel = (inputs, attrs, ctx) => {
  const xs = tensorsFrom(inputs, 0, attrs.int('N', inputs.length), ctx);
  const axis = axisOf(attrs.int('axis', 0), xs[0]!.rank + 1, ctx);
  return [tf.stack(xs, axis)];
};

const unpack: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axis = axisOf(attrs.int('axis', 0), x.rank, ctx);
  const num = attrs.int('num', x.shape[axis]!);
  if (x.shape[axis] !== num) throw bad(ctx, `Unpack num=${num} but dimension ${axis} of [${x.shape}] is ${x.shape[axis]}`);
  return tf.unstack(x, axis);
};

const concat = (axisFirst: boolean): Kernel => (inputs, attrs, ctx) => {
  const n = attrs.int('N', inputs.length - 1);
  const values = tensorsFrom(inputs, axisFirst ? 1 : 0, n, ctx);
  const axisT = tensorAt(inputs, axisFirst ? 0 : n, ctx);
  const axis = axisOf(scalarOf(axisT, ctx, 'axis'), values[0]!.rank, ctx);
  if (values.length === 1) return [shareData(values[0]!)];
  return [tf.concat(values, axis)];
};

const split: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 1, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 0, ctx), ctx, 'split_dim'), x.rank, ctx);
  const n = attrs.int('num_split');
  if (x.shape[axis]! % n !== 0) throw bad(ctx, `dimension ${axis} of [${x.shape}] is not divisible by num_split=${n}`);
  return tf.split(x, n, axis);
};

const splitV: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 2, ctx), ctx, 'split_dim'), x.rank, ctx);
  const sizes = intsOf(tensorAt(inputs, 1, ctx));
  const dim = x.shape[axis]!;
  const unknown = sizes.filter((s) => s === -1).length;
  if (unknown > 1) throw bad(ctx, `size_splits [${sizes}] has more than one -1`);
  const known = sizes.reduce((a, s) => (s === -1 ? a : a + s), 0);
  const resolved = sizes.map((s) => (s === -1 ? dim - known : s));
  if (resolved.some((s) => s < 0) || resolved.reduce((a, s) => a + s, 0) !== dim) {
    throw bad(ctx, `size_splits [${sizes}] do not add up to dimension ${axis} of [${x.shape}]`);
  }
  return tf.split(x, resolved, axis);
};

const squeeze: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const dims = attrs.ints('squeeze_dims').map((d) => axisOf(d, x.rank, ctx));
  for (const d of dims) if (x.shape[d] !== 1) throw bad(ctx, `cannot squeeze dimension ${d} of [${x.shape}]`);
  const keep = x.shape.filter((s, i) => (dims.length === 0 ? s !== 1 : !dims.includes(i)));
  return [tf.reshape(x, keep)];
};

const expandDims: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 1, ctx), ctx, 'dim'), x.rank + 1, ctx);
  return [tf.expandDims(x, axis)];
};

const fill: Kernel = (inputs, _attrs, ctx) => {
  const dims = intsOf(tensorAt(inputs, 0, ctx));
  checkedSize(dims, ctx);
  const value = tensorAt(inputs, 1, ctx);
  if (value.size !== 1) throw bad(ctx, 'Fill value must be a scalar');
  if (value.dtype === 'string') return [tf.fill(dims, stringsOf(value)[0]!, 'string')];
  return [tf.fill(dims, value.dataSync()[0] as number, value.dtype)];
};

const slice: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const begin = intsOf(tensorAt(inputs, 1, ctx));
  const size = intsOf(tensorAt(inputs, 2, ctx));
  if (begin.length !== x.rank || size.length !== x.rank) throw bad(ctx, `Slice begin/size must have ${x.rank} entries`);
  const sz = size.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s));
  for (let i = 0; i < x.rank; i++) {
    if (begin[i]! < 0 || sz[i]! < 0 || begin[i]! + sz[i]! > x.shape[i]!) {
      throw bad(ctx, `Slice begin [${begin}] size [${size}] out of bounds for [${x.shape}]`);
    }
  }
  return [tf.slice(x, begin, sz)];
};

function padPairs(x: tf.Tensor, paddings: tf.Tensor, ctx: KernelContext): [number, number][] {
  const p = intsOf(paddings);
  if (p.length !== 2 * x.rank) throw bad(ctx, `paddings of shape [${paddings.shape}] do not fit input rank ${x.rank}`);
  const pairs: [number, number][] = [];
  for (let i = 0; i < x.rank; i++) pairs.push([p[2 * i]!, p[2 * i + 1]!]);
  if (pairs.some(([a, b]) => a < 0 || b < 0)) throw bad(ctx, `negative paddings [${p}]`);
  checkedSize(x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]), ctx);
  return pairs;
}

const pad = (withValue: boolean): Kernel => (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const pairs = padPairs(x, tensorAt(inputs, 1, ctx), ctx);
  const value = withValue ? scalarOf(tensorAt(inputs, 2, ctx), ctx, 'constant_values') : 0;
  return [tf.pad(x, pairs, value)];
};

const mirrorPad: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const pairs = padPairs(x, tensorAt(inputs, 1, ctx), ctx);
  const mode = attrs.str('mode');
  if (mode !== 'REFLECT' && mode !== 'SYMMETRIC') throw bad(ctx, `unknown MirrorPad mode ${mode}`);
  return [tf.mirrorPad(x, pairs, mode === 'REFLECT' ? 'reflect' : 'symmetric')];
};

function checkIndices(indices: tf.Tensor, dim: number, ctx: KernelContext): void {
  const vals = indices.dataSync();
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i] as number;
    if (v < 0 || v >= dim) throw bad(ctx, `index ${v} is out of range [0, ${dim})`);
  }
}

/** gather along `axis` with `batchDims`, indices validated as TensorFlow's CPU kernel does. */
export function gatherChecked(params: tf.Tensor, indices: tf.Tensor, axis: number, batchDims: number, ctx: KernelContext): tf.Tensor {
  checkIndices(indices, params.shape[axis] ?? 0, ctx);
  const idx = indices.dtype === 'int32' ? indices : tf.cast(indices, 'int32');
  // Rows of a float tensor (Embedding lookups): a gradient that trains on every backend (see gatherRows).
  if (axis === 0 && batchDims === 0 && params.dtype === 'float32') {
    return tf.reshape(gatherRows(params, tf.reshape(idx, [idx.size])), [...idx.shape, ...params.shape.slice(1)]);
  }
  return tf.gather(params, idx, axis, batchDims);
}

const gatherV2: Kernel = (inputs, attrs, ctx) => {
  const params = tensorAt(inputs, 0, ctx);
  const indices = tensorAt(inputs, 1, ctx);
  const axis = axisOf(scalarOf(tensorAt(inputs, 2, ctx), ctx, 'axis'), params.rank, ctx);
  let batchDims = attrs.int('batch_dims', 0);
  if (batchDims < 0) batchDims += indices.rank;
  return [gatherChecked(params, indices, axis, batchDims, ctx)];
};

const tile: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const reps = intsOf(tensorAt(inputs, 1, ctx));
  if (reps.length !== x.rank) throw bad(ctx, `Tile multiples [${reps}] do not match rank ${x.rank}`);
  checkedSize(x.shape.map((d, i) => d * reps[i]!), ctx);
  return [tf.tile(x, reps)];
};

const broadcastTo: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const shape = intsOf(tensorAt(inputs, 1, ctx));
  checkedSize(shape, ctx);
  const b = broadcastShapes(x.shape, shape);
  if (!b || b.length !== shape.length || b.some((d, i) => d !== shape[i])) throw bad(ctx, `cannot broadcast [${x.shape}] to [${shape}]`);
  return [tf.broadcastTo(x, shape)];
};

const broadcastArgs: Kernel = (inputs, _attrs, ctx) => {
  const a = intsOf(tensorAt(inputs, 0, ctx));
  const b = intsOf(tensorAt(inputs, 1, ctx));
  const r = broadcastShapes(a, b);
  if (!r) throw bad(ctx, `shapes [${a}] and [${b}] are not broadcast-compatible`);
  return [shapeTensor(r)];
};

const oneHot: Kernel = (inputs, attrs, ctx) => {
  const indices = tensorAt(inputs, 0, ctx);
  const depth = scalarOf(tensorAt(inputs, 1, ctx), ctx, 'depth');
  const on = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'on_value');
  const off = scalarOf(tensorAt(inputs, 3, ctx), ctx, 'off_value');
  const axis = attrs.int('axis', -1);
  checkedSize([...indices.shape, depth], ctx);
  const dtype = attrs.dtype('T', 'float32') as tf.DataType;
  let out = tf.oneHot(castTo(indices, 'int32') as tf.Tensor1D, depth, on, off, dtype === 'string' ? 'float32' : dtype);
  if (axis !== -1 && axis !== indices.rank) {
    const a = axisOf(axis, indices.rank + 1, ctx);
    const perm = out.shape.map((_, i) => i);
    perm.splice(a, 0, perm.pop()!);
    out = tf.transpose(out, perm);
  }
  return [out];
};

/** Where (one input): coordinates of true / non-zero elements, [n, rank] (int64 carried as int32). */
const whereKernel: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const vals = x.dtype === 'string' ? stringsOf(x).map((s) => s.length) : x.dataSync();
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const coords: number[] = [];
  for (let i = 0; i < vals.length; i++) {
    if (!vals[i]) continue;
    let r = i;
    for (const s of strides) { coords.push(Math.floor(r / s)); r %= s; }
  }
  return [tf.tensor2d(coords, [coords.length / Math.max(x.rank, 1) || 0, x.rank], 'int32')];
};

/** Unique / UniqueWithCounts on 1-D input, first-occurrence order (TF's order). */
const unique = (withCounts: boolean): Kernel => (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (x.rank !== 1) throw bad(ctx, `unique needs a 1-D input, got [${x.shape}]`);
  const vals: (string | number)[] = x.dtype === 'string' ? stringsOf(x) : Array.from(x.dataSync() as ArrayLike<number>);
  const pos = new Map<string | number, number>();
  const uniq: (string | number)[] = [];
  const counts: number[] = [];
  const idx = new Int32Array(vals.length);
  vals.forEach((v, i) => {
    let p = pos.get(v);
    if (p === undefined) {
      p = uniq.length;
      pos.set(v, p);
      uniq.push(v);
      counts.push(0);
    }
    idx[i] = p;
    counts[p]!++;
  });
  const y = x.dtype === 'string' ? tf.tensor1d(uniq as string[], 'string') : tf.tensor1d(uniq as number[], x.dtype);
  const out = [y, tf.tensor1d(idx, 'int32')];
  if (withCounts) out.push(tf.tensor1d(counts, 'int32'));
  return out;
};

const matrixBandPart: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  if (x.rank < 2) throw bad(ctx, 'MatrixBandPart needs rank >= 2');
  return [tf.linalg.bandPart(x, scalarOf(tensorAt(inputs, 1, ctx), ctx, 'num_lower'), scalarOf(tensorAt(inputs, 2, ctx), ctx, 'num_upper'))];
};

/**
 * Bitcast: reinterprets the element bytes as another type (TF semantics: a wider target merges the
 * last dimension, a narrower one adds a dimension). Values are rebuilt from our carried forms: 64-bit
 * integers are sign-extended from their int32 value, so the upper 32 bits of real int64/uint64 data
 * (lost when it was narrowed) are not recovered — exact for values within int32.
 */
const bitcast: Kernel = (inputs, attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const from = attrs.tfType('T') ?? 0;
  const to = attrs.tfType('type') ?? 0;
  const size = (t: number) => ({ [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT32]: 4, [DataType.UINT32]: 4, [DataType.INT64]: 8,
    [DataType.UINT64]: 8, [DataType.INT16]: 2, [DataType.UINT16]: 2, [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.HALF]: 2 } as Record<number, number>)[t];
  const fs = size(from);
  const ts = size(to);
  if (!fs || !ts) throw unsupported(ctx, `Bitcast between type ${from} and ${to}`);
  const vals = x.dataSync() as ArrayLike<number>;
  const buf = new DataView(new ArrayBuffer(vals.length * fs));
  for (let i = 0; i < vals.length; i++) {
    const o = i * fs;
    const v = vals[i]!;
    switch (from) {
      case DataType.FLOAT: buf.setFloat32(o, v, true); break;
      case DataType.DOUBLE: buf.setFloat64(o, v, true); break;
      case DataType.INT64: case DataType.UINT64: buf.setBigInt64(o, BigInt(Math.trunc(v)), true); break;
      case DataType.HALF: throw unsupported(ctx, 'Bitcast from half');
      default: if (fs === 4) buf.setInt32(o, v, true); else if (fs === 2) buf.setInt16(o, v, true); else buf.setInt8(o, v);
    }
  }
  let shape: number[];
  if (fs === ts) shape = x.shape;
  else if (fs > ts) shape = [...x.shape, fs / ts];
  else {
    if (x.shape[x.rank - 1] !== ts / fs) throw bad(ctx, `Bitcast needs a last dimension of ${ts / fs}, got [${x.shape}]`);
    shape = x.shape.slice(0, -1);
  }
  const n = buf.byteLength / ts;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * ts;
    switch (to) {
      case DataType.FLOAT: out[i] = buf.getFloat32(o, true); break;
      case DataType.DOUBLE: out[i] = buf.getFloat64(o, true); break;
      case DataType.INT64: out[i] = saturate(Number(buf.getBigInt64(o, true))); break;
      case DataType.UINT64: out[i] = Number(buf.getBigInt64(o, true) & 0xffffffffn) | 0; break;
      case DataType.UINT32: out[i] = buf.getInt32(o, true); break;
      case DataType.INT32: out[i] = buf.getInt32(o, true); break;
      case DataType.INT16: out[i] = buf.getInt16(o, true); break;
      case DataType.UINT16: out[i] = buf.getUint16(o, true); break;
      case DataType.INT8: out[i] = buf.getInt8(o); break;
      case DataType.UINT8: out[i] = buf.getUint8(o); break;
      default: throw unsupported(ctx, `Bitcast to type ${to}`);
    }
  }
  return [tf.tensor(out, shape, to === DataType.FLOAT || to === DataType.DOUBLE ? 'float32' : 'int32')];
};

const spaceToBatch: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const block = intsOf(tensorAt(inputs, 1, ctx));
  const p = intsOf(tensorAt(inputs, 2, ctx));
  const pairs = block.map((_, i) => [p[2 * i]!, p[2 * i + 1]!]);
  return [tf.spaceToBatchND(x, block, pairs)];
};

const batchToSpace: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const block = intsOf(tensorAt(inputs, 1, ctx));
  const c = intsOf(tensorAt(inputs, 2, ctx));
  const crops = block.map((_, i) => [c[2 * i]!, c[2 * i + 1]!]);
  return [tf.batchToSpaceND(x, block, crops)];
};

/**
 * Roll (tf.roll): element i of an axis moves to (i + shift) mod size; shift and axis may be vectors,
 * and shifts of a repeated axis add up, as in TensorFlow. Each rolled axis is two slices concatenated.
 */
const roll: Kernel = (inputs, _attrs, ctx) => {
  const x = tensorAt(inputs, 0, ctx);
  const shifts = intsOf(tensorAt(inputs, 1, ctx));
  const axes = intsOf(tensorAt(inputs, 2, ctx));
  if (shifts.length !== axes.length) throw bad(ctx, `shift has ${shifts.length} values but axis has ${axes.length}`);
  const total = new Map<number, number>();
  axes.forEach((a, i) => {
    const d = axisOf(a, x.rank, ctx);
    total.set(d, (total.get(d) ?? 0) + shifts[i]!);
  });
  let cur = x;
  for (const [d, s] of total) {
    const size = cur.shape[d]!;
    const k = size === 0 ? 0 : ((s % size) + size) % size;
    if (k === 0) continue;
    const begin = cur.shape.map(() => 0);
    const tail = tf.slice(cur, begin.map((b, i) => (i === d ? size - k : b)), cur.shape.map((n, i) => (i === d ? k : n)));
    const head = tf.slice(cur, begin, cur.shape.map((n, i) => (i === d ? size - k : n)));
    const next = tf.concat([tail, head], d);
    tail.dispose();
    head.dispose();
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return [cur === x ? shareData(x) : cur];
};

/**
 * DynamicPartition (tf.dynamic_partition): output p holds, in order, the slices data[i, ...] whose
 * partitions[i] == p (partitions' shape is a prefix of data's). Values outside [0, num_partitions)
 * are refused, as TensorFlow does.
 */
const dynamicPartition: Kernel = (inputs, attrs, ctx) => {
  const data = tensorAt(inputs, 0, ctx);
  const parts = tensorAt(inputs, 1, ctx);
  const num = attrs.int('num_partitions');
  if (num < 1) throw bad(ctx, `num_partitions must be at least 1, got ${num}`);
  if (parts.rank > data.rank || parts.shape.some((d, i) => d !== data.shape[i])) {
    throw bad(ctx, `partitions of shape [${parts.shape}] must be a prefix of data's shape [${data.shape}]`);
  }
  const p = intsOf(parts);
  const rows: number[][] = Array.from({ length: num }, () => []);
  p.forEach((v, i) => {
    if (!(v >= 0 && v < num)) throw bad(ctx, `partitions[${i}] = ${v} is not in [0, ${num})`);
    rows[v]!.push(i);
  });
  const inner = data.shape.slice(parts.rank);
  const flat = tf.reshape(data, [p.length, ...inner]);
  try {
    return rows.map((r) => tf.gather(flat, tf.tensor1d(r, 'int32'), 0));
  } finally {
    flat.dispose();
  }
};

export const ARRAY_KERNELS: Record<string, Kernel> = {
  Const: constKernel,
  Identity: passThrough, Snapshot: passThrough, StopGradient: stopGradient, PreventGradient: stopGradient,
  PlaceholderWithDefault: passThrough,
  EnsureShape: (inputs, attrs, ctx) => {
    const x = tensorAt(inputs, 0, ctx);
    const want = attrs.shape('shape');
    if (want && (want.length !== x.rank || want.some((d, i) => d !== -1 && d !== x.shape[i]))) {
      throw bad(ctx, `shape [${x.shape}] is not compatible with the expected [${want}]`);
    }
    return [shareData(x)];
  },
  CheckNumerics: (inputs, attrs, ctx) => {
    const x = tensorAt(inputs, 0, ctx);
    const vals = x.dataSync() as Float32Array;
    for (let i = 0; i < vals.length; i++) {
      if (!Number.isFinite(vals[i])) throw bad(ctx, `CheckNumerics failed: ${attrs.str('message', '')} (tensor has NaN or Inf values)`);
    }
    return [shareData(x)];
  },
  IdentityN: identityN,
  Pack: pack,
  Unpack: unpack,
  ConcatV2: concat(false),
  Concat: concat(true),
  Split: split,
  SplitV: splitV,
  Reshape: (inputs, _attrs, ctx) => {
    const x = tensorAt(inputs, 0, ctx);
    return [tf.reshape(x, reshapeDims(x, intsOf(tensorAt(inputs, 1, ctx)), ctx))];
  },
  Transpose: (inputs, _attrs, ctx) => {
    const x = tensorAt(inputs, 0, ctx);
    const perm = intsOf(tensorAt(inputs, 1, ctx));
    if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      throw bad(ctx, `Transpose perm [${perm}] is not a permutation of rank ${x.rank}`);
    }
    return [tf.transpose(x, perm)];
  },
  InvertPermutation: (inputs, _attrs, ctx) => {
    const p = intsOf(tensorAt(inputs, 0, ctx));
    const inv = new Array<number>(p.length);
    p.forEach((v, i) => { inv[v] = i; });
    return [tf.tensor1d(inv, 'int32')];
  },
  ExpandDims: expandDims,
  Squeeze: squeeze,
  Shape: (inputs, _attrs, ctx) => [shapeTensor(tensorAt(inputs, 0, ctx).shape)],
  ShapeN: (inputs, attrs, ctx) => tensorsFrom(inputs, 0, attrs.int('N', inputs.length), ctx).map((x) => shapeTensor(x.shape)),
  Size: (inputs, _attrs, ctx) => [tf.scalar(saturate(tensorAt(inputs, 0, ctx).size), 'int32')],
  Rank: (inputs, _attrs, ctx) => [tf.scalar(tensorAt(inputs, 0, ctx).rank, 'int32')],
  Fill: fill,
  ZerosLike: (inputs, _attrs, ctx) => [tf.zerosLike(tensorAt(inputs, 0, ctx))],
  OnesLike: (inputs, _attrs, ctx) => [tf.onesLike(tensorAt(inputs, 0, ctx))],
  Slice: slice,
  StridedSlice: stridedSlice,
  Tile: tile,
  Pad: pad(false),
  PadV2: pad(true),
  MirrorPad: mirrorPad,
  GatherV2: gatherV2,
  Gather: (inputs, _attrs, ctx) => [gatherChecked(tensorAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), 0, 0, ctx)],
  GatherNd: (inputs, _attrs, ctx) => [tf.gatherND(tensorAt(inputs, 0, ctx), castTo(tensorAt(inputs, 1, ctx), 'int32'))],
  ReverseV2: (inputs, _attrs, ctx) => {
    const x = tensorAt(inputs, 0, ctx);
    const axes = intsOf(tensorAt(inputs, 1, ctx)).map((a) => axisOf(a, x.rank, ctx));
    return [axes.length === 0 ? shareData(x) : tf.reverse(x, axes)];
  },
  BroadcastTo: broadcastTo,
  BroadcastArgs: broadcastArgs,
  SpaceToBatchND: spaceToBatch,
  BatchToSpaceND: batchToSpace,
  OneHot: oneHot,
  Where: whereKernel,
  Unique: unique(false),
  UniqueWithCounts: unique(true),
  MatrixBandPart: matrixBandPart,
  Bitcast: bitcast,
  Roll: roll,
  DynamicPartition: dynamicPartition,
};
