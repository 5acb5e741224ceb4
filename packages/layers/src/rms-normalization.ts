import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras 3's `RMSNormalization` (3.9+; the LLM block's norm, not LayerNormalization's rms_scaling):
 * x · rsqrt(mean(x², axis) + epsilon) · scale, with one learned `scale` entry per position of the
 * normalized axes (Keras' weight name).
 */
export class RMSNormalization extends tfl.layers.Layer {
  static className = 'RMSNormalization';
  readonly axis: number[];
  readonly epsilon: number;
  private scale: tfl.LayerVariable | null = null;
  private resolvedAxes: number[] = [];

  constructor(args: LayerArgs & { axis?: number | number[]; epsilon?: number }) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    const axis = args.axis ?? -1;
    this.axis = (Array.isArray(axis) ? axis : [axis]).map(Number);
    if (this.axis.length === 0 || this.axis.some((a) => !Number.isInteger(a))) {
      throw new FormatError(`${String(args.name ?? 'RMSNormalization')}: axis ${JSON.stringify(args.axis)} is not an axis or a list of axes`);
    }
    // Keras: epsilon None means backend.epsilon() (1e-7).
    this.epsilon = args.epsilon == null ? 1e-7 : Number(args.epsilon);
    if (!Number.isFinite(this.epsilon)) throw new FormatError(`${this.name}: epsilon ${String(args.epsilon)} is not a number`);
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const rank = shape.length;
    const axes = [...new Set(this.axis.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    if (axes.some((a) => a < 1 || a >= rank)) throw new FormatError(`${this.name}: axis ${JSON.stringify(this.axis)} is outside an input of rank ${rank}`);
    const sizes = axes.map((a) => shape[a]);
    if (sizes.some((d) => d == null)) throw new FormatError(`${this.name}: the normalized axes need known sizes (input shape ${JSON.stringify(shape)})`);
    this.resolvedAxes = axes;
    this.scale = this.addWeight('scale', sizes as number[], 'float32', tfl.initializers.ones(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
      const rrms = tf.rsqrt(tf.add(tf.mean(tf.square(xf), this.resolvedAxes, true), this.epsilon));
      // Keras multiplies by the scale as it is (numpy broadcasting from the last axis), as here.
      return tf.mul(tf.mul(xf, rrms), this.scale!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis.length === 1 ? this.axis[0]! : this.axis, epsilon: this.epsilon };
  }
}
