import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';
import { resizeArea, resizeBicubic } from '@savedkeras/kernels';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** TF2 `tf.image.resize` (half-pixel centres, no antialiasing) for bilinear / nearest. */
export type ResizeInterpolation = 'bilinear' | 'nearest' | 'bicubic' | 'area';

export function resizeImages(x: tf.Tensor4D, height: number, width: number, interpolation: ResizeInterpolation): tf.Tensor4D {
  if (interpolation === 'bicubic' || interpolation === 'area') {
    // TF2's tf.image.resize: ResizeBicubic with half-pixel centres, ResizeArea (TF's kernels in JS, @savedkeras/kernels).
    const data = x.dataSync();
    const out = interpolation === 'bicubic'
      ? resizeBicubic(data, x.shape, height, width, { alignCorners: false, halfPixelCenters: true })
      : resizeArea(data, x.shape, height, width, false);
    return tf.tensor4d(out, [x.shape[0], height, width, x.shape[3]], 'float32');
  }
  return interpolation === 'nearest'
    ? tf.image.resizeNearestNeighbor(x, [height, width], false, true)
    : tf.image.resizeBilinear(x, [height, width], false, true);
}

/**
 * Keras `image_utils.smart_resize`: crop the largest centred window with the target aspect ratio,
 * then resize it bilinearly (TF2 `tf.image.resize`: half-pixel centres, no antialiasing).
 */
export function smartResize(images: tf.Tensor, height: number, width: number, interpolation: ResizeInterpolation = 'bilinear'): tf.Tensor {
  return tf.tidy(() => {
    const batched = images.rank === 4;
    const x = (batched ? images : tf.expandDims(images, 0)) as tf.Tensor4D;
    const [, h, w] = x.shape;
    const f = Math.fround;
    const cropH = Math.min(h, Math.trunc(f(f(w * height) / width)));
    const cropW = Math.min(w, Math.trunc(f(f(h * width) / height)));
    const top = Math.trunc(f(h - cropH) / 2);
    const left = Math.trunc(f(w - cropW) / 2);
    const cropped = tf.slice(x, [0, top, left, 0], [-1, cropH, cropW, -1]);
    const resized = resizeImages(tf.cast(cropped, 'float32') as tf.Tensor4D, height, width, interpolation);
    return batched ? resized : tf.squeeze(resized, [0]);
  });
}

export interface RandomCropArgs extends LayerArgs {
  height: number;
  width: number;
  seed?: number | null;
}

/**
 * Keras `RandomCrop`. At inference (tf-keras ≥ 2.7) the image is `smart_resize`d to height x
 * width: the largest centred crop with the target aspect ratio, resized bilinearly. The random
 * crop of training is not implemented (training calls take the inference path).
 */
export class RandomCrop extends tfl.layers.Layer {
  static className = 'RandomCrop';
  readonly height: number;
  readonly width: number;
  readonly seed: number | null;

  constructor(args: RandomCropArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.height = args.height;
    this.width = args.width;
    this.seed = args.seed ?? null;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    s[s.length - 3] = this.height;
    s[s.length - 2] = this.width;
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return smartResize(Array.isArray(inputs) ? inputs[0] : inputs, this.height, this.width);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, seed: this.seed };
  }
}
