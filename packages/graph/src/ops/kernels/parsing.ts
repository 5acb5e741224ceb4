import * as tf from '@tensorflow/tfjs-core';
import { DataType, decodeExample, type Example, type Feature } from '@savedkeras/proto';
import type { Kernel, KernelContext } from '../../kernel.js';
import { bad, checkedSize, stringBytes, stringsOf, tensorAt, unsupported } from './util.js';

/**
 * RaggedTensorToTensor in the forms Keras emits (TextVectorization: ROW_SPLITS, or
 * FIRST_DIM_SIZE + VALUE_ROWIDS): tfjs' raggedTensorToTensor is a port of TensorFlow's kernel.
 */
const raggedToTensor: Kernel = (inputs, attrs, ctx) => {
  const n = attrs.int('num_row_partition_tensors');
  const types = attrs.strs('row_partition_types');
  if (types.length !== n) throw bad(ctx, `row_partition_types has ${types.length} entries for ${n} partition tensors`);
  for (const t of types) {
    if (t !== 'ROW_SPLITS' && t !== 'VALUE_ROWIDS' && t !== 'FIRST_DIM_SIZE') throw unsupported(ctx, `row partition type ${t}`);
  }
  const shapeIn = tensorAt(inputs, 0, ctx);
  const values = tensorAt(inputs, 1, ctx);
  const def = tensorAt(inputs, 2, ctx);
  const parts: tf.Tensor[] = [];
  for (let i = 0; i < n; i++) parts.push(tensorAt(inputs, 3 + i, ctx));
  // TF reads a scalar -1 (or an empty vector) as "unknown rank"; tfjs wants one entry per output dim
  const raggedRank = types[0] === 'FIRST_DIM_SIZE' ? n - 1 : n;
  const unknown = shapeIn.rank === 0 ? Number(shapeIn.dataSync()[0]) === -1 : shapeIn.size === 0;
  const shape = unknown ? tf.fill([values.rank + raggedRank], -1, 'int32') : shapeIn;
  // tfjs registers this kernel for the cpu and webgl backends only: elsewhere (wasm) the ragged
  // rank-1 forms Keras emits are densified here. tfjs' kernel also refuses string values ("must be
  // numeric"): string TextVectorization exports (split, then to_tensor) take the same JS path.
  if (raggedRank === 1 && (values.dtype === 'string' || (tf.getBackend() !== 'cpu' && tf.getBackend() !== 'webgl'))) {
    return [raggedRank1ToTensor(shapeIn, unknown, values, def, parts, types, ctx)];
  }
  if (values.dtype === 'string') throw unsupported(ctx, `string values with ragged rank ${raggedRank} (only ragged rank 1 runs)`);
  return [tf.raggedTensorToTensor(shape, values, def, parts, types)];
};

/** Ragged rank 1 (row splits, or first-dim size + value row ids) to a dense [rows, cols, ...] tensor. */
function raggedRank1ToTensor(shapeIn: tf.Tensor, unknownShape: boolean, values: tf.Tensor, def: tf.Tensor, parts: tf.Tensor[], types: string[], ctx: KernelContext): tf.Tensor {
  const inner = values.shape.slice(1);
  const innerSize = inner.reduce((a, b) => a * b, 1);
  let rowOf: Int32Array;
  let nRows: number;
  if (types[0] === 'ROW_SPLITS') {
    const splits = Int32Array.from(parts[0].dataSync() as ArrayLike<number>);
    nRows = Math.max(splits.length - 1, 0);
    rowOf = new Int32Array(values.shape[0] ?? 0);
    for (let r = 0; r < nRows; r++) for (let i = splits[r]; i < splits[r + 1] && i < rowOf.length; i++) rowOf[i] = r;
  } else {
    nRows = Number(parts[0].dataSync()[0]);
    rowOf = Int32Array.from(parts[1].dataSync() as ArrayLike<number>);
  }
  const rowLen = new Int32Array(Math.max(nRows, 0));
  const colOf = new Int32Array(rowOf.length);
  for (let i = 0; i < rowOf.length; i++) colOf[i] = rowLen[rowOf[i]]++;
  const want = unknownShape ? [] : Array.from(shapeIn.dataSync() as ArrayLike<number>);
  const rows = want[0] !== undefined && want[0] >= 0 ? want[0] : nRows;
  const cols = want[1] !== undefined && want[1] >= 0 ? want[1] : rowLen.reduce((a, b) => Math.max(a, b), 0);
  const outShape = [rows, cols, ...inner];
  const n = checkedSize(outShape, ctx);
  const src = values.dataSync();
  const fill = def.dataSync()[0];
  if (values.dtype === 'string') {
    const out: unknown[] = new Array(n).fill(fill);
    for (let i = 0; i < rowOf.length; i++) {
      if (rowOf[i] >= rows || colOf[i] >= cols) continue;
      for (let k = 0; k < innerSize; k++) out[(rowOf[i] * cols + colOf[i]) * innerSize + k] = src[i * innerSize + k];
    }
    return tf.tensor(out as string[], outShape, 'string');
  }
  const out = values.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  out.fill(Number(fill));
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i] >= rows || colOf[i] >= cols) continue;
    for (let k = 0; k < innerSize; k++) out[(rowOf[i] * cols + colOf[i]) * innerSize + k] = Number(src[i * innerSize + k]);
  }
  return tf.tensor(out, outShape, values.dtype);
}

/** Feature values: numbers, or raw bytes for bytes_list (binary-safe, e.g. encoded images). */
type Vals = (number | Uint8Array)[];

/** The values of one feature as the requested TF type; a feature of another kind is an error. */
function featureValues(f: Feature | undefined, tfType: number, key: string, ctx: KernelContext): Vals | undefined {
  if (!f) return undefined;
  const want = tfType === DataType.FLOAT ? 'floatList' : tfType === DataType.INT64 ? 'int64List' : tfType === DataType.STRING ? 'bytesList' : undefined;
  if (!want) throw unsupported(ctx, `ParseExampleV2 feature type ${tfType}`);
  const kind = f.kind ?? (f.floatList ? 'floatList' : f.int64List ? 'int64List' : f.bytesList ? 'bytesList' : undefined);
  if (kind === undefined) return [];
  if (kind !== want) throw bad(ctx, `feature "${key}" holds a ${kind} but the graph expects ${want}`);
  if (kind === 'bytesList') return f.bytesList?.value ?? [];
  if (kind === 'floatList') return f.floatList?.value ?? [];
  return (f.int64List?.value ?? []).map(Number);
}

function dtypeOf(tfType: number): 'float32' | 'int32' | 'string' {
  return tfType === DataType.FLOAT ? 'float32' : tfType === DataType.STRING ? 'string' : 'int32';
}

function makeTensor(vals: Vals, shape: number[], tfType: number): tf.Tensor {
  const dtype = dtypeOf(tfType);
  return dtype === 'string' ? tf.tensor(vals as Uint8Array[], shape, 'string') : tf.tensor(vals as number[], shape, dtype);
}

/**
 * ParseExampleV2: decodes serialized tf.Example protos (a scalar or a 1-D batch) into
 *  - dense features (dense_keys / Tdense / dense_shapes; a missing feature takes dense_defaults, an
 *    empty default makes it required; a leading -1 dim means variable length padded with the default);
 *  - sparse features (SparseTensor triple per key);
 *  - ragged features (values + row_splits per key; a scalar input is parsed as a batch of one).
 */
const parseExampleV2: Kernel = (inputs, attrs, ctx) => {
  const serialized = tensorAt(inputs, 0, ctx);
  if (serialized.rank > 1) throw bad(ctx, `serialized must be a scalar or 1-D, got [${serialized.shape}]`);
  const batched = serialized.rank === 1;
  const sparseKeys = stringsOf(tensorAt(inputs, 2, ctx));
  const denseKeys = stringsOf(tensorAt(inputs, 3, ctx));
  const raggedKeys = stringsOf(tensorAt(inputs, 4, ctx));
  const tdense = attrs.types('Tdense');
  const denseShapes = (attrs.raw('dense_shapes')?.list?.shape ?? []).map((s) => {
    if (s.unknownRank) throw unsupported(ctx, 'ParseExampleV2 dense feature of unknown rank');
    return (s.dim ?? []).map((d) => Number(d.size));
  });
  const sparseTypes = attrs.types('sparse_types');
  const raggedTypes = attrs.types('ragged_value_types');
  const splitTypes = attrs.types('ragged_split_types');
  if (tdense.length !== denseKeys.length || denseShapes.length !== denseKeys.length) {
    throw bad(ctx, `${denseKeys.length} dense keys but ${tdense.length} Tdense and ${denseShapes.length} dense_shapes`);
  }
  if (sparseTypes.length !== sparseKeys.length || attrs.int('num_sparse', 0) !== sparseKeys.length) {
    throw bad(ctx, `${sparseKeys.length} sparse keys but num_sparse=${attrs.int('num_sparse', 0)} and ${sparseTypes.length} sparse_types`);
  }
  if (raggedTypes.length !== raggedKeys.length || splitTypes.length !== raggedKeys.length) {
    throw bad(ctx, `${raggedKeys.length} ragged keys but ${raggedTypes.length} value types and ${splitTypes.length} split types`);
  }
  const examples: Example[] = stringBytes(serialized).map((b, i) => decodeExample(b, `serialized tf.Example ${i}`));
  const featuresOf = (e: Example) => e.features?.feature ?? {};
  const batch = examples.length;

  const sparseIdx: tf.Tensor[] = [];
  const sparseVal: tf.Tensor[] = [];
  const sparseShape: tf.Tensor[] = [];
  sparseKeys.forEach((key, k) => {
    const idx: number[] = [];
    const vals: Vals = [];
    let maxLen = 0;
    examples.forEach((e, b) => {
      const v = featureValues(featuresOf(e)[key], sparseTypes[k]!, key, ctx) ?? [];
      v.forEach((x, j) => {
        if (batched) idx.push(b, j);
        else idx.push(j);
        vals.push(x);
      });
      maxLen = Math.max(maxLen, v.length);
    });
    const rank = batched ? 2 : 1;
    sparseIdx.push(tf.tensor2d(idx, [vals.length, rank], 'int32'));
    sparseVal.push(makeTensor(vals, [vals.length], sparseTypes[k]!));
    sparseShape.push(tf.tensor1d(batched ? [batch, maxLen] : [maxLen], 'int32'));
  });

  const dense: tf.Tensor[] = denseKeys.map((key, j) => {
    const type = tdense[j]!;
    const shape = denseShapes[j]!;
    const def = tensorAt(inputs, 5 + j, ctx);
    const defVals: Vals = def.dtype === 'string' ? stringBytes(def) : Array.from(def.dataSync() as ArrayLike<number>);
    const variable = shape.length > 0 && shape[0] === -1;
    const inner = checkedSize(variable ? shape.slice(1) : shape, ctx);
    const perExample: Vals[] = examples.map((e) => {
      const v = featureValues(featuresOf(e)[key], type, key, ctx);
      if (v === undefined) {
        if (defVals.length === 0) throw bad(ctx, `feature "${key}" is required but missing from an example`);
        if (variable) return [];
        if (defVals.length === inner) return defVals;
        if (defVals.length === 1) return new Array(inner).fill(defVals[0]);
        throw bad(ctx, `default of feature "${key}" has ${defVals.length} values for shape [${shape}]`);
      }
      if (variable ? v.length % Math.max(inner, 1) !== 0 : v.length !== inner) {
        throw bad(ctx, `feature "${key}" has ${v.length} values, which does not fit shape [${shape}]`);
      }
      return v;
    });
    let outShape = shape;
    let flat: Vals;
    if (variable) {
      const rows = Math.max(0, ...perExample.map((v) => (inner === 0 ? 0 : v.length / inner)));
      const pad = defVals.length > 0 ? defVals[0]! : type === DataType.STRING ? new Uint8Array(0) : 0;
      outShape = [rows, ...shape.slice(1)];
      checkedSize([batch, ...outShape], ctx);
      flat = perExample.flatMap((v) => [...v, ...new Array(rows * inner - v.length).fill(pad)]);
    } else flat = perExample.flat();
    return makeTensor(flat, batched ? [batch, ...outShape] : outShape, type);
  });

  const raggedVals: tf.Tensor[] = [];
  const raggedSplits: tf.Tensor[] = [];
  raggedKeys.forEach((key, k) => {
    const vals: Vals = [];
    const splits = [0];
    for (const e of examples) {
      const v = featureValues(featuresOf(e)[key], raggedTypes[k]!, key, ctx) ?? [];
      vals.push(...v);
      splits.push(vals.length);
    }
    raggedVals.push(makeTensor(vals, [vals.length], raggedTypes[k]!));
    raggedSplits.push(tf.tensor1d(splits, 'int32'));
  });

  return [...sparseIdx, ...sparseVal, ...sparseShape, ...dense, ...raggedVals, ...raggedSplits];
};

export const PARSING_KERNELS: Record<string, Kernel> = {
  RaggedTensorToTensor: raggedToTensor,
  ParseExampleV2: parseExampleV2,
};
