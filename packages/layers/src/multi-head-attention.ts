import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { KwargsRecordingLayer, shapeList, splitInputs, tensorList, type Kwargs } from './call-args.js';
import { EinsumDense } from './einsum-dense.js';
import { einsum2 } from './einsum.js';
import { layerBaseArgs, serializeObject } from './keras-objects.js';
import { normAxis } from './shape-utils.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  outputShape?: number | number[] | null;
  attentionAxes?: number | number[] | null;
  kernelInitializer?: unknown;
  biasInitializer?: unknown;
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  biasConstraint?: unknown;
  /** Input shapes saved by Keras ≥ 2.9 once built; the sublayers are then built at construction. */
  queryShape?: Dim[] | null;
  keyShape?: Dim[] | null;
  valueShape?: Dim[] | null;
  softmaxRobustMasking?: boolean;
}

const CHR = 'abcdefghijklmnopqrstuvwxyz';

/** Keras `_build_proj_equation`: free dims pass through, bound dims contract, output dims come from the kernel. */
export function buildProjEquation(freeDims: number, boundDims: number, outputDims: number): { equation: string; biasAxes: string; outputRank: number } {
  let input = '';
  let kernel = '';
  let output = '';
  let bias = '';
  let k = 0;
  for (let i = 0; i < freeDims; i++, k++) {
    input += CHR[k];
    output += CHR[k];
  }
  for (let i = 0; i < boundDims; i++, k++) {
    input += CHR[k];
    kernel += CHR[k];
  }
  for (let i = 0; i < outputDims; i++, k++) {
    kernel += CHR[k];
    output += CHR[k];
    bias += CHR[k];
  }
  return { equation: `${input},${kernel}->${output}`, biasAxes: bias, outputRank: output.length };
}

/** Keras `_build_attention_equation`: the scores and combine einsums for projected tensors of `rank`. */
export function buildAttentionEquation(rank: number, attnAxes: number[]): { dot: string; combine: string; scoresRank: number } {
  const target = CHR.slice(0, rank);
  const batchDims: number[] = [];
  for (let i = 0; i < rank; i++) if (!attnAxes.includes(i) && i !== rank - 1) batchDims.push(i);
  let offset = rank;
  let source = '';
  for (let i = 0; i < rank; i++) source += batchDims.includes(i) || i === rank - 1 ? target[i] : CHR[offset++];
  const product = batchDims.map((i) => target[i]).join('') + attnAxes.map((i) => target[i]).join('') + attnAxes.map((i) => source[i]).join('');
  return { dot: `${source},${target}->${product}`, combine: `${product},${source}->${target}`, scoresRank: product.length };
}

/** A sublayer argument as config: identifiers and configs as given, instances serialized. */
function configOf(v: unknown): tf.serialization.ConfigDictValue {
  if (v == null) return null;
  if (typeof v === 'string' || (typeof v === 'object' && ('className' in (v as object) || 'class_name' in (v as object)))) {
    return v as tf.serialization.ConfigDictValue;
  }
  return serializeObject(v);
}

const getOutputShape = (rank: number, known: number[]): Dim[] => [...Array<Dim>(rank - known.length).fill(null), ...known];

/**
 * Keras `MultiHeadAttention` (inference): query/key/value EinsumDense projections named
 * query/key/value and attention_output, scaled dot-product scores, softmax over the attention
 * axes, dropout as identity. Call as `apply([query, value])`, `apply([query, value, key])` or
 * `apply(query, {value, key, attention_mask, return_attention_scores, use_causal_mask})`.
 * Keras' implicit masks from masked inputs (`_keras_mask`) are not propagated.
 */
export class MultiHeadAttention extends KwargsRecordingLayer {
  static className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShapeArg: number | number[] | null;
  private attentionAxesArg: number[] | null;
  private readonly sublayerArgs: Record<string, unknown>;
  private readonly robustMasking: boolean;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  private shapes: { query: Dim[]; key: Dim[]; value: Dim[] } | null = null;
  private attention: { axes: number[]; dot: string; combine: string; scoresRank: number } | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropout = args.dropout ?? 0;
    this.useBias = args.useBias ?? true;
    this.outputShapeArg = args.outputShape ?? null;
    const axes = args.attentionAxes;
    this.attentionAxesArg = axes == null ? null : Array.isArray(axes) ? [...axes] : [axes];
    this.robustMasking = args.softmaxRobustMasking ?? false;
    this.sublayerArgs = {
      kernelInitializer: args.kernelInitializer,
      biasInitializer: args.biasInitializer,
      kernelRegularizer: args.kernelRegularizer,
      biasRegularizer: args.biasRegularizer,
      kernelConstraint: args.kernelConstraint,
      biasConstraint: args.biasConstraint,
      dtype: this.dtype,
    };
    if (args.queryShape && args.valueShape) {
      this.buildFromSignature(args.queryShape, args.valueShape, args.keyShape ?? null);
      this.built = true;
    }
  }

  /** Keras `_build_from_signature`: creates the four projections for these input shapes. */
  buildFromSignature(query: Dim[], value: Dim[], key: Dim[] | null): void {
    const keyShape = key ?? value;
    this.shapes = { query: [...query], key: [...keyShape], value: [...value] };
    const dense = (name: string, rank: number, bound: number, outDims: number[]) => {
      const p = buildProjEquation(rank, bound, outDims.length);
      const layer = new EinsumDense({
        name,
        equation: p.equation,
        outputShape: getOutputShape(p.outputRank - 1, outDims),
        biasAxes: this.useBias ? p.biasAxes : null,
        ...this.sublayerArgs,
      } as never);
      return { layer, outputRank: p.outputRank };
    };
    const q = dense('query', query.length - 1, 1, [this.numHeads, this.keyDim]);
    const k = dense('key', keyShape.length - 1, 1, [this.numHeads, this.keyDim]);
    const v = dense('value', value.length - 1, 1, [this.numHeads, this.valueDim]);
    q.layer.build(query);
    k.layer.build(keyShape);
    v.layer.build(value);
    this.queryDense = q.layer;
    this.keyDense = k.layer;
    this.valueDense = v.layer;
    const rank = v.outputRank;
    const axes = (this.attentionAxesArg ?? Array.from({ length: Math.max(0, rank - 3) }, (_, i) => i + 1)).map((a) => normAxis(a, rank, 'attention axis'));
    const eqs = buildAttentionEquation(rank, axes);
    this.attention = { axes, ...eqs };
    const outShape = this.outputShapeArg == null ? [query[query.length - 1] as number] : Array.isArray(this.outputShapeArg) ? this.outputShapeArg : [this.outputShapeArg];
    const o = dense('attention_output', query.length - 1, 2, outShape);
    const combined: Dim[] = [...query.slice(0, -1), this.numHeads, this.valueDim];
    o.layer.build(combined);
    this.outputDense = o.layer;
  }

  private sublayers(): EinsumDense[] {
    return [this.queryDense, this.keyDense, this.valueDense, this.outputDense].filter((l): l is EinsumDense => l !== null);
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    if (!this.trainable) return [];
    return this.sublayers().flatMap((l) => l.trainableWeights);
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    if (!this.trainable) return this.sublayers().flatMap((l) => l.weights);
    return this.sublayers().flatMap((l) => l.nonTrainableWeights);
  }

  /** query / value / key shapes (or tensors) among the inputs and kwargs of one call. */
  private roles<T>(items: T[], kwargs: Kwargs): { query: T; value: T; key: T; mask?: T; values: Kwargs } {
    const { positional, refs, values } = splitInputs(items, kwargs);
    const query = positional[0];
    const value = refs['value'] ?? positional[1];
    if (query === undefined || value === undefined) throw new RangeError(`${this.name}: MultiHeadAttention needs a query and a value input`);
    const key = refs['key'] ?? positional[2] ?? value;
    const mask = refs['attention_mask'] ?? refs['attentionMask'] ?? positional[3];
    return { query, value, key, mask, values };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    if (!this.queryDense) {
      const r = this.roles(shapeList(inputShape), this.recordedKwargs);
      this.buildFromSignature(r.query, r.value, r.key === r.value ? null : r.key);
    }
    this.built = true;
  }

  private flag(values: Kwargs, snake: string, camel: string): boolean {
    return Boolean(values[snake] ?? values[camel] ?? false);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const r = this.roles(shapeList(inputShape), this.recordedKwargs);
    const outDims = this.outputShapeArg == null ? [r.query[r.query.length - 1]] : Array.isArray(this.outputShapeArg) ? this.outputShapeArg : [this.outputShapeArg];
    const out: tfl.Shape = [...r.query.slice(0, -1), ...outDims];
    if (!this.flag(r.values, 'return_attention_scores', 'returnAttentionScores') || !this.attention) return out;
    // Scores: letters of the product notation, sized from the projected key (source) and query (target).
    const [source, target, product] = this.attention.dot.split(/,|->/);
    const size = new Map<string, Dim>();
    const projKey: Dim[] = [...r.key.slice(0, -1), this.numHeads, this.keyDim];
    const projQuery: Dim[] = [...r.query.slice(0, -1), this.numHeads, this.keyDim];
    source.split('').forEach((c, i) => size.set(c, projKey[i]));
    target.split('').forEach((c, i) => size.set(c, projQuery[i] ?? size.get(c) ?? null));
    return [out, product.split('').map((c) => size.get(c) ?? null)];
  }

  private maskedSoftmax(scores: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    const att = this.attention!;
    let x = scores;
    if (mask) {
      let m = mask.dtype === 'bool' ? mask : tf.cast(mask, 'bool');
      const at = -att.axes.length * 2 - 1;
      while (m.rank < x.rank) m = tf.expandDims(m, at);
      x = this.robustMasking ? tf.where(m, x, tf.fill(x.shape, -1e9)) : tf.add(x, tf.mul(tf.sub(1, tf.cast(m, 'float32')), -1e9));
    }
    const normAxes = Array.from({ length: att.axes.length }, (_, i) => att.scoresRank - att.axes.length + i);
    if (normAxes.length === 1 && normAxes[0] === x.rank - 1) return tf.softmax(x);
    return tf.exp(tf.sub(x, tf.logSumExp(x, normAxes, true)));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const r = this.roles(tensorList(inputs), this.effectiveKwargs(kwargs));
      if (!this.queryDense) this.buildFromSignature(r.query.shape, r.value.shape, r.key === r.value ? null : r.key.shape);
      let mask: tf.Tensor | null = r.mask ?? null;
      if (this.flag(r.values, 'use_causal_mask', 'useCausalMask')) {
        const t = r.query.shape[1] as number;
        const s = r.value.shape[1] as number;
        const causal = tf.linalg.bandPart(tf.ones([1, t, s], 'int32'), -1, 0);
        const c = tf.cast(causal, 'bool');
        mask = mask ? tf.logicalAnd(tf.cast(mask, 'bool'), c) : c;
      }
      const query = tf.mul(this.queryDense!.call(r.query) as tf.Tensor, 1 / Math.sqrt(this.keyDim));
      const key = this.keyDense!.call(r.key) as tf.Tensor;
      const value = this.valueDense!.call(r.value) as tf.Tensor;
      const scores = this.maskedSoftmax(einsum2(this.attention!.dot, key, query), mask);
      // Dropout on the scores is identity at inference.
      const combined = einsum2(this.attention!.combine, scores, value);
      const out = this.outputDense!.call(combined) as tf.Tensor;
      return this.flag(r.values, 'return_attention_scores', 'returnAttentionScores') ? [out, scores] : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const a = this.sublayerArgs;
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShapeArg,
      attentionAxes: this.attention?.axes ?? this.attentionAxesArg,
      kernelInitializer: configOf(a['kernelInitializer']),
      biasInitializer: configOf(a['biasInitializer']),
      kernelRegularizer: configOf(a['kernelRegularizer']),
      biasRegularizer: configOf(a['biasRegularizer']),
      kernelConstraint: configOf(a['kernelConstraint']),
      biasConstraint: configOf(a['biasConstraint']),
      queryShape: this.shapes?.query ?? null,
      keyShape: this.shapes?.key ?? null,
      valueShape: this.shapes?.value ?? null,
    };
  }
}
