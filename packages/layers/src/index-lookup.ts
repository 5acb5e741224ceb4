import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, UnsupportedFeatureError, UnsupportedLayerError } from '@savedkeras/common';
import { isSymbolic, type Kwargs } from './call-args.js';
import { encodeCategorical, normalizeOutputMode, type EncodingMode } from './category-encoding.js';
import { layerBaseArgs } from './keras-objects.js';
import { fingerprint64, sipHash24 } from '@savedkeras/kernels';
import { saltKey } from './hashing.js';

const utf8 = new TextEncoder();

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
export type Token = string | number;

export interface IndexLookupArgs extends LayerArgs {
  maxTokens?: number | null;
  numOovIndices?: number;
  maskToken?: Token | null;
  oovToken?: Token | null;
  vocabulary?: Token[] | string | null;
  idfWeights?: number[] | null;
  invert?: boolean;
  outputMode?: string;
  sparse?: boolean;
  padToMaxTokens?: boolean;
  vocabularySize?: number | null;
  oovMethod?: string;
  salt?: number | number[] | null;
}

/**
 * Keras `IndexLookup` (the base of StringLookup / IntegerLookup), inference only.
 *
 * Index layout as Keras defines it: in int mode with a mask token, index 0 is the mask; then
 * `num_oov_indices` OOV indices; then the vocabulary. In other modes the mask token has no
 * index (masked inputs are dropped). The vocabulary is not in the saved config: a reviver sets it
 * after construction with `setVocabulary()` (from the saved lookup table, or the object-graph
 * constants that initialise it).
 */
export abstract class IndexLookup extends tfl.layers.Layer {
  readonly maxTokens: number | null;
  readonly numOovIndices: number;
  readonly maskToken: Token | null;
  readonly oovToken: Token | null;
  readonly invert: boolean;
  readonly outputMode: EncodingMode;
  readonly padToMaxTokens: boolean;
  /** num_oov_indices > 1: 'floormod' (integers: token mod n) or 'farmhash' (integers hashed as their decimal string). */
  readonly oovMethod: string;
  /** SipHash key of a salted OOV hash (StringToHashBucketStrong), else FarmHash64 (StringToHashBucketFast). */
  private readonly saltKey: [bigint, bigint] | null;
  private readonly salt: number | number[] | null;
  private readonly savedVocabularySize: number | null;
  private readonly tokenToIndex = new Map<Token, number>();
  private indexToToken = new Map<number, Token>();
  private vocabSize: number;
  private idfWeights: Float32Array | null = null;
  /** A vocabulary file path from the config, until the vocabulary is set from the model's assets. */
  private vocabularyFile: string | null = null;
  private vocabularySet = false;

  constructor(args: IndexLookupArgs, defaults: { maskToken: Token | null; oovToken: Token | null }) {
    super(layerBaseArgs({ ...(args as unknown as Record<string, unknown>), dtype: 'int32' }) as LayerArgs);
    this.maxTokens = args.maxTokens ?? null;
    this.numOovIndices = args.numOovIndices ?? 1;
    this.maskToken = args.maskToken === undefined ? defaults.maskToken : args.maskToken;
    this.oovToken = args.oovToken === undefined ? defaults.oovToken : args.oovToken;
    this.invert = args.invert ?? false;
    this.outputMode = normalizeOutputMode(args.outputMode, 'int');
    this.padToMaxTokens = args.padToMaxTokens ?? false;
    this.savedVocabularySize = args.vocabularySize ?? null;
    this.oovMethod = args.oovMethod ?? 'floormod';
    if (this.oovMethod !== 'floormod' && this.oovMethod !== 'farmhash') throw new UnsupportedLayerError(`${this.name}: oov_method ${JSON.stringify(this.oovMethod)} is not floormod or farmhash`);
    this.salt = args.salt ?? null;
    this.saltKey = saltKey(this.salt, this.name);
    if (this.invert && this.outputMode !== 'int') throw new UnsupportedLayerError(`${this.name}: invert needs output_mode "int"`);
    if (args.sparse) throw new UnsupportedLayerError(`${this.name}: sparse=True is not supported (tfjs has no sparse tensors)`);
    if (this.numOovIndices < 0 || !Number.isInteger(this.numOovIndices)) throw new UnsupportedLayerError(`${this.name}: bad num_oov_indices ${this.numOovIndices}`);
    this.vocabSize = this.tokenStartIndex();
    // Keras reads a vocabulary given as a file path at construction; savedkeras never opens a file a
    // config names (it may point anywhere): the vocabulary must come from the model's own assets.
    if (typeof args.vocabulary === 'string') this.vocabularyFile = args.vocabulary;
    else if (args.vocabulary) this.setVocabulary(args.vocabulary, undefined, args.idfWeights ?? undefined);
    if (args.idfWeights && !Array.isArray(args.vocabulary)) this.setIdfWeights(args.idfWeights);
  }

  /** Keys are compared as JS values: strings as text, integers as numbers (int64 as bigint -> number). */
  protected abstract normalizeToken(t: unknown): Token;

  oovStartIndex(): number {
    return this.maskToken !== null && this.outputMode === 'int' ? 1 : 0;
  }

  tokenStartIndex(): number {
    return this.oovStartIndex() + this.numOovIndices;
  }

  /**
   * Sets the vocabulary. With `indices`, the pairs are the saved lookup table as is (token ->
   * index). Without, `tokens` is a Keras vocabulary list: it may start with the special tokens
   * (mask, OOV) exactly as `get_vocabulary()` returns them; the rest get consecutive indices from
   * the first token index.
   *
   * `idfWeights` (tf_idf mode) go with a vocabulary list, one per term, as Keras `set_vocabulary`
   * takes them: when the list has no special tokens, Keras puts the mean of the weights in front for
   * the mask / OOV indices, and with pad_to_max_tokens zeros behind up to max_tokens.
   */
  setVocabulary(tokens: ArrayLike<unknown>, indices?: ArrayLike<number | bigint>, idfWeights?: ArrayLike<number>): void {
    if (idfWeights && indices) throw new RangeError(`${this.name}: idf_weights go with a vocabulary list, not a saved table`);
    const list = Array.from(tokens, (t) => this.normalizeToken(t));
    this.vocabularyFile = null;
    this.vocabularySet = true;
    this.tokenToIndex.clear();
    this.indexToToken = new Map();
    if (indices) {
      if (indices.length !== list.length) throw new RangeError(`${this.name}: ${list.length} vocabulary keys but ${indices.length} values`);
      let max = this.tokenStartIndex() - 1;
      for (let i = 0; i < list.length; i++) {
        const idx = Number(indices[i]);
        if (!Number.isInteger(idx) || idx < 0) throw new RangeError(`${this.name}: bad vocabulary index ${String(indices[i])} for ${String(list[i])}`);
        this.tokenToIndex.set(list[i], idx);
        this.indexToToken.set(idx, list[i]);
        max = Math.max(max, idx);
      }
      this.vocabSize = max + 1;
    } else {
      const start = this.tokenStartIndex();
      // Compared in place: num_oov_indices comes from the config and may be huge.
      const special = (i: number) => (i < this.oovStartIndex() ? this.maskToken : this.oovToken);
      let hasSpecial = start > 0 && list.length >= start;
      for (let i = 0; hasSpecial && i < start; i++) hasSpecial = list[i] === special(i);
      const plain = hasSpecial ? list.slice(start) : list;
      plain.forEach((t, i) => {
        if (this.tokenToIndex.has(t)) throw new RangeError(`${this.name}: the vocabulary repeats the term ${JSON.stringify(t)}`);
        if (this.maskToken !== null && t === this.maskToken) throw new RangeError(`${this.name}: found the mask token at an unexpected place in the vocabulary`);
        this.tokenToIndex.set(t, start + i);
        this.indexToToken.set(start + i, t);
      });
      this.vocabSize = start + plain.length;
      if (idfWeights) {
        if (idfWeights.length !== list.length) throw new RangeError(`${this.name}: ${idfWeights.length} idf_weights for a vocabulary of ${list.length} terms`);
        const front = hasSpecial ? 0 : start;
        const mean = front > 0 && idfWeights.length > 0 ? Array.from(idfWeights).reduce((a, b) => a + b, 0) / idfWeights.length : 0;
        const back = this.padToMaxTokens && this.maxTokens !== null ? Math.max(0, this.maxTokens - front - idfWeights.length) : 0;
        this.setIdfWeights([...Array<number>(front).fill(mean), ...Array.from(idfWeights), ...Array<number>(back).fill(0)]);
      }
    }
    if (this.maxTokens !== null && this.vocabSize > this.maxTokens) {
      throw new RangeError(`${this.name}: vocabulary size ${this.vocabSize} exceeds max_tokens ${this.maxTokens}`);
    }
  }

  /** False until a vocabulary is set or named by a file path (a .h5 file leaves an adapted lookup layer without one). */
  hasVocabulary(): boolean {
    return this.vocabularySet || this.vocabularyFile !== null;
  }

  /** TF-IDF weights, one per index (Keras layout, special tokens included). */
  setIdfWeights(weights: ArrayLike<number>): void {
    this.idfWeights = Float32Array.from(weights);
  }

  /** The vocabulary with special tokens, index i holding the token of index i (Keras get_vocabulary). */
  getVocabulary(includeSpecialTokens = true): Token[] {
    const out: Token[] = [];
    for (let i = 0; i < this.vocabSize; i++) out.push(this.indexToToken.get(i) ?? (this.oovToken as Token));
    if (this.maskToken !== null && this.outputMode === 'int' && out.length > 0) out[0] = this.maskToken;
    return includeSpecialTokens ? out : out.slice(this.tokenStartIndex());
  }

  vocabularySize(): number {
    return this.vocabSize;
  }

  /** Output width of the encoded modes. */
  depth(): number {
    if (this.padToMaxTokens && this.maxTokens !== null) return this.maxTokens;
    return this.tokenToIndex.size > 0 || this.savedVocabularySize === null ? this.vocabSize : this.savedVocabularySize;
  }

  /** Index of one token (not inverted); -1 for the masked token in the encoded modes (dropped). */
  lookupToken(raw: unknown): number {
    const t = this.normalizeToken(raw);
    if (this.maskToken !== null && t === this.maskToken) return this.outputMode === 'int' ? 0 : -1;
    const hit = this.tokenToIndex.get(t);
    if (hit !== undefined) return hit;
    if (this.numOovIndices === 0) {
      throw new InputMismatchError(`${this.name}: when num_oov_indices=0 all inputs should be in the vocabulary, found OOV value ${JSON.stringify(t)}`);
    }
    if (this.numOovIndices === 1) return this.oovStartIndex();
    const n = this.numOovIndices;
    if (typeof t === 'number' && this.oovMethod === 'floormod') return this.oovStartIndex() + (((t % n) + n) % n);
    // Keras: strings (and integers with oov_method 'farmhash', as tf.strings.as_string's decimal) go to
    // tf.strings.to_hash_bucket_fast (FarmHash Fingerprint64), or to_hash_bucket_strong (SipHash) with a salt.
    const s = typeof t === 'number' ? String(t) : t;
    const hash = this.saltKey ? sipHash24(this.saltKey[0], this.saltKey[1], utf8.encode(s)) : fingerprint64(s);
    return this.oovStartIndex() + Number(hash % BigInt(n));
  }

  /** Token of one index (inverted lookup); the OOV token for unknown indices. */
  lookupIndex(i: number): Token {
    if (this.maskToken !== null && i === 0) return this.maskToken;
    return this.indexToToken.get(i) ?? (this.oovToken as Token);
  }

  /** Indices of many tokens, for TextVectorization rows. */
  lookupTokens(tokens: readonly unknown[]): number[] {
    this.assertVocabulary();
    return tokens.map((t) => this.lookupToken(t));
  }

  /** Encodes rows of token indices (ragged allowed) as [rows, depth] for the non-int modes. */
  encodeRows(rows: number[][]): tf.Tensor {
    const depth = this.depth();
    const width = Math.max(0, ...rows.map((r) => r.length));
    const flat = new Array<number>(rows.length * width).fill(-1);
    rows.forEach((r, i) => r.forEach((v, j) => (flat[i * width + j] = v)));
    return encodeCategorical(flat, [rows.length, width], this.outputMode as Exclude<EncodingMode, 'int'>, depth, {
      ...(this.idfWeights ? { idfWeights: this.idfWeights } : {}),
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.outputMode === 'int') return s;
    return [s[0] ?? null, this.depth()];
  }

  protected abstract tokenTensor(values: Token[], shape: number[]): tf.Tensor;

  /** dtype of the tokens (string / int32), for symbolic outputs of inverted lookups. */
  protected abstract readonly tokenDtype: tf.DataType;

  override apply(inputs: Parameters<tfl.layers.Layer['apply']>[0], kwargs?: Kwargs): ReturnType<tfl.layers.Layer['apply']> {
    const out = super.apply(inputs, kwargs);
    if (isSymbolic(inputs)) {
      const dtype: tf.DataType = this.invert ? this.tokenDtype : this.outputMode === 'int' ? 'int32' : 'float32';
      for (const t of Array.isArray(out) ? out : [out]) (t as { dtype: tf.DataType }).dtype = dtype;
    }
    return out;
  }

  /** A vocabulary named by a file path in the config was never set from the model's assets. */
  private assertVocabulary(): void {
    if (this.vocabularyFile !== null) {
      throw new UnsupportedFeatureError(`${this.name}: the config names the vocabulary file ${JSON.stringify(this.vocabularyFile)}, and the model's assets did not restore it; savedkeras never reads files a model config names`);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    this.assertVocabulary();
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const values = Array.from(x.dataSync() as ArrayLike<unknown>);
    if (this.invert) {
      return this.tokenTensor(values.map((v) => this.lookupIndex(Number(v))), x.shape);
    }
    const idx = values.map((v) => this.lookupToken(v));
    if (this.outputMode === 'int') return tf.tensor(idx, x.shape, 'int32');
    const shape = x.rank === 0 ? [1] : x.shape;
    return encodeCategorical(idx, shape, this.outputMode, this.depth(), this.idfWeights ? { idfWeights: this.idfWeights } : {});
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      invert: this.invert,
      maxTokens: this.maxTokens,
      numOovIndices: this.numOovIndices,
      oovMethod: this.oovMethod,
      salt: this.salt,
      oovToken: this.oovToken,
      maskToken: this.maskToken,
      outputMode: this.outputMode,
      sparse: false,
      padToMaxTokens: this.padToMaxTokens,
      vocabulary: null,
      vocabularySize: this.vocabSize,
    };
  }
}
