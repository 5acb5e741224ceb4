import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, UnsupportedLayerError } from '@savedkeras/common';
import { isSymbolic, type Kwargs } from './call-args.js';
import { normalizeOutputMode, type EncodingMode } from './category-encoding.js';
import { layerBaseArgs } from './keras-objects.js';
import type { Token } from './index-lookup.js';
import { StringLookup } from './string-lookup.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface TextVectorizationArgs extends LayerArgs {
  maxTokens?: number | null;
  standardize?: string | null;
  split?: string | null;
  ngrams?: number | number[] | null;
  outputMode?: string | null;
  outputSequenceLength?: number | null;
  padToMaxTokens?: boolean;
  vocabulary?: Token[] | string | null;
  idfWeights?: number[] | null;
  sparse?: boolean;
  ragged?: boolean;
  encoding?: string;
  vocabularySize?: number | null;
}

/** Keras DEFAULT_STRIP_REGEX: ASCII punctuation. */
const STRIP_PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
/** TF StringSplitV2 with no separator splits on runs of ASCII whitespace. */
const WHITESPACE = /[ \t\n\v\f\r]+/;

export type Standardizer = (text: string) => string;
export type Splitter = (text: string) => string[];

/** Names compared without case and separators: configs may arrive snake_case or camelCased. */
function normName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const standardizers = new Map<string, Standardizer>();
const splitters = new Map<string, Splitter>();

/**
 * Registers a JS version of a custom Keras `standardize` callable, under the name Keras saved
 * (the Python function's name, e.g. "custom_standardization").
 */
export function registerTextStandardizer(name: string, fn: Standardizer): void {
  standardizers.set(normName(name), fn);
}

/** Registers a JS version of a custom Keras `split` callable under its saved name. */
export function registerTextSplitter(name: string, fn: Splitter): void {
  splitters.set(normName(name), fn);
}


function builtinStandardizer(name: string): Standardizer | undefined {
  switch (normName(name)) {
    case 'lowerandstrippunctuation':
      return (t) => t.toLowerCase().replace(STRIP_PUNCTUATION, '');
    case 'lower':
      return (t) => t.toLowerCase();
    case 'strippunctuation':
      return (t) => t.replace(STRIP_PUNCTUATION, '');
    default:
      return undefined;
  }
}

function builtinSplitter(name: string): Splitter | undefined {
  switch (normName(name)) {
    case 'whitespace':
      return (t) => t.split(WHITESPACE).filter((x) => x.length > 0);
    case 'character':
      return (t) => Array.from(t);
    default:
      return undefined;
  }
}

/** tf.strings.ngrams(tokens, ngram_width=widths, separator=" "): every width in turn. */
function ngrams(tokens: string[], widths: number[]): string[] {
  const out: string[] = [];
  for (const w of widths) for (let i = 0; i + w <= tokens.length; i++) out.push(tokens.slice(i, i + w).join(' '));
  return out;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Keras `TextVectorization` (inference): standardize (lower_and_strip_punctuation, lower,
 * strip_punctuation, none, or a registered custom function), split (whitespace, character, none
 * or registered), optional ngrams, then an inner StringLookup (mask "" = 0, OOV "[UNK]" = 1). In
 * int mode rows are padded with 0 / truncated to output_sequence_length (or padded to the longest
 * row); other modes give [batch, depth]. Set the vocabulary with `setVocabulary()`.
 */
export class TextVectorization extends tfl.layers.Layer {
  static className = 'TextVectorization';
  readonly standardizeName: string | null;
  readonly splitName: string | null;
  readonly ngramWidths: number[] | null;
  readonly outputMode: EncodingMode;
  readonly outputSequenceLength: number | null;
  readonly lookupLayer: StringLookup;
  private readonly ngramsArg: number | number[] | null;
  private readonly standardizeFn: Standardizer | null;
  private readonly splitFn: Splitter | null;

  constructor(args: TextVectorizationArgs = {}) {
    super(layerBaseArgs({ ...(args as unknown as Record<string, unknown>), dtype: 'string' }) as LayerArgs);
    const std = args.standardize === undefined ? 'lower_and_strip_punctuation' : args.standardize;
    const split = args.split === undefined ? 'whitespace' : args.split;
    this.standardizeName = std;
    this.splitName = split;
    this.standardizeFn = std === null ? null : (standardizers.get(normName(std)) ?? builtinStandardizer(std) ?? null);
    if (std !== null && !this.standardizeFn) {
      throw new UnsupportedLayerError(`TextVectorization: unknown standardize "${std}" (a custom Python function)`, {
        node: args.name,
        hint: `register a JS equivalent: registerTextStandardizer('${std}', (s) => ...)`,
      });
    }
    this.splitFn = split === null ? null : (splitters.get(normName(split)) ?? builtinSplitter(split) ?? null);
    if (split !== null && !this.splitFn) {
      throw new UnsupportedLayerError(`TextVectorization: unknown split "${split}" (a custom Python function)`, {
        node: args.name,
        hint: `register a JS equivalent: registerTextSplitter('${split}', (s) => [...])`,
      });
    }
    this.ngramsArg = args.ngrams ?? null;
    this.ngramWidths = args.ngrams == null ? null : Array.isArray(args.ngrams) ? [...args.ngrams] : Array.from({ length: args.ngrams }, (_, i) => i + 1);
    if (this.ngramWidths && this.splitFn === null) throw new UnsupportedLayerError('TextVectorization: ngrams needs a split', { node: args.name });
    this.outputMode = normalizeOutputMode(args.outputMode, 'int');
    this.outputSequenceLength = args.outputSequenceLength ?? null;
    if (args.ragged) throw new UnsupportedLayerError('TextVectorization with ragged=True is not supported (tfjs has no ragged tensors)', { node: args.name });
    this.lookupLayer = new StringLookup({
      name: `${this.name}_lookup`,
      maxTokens: args.maxTokens ?? null,
      maskToken: '',
      oovToken: '[UNK]',
      numOovIndices: 1,
      outputMode: this.outputMode,
      padToMaxTokens: args.padToMaxTokens ?? false,
      vocabulary: args.vocabulary ?? null,
      idfWeights: args.idfWeights ?? null,
      sparse: args.sparse ?? false,
      vocabularySize: args.vocabularySize ?? null,
      encoding: args.encoding ?? 'utf-8',
    });
  }

  setVocabulary(tokens: ArrayLike<unknown>, indices?: ArrayLike<number | bigint>, idfWeights?: ArrayLike<number>): void {
    this.lookupLayer.setVocabulary(tokens, indices, idfWeights);
  }

  setIdfWeights(weights: ArrayLike<number>): void {
    this.lookupLayer.setIdfWeights(weights);
  }

  hasVocabulary(): boolean {
    return this.lookupLayer.hasVocabulary();
  }

  getVocabulary(includeSpecialTokens = true): Token[] {
    return this.lookupLayer.getVocabulary(includeSpecialTokens);
  }

  vocabularySize(): number {
    return this.lookupLayer.vocabularySize();
  }

  /** Standardize + split + ngrams of one string, as Keras `_preprocess` does. */
  preprocess(text: string): string[] | string {
    const s = this.standardizeFn ? this.standardizeFn(text) : text;
    if (!this.splitFn) return s;
    const tokens = this.splitFn(s);
    return this.ngramWidths ? ngrams(tokens, this.ngramWidths) : tokens;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.outputMode !== 'int') return [s[0] ?? null, this.lookupLayer.depth()];
    if (this.splitFn === null) return s;
    return [s[0] ?? null, this.outputSequenceLength];
  }

  override apply(inputs: Parameters<tfl.layers.Layer['apply']>[0], kwargs?: Kwargs): ReturnType<tfl.layers.Layer['apply']> {
    const out = super.apply(inputs, kwargs);
    if (isSymbolic(inputs)) for (const t of Array.isArray(out) ? out : [out]) (t as { dtype: tf.DataType }).dtype = this.outputMode === 'int' ? 'int32' : 'float32';
    return out;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    let x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.dtype !== 'string') throw new InputMismatchError(`${this.name}: TextVectorization takes string tensors, got ${x.dtype}`);
    if (this.splitFn && x.rank > 1) {
      if (x.shape[x.rank - 1] !== 1) {
        throw new InputMismatchError(`${this.name}: when tokenizing strings the input rank must be 1 or the last dimension 1, got shape [${x.shape.join(', ')}]`);
      }
      x = tf.squeeze(x, [x.rank - 1]);
    }
    const texts = Array.from(x.dataSync() as unknown as ArrayLike<string | Uint8Array>, (v) => (typeof v === 'string' ? v : utf8.decode(v)));
    if (!this.splitFn) {
      // No split: one token per element, the shape is kept.
      const std = texts.map((t) => this.preprocess(t) as string);
      if (this.outputMode === 'int') return tf.tensor(this.lookupLayer.lookupTokens(std), x.shape, 'int32');
      return this.lookupLayer.apply(tf.tensor(std, x.shape, 'string')) as tf.Tensor;
    }
    if (x.rank !== 1) throw new InputMismatchError(`${this.name}: expected a batch of strings (rank 1), got shape [${x.shape.join(', ')}]`);
    const rows = texts.map((t) => this.lookupLayer.lookupTokens(this.preprocess(t) as string[]));
    if (this.outputMode !== 'int') return this.lookupLayer.encodeRows(rows);
    const width = this.outputSequenceLength ?? Math.max(0, ...rows.map((r) => r.length));
    const out = new Int32Array(rows.length * width);
    rows.forEach((r, i) => {
      for (let j = 0; j < Math.min(width, r.length); j++) out[i * width + j] = r[j];
    });
    return tf.tensor(out, [rows.length, width], 'int32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      maxTokens: this.lookupLayer.maxTokens,
      standardize: this.standardizeName,
      split: this.splitName,
      ngrams: this.ngramsArg,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      padToMaxTokens: this.lookupLayer.padToMaxTokens,
      sparse: false,
      ragged: false,
      vocabulary: null,
      vocabularySize: this.lookupLayer.vocabularySize(),
    };
  }
}
