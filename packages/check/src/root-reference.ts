import type * as tf from '@tensorflow/tfjs-core';
import { FormatError, type Limits, type ModelSource } from '@savedkeras/common';
import { checkpointCaptures, SavedFunction } from '@savedkeras/graph';
import { argSpecs, type ObjectNode, type SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import type { InputSpec } from './plan-inputs.js';

/**
 * The reference of `checkModel` for a Keras model saved without a serving signature: the root's
 * own saved graph, `_default_save_signature` (the whole model traced for serving) or else its
 * `__call__` traces (training=False), run by @savedkeras/graph with variables read from the
 * checkpoint — independently of the revived model's weights.
 */
export interface RootReference {
  /** e.g. "root._default_save_signature". */
  name: string;
  /** Its first concrete function. */
  functionName: string;
  /** Inputs in model order, named `inputNames`. */
  inputs: InputSpec[];
  call(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  dispose(): void;
}

const ROOT_FUNCTIONS = ['_default_save_signature', '__call__', 'call_and_return_all_conditional_losses'];

export async function rootFunctionReference(
  graph: SavedModelGraph,
  source: ModelSource,
  io: { inputNames: string[]; outputNames: string[] },
  options: { limits?: Partial<Limits>; random?: () => number },
): Promise<RootReference | null> {
  const root = graph.root;
  const fnNode = ROOT_FUNCTIONS.map((n) => (root ? graph.child(root.id, n) : undefined)).find(
    (n): n is ObjectNode => !!n && n.concreteFunctions.length > 0,
  );
  if (!fnNode) return null;

  const ckpt = (await source.size('variables/variables.index')) !== undefined ? await CheckpointReader.open(source, 'variables/variables', options.limits) : null;
  const { captures, dispose } = await checkpointCaptures(graph, ckpt);
  try {
    const fn = await SavedFunction.load(graph, fnNode.id, captures, { limits: options.limits, random: options.random });
    // Input specs: the first trace's tensor arguments, in model order.
    const specs = fn.functions.map((f) => argSpecs(f.info)).find((s) => s.length === io.inputNames.length);
    if (!specs) {
      throw new FormatError(`${fnNode.path} takes ${argSpecs(fn.functions[0]!.info).length} tensors, the model ${io.inputNames.length} inputs`, {
        node: fnNode.path,
      });
    }
    return {
      name: fnNode.path,
      functionName: fnNode.concreteFunctions[0]!,
      inputs: specs.map((s, i) => ({ name: io.inputNames[i]!, dtype: s.dtype, shape: s.shape, argIndex: i })),
      call(x) {
        const args = io.inputNames.map((n) => x[n]!);
        const out = fn.call(args.length === 1 ? args[0] : args, { training: false });
        return namedOutputs(out, io.outputNames, fnNode.path);
      },
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** A packed output (tensor, list or dict of tensors) keyed by the Keras output names. */
function namedOutputs(out: unknown, names: string[], where: string): Record<string, tf.Tensor> {
  const isTensor = (v: unknown): v is tf.Tensor => !!v && typeof v === 'object' && 'dataSync' in v && 'shape' in v;
  if (isTensor(out)) return { [names[0] ?? 'output_0']: out };
  if (Array.isArray(out) && out.every(isTensor)) return Object.fromEntries(out.map((t, i) => [names[i] ?? `output_${i}`, t]));
  if (out && typeof out === 'object' && Object.values(out).every(isTensor)) {
    const dict = out as Record<string, tf.Tensor>;
    // Keras keys a model's output dict by output layer names; fall back to sorted order.
    if (names.every((n) => n in dict)) return dict;
    return Object.fromEntries(Object.keys(dict).sort().map((k, i) => [names[i] ?? k, dict[k]!]));
  }
  throw new FormatError(`${where} returned a structure that is not a tensor, list or dict of tensors`, { node: where });
}
