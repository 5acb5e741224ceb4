import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { applySlice, parseSliceSpec, slicedShape } from './slicing-op-lambda.js';

/**
 * Keras 3 operations in a Functional model: `x != 0` (the mask of an Embedding with mask_zero),
 * `x + y`, `keras.ops.cumsum(x, axis=1)`... are saved as nodes of `module: keras.src.ops.*` whose
 * `config` holds the operation's own arguments (axis, axes, newshape...) and whose inbound node holds
 * the call's positional arguments: Keras tensors and constants (numbers, lists, `__tensor__` values).
 * KerasOperation replays one such call. An operation not in OPERATIONS is refused by name.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Arg = tf.Tensor | Json;
type OpConfig = Record<string, Json>;
/** An operation's call; `outputShape` where its shape is not found by running it on zeros (a shape that depends on a dim's size). */
type Operation = ((args: Arg[], cfg: OpConfig) => tf.Tensor | tf.Tensor[]) & { outputShape?: (shapes: tfl.Shape[], args: Json[], cfg: OpConfig) => tfl.Shape };

const isObj = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof tf.Tensor);

function isKerasTensor(v: Json): boolean {
  return isObj(v) && v['class_name'] === '__keras_tensor__';
}

/** A constant argument as a tensor: numbers, nested lists, `{class_name: '__tensor__', config: {value, dtype}}`. */
function constant(v: Json, like?: tf.Tensor): tf.Tensor {
  if (isObj(v) && v['class_name'] === '__tensor__' && isObj(v['config'])) {
    const dtype = String(v['config']['dtype'] ?? 'float32');
    return tf.tensor(v['config']['value'] as number[], undefined, dtype.startsWith('int') ? 'int32' : dtype === 'bool' ? 'bool' : 'float32');
  }
  if (typeof v === 'boolean') return tf.scalar(v, 'bool');
  const intLike = like !== undefined && like.dtype === 'int32';
  const flat = (x: Json): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
  const values = flat(v);
  const dtype = intLike && values.every(Number.isInteger) ? 'int32' : 'float32';
  return Array.isArray(v) ? tf.tensor(v as number[], undefined, dtype) : tf.scalar(Number(v), dtype);
}

function tensorArg(a: Arg, like?: tf.Tensor): tf.Tensor {
  return a instanceof tf.Tensor ? a : constant(a, like);
}

/** Both operands as tensors of one dtype (int with a non-integer constant becomes float, as in Keras). */
function pair(args: Arg[]): [tf.Tensor, tf.Tensor] {
  const t = args.find((a): a is tf.Tensor => a instanceof tf.Tensor);
  let a = tensorArg(args[0]!, t);
  let b = tensorArg(args[1]!, t);
  if (a.dtype !== b.dtype) {
    const to = a.dtype === 'float32' || b.dtype === 'float32' ? 'float32' : a.dtype === 'int32' || b.dtype === 'int32' ? 'int32' : a.dtype;
    a = a.dtype === to ? a : tf.cast(a, to);
    b = b.dtype === to ? b : tf.cast(b, to);
  }
  return [a, b];
}

const binary = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Operation => (args) => fn(...pair(args));
const unary = (fn: (x: tf.Tensor, cfg: OpConfig) => tf.Tensor): Operation => (args, cfg) => fn(tensorArg(args[0]!), cfg);
const floatUnary = (fn: (x: tf.Tensor) => tf.Tensor): Operation => unary((x) => fn(x.dtype === 'float32' ? x : tf.cast(x, 'float32')));

function axes(cfg: OpConfig, key = 'axis'): number | number[] | undefined {
  const a = cfg[key];
  if (a === null || a === undefined) return undefined;
  return Array.isArray(a) ? a.map(Number) : Number(a);
}
const keep = (cfg: OpConfig) => cfg['keepdims'] === true;
const reduce = (fn: (x: tf.Tensor, axis: number | number[] | undefined, keepDims: boolean) => tf.Tensor): Operation =>
  unary((x, cfg) => fn(x, axes(cfg), keep(cfg)));

function dtypeOf(d: Json): tf.DataType {
  const s = String(d);
  if (s === 'bool' || s === 'string') return s;
  return /int/.test(s) ? 'int32' : 'float32';
}

function argReduce(fn: (x: tf.Tensor, axis?: number) => tf.Tensor): Operation {
  return unary((x, cfg) => {
    const a = axes(cfg);
    if (Array.isArray(a)) throw new UnsupportedLayerError('Keras operation argmax/argmin over several axes is not implemented');
    const y = a === undefined ? fn(tf.reshape(x, [-1]), 0) : fn(x, a);
    return keep(cfg) && a !== undefined ? tf.expandDims(y, a) : y;
  });
}

/**
 * `x[key]` (keras.ops.numpy.GetItem): the key is an int, a slice (`__slice__` {start, stop, step}), an
 * `__ellipsis__`, null (newaxis) or a list of them, as Keras 3 serializes Python's subscript; applied
 * with numpy semantics as SlicingOpLambda applies Keras 2's. Its shape is worked out from the key: an
 * index on an unknown dim (x[5] on the batch axis) is checked only when the call has the dim's size.
 */
const getItem: Operation = Object.assign((args: Arg[]) => applySlice(tensorArg(args[0]!), parseSliceSpec(args[1])), {
  outputShape: (shapes: tfl.Shape[], args: Json[]) => slicedShape(shapes[0]!, parseSliceSpec(args[1])),
});

export const KERAS_OPERATIONS: Readonly<Record<string, Operation>> = {
  GetItem: getItem,
  Add: binary(tf.add), Subtract: binary(tf.sub), Multiply: binary(tf.mul), Divide: binary((a, b) => tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'))),
  TrueDivide: binary((a, b) => tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'))), Power: binary(tf.pow), Maximum: binary(tf.maximum),
  Minimum: binary(tf.minimum), Mod: binary(tf.mod), FloorDivide: binary(tf.floorDiv), Equal: binary(tf.equal), NotEqual: binary(tf.notEqual),
  Greater: binary(tf.greater), GreaterEqual: binary(tf.greaterEqual), Less: binary(tf.less), LessEqual: binary(tf.lessEqual),
  LogicalAnd: binary((a, b) => tf.logicalAnd(tf.cast(a, 'bool'), tf.cast(b, 'bool'))), LogicalOr: binary((a, b) => tf.logicalOr(tf.cast(a, 'bool'), tf.cast(b, 'bool'))), Matmul: binary((a, b) => tf.matMul(a, b)),
  Absolute: unary(tf.abs), Abs: unary(tf.abs), Negative: unary(tf.neg), Square: unary(tf.square), Sign: unary(tf.sign),
  Exp: floatUnary(tf.exp), Log: floatUnary(tf.log), Sqrt: floatUnary(tf.sqrt), Rsqrt: floatUnary(tf.rsqrt), Tanh: floatUnary(tf.tanh),
  Sin: floatUnary(tf.sin), Cos: floatUnary(tf.cos), Floor: floatUnary(tf.floor), Ceil: floatUnary(tf.ceil), Round: floatUnary(tf.round),
  Reciprocal: floatUnary(tf.reciprocal), Log1p: floatUnary(tf.log1p), Expm1: floatUnary(tf.expm1), Erf: floatUnary(tf.erf),
  Sigmoid: floatUnary(tf.sigmoid), Relu: floatUnary(tf.relu), Relu6: floatUnary(tf.relu6), Softplus: floatUnary(tf.softplus),
  Silu: floatUnary((x) => tf.mul(x, tf.sigmoid(x))), LogicalNot: unary((x) => tf.logicalNot(tf.cast(x, 'bool'))),
  ZerosLike: unary((x, cfg) => tf.zerosLike(cfg['dtype'] ? tf.cast(x, dtypeOf(cfg['dtype'])) : x)),
  OnesLike: unary((x, cfg) => tf.onesLike(cfg['dtype'] ? tf.cast(x, dtypeOf(cfg['dtype'])) : x)),
  Softmax: unary((x, cfg) => {
    const a = axes(cfg) ?? -1;
    const ax = (Array.isArray(a) ? a : [a]).map((v) => (v < 0 ? v + x.rank : v));
    const e = tf.exp(tf.sub(x, tf.max(x, ax, true)));
    return tf.div(e, tf.sum(e, ax, true));
  }),
  LogSoftmax: unary((x, cfg) => {
    const a = axes(cfg) ?? -1;
    return tf.sub(x, tf.logSumExp(x, a, true));
  }),
  Sum: reduce((x, a, k) => tf.sum(x, a, k)), Mean: reduce((x, a, k) => tf.mean(x, a, k)), Max: reduce((x, a, k) => tf.max(x, a, k)),
  Min: reduce((x, a, k) => tf.min(x, a, k)), Prod: reduce((x, a, k) => tf.prod(x, a, k)), Any: reduce((x, a, k) => tf.any(tf.cast(x, 'bool'), a, k)),
  All: reduce((x, a, k) => tf.all(tf.cast(x, 'bool'), a, k)), Logsumexp: reduce((x, a, k) => tf.logSumExp(x, a, k)),
  Argmax: argReduce((x, a) => tf.argMax(x, a)), Argmin: argReduce((x, a) => tf.argMin(x, a)),
  Reshape: unary((x, cfg) => tf.reshape(x, (cfg['newshape'] as number[]).map((d) => (d === null ? -1 : d)))),
  Transpose: unary((x, cfg) => tf.transpose(x, (cfg['axes'] as number[] | null) ?? undefined)),
  ExpandDims: unary((x, cfg) => {
    const a = axes(cfg) ?? 0;
    return (Array.isArray(a) ? a : [a]).reduce((t: tf.Tensor, v) => tf.expandDims(t, v), x);
  }),
  Squeeze: unary((x, cfg) => {
    const a = axes(cfg);
    return tf.squeeze(x, a === undefined ? undefined : Array.isArray(a) ? a : [a]);
  }),
  Concatenate: (args, cfg) => tf.concat((args.flat() as Arg[]).map((a) => tensorArg(a)), Number(cfg['axis'] ?? 0)),
  Stack: (args, cfg) => tf.stack((args.flat() as Arg[]).map((a) => tensorArg(a)), Number(cfg['axis'] ?? 0)),
  Cast: unary((x, cfg) => tf.cast(x, dtypeOf(cfg['dtype']))),
  Cumsum: unary((x, cfg) => (cfg['axis'] === null ? tf.cumsum(tf.reshape(x, [-1])) : tf.cumsum(x, Number(cfg['axis'] ?? 0)))),
  Cumprod: unary((x, cfg) => (cfg['axis'] === null ? tf.cumprod(tf.reshape(x, [-1])) : tf.cumprod(x, Number(cfg['axis'] ?? 0)))),
  Clip: unary((x, cfg) => tf.clipByValue(x, Number(cfg['x_min']), Number(cfg['x_max']))),
  Where: (args) => {
    const c = tf.cast(tensorArg(args[0]!), 'bool');
    const [a, b] = pair([args[1]!, args[2]!]);
    return tf.where(c, a, b);
  },
  Sort: unary((x, cfg) => {
    const a = Number(cfg['axis'] ?? -1);
    if (a !== -1 && a !== x.rank - 1) throw new UnsupportedLayerError('Keras operation sort over an axis other than the last is not implemented');
    return tf.neg(tf.topk(tf.neg(x), x.shape[x.rank - 1]!).values);
  }),
  TopK: unary((x, cfg) => {
    const r = tf.topk(x, Number(cfg['k']), cfg['sorted'] !== false);
    return [r.values, r.indices] as unknown as tf.Tensor;
  }),
  Norm: unary((x, cfg) => {
    if (cfg['ord'] !== null && cfg['ord'] !== undefined && cfg['ord'] !== 2) throw new UnsupportedLayerError(`Keras operation norm with ord ${String(cfg['ord'])} is not implemented`);
    const a = axes(cfg);
    if (Array.isArray(a) && a.length > 1) throw new UnsupportedLayerError('Keras operation norm over two axes (matrix norms) is not implemented');
    return tf.sqrt(tf.sum(tf.square(x), a, keep(cfg)));
  }),
};

export interface KerasOperationArgs {
  name?: string;
  /** The Keras class name of the operation (NotEqual, Cumsum...). */
  operation: string;
  /** Its Python module as the .keras file names it (`keras.src.ops.numpy`); .h5 files do not. */
  module?: string;
  /** The operation's own config (axis, newshape...). */
  operationConfig?: OpConfig;
  /** The call's positional arguments with Keras tensors in place (constants kept). */
  callArgs?: Json[];
  /** The call's keyword arguments (constants only; tensors arrive as inputs). */
  callKwargs?: OpConfig;
  trainable?: boolean;
  dtype?: string;
}

/** One call of a Keras 3 operation inside a Functional model (see the top of this file). */
export class KerasOperation extends tfl.layers.Layer {
  static className = 'KerasOperation';
  private readonly op: Operation;
  private readonly operation: string;
  private readonly module: string | undefined;
  private readonly operationConfig: OpConfig;
  private readonly callArgs: Json[];
  private readonly callKwargs: OpConfig;

  constructor(args: KerasOperationArgs) {
    super({ name: args.name, trainable: false });
    const op = KERAS_OPERATIONS[args.operation];
    if (!op) throw new UnsupportedLayerError(`Keras operation ${args.operation} is not implemented`);
    this.op = op;
    this.operation = args.operation;
    this.module = args.module;
    this.operationConfig = args.operationConfig ?? {};
    this.callArgs = args.callArgs ?? [];
    this.callKwargs = args.callKwargs ?? {};
  }

  /** The call as the Keras file held it (its tensors as `__keras_tensor__` references): what saveKerasFile writes back. */
  get kerasCall(): { operation: string; module: string | undefined; config: OpConfig; args: Json[]; kwargs: OpConfig } {
    return { operation: this.operation, module: this.module, config: this.operationConfig, args: this.callArgs, kwargs: this.callKwargs };
  }

  /** The positional arguments with each Keras tensor replaced by the next input, in the order the inputs were collected. */
  private fill(inputs: tf.Tensor[]): Arg[] {
    let next = 0;
    const walk = (v: Json): Arg => {
      if (isKerasTensor(v)) return inputs[next++]!;
      if (Array.isArray(v)) return v.map(walk) as Arg;
      return v;
    };
    return this.callArgs.map(walk);
  }

  private run(inputs: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const cfg: OpConfig = { ...this.operationConfig };
    for (const [k, v] of Object.entries(this.callKwargs)) if (!isObj(v) || !('__savedkerasInputIndex' in v)) cfg[k] = v;
    return this.op(this.fill(inputs), cfg);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => this.run(Array.isArray(inputs) ? inputs : [inputs]));
  }

  /** Shapes by running the operation on zeros twice, unknown dims as 2 then 3: dims that follow them are unknown. */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shapes = (Array.isArray(inputShape[0]) || (inputShape.length === 0) ? inputShape : [inputShape]) as tfl.Shape[];
    if (this.op.outputShape) return this.op.outputShape(shapes, this.callArgs, this.operationConfig);
    const probe = (n: number) => tf.tidy(() => {
      const out = this.run(shapes.map((s) => tf.zeros(s.map((d) => d ?? n))));
      return (Array.isArray(out) ? out : [out]).map((t) => t.shape);
    });
    const a = probe(2);
    const b = probe(3);
    const merged = a.map((s, i) => s.map((d, j) => (d === b[i]![j] ? d : null)));
    return merged.length === 1 ? merged[0]! : merged;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), operation: this.operation, ...(this.module !== undefined ? { module: this.module } : {}), operationConfig: this.operationConfig as never, callArgs: this.callArgs as never, callKwargs: this.callKwargs as never };
  }
}
tf.serialization.registerClass(KerasOperation);
