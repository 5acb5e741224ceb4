import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '@savedkeras/common';

/**
 * Resolution of activation / initializer / regularizer / constraint identifiers through tfjs'
 * serialization map, following tfjs-layers' own `get*` rules (its helpers are not public API):
 * a string names a class (after tfjs' alias table), an object is `{className, config}`, an
 * instance is returned as is.
 */

/** An own property of a lookup table: names from files never reach Object.prototype. */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * tfjs-layers' pythonic-to-TypeScript rule for identifiers (its toCamelCase): each run of underscores
 * and the word character after it become that character upper-cased. Config keys and string values
 * repeat across layers and loads, so results are kept in a small cache: the regex replace was the
 * largest single cost of reviving a model from its config.
 */
export function tfjsCamelCase(s: string): string {
  if (s.length <= 1 || s.indexOf('_') === -1) return s;
  let out = camelCache.get(s);
  if (out === undefined) {
    out = s.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
    // Bounded: strings from files never grow it past CAMEL_CACHE_MAX entries (nor strings past 256 characters).
    if (s.length <= 256) {
      if (camelCache.size >= CAMEL_CACHE_MAX) camelCache.clear();
      camelCache.set(s, out);
    }
  }
  return out;
}
const CAMEL_CACHE_MAX = 4096;
const camelCache = new Map<string, string>();

const INITIALIZER_ALIASES: Record<string, string> = {
  constant: 'Constant',
  glorotNormal: 'GlorotNormal',
  glorotUniform: 'GlorotUniform',
  heNormal: 'HeNormal',
  heUniform: 'HeUniform',
  identity: 'Identity',
  leCunNormal: 'LeCunNormal',
  leCunUniform: 'LeCunUniform',
  lecunNormal: 'LeCunNormal',
  lecunUniform: 'LeCunUniform',
  ones: 'Ones',
  orthogonal: 'Orthogonal',
  randomNormal: 'RandomNormal',
  randomUniform: 'RandomUniform',
  truncatedNormal: 'TruncatedNormal',
  varianceScaling: 'VarianceScaling',
  zeros: 'Zeros',
};
const REGULARIZER_ALIASES: Record<string, string> = { l1l2: 'L1L2', l1L2: 'L1L2', l1: 'L1', l2: 'L2' };
const CONSTRAINT_ALIASES: Record<string, string> = { maxNorm: 'MaxNorm', minMaxNorm: 'MinMaxNorm', nonNeg: 'NonNeg', unitNorm: 'UnitNorm' };

function resolve<T>(kind: string, id: unknown, aliases: Record<string, string>): T | null {
  if (id == null) return null;
  if (typeof id === 'object' && !('className' in (id as object)) && !('class_name' in (id as object))) return id as T;
  let className: string;
  let config: tf.serialization.ConfigDict = {};
  if (typeof id === 'string') {
    className = own(aliases, id) ?? own(aliases, tfjsCamelCase(id)) ?? id;
  } else {
    const o = id as Record<string, unknown>;
    className = String(o['className'] ?? o['class_name']);
    config = (o['config'] ?? {}) as tf.serialization.ConfigDict;
  }
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const entry = own(map, className) ?? own(map, tfjsCamelCase(className));
  if (!entry) throw new UnsupportedLayerError(`Unknown ${kind}: ${className}`, { hint: `register it with tf.serialization.registerClass` });
  const [cls, fromConfig] = entry;
  return (fromConfig ? fromConfig(cls, config) : new cls(config)) as T;
}

/** Activation objects as tfjs-layers uses them: `apply(x)`. */
export interface ActivationFn {
  apply(x: tf.Tensor, axis?: number): tf.Tensor;
  getClassName(): string;
}
export interface InitializerLike {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
}
export interface RegularizerLike {
  apply(x: tf.Tensor): tf.Scalar;
}
export interface ConstraintLike {
  apply(w: tf.Tensor): tf.Tensor;
}

export function getActivation(id: unknown): ActivationFn {
  return resolve<ActivationFn>('activation', id ?? 'linear', {})!;
}
export function getInitializer(id: unknown, fallback: string): InitializerLike {
  return resolve<InitializerLike>('initializer', id ?? fallback, INITIALIZER_ALIASES)!;
}
export function getRegularizer(id: unknown): RegularizerLike | null {
  return resolve<RegularizerLike>('regularizer', id, REGULARIZER_ALIASES);
}
export function getConstraint(id: unknown): ConstraintLike | null {
  return resolve<ConstraintLike>('constraint', id, CONSTRAINT_ALIASES);
}

/** `{className, config}` of a serializable (what tfjs `serializeKerasObject` writes), or null. */
export function serializeObject(o: unknown): tf.serialization.ConfigDict | null {
  if (o == null) return null;
  const s = o as tf.serialization.Serializable;
  if (typeof s.getClassName !== 'function') return null;
  return { className: s.getClassName(), config: typeof s.getConfig === 'function' ? s.getConfig() : {} };
}

/** An activation serialized as tfjs does: its class name. */
export function serializeActivation(a: ActivationFn): string {
  return a.getClassName();
}

/**
 * A Keras dtype name as a tfjs dtype: tfjs has only float32/int32/bool/string/complex64, so every
 * float becomes float32 and every integer int32.
 */
export function tfjsDtype(d: unknown, fallback: tf.DataType = 'float32'): tf.DataType {
  if (typeof d !== 'string') return fallback;
  if (d === 'string' || d === 'bool' || d === 'complex64') return d;
  if (d.startsWith('float') || d === 'bfloat16' || d === 'half' || d === 'double') return 'float32';
  if (d.startsWith('int') || d.startsWith('uint')) return 'int32';
  return fallback;
}

/** Layer args with the dtype made tfjs-valid (Keras writes int64 / float64 / policies). */
export function layerBaseArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  if ('dtype' in out) out['dtype'] = tfjsDtype(out['dtype']);
  return out;
}
