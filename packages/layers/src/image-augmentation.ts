import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Keys every tfjs layer takes; everything else in a config is the layer's own. */
const BASE_KEYS = new Set(['name', 'trainable', 'dtype', 'batchInputShape', 'inputShape', 'batchSize', 'inputDType', 'weights']);

function ownParams(args: Record<string, unknown>): tf.serialization.ConfigDict {
  const out: tf.serialization.ConfigDict = {};
  for (const [k, v] of Object.entries(args)) if (!BASE_KEYS.has(k) && v !== undefined) out[k] = v as tf.serialization.ConfigDictValue;
  return out;
}

/**
 * Keras random image augmentation layers. At inference (the only mode this package serves) each
 * returns its input unchanged, as Keras does; the configured factors are kept for getConfig().
 * Random augmentation during training is NOT implemented: with `training: true` they are
 * identity too. Their saved RNG state variables (`_random_generator` int64[3]) have no
 * counterpart here and are left unbound.
 */
abstract class InferenceIdentityAugmentation extends tfl.layers.Layer {
  protected readonly params: tf.serialization.ConfigDict;

  constructor(args: LayerArgs & Record<string, unknown> = {}) {
    super(layerBaseArgs(args) as LayerArgs);
    this.params = ownParams(args);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // Keras converts the input to the layer's compute dtype.
    return x.dtype === 'float32' ? tf.clone(x) : tf.cast(x, 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.params };
  }
}

export class RandomFlip extends InferenceIdentityAugmentation {
  static className = 'RandomFlip';
}
export class RandomRotation extends InferenceIdentityAugmentation {
  static className = 'RandomRotation';
}
export class RandomZoom extends InferenceIdentityAugmentation {
  static className = 'RandomZoom';
}
export class RandomTranslation extends InferenceIdentityAugmentation {
  static className = 'RandomTranslation';
}
export class RandomContrast extends InferenceIdentityAugmentation {
  static className = 'RandomContrast';
}
export class RandomBrightness extends InferenceIdentityAugmentation {
  static className = 'RandomBrightness';
}

/**
 * Keras 3's newer image preprocessing layers (3.8+). At inference each returns its input (Keras' transform_images
 * does nothing unless training, or get_random_transformation gives none): measured with Keras 3.15 on every class
 * below. Equalization also changes nothing at inference in Keras 3.15, though it is not random.
 */
export class RandomGrayscale extends InferenceIdentityAugmentation {
  static className = 'RandomGrayscale';
}
export class RandomHue extends InferenceIdentityAugmentation {
  static className = 'RandomHue';
}
export class RandomSaturation extends InferenceIdentityAugmentation {
  static className = 'RandomSaturation';
}
export class RandomSharpness extends InferenceIdentityAugmentation {
  static className = 'RandomSharpness';
}
export class RandomShear extends InferenceIdentityAugmentation {
  static className = 'RandomShear';
}
export class RandomColorJitter extends InferenceIdentityAugmentation {
  static className = 'RandomColorJitter';
}
export class RandomColorDegeneration extends InferenceIdentityAugmentation {
  static className = 'RandomColorDegeneration';
}
export class RandomGaussianBlur extends InferenceIdentityAugmentation {
  static className = 'RandomGaussianBlur';
}
export class RandomErasing extends InferenceIdentityAugmentation {
  static className = 'RandomErasing';
}
export class RandomPerspective extends InferenceIdentityAugmentation {
  static className = 'RandomPerspective';
}
export class RandomElasticTransform extends InferenceIdentityAugmentation {
  static className = 'RandomElasticTransform';
}
export class RandomInvert extends InferenceIdentityAugmentation {
  static className = 'RandomInvert';
}
export class RandomPosterization extends InferenceIdentityAugmentation {
  static className = 'RandomPosterization';
}
export class Solarization extends InferenceIdentityAugmentation {
  static className = 'Solarization';
}
export class RandAugment extends InferenceIdentityAugmentation {
  static className = 'RandAugment';
}
export class AugMix extends InferenceIdentityAugmentation {
  static className = 'AugMix';
}
export class Equalization extends InferenceIdentityAugmentation {
  static className = 'Equalization';
}

/** Keras RandomHeight: random resize of the height in training; identity at inference (unknown height statically). */
export class RandomHeight extends InferenceIdentityAugmentation {
  static className = 'RandomHeight';
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    s[s.length - 3] = null;
    return s;
  }
}

/** Keras RandomWidth: random resize of the width in training; identity at inference (unknown width statically). */
export class RandomWidth extends InferenceIdentityAugmentation {
  static className = 'RandomWidth';
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape)];
    s[s.length - 2] = null;
    return s;
  }
}
