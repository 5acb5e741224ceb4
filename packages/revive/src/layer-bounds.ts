import type * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, LimitError } from '@savedkeras/common';

type Layer = tfl.layers.Layer;

/**
 * Elements a layer may make in weights that have no saved value (none in Keras files; tfjs plugins may
 * add a small counter), allowed beyond what the checkpoint or weights file holds by both loaders.
 */
export const UNSAVED_WEIGHT_ELEMENTS = 2 ** 20;

/** tfjs-layers' (protected) weight factory, which every layer's build() goes through. */
interface WeightMaker {
  addWeight(name: string, shape: tfl.Shape, ...rest: unknown[]): tfl.LayerVariable;
}

/** A layer and the layers it builds inside itself (RNN cells, wrapped layers), whose weights it owns. */
function innerLayers(layer: Layer): WeightMaker[] {
  const out: WeightMaker[] = [];
  const visit = (l: unknown) => {
    if (!l || typeof (l as Partial<WeightMaker>).addWeight !== 'function') return;
    if (out.includes(l as WeightMaker)) return;
    out.push(l as WeightMaker);
    const o = l as unknown as Record<string, unknown>;
    for (const k of ['cell', 'layer', 'forwardLayer', 'backwardLayer']) visit(o[k]);
    const cells = o['cells'];
    if (Array.isArray(cells)) cells.forEach(visit);
  };
  visit(layer);
  return out;
}

/**
 * Validate, then allocate: wraps tfjs' addWeight of `layer` and of the layers it owns, so that
 * `check` sees every weight's name, shape and element count before tfjs allocates it (tfjs-layers
 * makes zero-filled weights while building, long before a file's values are read), and `made`
 * sees each weight made (a failed load frees them).
 */
export function interceptWeights(layer: Layer, check: (name: string, shape: tfl.Shape, elements: number) => void, made: (w: tfl.LayerVariable) => void): void {
  for (const l of innerLayers(layer)) {
    const add = l.addWeight.bind(l);
    l.addWeight = (...args: Parameters<WeightMaker['addWeight']>) => {
      const [name, shape] = args;
      check(name, shape, shape.reduce<number>((a, d) => a * Math.max(d ?? 0, 0), 1));
      const w = add(...args);
      made(w);
      return w;
    };
  }
}

/**
 * Every layer output of a rebuilt model must fit `maxElements` per sample (known dimensions after
 * the batch one). Configs alone size them (RepeatVector n, UpSampling size, Reshape, an input
 * shape), with no stored bytes behind them: a RepeatVector of 10^9 would hang the first predict,
 * an UpSampling2D of 10^5 x 10^5 overruns the wasm heap. Checked once the model is connected.
 */
export function checkLayerOutputSizes(model: tfl.LayersModel, maxElements: number, file?: string): void {
  const seen = new Set<unknown>();
  const visit = (net: tfl.LayersModel, path: string) => {
    for (const layer of net.layers) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      const where = path ? `${path}/${layer.name}` : layer.name;
      for (const node of (layer as unknown as { inboundNodes: { inputTensors: tfl.SymbolicTensor[]; outputTensors: tfl.SymbolicTensor[] }[] }).inboundNodes) {
        if (layer.getClassName() === 'Reshape' && node.inputTensors.length === 1 && node.outputTensors.length === 1) {
          // tfjs-layers checks a Reshape's sizes only when it runs: a target of another size would load and fail at predict.
          const [from, to] = [knownSize(node.inputTensors[0]!.shape), knownSize(node.outputTensors[0]!.shape)];
          if (from !== undefined && to !== undefined && from !== to) {
            throw new FormatError(`Reshape of ${from} values per sample to [${node.outputTensors[0]!.shape.slice(1).join(', ')}] (${to} values)`, {
              file,
              node: where,
              hint: 'the target_shape does not fit the layer input: the config is corrupt or crafted',
            });
          }
        }
        for (const t of node.outputTensors) {
          const perSample = t.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' && d > 0 ? d : 1), 1);
          if (perSample > maxElements) {
            throw new LimitError(`layer output [${t.shape.map((d) => d ?? 'None').join(', ')}] has ${perSample} elements per sample, above the limit of ${maxElements} (maxComputedTensorElements)`, {
              file,
              node: where,
              hint: 'the layer config (a repeat count, an upsampling size, a target or input shape) is corrupt or crafted',
            });
          }
        }
      }
      if ((layer as { layers?: unknown }).layers !== undefined && 'inboundNodes' in layer) visit(layer as tfl.LayersModel, where);
    }
  };
  visit(model, '');
}

/** Values per sample of a shape whose dimensions after the batch one are all known. */
function knownSize(shape: tfl.Shape): number | undefined {
  let n = 1;
  for (const d of shape.slice(1)) {
    if (typeof d !== 'number' || d < 0) return undefined;
    n *= d;
  }
  return n;
}
