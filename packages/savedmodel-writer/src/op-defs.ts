import { DataType as DT } from '@savedkeras/proto';

/**
 * OpDefs (TensorFlow op registrations, descriptions dropped) of the ops the generated graphs use,
 * for MetaInfoDef.stripped_op_list. Output-arg names are what `node:out:k` references name.
 * Plain objects in protobufjs `fromObject` form.
 */
type Obj = Record<string, unknown>;

const arg = (name: string, typed: { type?: number; typeAttr?: string; numberAttr?: string; typeListAttr?: string }): Obj => ({ name, ...typed });
const attr = (name: string, type: string, extra: Obj = {}): Obj => ({ name, type, ...extra });
const types = (...t: number[]): Obj => ({ list: { type: t } });
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const FLOATS = [DT.HALF, DT.BFLOAT16, DT.FLOAT, DT.DOUBLE];
const NUMBER_TYPES = [
  DT.FLOAT, DT.DOUBLE, DT.INT32, DT.UINT8, DT.INT16, DT.INT8, DT.COMPLEX64, DT.INT64, DT.QINT8, DT.QUINT8,
  DT.QINT32, DT.BFLOAT16, DT.UINT16, DT.COMPLEX128, DT.HALF, DT.UINT32, DT.UINT64,
];
const REAL_NUMBER_TYPES = [
  DT.FLOAT, DT.DOUBLE, DT.INT32, DT.UINT8, DT.INT16, DT.INT8, DT.INT64, DT.BFLOAT16, DT.UINT16, DT.HALF,
  DT.UINT32, DT.UINT64, DT.QINT8,
];

/** PartitionedCall and StatefulPartitionedCall take the same arguments and attrs (one is stateful). */
function callOpDef(name: string): Obj {
  return {
    name,
    inputArg: [arg('args', { typeListAttr: 'Tin' })],
    outputArg: [arg('output', { typeListAttr: 'Tout' })],
    attr: [
      attr('Tin', 'list(type)', { hasMinimum: true }),
      attr('Tout', 'list(type)', { hasMinimum: true }),
      attr('f', 'func'),
      attr('config', 'string', { defaultValue: { s: new Uint8Array() } }),
      attr('config_proto', 'string', { defaultValue: { s: new Uint8Array() } }),
      attr('executor_type', 'string', { defaultValue: { s: new Uint8Array() } }),
    ],
  };
}

const OP_DEFS: Record<string, Obj> = {
  BiasAdd: {
    name: 'BiasAdd',
    inputArg: [arg('value', { typeAttr: 'T' }), arg('bias', { typeAttr: 'T' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [
      attr('T', 'type', { allowedValues: types(...NUMBER_TYPES) }),
      attr('data_format', 'string', { defaultValue: { s: utf8('NHWC') }, allowedValues: { list: { s: [utf8('NHWC'), utf8('NCHW')] } } }),
    ],
  },
  ConcatV2: {
    name: 'ConcatV2',
    inputArg: [arg('values', { typeAttr: 'T', numberAttr: 'N' }), arg('axis', { typeAttr: 'Tidx' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [
      attr('N', 'int', { hasMinimum: true, minimum: 2 }),
      attr('T', 'type'),
      attr('Tidx', 'type', { defaultValue: { type: DT.INT32 }, allowedValues: types(DT.INT32, DT.INT64) }),
    ],
  },
  Conv2D: {
    name: 'Conv2D',
    inputArg: [arg('input', { typeAttr: 'T' }), arg('filter', { typeAttr: 'T' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [
      attr('T', 'type', { allowedValues: types(DT.HALF, DT.BFLOAT16, DT.FLOAT, DT.DOUBLE, DT.INT32) }),
      attr('strides', 'list(int)'),
      attr('use_cudnn_on_gpu', 'bool', { defaultValue: { b: true } }),
      attr('padding', 'string', { allowedValues: { list: { s: [utf8('SAME'), utf8('VALID'), utf8('EXPLICIT')] } } }),
      attr('explicit_paddings', 'list(int)', { defaultValue: { list: {} } }),
      attr('data_format', 'string', { defaultValue: { s: utf8('NHWC') }, allowedValues: { list: { s: [utf8('NHWC'), utf8('NCHW')] } } }),
      attr('dilations', 'list(int)', { defaultValue: { list: { i: [1, 1, 1, 1] } } }),
    ],
  },
  FusedBatchNormV3: {
    name: 'FusedBatchNormV3',
    inputArg: [
      arg('x', { typeAttr: 'T' }), arg('scale', { typeAttr: 'U' }), arg('offset', { typeAttr: 'U' }),
      arg('mean', { typeAttr: 'U' }), arg('variance', { typeAttr: 'U' }),
    ],
    outputArg: [
      arg('y', { typeAttr: 'T' }), arg('batch_mean', { typeAttr: 'U' }), arg('batch_variance', { typeAttr: 'U' }),
      arg('reserve_space_1', { typeAttr: 'U' }), arg('reserve_space_2', { typeAttr: 'U' }), arg('reserve_space_3', { typeAttr: 'U' }),
    ],
    attr: [
      attr('T', 'type', { allowedValues: types(DT.HALF, DT.BFLOAT16, DT.FLOAT) }),
      attr('U', 'type', { allowedValues: types(DT.BFLOAT16, DT.FLOAT) }),
      attr('epsilon', 'float', { defaultValue: { f: 0.0001 } }),
      attr('exponential_avg_factor', 'float', { defaultValue: { f: 1 } }),
      attr('data_format', 'string', {
        defaultValue: { s: utf8('NHWC') },
        allowedValues: { list: { s: [utf8('NHWC'), utf8('NCHW'), utf8('NDHWC'), utf8('NCDHW')] } },
      }),
      attr('is_training', 'bool', { defaultValue: { b: true } }),
    ],
  },
  MaxPool: {
    name: 'MaxPool',
    inputArg: [arg('input', { typeAttr: 'T' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [
      attr('T', 'type', {
        defaultValue: { type: DT.FLOAT },
        allowedValues: types(DT.HALF, DT.BFLOAT16, DT.FLOAT, DT.DOUBLE, DT.INT32, DT.INT64, DT.UINT8, DT.INT16, DT.INT8, DT.UINT16, DT.QINT8),
      }),
      attr('ksize', 'list(int)', { hasMinimum: true, minimum: 4 }),
      attr('strides', 'list(int)', { hasMinimum: true, minimum: 4 }),
      attr('padding', 'string', { allowedValues: { list: { s: [utf8('SAME'), utf8('VALID'), utf8('EXPLICIT')] } } }),
      attr('explicit_paddings', 'list(int)', { defaultValue: { list: {} } }),
      attr('data_format', 'string', {
        defaultValue: { s: utf8('NHWC') },
        allowedValues: { list: { s: [utf8('NHWC'), utf8('NCHW'), utf8('NCHW_VECT_C')] } },
      }),
    ],
  },
  Const: {
    name: 'Const',
    outputArg: [arg('output', { typeAttr: 'dtype' })],
    attr: [attr('value', 'tensor'), attr('dtype', 'type')],
  },
  Identity: {
    name: 'Identity',
    inputArg: [arg('input', { typeAttr: 'T' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [attr('T', 'type')],
  },
  MatMul: {
    name: 'MatMul',
    inputArg: [arg('a', { typeAttr: 'T' }), arg('b', { typeAttr: 'T' })],
    outputArg: [arg('product', { typeAttr: 'T' })],
    attr: [
      attr('transpose_a', 'bool', { defaultValue: { b: false } }),
      attr('transpose_b', 'bool', { defaultValue: { b: false } }),
      attr('T', 'type', { allowedValues: types(DT.BFLOAT16, DT.HALF, DT.FLOAT, DT.DOUBLE, DT.INT32, DT.INT64, DT.COMPLEX64, DT.COMPLEX128) }),
    ],
  },
  NoOp: { name: 'NoOp' },
  PartitionedCall: callOpDef('PartitionedCall'),
  Placeholder: {
    name: 'Placeholder',
    outputArg: [arg('output', { typeAttr: 'dtype' })],
    attr: [attr('dtype', 'type'), attr('shape', 'shape', { defaultValue: { shape: { unknownRank: true } } })],
  },
  ReadVariableOp: {
    name: 'ReadVariableOp',
    inputArg: [arg('resource', { type: DT.RESOURCE })],
    outputArg: [arg('value', { typeAttr: 'dtype' })],
    attr: [attr('dtype', 'type')],
    isStateful: true,
  },
  Relu: {
    name: 'Relu',
    inputArg: [arg('features', { typeAttr: 'T' })],
    outputArg: [arg('activations', { typeAttr: 'T' })],
    attr: [attr('T', 'type', { allowedValues: types(...REAL_NUMBER_TYPES) })],
  },
  Reshape: {
    name: 'Reshape',
    inputArg: [arg('tensor', { typeAttr: 'T' }), arg('shape', { typeAttr: 'Tshape' })],
    outputArg: [arg('output', { typeAttr: 'T' })],
    attr: [attr('T', 'type'), attr('Tshape', 'type', { defaultValue: { type: DT.INT32 }, allowedValues: types(DT.INT32, DT.INT64) })],
  },
  Sigmoid: {
    name: 'Sigmoid',
    inputArg: [arg('x', { typeAttr: 'T' })],
    outputArg: [arg('y', { typeAttr: 'T' })],
    attr: [attr('T', 'type', { allowedValues: types(DT.BFLOAT16, DT.HALF, DT.FLOAT, DT.DOUBLE, DT.COMPLEX64, DT.COMPLEX128) })],
  },
  Softmax: {
    name: 'Softmax',
    inputArg: [arg('logits', { typeAttr: 'T' })],
    outputArg: [arg('softmax', { typeAttr: 'T' })],
    attr: [attr('T', 'type', { allowedValues: types(...FLOATS) })],
  },
  StatefulPartitionedCall: { ...callOpDef('StatefulPartitionedCall'), isStateful: true },
  Tanh: {
    name: 'Tanh',
    inputArg: [arg('x', { typeAttr: 'T' })],
    outputArg: [arg('y', { typeAttr: 'T' })],
    attr: [attr('T', 'type', { allowedValues: types(DT.BFLOAT16, DT.HALF, DT.FLOAT, DT.DOUBLE, DT.COMPLEX64, DT.COMPLEX128) })],
  },
  VarHandleOp: {
    name: 'VarHandleOp',
    outputArg: [arg('resource', { type: DT.RESOURCE })],
    attr: [
      attr('container', 'string', { defaultValue: { s: new Uint8Array() } }),
      attr('shared_name', 'string', { defaultValue: { s: new Uint8Array() } }),
      attr('dtype', 'type'),
      attr('shape', 'shape'),
      attr('allowed_devices', 'list(string)', { defaultValue: { list: {} } }),
    ],
    isStateful: true,
  },
};

/** OpDefs of `ops` (sorted by name, as TF writes them). Throws for an op this table lacks. */
export function strippedOpList(ops: Iterable<string>): Obj[] {
  return [...new Set(ops)].sort().map((op) => {
    const def = OP_DEFS[op];
    if (!def) throw new Error(`no OpDef for ${op} in the generator's table`);
    return def;
  });
}
