import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fromTensor, makeInputs, planInputs, type PlannedInput, type TensorJson } from '@savedkeras/check';
import type { LoadedKerasModel } from 'savedkeras';

type SavedModelGraph = NonNullable<LoadedKerasModel['graph']>;

/** A `.keras` / `.h5` file has no saved graph: inputs are planned from the model's own shapes alone. */
const NO_GRAPH = { nodes: [], root: undefined, signatures: [], metaGraph: { graphDef: { node: [] } }, functionDef: () => undefined } as unknown as SavedModelGraph;

export type { TensorJson };

/**
 * The page's inputs are planned by @savedkeras/check (the same seeded values `savedkeras check`
 * feeds: batch 1, unknown sizes from what the model records, valid indices and vocabulary words),
 * and travel as its tensor JSON ({"dtype", "shape", "value"}, as in reference/expected.json).
 */
export interface InputSpec extends PlannedInput {
  /** Shape as the model declares it (null = any). */
  declared: Array<number | null>;
}

/** Keras model inputs (named as the model names them), planned against the model's own graph. */
export function kerasInputSpecs(model: tfl.LayersModel, graph: SavedModelGraph | undefined): InputSpec[] {
  const declared = model.inputs.map((i) => i.shape.map((d) => (d === null || d === undefined || d < 0 ? null : d)));
  const planned = planInputs(
    model.inputs.map((input, i) => ({ name: model.inputNames[i]!, dtype: input.dtype, shape: declared[i]!.map((d) => d ?? -1) })),
    graph ?? NO_GRAPH,
    { unknownDimSize: 8, modelShapes: model.inputs.map((t) => t.shape) },
  );
  return planned.map((p, i) => ({ ...p, declared: declared[i]! }));
}

/** Signature inputs (non-Keras models). */
export function signatureInputSpecs(
  inputs: Array<{ name: string; dtype: string; shape: number[] | null }>,
  graph: SavedModelGraph,
  functionName: string | null,
): InputSpec[] {
  const planned = planInputs(inputs, graph, { unknownDimSize: 8, functionName });
  return planned.map((p, i) => ({ ...p, declared: (inputs[i]!.shape ?? []).map((d) => (d < 0 ? null : d)) }));
}

/** What the seeded values of an input are, in words (the run panel's table). */
export function describeValues(s: InputSpec): string {
  switch (s.values) {
    case 'normal':
      return 'standard normal';
    case 'integers':
      return `${s.vocabulary ? `ids of the vocabulary (${s.vocabulary.length})` : `integers in [${s.range![0]}, ${s.range![1]})`}${s.from ? ` (${s.from})` : ''}`;
    case 'words':
      return `short phrases${s.from ? ` from the vocabulary of ${s.from}` : ''}`;
    case 'tf.Example':
      return 'empty tf.Example protos';
    case 'booleans':
      return 'booleans';
    case 'given':
      return 'given';
  }
}

/** Seeded inputs for the specs, as tensor JSON. */
export async function generateInputs(specs: InputSpec[], seed: number): Promise<Record<string, TensorJson>> {
  const made = makeInputs(specs, seed);
  try {
    const out: Record<string, TensorJson> = {};
    for (const s of specs) out[s.name] = await fromTensor(made[s.name]!, s.dtype);
    return out;
  } finally {
    tf.dispose(Object.values(made));
  }
}

/**
 * Typed JSON from the text box: an object keyed by input name, or (one input) a bare nested array,
 * each value either tensor JSON or a bare nested array. A nested array one rank short of the model
 * input gets the batch dimension added.
 */
export function parseJsonInputs(text: string, specs: InputSpec[]): Record<string, TensorJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`the input is not valid JSON: ${(e as Error).message}`);
  }
  const byName: Record<string, unknown> =
    Array.isArray(parsed) && specs.length === 1 ? { [specs[0]!.name]: parsed } : (parsed as Record<string, unknown>);
  if (typeof byName !== 'object' || byName === null || Array.isArray(byName)) {
    throw new TypeError(`give an object keyed by input name (${specs.map((s) => s.name).join(', ')})`);
  }
  const out: Record<string, TensorJson> = {};
  for (const s of specs) {
    const v = byName[s.name];
    if (v === undefined) throw new TypeError(`the JSON has no value for input "${s.name}"`);
    if (v && typeof v === 'object' && !Array.isArray(v) && 'shape' in v) {
      out[s.name] = v as TensorJson;
      continue;
    }
    const t = tf.tensor(v as number[], undefined, s.dtype === 'string' ? 'string' : undefined);
    const shape = t.shape.length === s.declared.length - 1 ? [1, ...t.shape] : t.shape;
    t.dispose();
    out[s.name] = { dtype: s.dtype, shape, value: v };
  }
  return out;
}
