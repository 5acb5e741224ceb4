import { own, setOwn } from '@savedkeras/common';
import { decodeJsonUtils, isObject, normalizeConfig, type Json, type JsonObject } from '@savedkeras/revive';

/**
 * Keras 3 serialization (`{module, class_name, config, registered_name, build_config}` for every
 * object, dtype policies as objects, `batch_shape`) into the Keras 2 spelling that revive's
 * normalization and tfjs-layers take. Only what differs between Keras 3 and the Keras 2 spelling
 * tfjs expects is changed here; everything else goes through revive's normalizeConfig.
 */

/**
 * Keras 3 activations whose name tfjs gives another function: Keras 3's `hard_sigmoid` is
 * relu6(x + 3) / 6, tfjs' (and Keras 2's) is clip(0.2x + 0.5, 0, 1). Mapped to a registered
 * activation under its own name, and back when writing.
 */
export const KERAS3_ACTIVATION_NAMES: Record<string, string> = { hard_sigmoid: 'hard_sigmoid_keras3' };

/** Keras 3 class names tfjs spells differently. */
const CLASS_ALIASES: Record<string, string> = { LecunNormal: 'LeCunNormal', LecunUniform: 'LeCunUniform', Functional: 'Model' };

/** Per-class Keras 3 argument renames (Keras 3 name -> tfjs pythonic name). */
const ARG_RENAMES: Record<string, Record<string, string>> = {
  LeakyReLU: { negative_slope: 'alpha' },
};

/**
 * Rewrites Keras 3 spellings, recursively over nested objects (wrapped layers, initializers).
 * `keras2Activations`: the config was written by tf.keras 2, whose activation names mean what
 * tfjs' do (its hard_sigmoid is tfjs' clip(0.2x + 0.5, 0, 1)), so they are kept.
 */
export function keras3ToKeras2(v: Json, depth = 0, keras2Activations = false): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => keras3ToKeras2(x, depth + 1, keras2Activations));
  if (!isObject(v)) return v;
  // A custom activation function: by its name without the package (`demo>scaled_tanh` -> `scaled_tanh`),
  // as tfjs looks activations up by their exact string and customObjects' names are shown to it
  // by their base names (a Keras class is looked up by its class_name, also without the package).
  const fn = functionName(v);
  if (fn !== undefined) return fn.slice(fn.lastIndexOf('>') + 1);
  const cls = typeof v['class_name'] === 'string' ? (v['class_name'] as string) : undefined;
  const renames = cls ? own(ARG_RENAMES, cls) : undefined;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'class_name' && typeof x === 'string') {
      out[k] = own(CLASS_ALIASES, x) ?? x;
      continue;
    }
    if (k === 'config' && renames && isObject(x)) {
      const cfg: JsonObject = {};
      for (const [ck, cx] of Object.entries(x)) setOwn(cfg, own(renames, ck) ?? ck, keras3ToKeras2(cx, depth + 2, keras2Activations));
      out[k] = cfg;
      continue;
    }
    if (!keras2Activations && /activation$/.test(k) && typeof x === 'string' && own(KERAS3_ACTIVATION_NAMES, x)) {
      out[k] = own(KERAS3_ACTIVATION_NAMES, x)!;
      continue;
    }
    setOwn(out, k, keras3ToKeras2(x, depth + 1, keras2Activations));
  }
  return out;
}

/**
 * Keras 3 writes a plain function (a custom activation, loss or metric registered with
 * `register_keras_serializable`) as `{module: 'builtins', class_name: 'function', config: 'demo>fn'}`;
 * Keras 2 wrote its name alone, which is what tfjs and revive's compile look up (customObjects).
 */
function functionName(v: JsonObject): string | undefined {
  return v['class_name'] === 'function' && typeof v['config'] === 'string' ? v['config'] : undefined;
}

/** Function references anywhere in a Keras 3 compile_config (loss, metrics) as Keras 2's names. */
export function keras3FunctionNames(v: Json, depth = 0): Json {
  if (depth > 200) return v;
  if (Array.isArray(v)) return v.map((x) => keras3FunctionNames(x, depth + 1));
  if (!isObject(v)) return v;
  const fn = functionName(v);
  if (fn !== undefined) return fn;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keras3FunctionNames(x, depth + 1)]));
}

/** A Keras 3 layer entry's config as revive and tfjs take it (pythonic keys; toTs is applied later). */
export function layerConfig(entry: JsonObject, layout: 'keras-2' | 'keras-3' = 'keras-3'): JsonObject {
  const raw = isObject(entry['config']) ? entry['config'] : {};
  const converted = keras3ToKeras2({ class_name: entry['class_name'] ?? null, config: decodeJsonUtils(raw) }, 0, layout === 'keras-2') as JsonObject;
  return normalizeConfig(converted['config'] ?? {}) as JsonObject;
}

/** The name a Keras 3 entry is registered under: `package>Name` for custom objects, else its class name. */
export function registeredName(entry: JsonObject): string {
  const reg = entry['registered_name'];
  if (typeof reg === 'string' && reg.includes('>')) return reg;
  return typeof entry['class_name'] === 'string' ? (entry['class_name'] as string) : '';
}

/**
 * Keras 3 `to_snake_case`, which names the weight-file groups of a container's layers
 * (`layers/dense`, `layers/dense_1`, `layers/re_lu`).
 */
export function kerasSnakeCase(name: string): string {
  let s = name.replace(/\W+/g, '');
  s = s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Keras 3 keras_tensor references in call args: `{class_name: '__keras_tensor__', config: {keras_history: [layer, node, tensor]}}`. */
export function kerasHistory(v: Json): [string, number, number] | undefined {
  if (!isObject(v) || v['class_name'] !== '__keras_tensor__' || !isObject(v['config'])) return undefined;
  const h = v['config']['keras_history'];
  if (!Array.isArray(h) || typeof h[0] !== 'string' || typeof h[1] !== 'number' || typeof h[2] !== 'number') return undefined;
  return [h[0], h[1], h[2]];
}
