import * as tf from '@tensorflow/tfjs-core';
import { IndexLookup, type IndexLookupArgs, type Token } from './index-lookup.js';

export interface StringLookupArgs extends IndexLookupArgs {
  encoding?: string;
}

const utf8 = new TextDecoder('utf-8');

/** Keras `StringLookup`: strings to indices (or back with invert). Defaults: no mask, OOV "[UNK]". */
export class StringLookup extends IndexLookup {
  static className = 'StringLookup';
  protected readonly tokenDtype: tf.DataType = 'string';
  readonly encoding: string;

  constructor(args: StringLookupArgs = {}) {
    super(args, { maskToken: null, oovToken: '[UNK]' });
    this.encoding = args.encoding ?? 'utf-8';
  }

  protected normalizeToken(t: unknown): Token {
    if (typeof t === 'string') return t;
    if (t instanceof Uint8Array) return utf8.decode(t);
    return String(t);
  }

  protected tokenTensor(values: Token[], shape: number[]): tf.Tensor {
    return tf.tensor(values.map(String), shape, 'string');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), encoding: this.encoding };
  }
}
