import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras `Identity` layer: returns its input (and passes its mask on). Its class name is also the
 * name of tfjs' Identity *initializer* in tfjs' one serialization map, so this class is kept out of
 * that map (register.ts): configs find it through the Keras object registry's layer table, and
 * `Identity` initializers keep resolving to tfjs' initializer.
 */
export class Identity extends tfl.layers.Layer {
  static className = 'Identity';

  constructor(args: LayerArgs = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // A new tensor id per output, as tfjs' executor disposes what a layer returns independently of its input.
    return Array.isArray(inputs) ? inputs.map((t) => t.clone()) : inputs.clone();
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }
}
