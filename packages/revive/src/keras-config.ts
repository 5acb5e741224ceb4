import { own, setOwn } from '@savedkeras/common';
import { tfjsCamelCase } from '@savedkeras/layers';
/**
 * Keras config normalization: turns the configs that TF 2.1-2.20 Keras really writes into the
 * pythonic JSON that tfjs-layers deserializes.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Decodes json_utils encodings: `__tuple__` and TensorShape become arrays, `__ellipsis__` the
 * string '...', `__bytes__` its text; passive-serialized objects keep their {class_name, config}.
 */
export function decodeJsonUtils(v: unknown, depth = 0): Json {
  if (depth > 200) return null;
  if (Array.isArray(v)) return v.map((x) => decodeJsonUtils(x, depth + 1));
  if (!isObject(v)) return (v ?? null) as Json;
  const cls = v['class_name'];
  if (cls === '__tuple__' && Array.isArray(v['items'])) return v['items'].map((x) => decodeJsonUtils(x, depth + 1));
  if (cls === 'TensorShape') return Array.isArray(v['items']) ? v['items'].map((x) => decodeJsonUtils(x, depth + 1)) : null;
  if (cls === '__ellipsis__') return '...';
  if (cls === '__bytes__') return typeof v['value'] === 'string' ? v['value'] : null;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) setOwn(out, k, decodeJsonUtils(x, depth + 1));
  return out;
}

/** `Custom>Adam` and `package>Name` registered names: the part after the last `>`. */
export function baseClassName(className: string): string {
  const i = className.lastIndexOf('>');
  return i >= 0 ? className.slice(i + 1) : className;
}

/** A dtype that may be a mixed-precision policy object: the variable dtype tfjs understands. */
export function normalizeDtype(d: Json): Json {
  if (isObject(d)) {
    const cfg = d['config'];
    const name = isObject(cfg) ? cfg['name'] : d['name'];
    if (typeof name === 'string') {
      if (name.startsWith('mixed_')) return 'float32'; // tfjs computes in float32
      return name;
    }
    return 'float32';
  }
  if (d === 'float64' || d === 'float16' || d === 'bfloat16') return 'float32'; // tfjs has no such float types
  // tfjs carries every integer type as int32 (int64 values beyond 2^31 cannot be represented).
  if (typeof d === 'string' && /^u?int(8|16|32|64)$/.test(d)) return 'int32';
  return d;
}

/**
 * The name of a Keras dtype policy (or layer dtype) under which Keras computes in float16 or bfloat16:
 * `mixed_float16`, `mixed_bfloat16`, `float16`, `bfloat16` (Keras 3 quantized policies end in one of them).
 * tfjs has no such arithmetic: such layers compute in float32 here. Else undefined.
 */
export function reducedPrecisionPolicy(d: unknown): string | undefined {
  let name: unknown = d;
  if (isObject(d)) {
    const cfg = d['config'];
    name = isObject(cfg) ? cfg['name'] : d['name'];
  }
  return typeof name === 'string' && /(?:^|_)(?:b?float16|half)$/.test(name) ? name : undefined;
}

/**
 * Adds the layers of a raw (not yet normalized) Keras config whose dtype policy computes in float16 /
 * bfloat16 to `found` (policy name -> layer names), nested models' layers included. Bounded walk.
 */
export function collectReducedPrecisionLayers(config: unknown, found: Map<string, Set<string>>, depth = 0): void {
  if (depth > 100) return;
  if (Array.isArray(config)) {
    for (const x of config) collectReducedPrecisionLayers(x, found, depth + 1);
    return;
  }
  // A Keras 3 call argument (`__keras_tensor__`, in inbound_nodes) has the dtype of the tensor, not a policy.
  if (!isObject(config) || config['class_name'] === '__keras_tensor__') return;
  const inner = config['config'];
  if (isObject(inner) && 'dtype' in inner) {
    const policy = reducedPrecisionPolicy(inner['dtype']);
    if (policy !== undefined) {
      let names = found.get(policy);
      if (!names) found.set(policy, (names = new Set()));
      names.add(typeof inner['name'] === 'string' ? inner['name'] : String(config['class_name'] ?? '?'));
    }
  }
  // for-in over own keys: a load walks every layer config, and Object.entries would allocate a pair per key.
  for (const k in config) {
    if (!Object.hasOwn(config, k) || k === 'dtype') continue;
    const x = config[k];
    if (typeof x === 'object' && x !== null) collectReducedPrecisionLayers(x, found, depth + 1);
  }
}

/**
 * The load warning for layers Keras computes in float16 / bfloat16 (collectReducedPrecisionLayers), or
 * undefined when there are none: savedkeras computes them in float32, so its outputs differ from
 * TensorFlow's by the narrow type's rounding, far above float32 agreement.
 */
export function reducedPrecisionWarning(found: Map<string, Set<string>>): string | undefined {
  if (found.size === 0) return undefined;
  const parts = [...found].map(([policy, set]) => {
    const names = [...set];
    const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? `, ... (${names.length} layers)` : '');
    return `"${policy}" (${shown})`;
  });
  const bf16 = [...found.keys()].some((p) => p.includes('bfloat16'));
  return (
    `Keras computes layers of this model in ${bf16 ? 'float16 / bfloat16' : 'float16'} under the dtype polic${found.size > 1 ? 'ies' : 'y'} ${parts.join('; ')}; ` +
    `savedkeras computes them in float32 (tfjs has no ${bf16 ? 'half-precision' : 'float16'} arithmetic), so outputs differ from TensorFlow's by that type's rounding: ` +
    `about 1e-3 relative per layer for float16${bf16 ? ', 1e-2 for bfloat16' : ''} (not float32's 1e-6); compare with a tolerance to match`
  );
}

const REGULARIZER_ALIASES: Record<string, string> = { L1: 'L1', L2: 'L2', L1L2: 'L1L2', l1: 'L1', l2: 'L2', l1_l2: 'L1L2' };

/**
 * Normalizes one Keras layer (or nested object) config in place of a copy:
 * - dtype policies to dtype names; `batch_shape` (Keras 3 style) to `batch_input_shape`;
 * - drops `module`, `registered_name`, `build_config`, `compile_config`, `shared_object_id`;
 * - strips `Custom>` prefixes from nested class names;
 * - `Functional`/`Model` class names of graph networks become `Model` (tfjs's name).
 */
export function normalizeConfig(v: Json, depth = 0): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => normalizeConfig(x, depth + 1));
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config' || k === 'shared_object_id') continue;
    if (k === 'dtype') {
      out[k] = normalizeDtype(x);
      continue;
    }
    if (k === 'batch_shape' && !('batch_input_shape' in v)) {
      out['batch_input_shape'] = normalizeConfig(x, depth + 1);
      continue;
    }
    if (k === 'class_name' && typeof x === 'string') {
      const base = baseClassName(x);
      out[k] = own(REGULARIZER_ALIASES, base) ?? base;
      continue;
    }
    setOwn(out, k, normalizeConfig(x, depth + 1));
  }
  return out;
}

/**
 * `normalizeConfig(decodeJsonUtils(v))` in one walk: the same value, without building the decoded
 * copy only to copy it again (a load normalizes every layer config).
 */
export function decodeAndNormalize(v: unknown, depth = 0): Json {
  if (depth > 200) return null;
  if (Array.isArray(v)) {
    const out: Json[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = decodeAndNormalize(v[i], depth + 1);
    return out;
  }
  if (!isObject(v)) return (v ?? null) as Json;
  const cls = v['class_name'];
  if (cls === '__tuple__' && Array.isArray(v['items'])) return decodeAndNormalize(v['items'], depth);
  if (cls === 'TensorShape') return Array.isArray(v['items']) ? decodeAndNormalize(v['items'], depth) : null;
  if (cls === '__ellipsis__') return '...';
  if (cls === '__bytes__') return typeof v['value'] === 'string' ? v['value'] : null;
  const out: JsonObject = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config' || k === 'shared_object_id') continue;
    const x = v[k];
    if (k === 'dtype') out[k] = normalizeDtype(decodeJsonUtils(x, depth + 1));
    else if (k === 'batch_shape' && !('batch_input_shape' in v)) out['batch_input_shape'] = decodeAndNormalize(x, depth + 1);
    else if (k === 'class_name' && typeof x === 'string') {
      const base = baseClassName(x);
      out[k] = own(REGULARIZER_ALIASES, base) ?? base;
    } else setOwn(out, k, decodeAndNormalize(x, depth + 1));
  }
  return out;
}

/**
 * decodeAndNormalize of a network config whose `layers` entries keep their `config` unnormalized
 * until read: a network is rebuilt from its layer objects' own configs, and reads only a few of
 * the copies its config holds (input layers, a Sequential's first layer). The value read is
 * decodeAndNormalize's.
 */
export function decodeAndNormalizeNetwork(v: unknown): Json {
  if (!isObject(v) || !Array.isArray(v['layers']) || typeof v['class_name'] === 'string') return decodeAndNormalize(v);
  const raw = v['layers'];
  const layers = raw.map((entry) => (isObject(entry) && typeof entry['class_name'] === 'string' && 'config' in entry ? lazyConfigEntry(entry) : decodeAndNormalize(entry, 2)));
  const out = decodeAndNormalize({ ...v, layers: [] }) as JsonObject;
  if (Object.hasOwn(out, 'layers')) out['layers'] = layers;
  return out;
}

/** One `layers` entry (depth 2 of a network config), its `config` normalized on first read. */
function lazyConfigEntry(entry: JsonObject): Json {
  const decoded = decodeAndNormalize({ ...entry, config: null }, 2);
  if (!isObject(decoded)) return decodeAndNormalize(entry, 2) as JsonObject; // a json_utils encoding, not an entry
  const out = decoded;
  const raw = entry['config'];
  const settle = (value: Json): Json => {
    Object.defineProperty(out, 'config', { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(out, 'config', { enumerable: true, configurable: true, get: () => settle(decodeAndNormalize(raw, 3)), set: settle });
  return out;
}

function toCamelCase(s: string): string {
  return s.replace(/[_-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/^([A-Z])/, (m) => m);
}

/**
 * Config keys (Keras' names) whose string values are data, not option names: tfjs camelCases every
 * string value, which made a vocabulary term 'my_token' 'myToken' (silently out of vocabulary) and
 * an OOV token 'oov_tok' 'oovTok'. Their values are kept as written, on load and on save.
 */
export const FREE_TEXT_CONFIG_KEYS: ReadonlySet<string> = new Set(['vocabulary', 'mask_token', 'oov_token', 'mask_value']);

/**
 * tfjs-layers' own pythonic-to-TypeScript rule (keys and string values camelCased, `name` values
 * and layer names inside inbound_nodes / input_layers / output_layers kept), so that configs reach
 * tfjs classes exactly as `tf.models.modelFromJSON` would hand them over; FREE_TEXT_CONFIG_KEYS'
 * values are kept as they are.
 */
export function pythonicToTs(v: Json, key?: string): Json {
  if (v === null) return null;
  if (typeof v === 'string') return tfjsCamelCase(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    return v.map((item, i) =>
      (key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers') && i === 0 && typeof item === 'string'
        ? item
        : pythonicToTs(item, key),
    );
  }
  const out: JsonObject = {};
  // Keys, then values by key (not Object.entries: one array per key, on every config of a load).
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = v[k]!;
    if (k === 'name' && typeof x === 'string') out[k] = x;
    else if (FREE_TEXT_CONFIG_KEYS.has(k)) setOwn(out, tfjsCamelCase(k), x);
    else {
      const tk = tfjsCamelCase(k);
      setOwn(out, tk, pythonicToTs(x, tk));
    }
  }
  return out;
}


export { toCamelCase };

/** Keras config keys whose values are integers (or lists of them) wherever they appear. */
const INTEGER_KEYS = new Set([
  'units', 'filters', 'kernel_size', 'strides', 'pool_size', 'dilation_rate', 'input_dim', 'output_dim', 'input_length',
  'num_heads', 'key_dim', 'value_dim', 'max_tokens', 'num_oov_indices', 'output_sequence_length', 'size', 'target_shape',
  'n', 'depth_multiplier', 'groups', 'num_tokens', 'cropping', 'axis', 'axes', 'dims',
]);
/** Axes count dimensions: tfjs normalizes a negative one by adding the rank in a loop, so -1e308 never ends. */
const AXIS_KEYS = new Set(['axis', 'axes', 'dims']);
const MAX_AXIS = 64;

/**
 * The integers of a layer config, before tfjs sees them: a whole number within int32 (axes
 * within +-64). tfjs-layers trusts them: a huge negative Dot `axes` loops forever, a fractional
 * `units` builds odd shapes. Returns a description of the first bad value, or undefined.
 */
export function badConfigInteger(v: Json, depth = 0): string | undefined {
  if (depth > 100 || v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = badConfigInteger(v[i]!, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = v[k]!;
    if (INTEGER_KEYS.has(k)) {
      const limit = AXIS_KEYS.has(k) ? MAX_AXIS : 2 ** 31 - 1;
      const nums: Json[] = Array.isArray(x) ? x.flat(2) : [x];
      for (const n of nums) {
        if (typeof n === 'number' && (!Number.isInteger(n) || Math.abs(n) > limit)) return `${k} = ${JSON.stringify(x)}`;
      }
    }
    const bad = badConfigInteger(x, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * A `class_name` anywhere in a config that names a property every JS object has (`constructor`,
 * `toString`, `__proto__`, ...). tfjs-layers looks class names up in a plain object, where these
 * resolve to Object builtins and crash; no Keras class has such a name.
 */
export function builtinClassName(v: unknown, depth = 0, walk?: { cutOff: boolean }): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  if (depth > 200) {
    if (walk) walk.cutOff = true;
    return undefined;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = builtinClassName(v[i], depth + 1, walk);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const name = Object.hasOwn(o, 'class_name') ? o['class_name'] : undefined;
  if (typeof name === 'string' && (name === '__proto__' || name in Object.prototype)) return name;
  // for-in over own keys, in Object.keys' order, without its array per object (the root's config holds every layer's).
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const x = o[k];
    if (!x || typeof x !== 'object') continue;
    const bad = builtinClassName(x, depth + 1, walk);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * builtinClassName of a Keras object's metadata, over the objects of one load: `searched` holds the layer
 * configs of network configs already searched to their end (no depth cut-off) and found clean. A network's
 * metadata holds every layer's config, which a layer's own metadata holds again (the very same object when
 * the layers' metadata is made from the model config): such a config is not searched again. Same answer
 * as builtinClassName(metadata).
 */
export function metadataBuiltinClassName(metadata: Record<string, unknown>, searched: Set<object>): string | undefined {
  const config = metadata['config'];
  if (!isObject(config) || !searched.has(config)) {
    const walk = { cutOff: false };
    const bad = builtinClassName(metadata, 0, walk);
    if (bad === undefined && !walk.cutOff && isObject(config)) addLayerConfigs(config, searched);
    return bad;
  }
  // Its config was searched: the class name and the other fields only, in builtinClassName's order.
  const name = Object.hasOwn(metadata, 'class_name') ? metadata['class_name'] : undefined;
  if (typeof name === 'string' && (name === '__proto__' || name in Object.prototype)) return name;
  const keys = Object.keys(metadata);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === 'config') continue;
    const bad = builtinClassName(metadata[keys[i]!], 1);
    if (bad !== undefined) return bad;
  }
  // A nested network's layer configs are inside it, searched as well.
  addLayerConfigs(config, searched);
  return undefined;
}

/** The `config` of each `layers` entry of a (searched, clean) network config. */
function addLayerConfigs(config: JsonObject, searched: Set<object>): void {
  const layers = config['layers'];
  if (!Array.isArray(layers)) return;
  for (let i = 0; i < layers.length; i++) {
    const entry = layers[i];
    if (isObject(entry) && isObject(entry['config'])) searched.add(entry['config']);
  }
}
