import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { layerBaseArgs } from './keras-objects.js';
import { resizeImages, smartResize } from './random-crop.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface ResizingArgs extends LayerArgs {
  height: number;
  width: number;
  interpolation?: string;
  cropToAspectRatio?: boolean;
}

/**
 * Keras `Resizing` (replaces tfjs' class, whose computeOutputShape treats a batched
 * [batch, h, w, c] input as [h, w, c]): `tf.image.resize` to height x width, or `smart_resize`
 * with crop_to_aspect_ratio. Interpolations bilinear and nearest; the others Keras offers (bicubic,
 * area, lanczos3/5, gaussian, mitchellcubic) are not supported.
 */
export class Resizing extends tfl.layers.Layer {
  static className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly cropToAspectRatio: boolean;

  constructor(args: ResizingArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.height = args.height;
    this.width = args.width;
    const interp = args.interpolation ?? 'bilinear';
    if (interp !== 'bilinear' && interp !== 'nearest') {
      throw new UnsupportedLayerError(`Resizing: interpolation "${interp}" is not supported (bilinear, nearest)`, { node: args.name });
    }
    this.interpolation = interp;
    this.cropToAspectRatio = args.cropToAspectRatio ?? false;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    s[s.length - 3] = this.height;
    s[s.length - 2] = this.width;
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (this.cropToAspectRatio) return smartResize(x, this.height, this.width, this.interpolation);
      const batched = x.rank === 4;
      const x4 = (batched ? x : tf.expandDims(x, 0)) as tf.Tensor4D;
      const y = resizeImages(x4.dtype === 'float32' ? x4 : tf.cast(x4, 'float32'), this.height, this.width, this.interpolation);
      return batched ? y : tf.squeeze(y, [0]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation, cropToAspectRatio: this.cropToAspectRatio };
  }
}
