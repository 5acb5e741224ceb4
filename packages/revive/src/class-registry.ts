import * as tf from '@tensorflow/tfjs-core';
import { registerKerasObject, resolveKerasObject, isSerializableClass, type CustomObjects, type SerializableClass } from '@savedkeras/layers';

/**
 * Layer classes by Keras class name, on the one Keras object registry of @savedkeras/layers
 * (which is built on tfjs' `serialization.registerClass`).
 */

export type { CustomObjects } from '@savedkeras/layers';

/** A tfjs-layers Layer class (anything with the static `className` and `fromConfig` tfjs calls). */
export type LayerClass = SerializableClass;

/**
 * Registers a layer class under a Keras class name (e.g. 'MyDense' or 'my_package>MyDense'). The
 * class is also registered with tfjs serialization so that nested configs (a custom layer inside
 * a Bidirectional, a Sequential inside a Functional) find it.
 */
export function registerLayer(className: string, ctor: LayerClass): void {
  registerKerasObject('layer', className, ctor);
}

export interface ResolvedClass {
  ctor: LayerClass;
  fromConfig: (cls: LayerClass, config: tf.serialization.ConfigDict) => tf.serialization.Serializable;
  /** 'user' (registerLayer/customObjects), 'plugin' (@savedkeras/layers), 'tfjs' (tfjs-layers built-in). */
  origin: 'user' | 'plugin' | 'tfjs';
}

/** The layer class a config names (a Keras 3 registered name first, when given), or undefined. */
export function resolveLayerClass(className: string | readonly string[], customObjects?: CustomObjects): ResolvedClass | undefined {
  const found = resolveKerasObject('layer', className, customObjects);
  if (!found || !isSerializableClass(found.value)) return undefined;
  const ctor = found.value;
  return { ctor, fromConfig: ctor.fromConfig ?? ((c: LayerClass, cfg: tf.serialization.ConfigDict) => new c(cfg)), origin: found.origin };
}
