import type * as tfl from '@tensorflow/tfjs-layers';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import { layerVariableNodes } from '@savedkeras/revive';
import type { LoadedKerasModel } from 'savedkeras';
import { servingDtypes } from '../dtypes.js';

/** How a layer came back: its config (tfjs class), a savedkeras plugin or custom class, its saved functions. */
type RevivedHow = 'config' | 'plugin' | 'custom' | 'savedFunctions' | 'network';

export interface SummaryLayer {
  name: string;
  className: string;
  /** Keras shapes: null for the batch / unknown dimensions; a list of shapes for several outputs; null when a shared layer has several. */
  outputShape: (number | null)[] | (number | null)[][] | null;
  params: number;
  trainableParams: number;
  /** Functional models: `layer[node][tensor]` of each input, as Keras prints them. */
  connectedTo: string[];
  revived: RevivedHow | null;
}

export interface SummaryReport {
  name: string;
  className: string;
  layers: SummaryLayer[];
  totals: { total: number; trainable: number; nonTrainable: number };
  revived: { fromConfig: number; fromSavedFunctions: number; fromPlugins: number };
  /** Every Keras object of the SavedModel and how it was revived. */
  objects: { path: string; className: string; how: RevivedHow }[];
  /** dtype: as saved (the serving signature's); jsDtype: what tfjs computes in (float64 runs as float32). */
  inputs: { name: string; shape: (number | null)[]; dtype: string; jsDtype: string }[];
  outputs: { name: string; shape: (number | null)[]; dtype: string; jsDtype: string }[];
  warnings: string[];
  backend: string;
}

/** The Keras-style summary of a revived model (layers of the top model; nested models count as one row). */
export function summarize(loaded: LoadedKerasModel, backend: string): SummaryReport {
  const { model, report, graph } = loaded;
  const how = new Map<string, RevivedHow>();
  const pathOf = new Map<string, string>();
  for (const o of report.objects) {
    // SavedModels report object-graph paths; Keras files report layer paths (`encoder/dense`).
    const name = graph ? graph.nodeByPath(o.path)?.keras?.metadata['name'] : o.path;
    if (typeof name === 'string' && !how.has(name)) {
      how.set(name, o.how as RevivedHow);
      pathOf.set(name, o.path);
    }
  }
  // A layer revived from its saved functions holds only the variables its traced call reads (none
  // when the call was not saved); Keras counts every variable it saved, as the checkpoint holds them.
  const extra = { trainable: 0, nonTrainable: 0 };
  const saved = graph ? servingDtypes(graph) : { inputs: new Map<string, string>(), outputs: new Map<string, string>() };
  const relevant = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  const className = graph?.root?.keras?.className ?? loaded.kerasFile?.info.modelClass ?? model.getClassName();
  // Keras lists no InputLayer row for a Sequential model (tfjs keeps one in its layers).
  const shown = className === 'Sequential' ? model.layers.filter((l) => l.getClassName() !== 'InputLayer') : model.layers;
  const layers = shown.map((layer): SummaryLayer => {
    let trainable = sumSizes(layer.trainableWeights);
    let params = sumSizes(layer.weights);
    const path = pathOf.get(layer.name);
    if (how.get(layer.name) === 'savedFunctions' && path !== undefined && graph) {
      const saved = checkpointParams(graph, path);
      if (saved && saved.total > params) {
        extra.trainable += Math.max(0, saved.trainable - trainable);
        extra.nonTrainable += Math.max(0, saved.total - saved.trainable - (params - trainable));
        params = saved.total;
        trainable = saved.trainable;
      }
    }
    return {
      name: layer.name,
      className: layer.getClassName(),
      outputShape: outputShapeOf(layer),
      params,
      trainableParams: trainable,
      connectedTo: connections(layer, relevant),
      revived: how.get(layer.name) ?? null,
    };
  });
  // A weight shared by several layers counts once, as in Keras.
  const trainable = sumSizes(unique(model.trainableWeights)) + extra.trainable;
  const nonTrainable = sumSizes(unique(model.nonTrainableWeights)) + extra.nonTrainable;
  return {
    name: model.name,
    className,
    layers,
    totals: { total: trainable + nonTrainable, trainable, nonTrainable },
    revived: { fromConfig: report.fromConfig, fromSavedFunctions: report.fromSavedFunctions, fromPlugins: report.fromPlugins },
    objects: report.objects.map((o) => ({ path: o.path, className: o.className, how: o.how as RevivedHow })),
    inputs: model.inputs.map((t, i) => {
      const name = report.inputNames[i] ?? t.name;
      return { name, shape: t.shape, dtype: saved.inputs.get(name) ?? t.dtype, jsDtype: t.dtype };
    }),
    outputs: model.outputs.map((t, i) => {
      const name = report.outputNames[i] ?? t.name;
      return { name, shape: t.shape, dtype: saved.outputs.get(name) ?? t.dtype, jsDtype: t.dtype };
    }),
    warnings: [...report.warnings],
    backend,
  };
}

/**
 * Parameters of a Keras object as saved: the variables of its `variables` list (Keras'
 * `layer.variables`), less those of metric objects (a subclassed model's loss trackers).
 */
function checkpointParams(graph: SavedModelGraph, path: string): { total: number; trainable: number } | undefined {
  const node = graph.nodeByPath(path);
  if (!node) return undefined;
  const metricVariables = new Set<number>();
  for (const n of graph.nodes) {
    if (n.keras?.identifier !== '_tf_keras_metric') continue;
    for (const v of layerVariableNodes(graph, n.id)) metricVariables.add(v.id);
  }
  let total = 0;
  let trainable = 0;
  for (const v of layerVariableNodes(graph, node.id)) {
    if (metricVariables.has(v.id) || !v.variable) continue;
    const size = (v.variable.shape ?? []).reduce((a, d) => a * Math.max(d, 0), 1);
    total += size;
    if (v.variable.trainable) trainable += size;
  }
  return { total, trainable };
}

function unique(weights: tfl.LayerVariable[]): tfl.LayerVariable[] {
  return [...new Map(weights.map((w) => [w.id, w])).values()];
}

function sumSizes(weights: tfl.LayerVariable[]): number {
  return weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}

function outputShapeOf(layer: tfl.layers.Layer): SummaryLayer['outputShape'] {
  try {
    return layer.outputShape as SummaryLayer['outputShape'];
  } catch {
    return null; // a layer called several times on different shapes: Keras prints "multiple"
  }
}

interface NodeLike {
  inboundLayers: tfl.layers.Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
}

/** `inbound[node][tensor]` for each of the layer's inbound nodes that belongs to this model. */
function connections(layer: tfl.layers.Layer, relevant: Set<string> | undefined): string[] {
  const nodes = (layer as unknown as { inboundNodes?: NodeLike[] }).inboundNodes ?? [];
  const out: string[] = [];
  nodes.forEach((node, i) => {
    if (relevant && !relevant.has(`${layer.name}_ib-${i}`)) return;
    node.inboundLayers.forEach((from, j) => out.push(`${from.name}[${node.nodeIndices[j]}][${node.tensorIndices[j]}]`));
  });
  return out;
}
