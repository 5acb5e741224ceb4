import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeSavedModel, encodeMessage, type AttrValue, type OpDef } from '@savedkeras/proto';
import { DataType } from '@savedkeras/proto';
import { BUILTIN_OP_DEFS, getKernel, getOpDef, kernelNames, makeAttrs, registerKernel, unregisterKernel } from '../src/ops/index.js';
import { A } from './ops-helpers.js';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';

const fixtures = fixturesPath();
const haveFixtures = requireFixtures('op table vs the fixture SavedModels');

function def(op: string): OpDef {
  const d = BUILTIN_OP_DEFS.get(op);
  if (!d) throw new Error(`no OpDef for ${op}`);
  return d;
}
function defaultOf(op: string, attr: string): AttrValue | undefined {
  return def(op).attr.find((a) => a.name === attr)?.defaultValue ?? undefined;
}

/** Gradient helpers, checkpoint I/O, tf.data and GPU-only ops: present in fixture libraries, never executed. */
const NEVER_EXECUTED = new Set(['BiasAddGrad', 'BroadcastGradientArgs', 'ConcatOffset', 'CudnnRNN', 'CudnnRNNBackprop',
  'ReluGrad', 'StridedSliceGrad', 'IteratorGetNext', 'SparseSoftmaxCrossEntropyWithLogits']);
/** Ops the executor runs itself (calls, control flow, arguments, variable handles). */
const EXECUTOR_OPS = new Set(['StatefulPartitionedCall', 'PartitionedCall', 'While', 'StatelessWhile', 'If', 'StatelessIf',
  'Placeholder', 'VarHandleOp', 'RestoreV2', 'SaveV2', 'MergeV2Checkpoints', 'ShardedFilename']);

describe('BUILTIN_OP_DEFS: facts from TensorFlow op registrations', () => {
  it('has the attr defaults that SavedModels strip', () => {
    const attrs = (op: string) => makeAttrs({}, def(op), op);
    expect(attrs('MatMul').bool('transpose_a')).toBe(false);
    expect(attrs('MatMul').bool('transpose_b')).toBe(false);
    expect(attrs('Conv2D').str('data_format')).toBe('NHWC');
    expect(attrs('Conv2D').ints('dilations')).toEqual([1, 1, 1, 1]);
    expect(attrs('Conv2D').ints('explicit_paddings')).toEqual([]);
    const bn = attrs('FusedBatchNormV3');
    expect(bn.bool('is_training')).toBe(true);
    expect(bn.str('data_format')).toBe('NHWC');
    expect(bn.float('epsilon')).toBeCloseTo(1e-4, 9);
    expect(bn.float('exponential_avg_factor')).toBe(1);
    expect(attrs('BatchMatMulV2').bool('adj_x')).toBe(false);
    expect(attrs('BatchMatMulV2').bool('adj_y')).toBe(false);
    expect(attrs('Squeeze').ints('squeeze_dims')).toEqual([]);
    expect(attrs('Cumsum').bool('exclusive')).toBe(false);
    expect(attrs('Cumsum').bool('reverse')).toBe(false);
    for (const m of ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask']) expect(attrs('StridedSlice').int(m)).toBe(0);
    for (const op of ['Mean', 'Sum', 'Max', 'Min', 'Prod', 'All', 'Any']) expect(attrs(op).bool('keep_dims')).toBe(false);
    expect(attrs('LeakyRelu').float('alpha')).toBeCloseTo(0.2, 6);
    expect(attrs('StatelessWhile').int('parallel_iterations')).toBe(10);
    expect(attrs('While').int('parallel_iterations')).toBe(10);
    expect(attrs('ArgMax').dtype('output_type')).toBe('int32'); // int64 carried as int32
    expect(attrs('ArgMax').tfType('output_type')).toBe(DataType.INT64);
    expect(attrs('Shape').tfType('out_type')).toBe(DataType.INT32);
    expect(attrs('SplitV').tfType('Tlen')).toBe(DataType.INT64);
    expect(attrs('Placeholder').shape('shape')).toBeNull();
    expect(attrs('StringSplitV2').int('maxsplit')).toBe(-1);
    expect(attrs('StaticRegexReplace').bool('replace_global')).toBe(true);
    expect(attrs('ImageProjectiveTransformV3').str('fill_mode')).toBe('CONSTANT');
    expect(attrs('TensorListStack').int('num_elements')).toBe(-1);
    expect(attrs('Equal').bool('incompatible_shape_error')).toBe(true);
  });

  it('describes list outputs with number_attr / type_list_attr', () => {
    expect(def('Split').outputArg).toMatchObject([{ name: 'output', numberAttr: 'num_split', typeAttr: 'T' }]);
    expect(def('SplitV').outputArg[0]).toMatchObject({ numberAttr: 'num_split' });
    expect(def('Unpack').outputArg[0]).toMatchObject({ numberAttr: 'num', typeAttr: 'T' });
    expect(def('ConcatV2').inputArg.map((a) => a.name)).toEqual(['values', 'axis']);
    expect(def('ConcatV2').inputArg[0]).toMatchObject({ numberAttr: 'N' });
    expect(def('StatefulPartitionedCall').outputArg[0]).toMatchObject({ typeListAttr: 'Tout' });
    expect(def('While').inputArg[0]).toMatchObject({ typeListAttr: 'T' });
    expect(def('IdentityN').outputArg[0]).toMatchObject({ typeListAttr: 'T' });
    expect(def('FusedBatchNormV3').outputArg.map((a) => a.name)).toEqual(
      ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2', 'reserve_space_3']);
    expect(def('ParseExampleV2').outputArg.map((a) => [a.name, a.numberAttr || a.typeListAttr])).toEqual([
      ['sparse_indices', 'num_sparse'], ['sparse_values', 'sparse_types'], ['sparse_shapes', 'num_sparse'],
      ['dense_values', 'Tdense'], ['ragged_values', 'ragged_value_types'], ['ragged_row_splits', 'ragged_split_types'],
    ]);
    expect(def('TensorListPopBack').outputArg.map((a) => a.type || a.typeAttr)).toEqual([DataType.VARIANT, 'element_dtype']);
    expect(def('StringSplitV2').outputArg.map((a) => a.type)).toEqual([DataType.INT64, DataType.STRING, DataType.INT64]);
    expect(def('ReadVariableOp').isStateful).toBe(true);
    expect(def('Identity').isStateful).toBe(false);
  });

  it('has an OpDef for every builtin kernel and a kernel for every data op of op-coverage.md', () => {
    for (const op of kernelNames()) expect(getOpDef(op), op).toBeDefined();
    const covered = ['Const', 'Identity', 'NoOp', 'Pack', 'Select', 'BiasAdd', 'MatMul', 'Mul', 'Shape', 'AddV2', 'Relu', 'Reshape',
      'StridedSlice', 'Sigmoid', 'Cast', 'ConcatV2', 'Squeeze', 'Transpose', 'Conv2D', 'Fill', 'Sub', 'GreaterEqual', 'Less',
      'ExpandDims', 'RandomUniform', 'Softmax', 'Prod', 'TensorListFromTensor', 'TensorListGetItem', 'TensorListReserve',
      'TensorListSetItem', 'TensorListStack', 'Mean', 'GatherV2', 'Split', 'Tanh', 'FusedBatchNormV3', 'MaxPool', 'Add', 'AddN',
      'FloorMod', 'Slice', 'SquaredDifference', 'StopGradient', 'ZerosLike', 'Maximum', 'Rsqrt', 'LeakyRelu', 'Max', 'SelectV2',
      'BatchMatMulV2', 'Greater', 'Minimum', 'RealDiv', 'Conv2DBackpropInput', 'LogicalAnd', 'LookupTableFindV2',
      'LookupTableImportV2', 'ArgMax', 'Bincount', 'Cumsum', 'Neg', 'Pad', 'PlaceholderWithDefault', 'RaggedTensorToTensor',
      'RandomStandardNormal', 'ResizeBilinear', 'ResizeNearestNeighbor', 'ReverseV2', 'Selu', 'Sqrt', 'StaticRegexReplace', 'Sum',
      'Tile', 'Unpack', 'BatchToSpaceND', 'BroadcastArgs', 'BroadcastTo', 'Cos', 'DenseBincount', 'Einsum', 'Equal', 'Exp',
      'HashTableV2', 'ImageProjectiveTransformV3', 'Min', 'Pow', 'Range', 'Sin', 'SpaceToBatchND', 'SplitV', 'Square',
      'TensorListConcatV2', 'ResourceGather', 'ReadVariableOp', 'AssignVariableOp', 'AssignAddVariableOp', 'AssignSubVariableOp',
      'VarIsInitializedOp', 'L2Loss', 'Assert', 'StringLower', 'StringSplitV2', 'StaticRegexFullMatch', 'ParseExampleV2',
      'LookupTableSizeV2', 'MutableHashTableV2', 'UniqueWithCounts', 'StatelessRandomUniformV2', 'Bitcast', 'RngReadAndSkip',
      'TensorListLength', 'TensorListElementShape', 'TensorListPushBack', 'TensorListPopBack', 'Size', 'Rank'];
    for (const op of covered) expect(getKernel(op), op).toBeDefined();
    // the executor's ops: definitions only
    for (const op of ['StatefulPartitionedCall', 'PartitionedCall', 'While', 'StatelessWhile', 'If', 'StatelessIf', 'VarHandleOp', 'Placeholder']) {
      expect(getOpDef(op), op).toBeDefined();
    }
  });

  it('lets user registrations win over builtins and fall back when removed', () => {
    const builtin = getKernel('Relu');
    const mine = () => [];
    registerKernel('Relu', mine);
    expect(getKernel('Relu')).not.toBe(builtin);
    expect(getKernel('Relu')!([], makeAttrs({}), {} as never)).toEqual([]);
    unregisterKernel('Relu');
    expect(getKernel('Relu')).toBe(builtin);
    const custom: OpDef = { name: 'MyOp', inputArg: [], outputArg: [], controlOutput: [], attr: [], isStateful: false };
    registerKernel('MyOp', mine, custom);
    expect(getOpDef('MyOp')).toBe(custom);
    unregisterKernel('MyOp');
    expect(getOpDef('MyOp')).toBeUndefined();
  });
});

describe('makeAttrs', () => {
  const conv = def('Conv2D');
  it('prefers node attrs, then OpDef defaults, and keeps strings as stored', () => {
    const a = makeAttrs({ data_format: A.s('NCHW'), strides: A.ints([1, 1, 2, 2]), padding: A.s('SAME') }, conv);
    expect(a.str('data_format')).toBe('NCHW');
    expect(a.ints('strides')).toEqual([1, 1, 2, 2]);
    expect(a.ints('dilations')).toEqual([1, 1, 1, 1]);
    expect(a.has('use_cudnn_on_gpu')).toBe(true);
    expect(a.has('nonexistent')).toBe(false);
  });
  it('reads every attr kind', () => {
    const a = makeAttrs({
      T: A.type(DataType.INT64), f: A.f(0.5), b: A.b(true), sh: A.shape([-1, 3]), unk: A.shape(null),
      fn: A.func('__inference_body_12'), l: A.strs(['ROW_SPLITS']), tl: A.types([DataType.FLOAT, DataType.STRING]),
      empty: {} as AttrValue, zero: { value: 'i' } as AttrValue,
    });
    expect(a.dtype('T')).toBe('int32');
    expect(a.tfType('T')).toBe(DataType.INT64);
    expect(a.float('f')).toBe(0.5);
    expect(a.bool('b')).toBe(true);
    expect(a.shape('sh')).toEqual([-1, 3]);
    expect(a.shape('unk')).toBeNull();
    expect(a.func('fn')).toBe('__inference_body_12');
    expect(a.strs('l')).toEqual(['ROW_SPLITS']);
    expect(a.types('tl')).toEqual([DataType.FLOAT, DataType.STRING]);
    expect(a.ints('empty')).toEqual([]); // an AttrValue with nothing set is an empty list
    const decodedEmpty = decodeMessage<AttrValue>('AttrValue', new Uint8Array(0), 'test');
    expect(makeAttrs({ squeeze_dims: decodedEmpty }, def('Squeeze')).ints('squeeze_dims')).toEqual([]);
    const decodedZero = decodeMessage<AttrValue>('AttrValue', encodeMessage('AttrValue', { i: 0 }), 'test');
    expect(makeAttrs({ axis: decodedZero }).int('axis')).toBe(0);
    expect(a.int('zero')).toBe(0); // proto3 zero values are not on the wire
    expect(a.int('missing', 7)).toBe(7);
    expect(() => a.int('missing')).toThrow(/missing/);
    expect(() => a.int('f')).toThrow(/int/);
  });
});

describe.skipIf(!haveFixtures)('op table vs the 55 fixture SavedModels', () => {
  const stripped = new Map<string, OpDef>();
  const used = new Map<string, string>();
  if (haveFixtures) {
    for (const slug of fs.readdirSync(fixtures)) {
      const file = path.join(fixtures, slug, 'saved_model.pb');
      if (!fs.existsSync(file)) continue;
      const sm = decodeSavedModel(new Uint8Array(fs.readFileSync(file)), file);
      for (const mg of sm.metaGraphs) {
        for (const op of mg.metaInfoDef?.strippedOpList?.op ?? []) stripped.set(op.name, op);
        for (const n of mg.graphDef?.node ?? []) used.set(n.op, slug);
        for (const f of mg.graphDef?.library?.function ?? []) for (const n of f.nodeDef) used.set(n.op, slug);
      }
    }
  }

  it('matches every stripped_op_list entry: arg names, arg types, attr defaults', () => {
    expect(stripped.size).toBeGreaterThan(100);
    const problems: string[] = [];
    const norm = (v: AttrValue | null | undefined): unknown => {
      if (!v || v.value === undefined) return undefined;
      const x = v[v.value];
      if (v.value === 'f') return Math.fround(Number(x));
      if (v.value === 's') return new TextDecoder().decode(x as Uint8Array);
      if (v.value === 'list') {
        const l = v.list!;
        return JSON.stringify({ i: (l.i ?? []).map(Number), s: (l.s ?? []).map((b) => new TextDecoder().decode(b)), type: l.type ?? [],
          shape: (l.shape ?? []).map((s) => (s.dim ?? []).map((d) => Number(d.size))) });
      }
      if (v.value === 'shape') return JSON.stringify(v.shape!.unknownRank ? '?' : (v.shape!.dim ?? []).map((d) => Number(d.size)));
      return typeof x === 'number' ? x : JSON.stringify(x);
    };
    for (const [name, theirs] of stripped) {
      const ours = BUILTIN_OP_DEFS.get(name);
      if (!ours && NEVER_EXECUTED.has(name)) continue;
      if (!ours) {
        problems.push(`${name}: missing`);
        continue;
      }
      const sig = (args: OpDef['inputArg']) => args.map((a) => `${a.name}:${a.numberAttr ?? ''}*${a.typeAttr || a.typeListAttr || a.type}`).join(',');
      if (sig(ours.inputArg) !== sig(theirs.inputArg ?? [])) problems.push(`${name} inputs: ${sig(ours.inputArg)} vs ${sig(theirs.inputArg ?? [])}`);
      if (sig(ours.outputArg) !== sig(theirs.outputArg ?? [])) problems.push(`${name} outputs: ${sig(ours.outputArg)} vs ${sig(theirs.outputArg ?? [])}`);
      for (const a of theirs.attr ?? []) {
        const mine = ours.attr.find((x) => x.name === a.name);
        if (!mine) {
          problems.push(`${name}.${a.name}: attr missing`);
          continue;
        }
        if (norm(mine.defaultValue) !== norm(a.defaultValue)) {
          problems.push(`${name}.${a.name}: default ${String(norm(mine.defaultValue))} vs ${String(norm(a.defaultValue))}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a kernel (or leaves it to the executor) for every op the fixtures use', () => {
    const missing = [...used.keys()].filter((op) => !getKernel(op) && !EXECUTOR_OPS.has(op) && !NEVER_EXECUTED.has(op));
    expect(missing).toEqual([]);
    const undefinedOps = [...used.keys()].filter((op) => !getOpDef(op) && !NEVER_EXECUTED.has(op));
    expect(undefinedOps).toEqual([]);
  });
});
