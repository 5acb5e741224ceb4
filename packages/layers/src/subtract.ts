import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import { shapeList, tensorList } from './call-args.js';
import { layerBaseArgs } from './keras-objects.js';
import { broadcastShapes } from './shape-utils.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Keras `Subtract` merge layer: `inputs[0] - inputs[1]` (broadcasting), exactly two inputs. */
export class Subtract extends tfl.layers.Layer {
  static className = 'Subtract';

  constructor(args: LayerArgs = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.supportsMasking = true;
  }

  private two<T>(items: T[]): [T, T] {
    if (items.length !== 2) throw new UnsupportedLayerError(`${this.name}: a Subtract layer should be called on exactly 2 inputs, got ${items.length}`);
    return [items[0], items[1]];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [a, b] = this.two(shapeList(inputShape));
    return broadcastShapes(a, b);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = this.two(tensorList(inputs));
    return tf.sub(a, b);
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    // Keras merge layers: the AND of the input masks.
    const masks = (Array.isArray(mask) ? mask : mask ? [mask] : []).filter((m) => m != null);
    if (masks.length === 0) return null as unknown as tf.Tensor;
    return masks.reduce((acc, m) => tf.logicalAnd(acc, m));
  }
}
