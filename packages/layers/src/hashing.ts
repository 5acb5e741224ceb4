import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, UnsupportedLayerError } from '@savedkeras/common';
import { encodeCategorical, normalizeOutputMode, type EncodingMode } from './category-encoding.js';
import { layerBaseArgs } from './keras-objects.js';
import { fingerprint64, fingerprintCat64, sipHash24 } from '@savedkeras/kernels';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

const utf8 = new TextEncoder();

/** Keras' salt (one int, or two) as SipHash's two 64-bit key words. */
export function saltKey(salt: unknown, owner: string): [bigint, bigint] | null {
  if (salt == null) return null;
  const list = typeof salt === 'number' ? [salt, salt] : Array.isArray(salt) ? salt : [];
  if (list.length !== 2 || !list.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) {
    throw new UnsupportedLayerError(`${owner}: salt ${JSON.stringify(salt)} is not an int or a pair of ints`);
  }
  return [BigInt.asUintN(64, BigInt(list[0] as number)), BigInt.asUintN(64, BigInt(list[1] as number))];
}

/** The values of a string or numeric tensor as Keras' Hashing hashes them: strings as they are, numbers as int64 decimal strings (floats truncated first). */
function hashableStrings(x: tf.Tensor): string[] {
  const values = Array.from(x.dataSync() as ArrayLike<string | number>);
  return x.dtype === 'string' ? (values as string[]) : (values as number[]).map((v) => String(Math.trunc(v)));
}

function outputFor(ids: number[], shape: number[], mode: EncodingMode, depth: number): tf.Tensor {
  if (mode === 'int') return tf.tensor(ids, shape, 'int32');
  if (mode === 'tf_idf') throw new UnsupportedLayerError(`output_mode 'tf_idf' is not one Keras' hashing layers take`);
  return encodeCategorical(ids, shape, mode, depth);
}

function encodedShape(shape: tfl.Shape, mode: EncodingMode, depth: number): tfl.Shape {
  if (mode === 'int') return shape;
  // encode_categorical_inputs: one_hot adds a last axis unless it is 1; the last axis becomes `depth`.
  const s = shape.length === 0 ? [1] : mode === 'one_hot' && shape[shape.length - 1] !== 1 ? [...shape, 1] : [...shape];
  return [...s.slice(0, -1), depth];
}

/**
 * Keras `Hashing`: FarmHash Fingerprint64 of each value (numbers as their int64 decimal string)
 * modulo `num_bins` — TF's StringToHashBucketFast; with `mask_value` the mask takes bin 0 and the
 * rest bins 1..num_bins−1. Output modes int / one_hot / multi_hot / count. With a `salt`, the
 * hash is TF's keyed SipHash-2-4 (StringToHashBucketStrong) instead.
 */
export class Hashing extends tfl.layers.Layer {
  static className = 'Hashing';
  readonly numBins: number;
  readonly maskValue: string | number | null;
  readonly outputMode: EncodingMode;
  readonly salt: unknown;
  private readonly key: [bigint, bigint] | null;

  constructor(args: LayerArgs & { numBins: number; maskValue?: string | number | null; salt?: unknown; outputMode?: string; sparse?: boolean }) {
    super(layerBaseArgs({ ...args, dtype: undefined }) as LayerArgs);
    if (!Number.isInteger(args.numBins) || args.numBins < 1) throw new UnsupportedLayerError(`Hashing ${this.name}: num_bins ${String(args.numBins)} is not a positive integer`);
    this.numBins = args.numBins;
    this.maskValue = args.maskValue ?? null;
    this.outputMode = normalizeOutputMode(args.outputMode, 'int');
    this.salt = args.salt ?? null;
    this.key = saltKey(this.salt, `Hashing ${this.name}`);
    if (args.sparse) throw new UnsupportedLayerError(`Hashing ${this.name}: sparse outputs are not supported (tfjs has no sparse tensors)`);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    let shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.outputMode === 'one_hot' && shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
    return encodedShape(shape, this.outputMode, this.numBins);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const strings = hashableStrings(x);
    const masked = this.maskValue !== null;
    const bins = BigInt(masked && this.numBins > 1 ? this.numBins - 1 : this.numBins);
    const raw = x.dtype === 'string' ? strings : Array.from(x.dataSync() as ArrayLike<number>);
    const ids = strings.map((s, i) => {
      const hash = this.key ? sipHash24(this.key[0], this.key[1], utf8.encode(s)) : fingerprint64(s);
      const bin = Number(hash % bins);
      if (!masked || this.numBins <= 1) return bin;
      return raw[i] === this.maskValue || String(raw[i]) === String(this.maskValue) ? 0 : bin + 1;
    });
    let shape = x.shape;
    if (this.outputMode === 'one_hot' && shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
    return outputFor(ids, shape, this.outputMode, this.numBins);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numBins: this.numBins, maskValue: this.maskValue, salt: this.salt as null, outputMode: this.outputMode, sparse: false };
  }
}

/**
 * Keras `HashedCrossing`: the feature cross of two or more inputs of shape [batch] or [batch, 1]
 * hashed into `num_bins` bins, as tf.sparse.cross_hashed does: h = 0xDECAFCAFFE, then for each
 * input in order h = FingerprintCat64(h, f) with f the value's Fingerprint64 (strings) or the
 * int64 value itself (integers); bin = h mod num_bins.
 */
export class HashedCrossing extends tfl.layers.Layer {
  static className = 'HashedCrossing';
  readonly numBins: number;
  readonly outputMode: EncodingMode;

  constructor(args: LayerArgs & { numBins: number; outputMode?: string; sparse?: boolean }) {
    super(layerBaseArgs({ ...args, dtype: undefined }) as LayerArgs);
    if (!Number.isInteger(args.numBins) || args.numBins < 1) throw new UnsupportedLayerError(`HashedCrossing ${this.name}: num_bins ${String(args.numBins)} is not a positive integer`);
    this.numBins = args.numBins;
    this.outputMode = normalizeOutputMode(args.outputMode, 'int');
    if (this.outputMode !== 'int' && this.outputMode !== 'one_hot') throw new UnsupportedLayerError(`HashedCrossing ${this.name}: output_mode must be 'int' or 'one_hot'`);
    if (args.sparse) throw new UnsupportedLayerError(`HashedCrossing ${this.name}: sparse outputs are not supported (tfjs has no sparse tensors)`);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return encodedShape(shape, this.outputMode, this.numBins);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length < 2) throw new InputMismatchError(`HashedCrossing ${this.name} takes a list of at least two inputs, got ${xs.length}`);
    const shape = xs[0]!.shape;
    if (shape.length > 2 || (shape.length === 2 && shape[1] !== 1) || xs.some((x) => x.shape.join() !== shape.join())) {
      throw new InputMismatchError(`HashedCrossing ${this.name}: inputs must all have shape [], [batch] or [batch, 1]; got ${xs.map((x) => `[${x.shape.join(', ')}]`).join(', ')}`);
    }
    const columns = xs.map((x) =>
      x.dtype === 'string'
        ? (x.dataSync() as unknown as string[]).map(fingerprint64)
        : Array.from(x.dataSync() as ArrayLike<number>, (v) => BigInt.asUintN(64, BigInt(Math.trunc(v)))),
    );
    const n = columns[0]!.length;
    const ids = Array.from({ length: n }, (_, i) => {
      let h = 0xdecafcaffen;
      for (const c of columns) h = fingerprintCat64(h, c[i]!);
      return Number(h % BigInt(this.numBins));
    });
    return outputFor(ids, shape, this.outputMode, this.numBins);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numBins: this.numBins, outputMode: this.outputMode, sparse: false };
  }
}
