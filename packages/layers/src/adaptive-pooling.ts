import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Args = LayerArgs & { outputSize?: number | number[]; dataFormat?: string };

/** Bound on the output positions per axis (each is one slice and reduction). */
const MAX_OUTPUT_PER_AXIS = 4096;

/**
 * Output window i of an axis of n inputs pooled to m: [floor(i·n/m), ceil((i+1)·n/m)), PyTorch's adaptive
 * windows. Keras 3.15's TensorFlow backend pools windows of ceil(n/m) and ceil(n/m)+1 from those starts and
 * gathers, which gives the same windows (every window is one of the two sizes). Keras computes the bounds
 * in float32: i·n is exact there and the quotient correctly rounded, so floor/ceil agree with these.
 */
function windows(n: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < m; i++) out.push([Math.min(Math.floor((i * n) / m), n - 1), Math.min(Math.ceil(((i + 1) * n) / m), n)]);
  return out;
}

/**
 * Keras 3's AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D (3.12+): each spatial axis pooled
 * to `output_size` positions over the windows above; averages and maxima of such windows are separable, so
 * each axis is pooled in turn.
 */
abstract class AdaptivePooling extends tfl.layers.Layer {
  readonly outputSize: number[];
  readonly dataFormat: string;
  protected abstract readonly reduce: 'mean' | 'max';

  constructor(args: Args, rank: number) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const size = args.outputSize;
    const sizes = (Array.isArray(size) ? size : Array.from({ length: rank }, () => size)).map(Number);
    const label = String(args.name ?? 'adaptive pooling');
    if (sizes.length !== rank || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > MAX_OUTPUT_PER_AXIS)) {
      throw new FormatError(`${label}: output_size ${JSON.stringify(size)} is not ${rank} size(s) in 1..${MAX_OUTPUT_PER_AXIS}`);
    }
    this.outputSize = sizes;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    if (this.dataFormat !== 'channelsLast' && this.dataFormat !== 'channelsFirst') throw new FormatError(`${label}: data_format ${this.dataFormat} is not channels_last or channels_first`);
  }

  private spatialAxes(): number[] {
    return this.outputSize.map((_, i) => (this.dataFormat === 'channelsFirst' ? 2 : 1) + i);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[])];
    this.spatialAxes().forEach((a, i) => (shape[a] = this.outputSize[i]!));
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== this.outputSize.length + 2) throw new UnsupportedLayerError(`${this.name}: expects a rank-${this.outputSize.length + 2} input, got shape [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      let y = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
      this.spatialAxes().forEach((axis, i) => {
        const parts = windows(y.shape[axis]!, this.outputSize[i]!).map(([s, e]) => {
          const begin = y.shape.map((_, d) => (d === axis ? s : 0));
          const size = y.shape.map((n, d) => (d === axis ? e - s : n));
          const w = tf.slice(y, begin, size);
          return this.reduce === 'mean' ? tf.mean(w, axis, true) : tf.max(w, axis, true);
        });
        y = parts.length === 1 ? parts[0]! : tf.concat(parts, axis);
      });
      return y === x ? tf.clone(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: this.outputSize, dataFormat: this.dataFormat };
  }
}

export class AdaptiveAveragePooling1D extends AdaptivePooling {
  static className = 'AdaptiveAveragePooling1D';
  protected readonly reduce = 'mean';
  constructor(args: Args) {
    super(args, 1);
  }
}
export class AdaptiveAveragePooling2D extends AdaptivePooling {
  static className = 'AdaptiveAveragePooling2D';
  protected readonly reduce = 'mean';
  constructor(args: Args) {
    super(args, 2);
  }
}
export class AdaptiveAveragePooling3D extends AdaptivePooling {
  static className = 'AdaptiveAveragePooling3D';
  protected readonly reduce = 'mean';
  constructor(args: Args) {
    super(args, 3);
  }
}
export class AdaptiveMaxPooling1D extends AdaptivePooling {
  static className = 'AdaptiveMaxPooling1D';
  protected readonly reduce = 'max';
  constructor(args: Args) {
    super(args, 1);
  }
}
export class AdaptiveMaxPooling2D extends AdaptivePooling {
  static className = 'AdaptiveMaxPooling2D';
  protected readonly reduce = 'max';
  constructor(args: Args) {
    super(args, 2);
  }
}
export class AdaptiveMaxPooling3D extends AdaptivePooling {
  static className = 'AdaptiveMaxPooling3D';
  protected readonly reduce = 'max';
  constructor(args: Args) {
    super(args, 3);
  }
}
