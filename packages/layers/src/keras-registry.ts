import * as tf from '@tensorflow/tfjs-core';
import { tfjsCamelCase } from './keras-objects.js';

/**
 * The one registry of Keras objects that configs name: one table per kind of object (layers,
 * losses, metrics, activations, regularizers, initializers, constraints). Classes of the kinds
 * tfjs-layers deserializes itself (layers, activations, regularizers, initializers, constraints)
 * are registered with tfjs-core's own `serialization.registerClass(cls, pkg, name)`, so nested
 * configs (a custom layer inside a Bidirectional, a custom activation inside a Dense) find them.
 *
 * Names read from files are looked up in Maps and with `Object.hasOwn`, never through `in` or a
 * plain-object index: a class_name of `constructor` or `toString` resolves to nothing.
 *
 * Kernels (TensorFlow ops of saved functions) have their own registry: `registerOp` in
 * @savedkeras/graph.
 */

export type KerasObjectKind = 'layer' | 'loss' | 'metric' | 'activation' | 'regularizer' | 'initializer' | 'constraint';
export const KERAS_OBJECT_KINDS: readonly KerasObjectKind[] = Object.freeze([
  'layer',
  'loss',
  'metric',
  'activation',
  'regularizer',
  'initializer',
  'constraint',
]);

/** A class tfjs can rebuild from a config: a static `className` (and `fromConfig`, inherited from Serializable). */
export type SerializableClass = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

/** A loss or metric as tfjs' `compile()` takes it: `(yTrue, yPred) => tensor`. */
export type LossOrMetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
/** An activation given as a plain function of one tensor. */
export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/**
 * What a user may register or pass in `customObjects`: a serializable class (any kind), or a
 * function (a loss or metric `(yTrue, yPred)`, or an activation `(x)`) — Keras' custom_objects
 * too hold classes and functions, told apart by where the config names them.
 */
export type KerasObject = SerializableClass | LossOrMetricFn | ActivationFn;

/** Where a registration came from: the user (registerKerasObject / customObjects), this package, or tfjs itself. */
export type RegistrationOrigin = 'user' | 'plugin' | 'tfjs';

export interface Registration {
  kind: KerasObjectKind;
  /** The name it was found under. */
  name: string;
  value: KerasObject;
  origin: RegistrationOrigin;
}

/** A class (has a static string `className`), as opposed to a plain function. */
export function isSerializableClass(v: unknown): v is SerializableClass {
  return typeof v === 'function' && typeof (v as { className?: unknown }).className === 'string';
}

/** Kinds whose classes tfjs-layers itself looks up in its serialization map. */
const TFJS_DESERIALIZED: ReadonlySet<KerasObjectKind> = new Set(['layer', 'activation', 'regularizer', 'initializer', 'constraint']);

type ClassEntry = [SerializableClass, tf.serialization.FromConfigMethod<tf.serialization.Serializable>];

function classNameMap(): Record<string, ClassEntry> {
  return tf.serialization.SerializationMap.getMap().classNameMap;
}

/** `package>Name` (Keras' registered names, `Custom>Adam`): the part after the last `>`. */
export function registeredBaseName(name: string): string {
  const i = name.lastIndexOf('>');
  return i >= 0 ? name.slice(i + 1) : name;
}

/** An entry of tfjs' serialization map, own properties only. */
function tfjsEntry(name: string): ClassEntry | undefined {
  const map = classNameMap();
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

/** Wraps an activation function into the class form tfjs-layers uses (`apply(x)`, serialized by name). */
export function activationClass(className: string, fn: ActivationFn): SerializableClass {
  return class extends tf.serialization.Serializable {
    static className = className;
    apply(x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => fn(x));
    }
    getConfig(): tf.serialization.ConfigDict {
      return {};
    }
  };
}

class KindRegistry {
  private readonly entries = new Map<string, Registration>();
  constructor(readonly kind: KerasObjectKind) {}

  register(name: string, value: KerasObject, origin: 'user' | 'plugin', tfjsMap = true): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`a ${this.kind} needs a non-empty name`);
    if (typeof value !== 'function') throw new TypeError(`${this.kind} '${name}' must be a class or a function`);
    const base = registeredBaseName(name);
    for (const n of new Set([name, base])) this.entries.set(n, { kind: this.kind, name: n, value, origin });
    if (!TFJS_DESERIALIZED.has(this.kind) || !tfjsMap) return;
    const cls = isSerializableClass(value) ? value : this.kind === 'activation' ? activationClass(base, value as ActivationFn) : undefined;
    if (!cls) return;
    // tfjs-core's registry: the class under its className and `pkg>name`; then the Keras names a
    // config may use when they differ from the className (tfjs-layers looks configs up by class_name).
    const pkg = name.includes('>') ? name.slice(0, name.lastIndexOf('>')) : origin === 'plugin' ? 'savedkeras' : 'Custom';
    tf.serialization.registerClass(cls, pkg, base);
    const entry: ClassEntry = [cls, cls.fromConfig];
    for (const n of new Set([name, base])) if (n !== cls.className) classNameMap()[n] = entry;
  }

  /** The first of `names` (each tried as given, then as its base name) registered by the user or a plugin. */
  own(name: string): Registration | undefined {
    return this.entries.get(name) ?? this.entries.get(registeredBaseName(name));
  }

  names(origin?: RegistrationOrigin): string[] {
    return [...this.entries.values()].filter((r) => !origin || r.origin === origin).map((r) => r.name);
  }
}

const registries = new Map<KerasObjectKind, KindRegistry>(KERAS_OBJECT_KINDS.map((k) => [k, new KindRegistry(k)]));

function registry(kind: KerasObjectKind): KindRegistry {
  const r = registries.get(kind);
  if (!r) throw new TypeError(`unknown Keras object kind '${String(kind)}'`);
  return r;
}

/**
 * Registers a Keras object under the name configs use: `'MyDense'`, or a Keras registered name
 * `'my_package>MyDense'` (then also under `'MyDense'`). A later registration of a name replaces
 * the earlier one. Layers, activations, regularizers, initializers and constraints also go into
 * tfjs' serialization map (tf.serialization.registerClass).
 */
export function registerKerasObject(kind: KerasObjectKind, name: string, value: KerasObject): void {
  registry(kind).register(name, value, 'user');
}

/**
 * Registration by @savedkeras/layers itself (reports tell plugin revivals from the user's).
 * `tfjsMap: false` keeps the class out of tfjs' serialization map, for a name tfjs holds for an
 * object of another kind there (the Keras `Identity` layer vs tfjs' `Identity` initializer): such a
 * class is found only through resolveKerasObject, not by tfjs' own nested deserialization.
 */
export function registerPluginObject(kind: KerasObjectKind, name: string, value: KerasObject, tfjsMap = true): void {
  registry(kind).register(name, value, 'plugin', tfjsMap);
}

/** The user's objects for one load: Keras' `custom_objects`, by name (plain names or `package>Name`). */
export type CustomObjects = Readonly<Record<string, KerasObject>>;

/**
 * Finds what a config names. `names` are tried in order (e.g. a Keras 3 `registered_name`, then
 * its `class_name`), each as given and then by its base name (after the last `>`): first in
 * `customObjects`, then among registered objects, then (for the kinds tfjs deserializes) in
 * tfjs' own serialization map. Nothing on Object.prototype is ever found.
 */
export function resolveKerasObject(
  kind: KerasObjectKind,
  names: string | readonly string[],
  customObjects?: CustomObjects,
): Registration | undefined {
  // One plain class name (every layer of a load, twice): no lists built for it.
  const candidates =
    typeof names === 'string' && !names.includes('>')
      ? names.length > 0
        ? [names]
        : []
      : [...new Set((typeof names === 'string' ? [names] : names).filter((n): n is string => typeof n === 'string' && n.length > 0).flatMap((n) => [n, registeredBaseName(n)]))];
  if (customObjects) {
    for (const n of candidates) {
      if (Object.hasOwn(customObjects, n) && typeof customObjects[n] === 'function') {
        return { kind, name: n, value: customObjects[n], origin: 'user' };
      }
    }
  }
  const r = registry(kind);
  for (const n of candidates) {
    const own = r.own(n);
    if (own) return own;
  }
  if (TFJS_DESERIALIZED.has(kind)) {
    for (const n of candidates) {
      const entry = tfjsEntry(n);
      if (entry) return { kind, name: n, value: entry[0], origin: 'tfjs' };
    }
  }
  return undefined;
}

/** Names registered for a kind (optionally only the user's or only this package's). */
export function registeredNames(kind: KerasObjectKind, origin?: RegistrationOrigin): string[] {
  return registry(kind).names(origin);
}


/**
 * Makes `customObjects` visible to tfjs-layers' own nested deserialization for the duration of
 * `fn` (Keras' CustomObjectScope): classes go into tfjs' serialization map under their names,
 * plain functions as activations; what was there before is put back afterwards.
 */
export async function withCustomObjects<T>(customObjects: CustomObjects | undefined, fn: () => Promise<T>): Promise<T> {
  if (!customObjects) return fn();
  const map = classNameMap();
  const saved: [string, ClassEntry | undefined][] = [];
  for (const name of Object.keys(customObjects)) {
    const value = customObjects[name];
    if (typeof value !== 'function') continue;
    const cls = isSerializableClass(value) ? value : activationClass(registeredBaseName(name), value as ActivationFn);
    // tfjs camelCases string values of a config it loads (activation 'demo>scaled_tanh' is looked up
    // as 'demo>scaledTanh'): the names are shown to it both ways.
    const names = [name, registeredBaseName(name)];
    for (const n of new Set([...names, ...names.map(tfjsCamelCase)])) {
      saved.push([n, tfjsEntry(n)]);
      map[n] = [cls, cls.fromConfig];
    }
  }
  try {
    return await fn();
  } finally {
    for (const [n, prev] of saved.reverse()) {
      if (prev) map[n] = prev;
      else delete map[n];
    }
  }
}
