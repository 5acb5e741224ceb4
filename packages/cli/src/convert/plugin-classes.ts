import { BUILTIN_OVERRIDES, EXTRA_ACTIVATIONS, LAYER_CLASSES, tfjsCamelCase } from '@savedkeras/layers';

/** The package a converted model needs imported before tf.loadLayersModel when it uses its classes. */
export const PLUGIN_PACKAGE = '@savedkeras/layers';

/**
 * Names @savedkeras/layers registers with tfjs' serialization map: its layer classes (some
 * replace tfjs' own, e.g. GRU with reset_after), the Keras activations tfjs lacks (both
 * spellings) and the L1/L2 regularizer classes.
 */
function pluginNames(): Set<string> {
  // Gap-filling overrides of tfjs built-ins load in plain tfjs for every config tfjs handles itself.
  // (A config only the override handles, e.g. causal Conv1D, is not flagged: known gap.)
  const names = new Set<string>(Object.keys(LAYER_CLASSES).filter((n) => !BUILTIN_OVERRIDES.has(n)));
  for (const a of Object.keys(EXTRA_ACTIVATIONS)) {
    names.add(a);
    names.add(tfjsCamelCase(a));
  }
  for (const r of ['L1', 'L2', 'l1', 'l2']) names.add(r);
  return names;
}

/** Config keys whose string value names a serializable object (tfjs resolves them by name). */
const NAME_KEYS = new Set(['activation', 'recurrent_activation', 'class_name']);

/**
 * The @savedkeras/layers names a layers-model topology uses: every `class_name` (layers, nested
 * cells and wrappers, initializers, regularizers) and every activation given by name. Sorted.
 */
export function pluginClassesIn(topology: unknown): string[] {
  const plugin = pluginNames();
  const used = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (NAME_KEYS.has(k) && typeof x === 'string' && plugin.has(x)) used.add(x);
        else walk(x);
      }
    }
  };
  walk(topology);
  return [...used].sort();
}
