import * as tf from '@tensorflow/tfjs-core';
import { IndexLookup, type IndexLookupArgs, type Token } from './index-lookup.js';

export interface IntegerLookupArgs extends IndexLookupArgs {
  /** TF 2.4 names of max_tokens / mask_token / oov_token. */
  maxValues?: number | null;
  maskValue?: number | null;
  oovValue?: number | null;
}

/**
 * Keras `IntegerLookup`: integers to indices (or back with invert). Defaults as Keras ≥ 2.6 (no
 * mask, OOV token -1); a TF 2.4 config (`max_values`, `mask_value`, `oov_value`) gets TF 2.4's
 * defaults (mask value 0, OOV value -1). Values are compared as JS numbers (int64 beyond 2^53 is
 * not exact).
 */
export class IntegerLookup extends IndexLookup {
  static className = 'IntegerLookup';
  protected readonly tokenDtype: tf.DataType = 'int32';

  constructor(args: IntegerLookupArgs = {}) {
    const legacy = 'maxValues' in args || 'maskValue' in args || 'oovValue' in args;
    const merged: IndexLookupArgs = {
      ...args,
      maxTokens: args.maxTokens !== undefined ? args.maxTokens : args.maxValues,
      ...(args.maskToken !== undefined || args.maskValue !== undefined ? { maskToken: args.maskToken !== undefined ? args.maskToken : args.maskValue } : {}),
      ...(args.oovToken !== undefined || args.oovValue !== undefined ? { oovToken: args.oovToken !== undefined ? args.oovToken : args.oovValue } : {}),
    };
    super(merged, { maskToken: legacy ? 0 : null, oovToken: -1 });
  }

  protected normalizeToken(t: unknown): Token {
    const n = typeof t === 'bigint' ? Number(t) : Number(t);
    if (!Number.isFinite(n)) throw new RangeError(`${this.name}: ${String(t)} is not an integer token`);
    return n;
  }

  protected tokenTensor(values: Token[], shape: number[]): tf.Tensor {
    return tf.tensor(values.map(Number), shape, 'int32');
  }
}
