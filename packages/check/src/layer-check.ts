import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Limits, ModelSource } from '@savedkeras/common';
import { checkpointCaptures, SavedFunction } from '@savedkeras/graph';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { flatCallOutputs, type ReviveReport } from '@savedkeras/revive';
import { diff, sameShape } from './compare.js';

/**
 * `check --layers`: each layer revived from its config (or by a plugin) against the call function
 * Keras saved for it (`call_and_return_conditional_losses`), on the tensors the layer really
 * receives inside the model for the check's input. The saved functions run with their variables
 * read from the checkpoint (not the revived weights) on the reference backend.
 */
export interface CheckedLayer {
  /** Layer name, nested layers as "outer/inner". */
  name: string;
  className: string;
  /** How savedkeras revived it ("config", "plugin", ...). */
  how: string;
  /** Compared with its saved call function; false when it was skipped (see `skipped`). */
  compared: boolean;
  maxAbsDiff: number | null;
  maxRelDiff: number | null;
  ok: boolean;
  /** Why the layer could not be compared (no saved call function, a trace that does not match its inputs, ...). */
  skipped?: string;
}

export interface LayerCheckOptions {
  tolerance: number;
  limits?: Partial<Limits>;
  random?: () => number;
  onReference(): Promise<void>;
  onModel(): Promise<void>;
}

type Sym = tfl.SymbolicTensor;

/** Layers of `model` (descending into nested models) with the symbolic tensors they are called on, in model order. */
function layerCalls(model: tfl.LayersModel, prefix = ''): { name: string; layer: tfl.layers.Layer; inputs: Sym[]; owner: tfl.LayersModel }[] {
  const out: { name: string; layer: tfl.layers.Layer; inputs: Sym[]; owner: tfl.LayersModel }[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const node = (layer as unknown as { inboundNodes: { inputTensors: Sym[] }[] }).inboundNodes.find((n) =>
      n.inputTensors.every((t) => isReachable(model, t)),
    );
    if (!node) continue;
    if (layer instanceof tfl.LayersModel) out.push(...layerCalls(layer, `${prefix}${layer.name}/`));
    else out.push({ name: `${prefix}${layer.name}`, layer, inputs: node.inputTensors, owner: model });
  }
  return out;
}

/** Whether symbolic tensor `t` belongs to the graph of `model` (its own inputs or a layer output inside it). */
function isReachable(model: tfl.LayersModel, t: Sym): boolean {
  return model.inputs.includes(t) || model.layers.some((l) => (l as unknown as { inboundNodes: { outputTensors: Sym[] }[] }).inboundNodes.some((n) => n.outputTensors.includes(t)));
}

/** The object-graph node of each Keras layer of the network at `networkId`, by layer name (descending into nested networks). */
function layerNodes(graph: SavedModelGraph, networkId: number, prefix = '', out = new Map<string, ObjectNode>(), depth = 0): Map<string, ObjectNode> {
  if (depth > 8) return out;
  for (const id of graph.layerIds(networkId)) {
    const node = graph.node(id);
    const name = node.keras?.metadata['name'];
    if (typeof name !== 'string') continue;
    if (graph.layerIds(id).length > 0) layerNodes(graph, id, `${prefix}${name}/`, out, depth + 1);
    else out.set(`${prefix}${name}`, node);
  }
  return out;
}

export async function checkLayers(
  model: tfl.LayersModel,
  report: ReviveReport,
  graph: SavedModelGraph,
  source: ModelSource,
  x: tf.Tensor[],
  options: LayerCheckOptions,
): Promise<CheckedLayer[]> {
  const root = graph.root;
  if (!root) return [];
  const nodes = layerNodes(graph, root.id);
  const howByPath = new Map(report.objects.map((o) => [o.path, o.how]));
  const calls = layerCalls(model);
  const results: CheckedLayer[] = [];

  // The tensors each layer receives: one run of a model whose outputs are every layer's inputs.
  const wanted = calls.flatMap((c) => c.inputs);
  const unique = [...new Set(wanted)];
  let values: Map<Sym, tf.Tensor>;
  try {
    values = layerInputs(model, unique, x);
  } catch (e) {
    return calls.map((c) => ({ name: c.name, className: c.layer.getClassName(), how: '?', compared: false, maxAbsDiff: null, maxRelDiff: null, ok: true, skipped: `its inputs could not be computed: ${(e as Error).message.split('\n')[0]}` }));
  }

  const ckpt = (await source.size('variables/variables.index')) !== undefined ? await CheckpointReader.open(source, 'variables/variables', options.limits) : null;
  await options.onReference();
  const { captures, dispose } = await checkpointCaptures(graph, ckpt);
  await options.onModel();
  try {
    for (const c of calls) {
      const node = nodes.get(c.name);
      const how = node ? (howByPath.get(node.path) ?? '?') : '?';
      const base = { name: c.name, className: c.layer.getClassName(), how, maxAbsDiff: null, maxRelDiff: null };
      if (!node) {
        results.push({ ...base, compared: false, ok: true, skipped: 'no Keras layer of that name in the object graph' });
        continue;
      }
      if (how === 'savedFunctions') {
        results.push({ ...base, compared: false, ok: true, skipped: 'revived from its saved functions: it is the saved function' });
        continue;
      }
      const fnId =
        graph.childId(node.id, ['call_and_return_conditional_losses']) ?? graph.childId(node.id, ['keras_api', 'call_and_return_conditional_losses']);
      const fnNode = fnId === undefined ? undefined : graph.node(fnId);
      if (!fnNode || fnNode.concreteFunctions.length === 0) {
        results.push({ ...base, compared: false, ok: true, skipped: 'its call function was not saved' });
        continue;
      }
      const inputs = c.inputs.map((s) => values.get(s)!);
      const arg = inputs.length === 1 ? inputs[0]! : inputs;
      let got: tf.Tensor[] = [];
      let want: tf.Tensor[] = [];
      try {
        await options.onReference();
        try {
          const fn = await SavedFunction.load(graph, fnNode.id, captures, { limits: options.limits, random: options.random });
          want = flatCallOutputs(fn.call(arg, { training: false }));
        } finally {
          await options.onModel();
        }
      } catch (e) {
        results.push({ ...base, compared: false, ok: true, skipped: `its saved call function did not run on these inputs: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      try {
        try {
          got = flatCallOutputs(c.layer.apply(arg, { training: false }));
        } catch (e) {
          // The revived layer throws where its saved function runs: that is a disagreement.
          results.push({ ...base, compared: true, ok: false, skipped: undefined, maxAbsDiff: null, maxRelDiff: null });
          results[results.length - 1]!.skipped = `the revived layer throws: ${(e as Error).message.split('\n')[0]}`;
          continue;
        }
        if (got.length !== want.length || got.some((g, i) => !sameShape(g.shape, want[i]!.shape))) {
          results.push({ ...base, compared: true, ok: false, maxAbsDiff: null, maxRelDiff: null, skipped: `shapes differ: [${got.map((t) => t.shape).join('], [')}] vs saved [${want.map((t) => t.shape).join('], [')}]` });
          continue;
        }
        let abs = 0;
        let rel: number | null = 0;
        for (let i = 0; i < got.length; i++) {
          const d = diff(got[i]!, want[i]!);
          if (d.abs === null || d.rel === null || rel === null) {
            rel = null;
            break;
          }
          abs = Math.max(abs, d.abs);
          rel = Math.max(rel, d.rel);
        }
        const ok = rel !== null && rel <= options.tolerance;
        results.push({ ...base, compared: true, ok, maxAbsDiff: rel === null ? null : abs, maxRelDiff: rel });
      } finally {
        tf.dispose([...got, ...want]);
      }
    }
  } finally {
    tf.dispose([...values.values()]);
    dispose();
  }
  return results;
}

/** The values of symbolic tensors `wanted` of `model` for inputs `x` (one run of a sub-model). */
function layerInputs(model: tfl.LayersModel, wanted: Sym[], x: tf.Tensor[]): Map<Sym, tf.Tensor> {
  const out = new Map<Sym, tf.Tensor>();
  const direct = wanted.filter((t) => model.inputs.includes(t));
  for (const t of direct) out.set(t, x[model.inputs.indexOf(t)]!.clone());
  const inner = wanted.filter((t) => !model.inputs.includes(t));
  if (inner.length === 0) return out;
  // Nested models: their layers' inputs are symbolic tensors of the nested graph; run the outer model to the
  // nested model's input, then the nested model to its layers' inputs.
  const own = inner.filter((t) => isReachable(model, t));
  if (own.length > 0) {
    // apply, not predict: tfjs' predict batches with numeric-only slicing (fails on string inputs), and
    // execute looks outputs up by layer name (fails on a layer called more than once)
    const probe = tfl.model({ inputs: model.inputs, outputs: own });
    const ys = probe.apply(x.length === 1 ? x[0]! : x, { training: false }) as tf.Tensor | tf.Tensor[];
    (Array.isArray(ys) ? ys : [ys]).forEach((y, i) => out.set(own[i]!, y));
  }
  for (const layer of model.layers) {
    if (!(layer instanceof tfl.LayersModel)) continue;
    const theirs = inner.filter((t) => !isReachable(model, t) && isReachable(layer, t));
    if (theirs.length === 0) continue;
    const node = (layer as unknown as { inboundNodes: { inputTensors: Sym[] }[] }).inboundNodes.find((n) => n.inputTensors.every((t) => isReachable(model, t)));
    if (!node) continue;
    const outer = layerInputs(model, node.inputTensors, x);
    const xs = node.inputTensors.map((t) => outer.get(t)!);
    try {
      for (const [t, v] of layerInputs(layer, theirs, xs)) out.set(t, v);
    } finally {
      tf.dispose(xs);
    }
  }
  return out;
}
