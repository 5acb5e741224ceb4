import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type GlobalPoolingArgs = LayerArgs & { dataFormat?: string; keepdims?: boolean };

/**
 * Keras' global pooling layers with what tfjs-layers' classes drop: `keepdims` (MobileNet v1/v3's
 * squeeze-and-excite blocks feed the [batch, 1, 1, channels] result to a Conv2D; tfjs silently
 * returned [batch, channels]) and, for GlobalMaxPooling1D, `data_format` (tfjs pools axis 1 whatever
 * the config says). tfjs-layers has no 3D classes. GlobalAveragePooling1D, which also takes a mask,
 * is in global-pooling-1d.ts. The output carries no mask, as in Keras.
 */
abstract class GlobalPooling extends tfl.layers.Layer {
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly keepdims: boolean;
  /** The pooled axes of a [batch, ...] input. */
  private readonly axes: number[];

  constructor(spatialRank: number, private readonly reduction: 'mean' | 'max', args: GlobalPoolingArgs = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.dataFormat = args.dataFormat === 'channels_first' || args.dataFormat === 'channelsFirst' ? 'channelsFirst' : 'channelsLast';
    this.keepdims = args.keepdims === true;
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    this.axes = Array.from({ length: spatialRank }, (_, i) => first + i);
    this.inputSpec = [{ ndim: spatialRank + 2 }];
    // Keras' 1D max pooling ignores a mask; tfjs would refuse one.
    this.supportsMasking = spatialRank === 1;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return this.keepdims ? s.map((d, i) => (this.axes.includes(i) ? 1 : d)) : s.filter((_, i) => !this.axes.includes(i));
  }

  override computeMask(): tf.Tensor {
    // tfjs types a mask as a tensor; null (no mask) is what its executor takes.
    return null as unknown as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => (this.reduction === 'mean' ? tf.mean : tf.max)(x, this.axes, this.keepdims));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static className = 'GlobalMaxPooling1D';
  constructor(args?: GlobalPoolingArgs) {
    super(1, 'max', args);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static className = 'GlobalAveragePooling2D';
  constructor(args?: GlobalPoolingArgs) {
    super(2, 'mean', args);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static className = 'GlobalMaxPooling2D';
  constructor(args?: GlobalPoolingArgs) {
    super(2, 'max', args);
  }
}

export class GlobalAveragePooling3D extends GlobalPooling {
  static className = 'GlobalAveragePooling3D';
  constructor(args?: GlobalPoolingArgs) {
    super(3, 'mean', args);
  }
}

export class GlobalMaxPooling3D extends GlobalPooling {
  static className = 'GlobalMaxPooling3D';
  constructor(args?: GlobalPoolingArgs) {
    super(3, 'max', args);
  }
}
