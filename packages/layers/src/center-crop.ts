import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';
import { resizeImages } from './random-crop.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface CenterCropArgs extends LayerArgs {
  height: number;
  width: number;
  dataFormat?: 'channelsLast' | 'channelsFirst' | null;
}

/**
 * Keras `CenterCrop` (Keras 3 `center_crop.py`). tfjs-layers' class wrote the cropped size into the
 * input shape it was given (so the model's declared input became the crop size), cropped with a
 * nearest-neighbour crop_and_resize shifted one column when the width margin was under 2, and
 * resized a smaller image without smart_resize. Keras: when the image is at least the target size in
 * both directions, the centred window (offsets (in − target) // 2); otherwise `smart_resize` of the
 * whole image (largest centred window of the target aspect ratio, resized bilinearly).
 */
export class CenterCrop extends tfl.layers.Layer {
  static className = 'CenterCrop';
  readonly height: number;
  readonly width: number;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: CenterCropArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.height = args.height;
    this.width = args.width;
    this.dataFormat = args.dataFormat === 'channelsFirst' ? 'channelsFirst' : 'channelsLast';
  }

  /** Axes of height and width in a shape of `rank` (3: one image, 4: a batch). */
  private axes(rank: number): [number, number] {
    return this.dataFormat === 'channelsFirst' ? [rank - 2, rank - 1] : [rank - 3, rank - 2];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    const [h, w] = this.axes(s.length);
    s[h] = this.height;
    s[w] = this.width;
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, 'float32');
      const [ha, wa] = this.axes(x.rank);
      const inH = x.shape[ha]!;
      const inW = x.shape[wa]!;
      if (inH >= this.height && inW >= this.width) {
        const begin = x.shape.map(() => 0);
        const size = x.shape.map(() => -1);
        begin[ha] = Math.floor((inH - this.height) / 2);
        begin[wa] = Math.floor((inW - this.width) / 2);
        size[ha] = this.height;
        size[wa] = this.width;
        return tf.slice(x, begin, size);
      }
      return this.smartResize(x, inH, inW);
    });
  }

  /** Keras 3 `image_utils.smart_resize` on static sizes (Python float arithmetic, crop at least 1). */
  private smartResize(x: tf.Tensor, inH: number, inW: number): tf.Tensor {
    const cropH = Math.max(Math.min(inH, Math.trunc((inW * this.height) / this.width)), 1);
    const cropW = Math.max(Math.min(inW, Math.trunc((inH * this.width) / this.height)), 1);
    const first = this.dataFormat === 'channelsFirst';
    let img = x.rank === 3 ? tf.expandDims(x, 0) : x;
    if (first) img = tf.transpose(img, [0, 2, 3, 1]);
    const top = Math.trunc((inH - cropH) / 2);
    const left = Math.trunc((inW - cropW) / 2);
    const cropped = tf.slice(img, [0, top, left, 0], [-1, cropH, cropW, -1]) as tf.Tensor4D;
    let y: tf.Tensor = resizeImages(cropped, this.height, this.width, 'bilinear');
    if (first) y = tf.transpose(y, [0, 3, 1, 2]);
    return x.rank === 3 ? tf.squeeze(y, [0]) : y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, dataFormat: this.dataFormat };
  }
}
