import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { EXECUTOR_OPS, kernelNames } from '@savedkeras/graph';
import { EXTRA_ACTIVATIONS, KERAS_OPERATIONS, LAYER_CLASSES, registerAllLayers, tfOpSignatures } from '@savedkeras/layers';
import { TENSORFLOW_OPS, TENSORFLOW_VERSION } from './tensorflow-ops.js';

/** What savedkeras supports, read from its registries (nothing here is listed by hand). */
export interface Coverage {
  /** Graph ops the executor runs: every op with a kernel, and the calls and control flow it runs itself. */
  ops: string[];
  /** TensorFlow ops (tf.raw_ops of TENSORFLOW_VERSION) that no kernel runs. */
  missingOps: string[];
  /** Keras layer classes revived from their config, and where the class comes from. */
  layers: { name: string; from: 'tfjs-layers' | '@savedkeras/layers' }[];
  /** Other Keras objects found in configs (initializers, regularizers, constraints, activations), by kind. */
  objects: Record<string, string[]>;
  /** `tf.*` functions a TFOpLambda layer can call, with the arguments it takes. */
  tfOpLambda: Record<string, readonly string[]>;
  /** Keras 3 operation nodes (`keras.ops.*` calls, `x[:, 0]`) a Functional model from a .keras / .h5 file can hold. */
  operations: string[];
}

type Ctor = { prototype: object };

/** Names of a class's ancestors (tfjs-layers does not export its Initializer, Regularizer, ... base classes). */
function ancestors(ctor: Ctor): string[] {
  const names: string[] = [];
  for (let c = Object.getPrototypeOf(ctor) as { name?: string } | null; c && c.name; c = Object.getPrototypeOf(c) as { name?: string } | null) {
    names.push(c.name);
  }
  return names;
}

/** The kind of a class in tfjs' serialization map, by its base class. */
function kindOf(ctor: Ctor): string | undefined {
  if (ctor.prototype instanceof tfl.layers.Layer) return 'layer';
  if (ctor.prototype instanceof tf.Optimizer) return 'optimizers';
  const base = ancestors(ctor);
  if (base.includes('Initializer')) return 'initializers';
  if (base.includes('Regularizer')) return 'regularizers';
  if (base.includes('Constraint')) return 'constraints';
  if (base.includes('Activation')) return 'activations';
  return undefined;
}

export function collectCoverage(): Coverage {
  registerAllLayers();
  const ops = [...new Set([...kernelNames(), ...EXECUTOR_OPS])].sort();
  const have = new Set(ops);
  const missingOps = TENSORFLOW_OPS.filter((o) => !have.has(o));
  const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [Ctor, unknown]>;
  const layers: Coverage['layers'] = [];
  const objects: Record<string, Set<string>> = {};
  for (const [name, [ctor]] of Object.entries(map)) {
    // Names registered under a package prefix ('Custom>Adam', 'my_package>MyLayer') are aliases.
    if (name.includes('>')) continue;
    const kind = kindOf(ctor);
    if (kind === 'layer') {
      layers.push({ name, from: (LAYER_CLASSES as Record<string, unknown>)[name] === ctor ? '@savedkeras/layers' : 'tfjs-layers' });
    } else {
      // Activations registered as plain serializable classes go by their lower-case Keras names.
      (objects[kind ?? (/^[a-z]/.test(name) ? 'activations' : 'other')] ??= new Set()).add(name);
    }
  }
  for (const name of Object.keys(EXTRA_ACTIVATIONS)) (objects['activations'] ??= new Set()).add(name);
  layers.sort((a, b) => a.name.localeCompare(b.name));
  const sortedObjects = Object.fromEntries(
    Object.entries(objects)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, [...v].sort((a, b) => a.localeCompare(b))]),
  );
  const operations = Object.keys(KERAS_OPERATIONS).sort((a, b) => a.localeCompare(b));
  return { ops, missingOps, layers, objects: sortedObjects, tfOpLambda: tfOpSignatures(), operations };
}

/** Names as inline code, several to a line, so that long lists stay readable. */
function nameBlock(names: readonly string[], perLine = 6): string {
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += perLine) {
    lines.push(
      names
        .slice(i, i + perLine)
        .map((n) => `\`${n}\``)
        .join(' · '),
    );
  }
  return lines.join('<br>\n');
}

/** docs/coverage.md: generated, never edited by hand (a test fails when it is stale). */
export function coverageMarkdown(c: Coverage = collectCoverage()): string {
  const plugin = c.layers.filter((l) => l.from === '@savedkeras/layers').map((l) => l.name);
  const builtin = c.layers.filter((l) => l.from === 'tfjs-layers').map((l) => l.name);
  const tfCount = TENSORFLOW_OPS.length;
  const covered = tfCount - c.missingOps.length;
  const out: string[] = [
    '# What savedkeras supports',
    '',
    '<!-- Generated from the registries by `pnpm coverage:doc` (packages/cli/src/supported); do not edit by hand. -->',
    '',
    'Read from the registries of this checkout: the graph executor\'s kernel registry (`@savedkeras/graph`),',
    'tfjs-layers\' serialization map and the classes `@savedkeras/layers` registers in it. Kernels and layer',
    'classes you register yourself (`registerOp`, `registerLayer`) come on top. A test fails when this file',
    'is stale; `pnpm coverage:doc` writes it again, and `savedkeras coverage` prints it.',
    '',
    '## Summary',
    '',
    '| | count |',
    '|---|---|',
    `| graph ops that run (kernels and control flow) | ${c.ops.length} |`,
    `| TensorFlow ${TENSORFLOW_VERSION} ops (\`tf.raw_ops\`) that run | ${covered} of ${tfCount} |`,
    `| Keras layer classes revived from config | ${c.layers.length} (${builtin.length} from tfjs-layers, ${plugin.length} from @savedkeras/layers) |`,
    `| \`tf.*\` functions a TFOpLambda layer can call | ${Object.keys(c.tfOpLambda).length} |`,
    `| Keras 3 operations in .keras / .h5 Functional models | ${c.operations.length} |`,
    '',
    'A Keras layer no class can rebuild still runs from its saved call function when the SavedModel',
    'holds one, as long as the graph ops of that function run. A signature runs when all its ops run.',
    '',
    `## Graph ops (${c.ops.length})`,
    '',
    nameBlock(c.ops),
    '',
    '## Keras layer classes',
    '',
    `### From tfjs-layers (${builtin.length})`,
    '',
    nameBlock(builtin),
    '',
    `### From @savedkeras/layers (${plugin.length})`,
    '',
    'Classes tfjs-layers lacks, or replaces where the Keras behaviour differs (e.g. GRU `reset_after`).',
    '',
    nameBlock(plugin),
    '',
    '## Other Keras objects in configs',
    '',
  ];
  for (const [kind, names] of Object.entries(c.objects)) {
    out.push(`### ${kind[0]!.toUpperCase()}${kind.slice(1)} (${names.length})`, '', nameBlock(names), '');
  }
  out.push(
    `## Keras 3 operations (${c.operations.length})`,
    '',
    'The `keras.ops` calls (and `x[...]` subscripts: `GetItem`) a Keras 3 Functional model saves as operation nodes.',
    '',
    nameBlock(c.operations),
    '',
    `## TFOpLambda functions (${Object.keys(c.tfOpLambda).length})`,
    '',
    'The `tf.*` calls a Functional model records as TFOpLambda layers, with the arguments understood.',
    '',
    '| function | arguments |',
    '|---|---|',
    ...Object.entries(c.tfOpLambda).map(([name, params]) => `| \`${name}\` | ${params.map((p) => `\`${p}\``).join(', ')} |`),
    '',
    `## TensorFlow ops that do not run here (${c.missingOps.length} of ${tfCount})`,
    '',
    `The ops of TensorFlow ${TENSORFLOW_VERSION} (\`tf.raw_ops\`) with no kernel here. Many are training, I/O,`,
    'distribution or TPU ops that an inference graph does not contain.',
    '',
    nameBlock(c.missingOps),
    '',
  );
  return out.join('\n');
}
