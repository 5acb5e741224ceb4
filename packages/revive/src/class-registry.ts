import * as tf from '@tensorflow/tfjs-core';
import { baseClassName } from './keras-config.js';

/** A tfjs-layers Layer class (anything with the static `fromConfig` tfjs calls). */
export type LayerClass = tf.serialization.SerializableConstructor<tf.serialization.Serializable> & {
  className: string;
  fromConfig?: tf.serialization.FromConfigMethod<tf.serialization.Serializable>;
};

/** The user's registrations: the `custom_objects` of Keras. */
const userLayers = new Map<string, LayerClass>();

/**
 * Registers a layer class under a Keras class name (e.g. 'MyDense' or 'my_package>MyDense'). The
 * class is also registered with tfjs serialization so that nested configs (a custom layer inside
 * a Bidirectional, a Sequential inside a Functional) find it.
 */
export function registerLayer(className: string, ctor: LayerClass): void {
  userLayers.set(className, ctor);
  userLayers.set(baseClassName(className), ctor);
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const fromConfig = ctor.fromConfig ?? ((cls: LayerClass, config: tf.serialization.ConfigDict) => new cls(config));
  map[className] = [ctor, fromConfig as never];
  map[baseClassName(className)] = [ctor, fromConfig as never];
}

export interface ResolvedClass {
  ctor: LayerClass;
  fromConfig: (cls: LayerClass, config: tf.serialization.ConfigDict) => tf.serialization.Serializable;
  /** 'user' (registerLayer/customObjects), 'plugin' (@savedkeras/layers), 'tfjs' (tfjs-layers built-in). */
  origin: 'user' | 'plugin' | 'tfjs';
}

let pluginNames: Set<string> = new Set();
/** Names that @savedkeras/layers registered, so reports can tell plugin revivals from tfjs built-ins. */
export function setPluginClassNames(names: Iterable<string>): void {
  pluginNames = new Set(names);
}

export function resolveLayerClass(className: string, customObjects?: Record<string, LayerClass>): ResolvedClass | undefined {
  const base = baseClassName(className);
  const custom = customObjects?.[className] ?? customObjects?.[base];
  const user = custom ?? userLayers.get(className) ?? userLayers.get(base);
  if (user) {
    return { ctor: user, fromConfig: (user.fromConfig ?? ((c: LayerClass, cfg: object) => new c(cfg))) as never, origin: 'user' };
  }
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const entry = map[className] ?? map[base];
  if (!entry) return undefined;
  const [ctor, fromConfig] = entry as unknown as [LayerClass, ResolvedClass['fromConfig']];
  return { ctor, fromConfig, origin: pluginNames.has(base) ? 'plugin' : 'tfjs' };
}
