import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { KwargsRecordingLayer, shapeList, splitInputs, tensorList, type Kwargs } from './call-args.js';
import { EinsumDense } from './einsum-dense.js';
import { einsum2 } from './einsum.js';
import { layerBaseArgs, serializeObject } from './keras-objects.js';
import { normAxis } from './shape-utils.js';
import { consumeMask, eagerMask, maskConsumed } from './tfjs-shims.js';

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
 * Keras' implicit masks of the inputs (Embedding(mask_zero), Masking) are honoured as Keras 3 does: the query's
 * mask [B, T, 1], the value's [B, 1, S] and an explicitly given key's, and-ed with attention_mask and the causal
 * mask; the output carries the query's mask.
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
  /**
   * Keras 3.10+ (keras-team/keras#21149): the masked Softmax zeroes masked positions, so a fully masked row (a padded
   * query) attends to nothing instead of uniformly, on the path that uses it (dropout > 0, attention scores
   * returned, or inputs above rank 3; else Keras calls ops.dot_product_attention, which keeps the uniform row).
   * Set by the .keras/.h5 loader from the file's Keras version; Keras 2 and Keras 3 before 3.10 keep the uniform row.
   */
  zeroMaskedScores = false;
  /** Keras 3: the call deletes its inputs' Keras masks (consumeMask). Set by the .keras/.h5 loader for Keras 3 files. */
  consumesInputMasks = false;
  /** Whether the last call returned [output, scores] (computeMask must match the output count). */
  private scoresReturned = false;
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
    this.supportsMasking = true;
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

  /**
   * The Keras masks of the query, value and key inputs: one per input from a model's call (tfjs hands a list),
   * the first input's alone from predict's executor (the others from the masks eager outputs carry).
   */
  private implicitMasks(tensors: tf.Tensor[], kwargs: Kwargs, given: unknown): (tf.Tensor | null)[] {
    const at = this.roles(tensors.map((_, i) => i), kwargs);
    const maskOf = (i: number): tf.Tensor | null => {
      if (maskConsumed(tensors[i])) return null;
      if (Array.isArray(given)) return given[i] instanceof tf.Tensor ? given[i] : null;
      if (i === 0 && given instanceof tf.Tensor) return given;
      return eagerMask(tensors[i]);
    };
    const query = maskOf(at.query);
    const value = maskOf(at.value);
    const key = at.key === at.value ? null : maskOf(at.key);
    return [query ? tf.expandDims(query, -1) : null, value ? tf.expandDims(value, -2) : null, key ? tf.expandDims(key, -2) : null];
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const n = Array.isArray(inputs) ? inputs.length : 1;
    const at = this.roles(Array.from({ length: n }, (_, i) => i), this.recordedKwargs);
    const query = (Array.isArray(mask) ? mask[at.query] : at.query === 0 ? mask : null) ?? null;
    // Keras sets the query's mask on the attention output only (not on the scores). tfjs asks right after the
    // call, whose kwargs may have asked for the scores.
    const scores = this.scoresReturned || this.flag(this.recordedKwargs, 'return_attention_scores', 'returnAttentionScores');
    return (scores ? [query, null] : query) as tf.Tensor | tf.Tensor[];
  }

  private maskedSoftmax(scores: tf.Tensor, mask: tf.Tensor | null, zero: boolean): tf.Tensor {
    const att = this.attention!;
    let x = scores;
    let m: tf.Tensor | null = null;
    if (mask) {
      m = mask.dtype === 'bool' ? mask : tf.cast(mask, 'bool');
      const at = -att.axes.length * 2 - 1;
      while (m.rank < x.rank) m = tf.expandDims(m, at);
      x = this.robustMasking ? tf.where(m, x, tf.fill(x.shape, -1e9)) : tf.add(x, tf.mul(tf.sub(1, tf.cast(m, 'float32')), -1e9));
    }
    const normAxes = Array.from({ length: att.axes.length }, (_, i) => att.scoresRank - att.axes.length + i);
    const p = normAxes.length === 1 && normAxes[0] === x.rank - 1 ? tf.softmax(x) : tf.exp(tf.sub(x, tf.logSumExp(x, normAxes, true)));
    return m && zero ? tf.mul(p, tf.cast(m, p.dtype)) : p;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const r = this.roles(tensorList(inputs), this.effectiveKwargs(kwargs));
      if (!this.queryDense) this.buildFromSignature(r.query.shape, r.value.shape, r.key === r.value ? null : r.key.shape);
      // Keras' _compute_attention_mask: the inputs' masks and the causal mask and-ed, then with attention_mask.
      let auto: tf.Tensor | null = null;
      const and = (a: tf.Tensor | null, b: tf.Tensor) => (a ? tf.logicalAnd(a, tf.cast(b, 'bool')) : tf.cast(b, 'bool'));
      for (const m of this.implicitMasks(tensorList(inputs), this.effectiveKwargs(kwargs), kwargs?.['mask'])) if (m) auto = and(auto, m);
      if (this.flag(r.values, 'use_causal_mask', 'useCausalMask')) {
        const t = r.query.shape[1] as number;
        const s = r.value.shape[1] as number;
        auto = and(auto, tf.linalg.bandPart(tf.ones([1, t, s], 'int32'), -1, 0));
      }
      const mask: tf.Tensor | null = r.mask ? (auto ? and(auto, r.mask) : r.mask) : auto;
      const query = tf.mul(this.queryDense!.call(r.query) as tf.Tensor, 1 / Math.sqrt(this.keyDim));
      const key = this.keyDense!.call(r.key) as tf.Tensor;
      const value = this.valueDense!.call(r.value) as tf.Tensor;
      const returnScores = this.flag(r.values, 'return_attention_scores', 'returnAttentionScores');
      this.scoresReturned = returnScores;
      const softmaxPath = this.dropout > 0 || returnScores || r.query.rank !== 3;
      const scores = this.maskedSoftmax(einsum2(this.attention!.dot, key, query), mask, this.zeroMaskedScores && softmaxPath);
      // Dropout on the scores is identity at inference.
      const combined = einsum2(this.attention!.combine, scores, value);
      const out = this.outputDense!.call(combined) as tf.Tensor;
      if (this.consumesInputMasks) for (const t of new Set([r.query, r.value, r.key])) consumeMask(t);
      return returnScores ? [out, scores] : out;
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
