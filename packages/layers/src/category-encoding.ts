import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export type EncodingMode = 'int' | 'one_hot' | 'multi_hot' | 'count' | 'tf_idf';

/**
 * A Keras output_mode in any spelling it reaches us in: Python (`multi_hot`), tfjs-camelCased
 * (`multiHot`) or TF 2.4 (`binary`, `tf-idf`).
 */
export function normalizeOutputMode(mode: unknown, fallback: EncodingMode): EncodingMode {
  if (mode == null) return fallback;
  const m = String(mode).toLowerCase().replace(/[^a-z]/g, '');
  switch (m) {
    case 'int':
      return 'int';
    case 'onehot':
      return 'one_hot';
    case 'multihot':
    case 'binary':
      return 'multi_hot';
    case 'count':
      return 'count';
    case 'tfidf':
      return 'tf_idf';
    default:
      throw new UnsupportedLayerError(`unknown output_mode "${String(mode)}"`);
  }
}

/**
 * Keras `encode_categorical_inputs` over integer indices: one-hot / multi-hot / count / tf-idf
 * along the last axis. Rank 0 becomes rank 1; one_hot adds a last axis of 1 unless there is one;
 * a rank-1 input is ONE sample ([depth] out), a rank-2 input a batch ([batch, depth]).
 * Indices outside [0, depth) are dropped, as tf.math.bincount with maxlength does.
 */
export function encodeCategorical(
  indices: ArrayLike<number>,
  shape: readonly number[],
  mode: Exclude<EncodingMode, 'int'>,
  depth: number,
  opts: { countWeights?: ArrayLike<number>; idfWeights?: ArrayLike<number> } = {},
): tf.Tensor {
  let s = shape.length === 0 ? [1] : [...shape];
  if (mode === 'one_hot' && s[s.length - 1] !== 1) s = [...s, 1];
  if (s.length > 2) throw new InputMismatchError(`categorical encoding takes inputs of rank <= 2, got shape [${shape.join(', ')}]`);
  const rows = s.length === 1 ? 1 : s[0];
  const cols = s.length === 1 ? s[0] : s[1];
  const out = new Float32Array(rows * depth);
  const binary = mode === 'one_hot' || mode === 'multi_hot';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = indices[i];
      if (v < 0 || v >= depth || !Number.isInteger(v)) continue;
      const w = opts.countWeights ? opts.countWeights[i] : 1;
      if (binary) out[r * depth + v] = 1;
      else out[r * depth + v] += w;
    }
  }
  if (mode === 'tf_idf') {
    const idf = opts.idfWeights;
    if (!idf) throw new UnsupportedLayerError('output_mode tf_idf needs idf weights');
    for (let r = 0; r < rows; r++) for (let d = 0; d < depth; d++) out[r * depth + d] *= idf[d] ?? 0;
  }
  return tf.tensor(out, s.length === 1 ? [depth] : [rows, depth], 'float32');
}

export interface CategoryEncodingArgs extends LayerArgs {
  numTokens?: number;
  /** TF 2.4 name of num_tokens. */
  maxTokens?: number;
  outputMode?: string;
  sparse?: boolean;
}

/**
 * Keras `CategoryEncoding` (replaces tfjs' class, which ignores TF 2.4 configs): integer inputs
 * in [0, num_tokens) to one_hot / multi_hot / count vectors; an input outside the range is an
 * error, as Keras' assertion makes it. TF 2.4 configs (`max_tokens`, `binary`) get TF 2.4's
 * behaviour of treating a rank-1 input as a batch of single values.
 */
export class CategoryEncoding extends tfl.layers.Layer {
  static className = 'CategoryEncoding';
  readonly numTokens: number;
  readonly outputMode: Exclude<EncodingMode, 'int' | 'tf_idf'>;
  readonly sparse: boolean;
  /** TF 2.4 semantics: a rank-1 input is [batch] and becomes [batch, 1]. */
  readonly legacyRank1: boolean;

  constructor(args: CategoryEncodingArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const n = args.numTokens ?? args.maxTokens;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new UnsupportedLayerError(`CategoryEncoding needs a positive num_tokens, got ${String(n)}`, { node: args.name });
    }
    this.numTokens = n;
    const mode = normalizeOutputMode(args.outputMode, 'multi_hot');
    if (mode === 'int' || mode === 'tf_idf') throw new UnsupportedLayerError(`CategoryEncoding does not support output_mode ${mode}`, { node: args.name });
    this.outputMode = mode;
    this.sparse = args.sparse ?? false;
    if (this.sparse) throw new UnsupportedLayerError('CategoryEncoding with sparse=True is not supported (tfjs has no sparse tensors)', { node: args.name });
    this.legacyRank1 = args.numTokens === undefined && args.maxTokens !== undefined;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length === 0) return [this.numTokens];
    if (s.length === 1) return this.legacyRank1 || this.outputMode === 'one_hot' ? [s[0], this.numTokens] : [this.numTokens];
    return [s[0], this.numTokens];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const weights = (kwargs?.['count_weights'] as tf.Tensor | undefined) ?? list[1];
    if (weights && this.outputMode !== 'count') throw new InputMismatchError('count_weights is only allowed with output_mode "count"');
    const values = x.dtype === 'float32' ? Array.from(x.dataSync(), Math.trunc) : Array.from(x.dataSync() as Int32Array);
    for (const v of values) {
      if (!(v >= 0 && v < this.numTokens)) {
        throw new InputMismatchError(`${this.name}: input values must be in the range 0 <= values < num_tokens with num_tokens=${this.numTokens}, got ${v}`);
      }
    }
    const shape = this.legacyRank1 && x.rank === 1 ? [x.shape[0], 1] : x.shape;
    return encodeCategorical(values, shape, this.outputMode, this.numTokens, weights ? { countWeights: weights.dataSync() as Float32Array } : {});
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode, sparse: this.sparse };
  }
}
