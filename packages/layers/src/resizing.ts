import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';
import { resizeImages, smartResize, type ResizeInterpolation } from './random-crop.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface ResizingArgs extends LayerArgs {
  height: number;
  width: number;
  interpolation?: string;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  fillMode?: string;
  fillValue?: number;
  antialias?: boolean;
  dataFormat?: string;
}

/**
 * Keras `Resizing` (replaces tfjs' class, whose computeOutputShape treats a batched
 * [batch, h, w, c] input as [h, w, c]): `tf.image.resize` to height x width, after a centred crop
 * (crop_to_aspect_ratio) or a centred constant padding (pad_to_aspect_ratio) to the target aspect
 * ratio, as Keras 3's TensorFlow backend does. Interpolations bilinear, nearest, bicubic and area
 * (TF's kernels); lanczos3/5, gaussian, mitchellcubic and antialias=True are refused with a typed error.
 */
export class Resizing extends tfl.layers.Layer {
  static className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: ResizeInterpolation;
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillValue: number;
  readonly channelsFirst: boolean;

  constructor(args: ResizingArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.height = args.height;
    this.width = args.width;
    const interp = args.interpolation ?? 'bilinear';
    if (interp !== 'bilinear' && interp !== 'nearest' && interp !== 'bicubic' && interp !== 'area') {
      throw new UnsupportedLayerError(`Resizing: interpolation "${interp}" is not supported (bilinear, nearest, bicubic, area)`, { node: args.name });
    }
    this.interpolation = interp;
    this.cropToAspectRatio = args.cropToAspectRatio ?? false;
    this.padToAspectRatio = args.padToAspectRatio ?? false;
    this.fillValue = args.fillValue ?? 0;
    // Configs from files arrive camelCased by tfjs ('channelsFirst'); Keras' own spelling is kept for direct use.
    this.channelsFirst = args.dataFormat === 'channels_first' || args.dataFormat === 'channelsFirst';
    const refuse = (what: string) => {
      throw new UnsupportedLayerError(`Resizing: ${what} is not supported`, { node: args.name });
    };
    if (args.antialias) refuse('antialias=True');
    if ((args.fillMode ?? 'constant') !== 'constant') refuse(`fill_mode "${args.fillMode}" (Keras itself takes only "constant")`);
    if (this.cropToAspectRatio && this.padToAspectRatio) refuse('crop_to_aspect_ratio together with pad_to_aspect_ratio');
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    const [hAxis, wAxis] = this.channelsFirst ? [s.length - 2, s.length - 1] : [s.length - 3, s.length - 2];
    s[hAxis] = this.height;
    s[wAxis] = this.width;
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const batched = x.rank === 4;
      let x4 = (batched ? x : tf.expandDims(x, 0)) as tf.Tensor4D;
      if (this.channelsFirst) x4 = tf.transpose(x4, [0, 2, 3, 1]);
      if (x4.dtype !== 'float32') x4 = tf.cast(x4, 'float32');
      let y: tf.Tensor4D;
      if (this.cropToAspectRatio) y = smartResize(x4, this.height, this.width, this.interpolation) as tf.Tensor4D;
      else y = resizeImages(this.padToAspectRatio ? this.padToAspect(x4) : x4, this.height, this.width, this.interpolation);
      if (this.channelsFirst) y = tf.transpose(y, [0, 3, 1, 2]);
      return batched ? y : tf.squeeze(y, [0]);
    });
  }

  /**
   * Keras 3 `resize(pad_to_aspect_ratio=True)`: the padded size is computed in float32 and
   * truncated; the image gets the same number of fill_value rows (or columns) on both sides,
   * floor((padded - size) / 2) each, so an odd difference loses one row.
   */
  private padToAspect(x: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = x.shape;
    const f = Math.fround;
    const padH = Math.max(h, Math.trunc(f(f(w * this.height) / this.width)));
    const padW = Math.max(w, Math.trunc(f(f(h * this.width) / this.height)));
    const top = Math.trunc((padH - h) / 2);
    const left = Math.trunc((padW - w) / 2);
    if (top === 0 && left === 0) return x;
    return tf.pad(x, [[0, 0], [top, top], [left, left], [0, 0]], this.fillValue);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      cropToAspectRatio: this.cropToAspectRatio,
      padToAspectRatio: this.padToAspectRatio,
      fillMode: 'constant',
      fillValue: this.fillValue,
      dataFormat: this.channelsFirst ? 'channels_first' : 'channels_last',
    };
  }
}
