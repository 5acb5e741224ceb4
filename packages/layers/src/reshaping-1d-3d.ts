import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Dim = number | null;
type Pairs = [number, number][];

/**
 * Keras' 1D and 3D cropping, zero padding and upsampling (tfjs-layers has only the 2D ones):
 * Cropping1D/3D, ZeroPadding1D/3D, UpSampling1D/3D (nearest: each step repeated `size` times).
 * The spatial axes are 1..n (channels_last) or 2..n+1 (channels_first).
 */

/** A Keras int / tuple of ints / tuple of pairs as one [before, after] pair per spatial axis. */
function pairsOf(v: unknown, n: number, what: string, owner: string): Pairs {
  const bad = () => new UnsupportedLayerError(`${owner}: ${what} ${JSON.stringify(v)} is not an int, ${n} ints or ${n} pairs`);
  const int = (x: unknown): number => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw bad();
    return x;
  };
  if (typeof v === 'number') return Array.from({ length: n }, () => [int(v), int(v)]);
  if (!Array.isArray(v)) throw bad();
  // Cropping1D / ZeroPadding1D take one pair (before, after) for their single axis.
  if (n === 1 && v.length === 2 && v.every((x) => typeof x === 'number')) return [[int(v[0]), int(v[1])]];
  if (v.length !== n) throw bad();
  return v.map((x) => (Array.isArray(x) ? (x.length === 2 ? [int(x[0]), int(x[1])] : (() => { throw bad(); })()) : [int(x), int(x)]));
}

function sizesOf(v: unknown, n: number, owner: string): number[] {
  const list = typeof v === 'number' ? Array<number>(n).fill(v) : Array.isArray(v) ? v : [];
  if (list.length !== n || !list.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    throw new UnsupportedLayerError(`${owner}: size ${JSON.stringify(v)} is not ${n} positive ints`);
  }
  return list as number[];
}

abstract class SpatialLayer extends tfl.layers.Layer {
  readonly dataFormat: string;

  constructor(args: LayerArgs & { dataFormat?: string | null }, protected readonly spatialRank: number) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.inputSpec = [{ ndim: spatialRank + 2 }];
  }

  /** Index of spatial axis i (0-based) in the full shape. */
  protected axis(i: number): number {
    return this.dataFormat === 'channelsFirst' ? i + 2 : i + 1;
  }

  protected mapShape(inputShape: tfl.Shape | tfl.Shape[], f: (d: Dim, i: number) => Dim): tfl.Shape {
    const shape = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[])];
    for (let i = 0; i < this.spatialRank; i++) shape[this.axis(i)] = f(shape[this.axis(i)]!, i);
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.spatialRank > 1 ? { dataFormat: this.dataFormat } : {}) };
  }
}

const one = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0]! : inputs);

abstract class CroppingBase extends SpatialLayer {
    readonly cropping: Pairs;

    constructor(args: LayerArgs & { cropping?: unknown; dataFormat?: string | null }, rank: number) {
      super(args, rank);
      this.cropping = pairsOf(args.cropping ?? 1, rank, 'cropping', this.getClassName());
    }

    override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
      return this.mapShape(inputShape, (d, i) => (d === null ? null : d - this.cropping[i]![0] - this.cropping[i]![1]));
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const x = one(inputs);
      const begin = x.shape.map(() => 0);
      const size = [...x.shape];
      this.cropping.forEach(([a, b], i) => {
        begin[this.axis(i)] = a;
        size[this.axis(i)] = x.shape[this.axis(i)]! - a - b;
      });
      return tf.slice(x, begin, size);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), cropping: this.spatialRank === 1 ? this.cropping[0]! : this.cropping };
    }
}

abstract class ZeroPaddingBase extends SpatialLayer {
    readonly padding: Pairs;

    constructor(args: LayerArgs & { padding?: unknown; dataFormat?: string | null }, rank: number) {
      super(args, rank);
      this.padding = pairsOf(args.padding ?? 1, rank, 'padding', this.getClassName());
    }

    override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
      return this.mapShape(inputShape, (d, i) => (d === null ? null : d + this.padding[i]![0] + this.padding[i]![1]));
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const x = one(inputs);
      const pads = x.shape.map(() => [0, 0] as [number, number]);
      this.padding.forEach((p, i) => (pads[this.axis(i)] = p));
      return tf.pad(x, pads);
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), padding: this.spatialRank === 1 ? this.padding[0]! : this.padding };
    }
}

abstract class UpSamplingBase extends SpatialLayer {
    readonly size: number[];

    constructor(args: LayerArgs & { size?: unknown; dataFormat?: string | null }, rank: number) {
      super(args, rank);
      this.size = sizesOf(args.size ?? 2, rank, this.getClassName());
    }

    override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
      return this.mapShape(inputShape, (d, i) => (d === null ? null : d * this.size[i]!));
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        let x = one(inputs);
        // Keras repeats each element along the axis (np.repeat), axis by axis.
        this.size.forEach((s, i) => {
          if (s === 1) return;
          const a = this.axis(i);
          const expanded = tf.expandDims(x, a + 1);
          const reps = expanded.shape.map((_, j) => (j === a + 1 ? s : 1));
          const shape = [...x.shape];
          shape[a] = shape[a]! * s;
          x = tf.reshape(tf.tile(expanded, reps), shape);
        });
        return x;
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), size: this.spatialRank === 1 ? this.size[0]! : this.size };
    }
}


export class Cropping1D extends CroppingBase {
  static className = 'Cropping1D';
  constructor(args: LayerArgs & { cropping?: unknown; dataFormat?: string | null }) {
    super(args, 1);
  }
}

export class Cropping3D extends CroppingBase {
  static className = 'Cropping3D';
  constructor(args: LayerArgs & { cropping?: unknown; dataFormat?: string | null }) {
    super(args, 3);
  }
}

export class ZeroPadding1D extends ZeroPaddingBase {
  static className = 'ZeroPadding1D';
  constructor(args: LayerArgs & { padding?: unknown; dataFormat?: string | null }) {
    super(args, 1);
  }
}

export class ZeroPadding3D extends ZeroPaddingBase {
  static className = 'ZeroPadding3D';
  constructor(args: LayerArgs & { padding?: unknown; dataFormat?: string | null }) {
    super(args, 3);
  }
}

export class UpSampling1D extends UpSamplingBase {
  static className = 'UpSampling1D';
  constructor(args: LayerArgs & { size?: unknown; dataFormat?: string | null }) {
    super(args, 1);
  }
}

export class UpSampling3D extends UpSamplingBase {
  static className = 'UpSampling3D';
  constructor(args: LayerArgs & { size?: unknown; dataFormat?: string | null }) {
    super(args, 3);
  }
}
