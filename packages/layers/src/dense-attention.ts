import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { KwargsRecordingLayer, shapeList, tensorList, type Kwargs } from './call-args.js';
import { getInitializer, layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface DenseAttentionArgs extends LayerArgs {
  useScale?: boolean;
  /** Keras < 2.10: a causal mask is always applied (later a call argument, use_causal_mask). */
  causal?: boolean;
  dropout?: number;
  /** Attention only: 'dot' (default) or 'concat'. */
  scoreMode?: string;
}

/**
 * Keras `BaseDenseAttention` (inference): `softmax(scores(q, k) - 1e9 * padding) @ v` for inputs
 * `[query, value]` or `[query, value, key]`, with the value mask (tfjs `mask[1]`), the causal
 * mask, and the query mask applied as Keras does. Dropout on the weights is identity.
 */
abstract class BaseDenseAttention extends KwargsRecordingLayer {
  readonly causal: boolean;
  readonly dropout: number;

  constructor(args: DenseAttentionArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.causal = args.causal ?? false;
    this.dropout = args.dropout ?? 0;
    this.supportsMasking = true;
  }

  protected abstract scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor;

  private returnScores(kwargs: Kwargs): boolean {
    return Boolean(kwargs['return_attention_scores'] ?? kwargs['returnAttentionScores'] ?? false);
  }

  protected qvk<T>(items: T[]): [T, T, T] {
    if (items.length < 2 || items.length > 3) {
      throw new UnsupportedLayerError(`${this.name}: attention takes [query, value] or [query, value, key], got ${items.length} inputs`);
    }
    return [items[0], items[1], items[2] ?? items[1]];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const [q, v, k] = this.qvk(shapeList(inputShape));
    const out = [...q.slice(0, -1), v[v.length - 1]];
    if (!this.returnScores(this.recordedKwargs)) return out;
    return [out, [...q.slice(0, -1), k[k.length - 2]]];
  }

  /** Whether the current apply() returns [output, scores] (computeMask must match the output count). */
  private returningScores = false;

  override apply(inputs: Parameters<KwargsRecordingLayer['apply']>[0], kwargs?: Kwargs): ReturnType<KwargsRecordingLayer['apply']> {
    this.returningScores = this.returnScores({ ...this.recordedKwargs, ...(kwargs ?? {}) });
    return super.apply(inputs, kwargs);
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // Keras: the output mask is the query mask (none for the scores).
    const m = (Array.isArray(mask) ? mask[0] : mask) ?? (null as unknown as tf.Tensor);
    return this.returningScores ? [m, null as unknown as tf.Tensor] : m;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const k = this.effectiveKwargs(kwargs);
      const [q, v, key] = this.qvk(tensorList(inputs));
      const masks = Array.isArray(kwargs?.['mask']) ? (kwargs['mask'] as (tf.Tensor | null)[]) : [];
      let scores = this.scores(q, key);
      let scoresMask: tf.Tensor | null = masks[1] ? tf.expandDims(tf.cast(masks[1], 'bool'), -2) : null;
      if (this.causal || k['use_causal_mask'] || k['useCausalMask']) {
        const [tq, tv] = scores.shape.slice(-2);
        const causalShape = [...scores.shape.slice(0, -2).map(() => 1), tq, tv];
        const causal = tf.cast(tf.reshape(tf.linalg.bandPart(tf.ones([tq, tv], 'int32'), -1, 0), causalShape), 'bool');
        scoresMask = scoresMask ? tf.logicalAnd(scoresMask, causal) : causal;
      }
      if (scoresMask) scores = tf.sub(scores, tf.mul(1e9, tf.cast(tf.logicalNot(scoresMask), scores.dtype)));
      const weights = tf.softmax(scores);
      let result = tf.matMul(weights, v);
      if (masks[0]) result = tf.mul(result, tf.expandDims(tf.cast(masks[0], result.dtype), -1));
      return this.returnScores(k) ? [result, weights] : result;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), causal: this.causal, dropout: this.dropout };
  }
}

/** Keras `Attention` (Luong): dot scores `q @ k^T` (times a learned `scale`), or 'concat' scores. */
export class Attention extends BaseDenseAttention {
  static className = 'Attention';
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  scale: tfl.LayerVariable | null = null;
  concatScoreWeight: tfl.LayerVariable | null = null;

  constructor(args: DenseAttentionArgs = {}) {
    super(args);
    this.useScale = args.useScale ?? false;
    const mode = args.scoreMode ?? 'dot';
    if (mode !== 'dot' && mode !== 'concat') throw new UnsupportedLayerError(`Attention: unknown score_mode "${mode}"`, { node: args.name });
    this.scoreMode = mode;
  }

  override build(): void {
    if (this.useScale) this.scale = this.addWeight('scale', [], 'float32', getInitializer('ones', 'ones') as never, undefined, true);
    if (this.scoreMode === 'concat') {
      this.concatScoreWeight = this.addWeight('concat_score_weight', [], 'float32', getInitializer('ones', 'ones') as never, undefined, true);
    }
    this.built = true;
  }

  protected scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor {
    if (this.scoreMode === 'dot') {
      const s = tf.matMul(query, key, false, true);
      return this.scale ? tf.mul(s, this.scale.read()) : s;
    }
    let sum = tf.add(tf.expandDims(query, -2), tf.expandDims(key, -3));
    if (this.scale) sum = tf.mul(this.scale.read(), sum);
    return tf.mul(this.concatScoreWeight!.read(), tf.sum(tf.tanh(sum), -1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), useScale: this.useScale, scoreMode: this.scoreMode };
  }
}

/** Keras `AdditiveAttention` (Bahdanau): `sum(scale * tanh(q + k), -1)`, scale of shape [dim]. */
export class AdditiveAttention extends BaseDenseAttention {
  static className = 'AdditiveAttention';
  readonly useScale: boolean;
  scale: tfl.LayerVariable | null = null;

  constructor(args: DenseAttentionArgs = {}) {
    super(args);
    this.useScale = args.useScale ?? true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [, v] = this.qvk(shapeList(inputShape));
    const dim = v[v.length - 1];
    if (this.useScale) {
      if (dim == null) throw new RangeError(`${this.name}: AdditiveAttention needs a known value dim`);
      this.scale = this.addWeight('scale', [dim], 'float32', getInitializer('glorotUniform', 'glorotUniform') as never, undefined, true);
    }
    this.built = true;
  }

  protected scores(query: tf.Tensor, key: tf.Tensor): tf.Tensor {
    const t = tf.tanh(tf.add(tf.expandDims(query, -2), tf.expandDims(key, -3)));
    return tf.sum(this.scale ? tf.mul(this.scale.read(), t) : t, -1);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), useScale: this.useScale };
  }
}
