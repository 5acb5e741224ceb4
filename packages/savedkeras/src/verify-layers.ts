import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '@savedkeras/common';
import { checkpointCaptures, disposeLibraryOf } from '@savedkeras/graph';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import type { CheckpointReader } from '@savedkeras/proto';
import { compareLayerCalls, RevivedLayer, RevivedModel, RevivedSequential, type LayerCallComparison, type ReviveReport } from '@savedkeras/revive';

/**
 * `verifyLayers`: each layer revived from its config (or by a plugin, or a custom class) runs once on
 * a seeded sample next to the call function Keras saved for it; a layer that throws, or whose outputs
 * differ from its saved function's by more than the tolerance, is replaced by its saved-function
 * revival (a RevivedLayer reading the same variables), with a warning. So a gap in a tfjs-layers
 * built-in becomes a slower layer, not a crash or a wrong answer.
 *
 * Layers inside nested models are verified on the tensors their model receives; a nested model with
 * a replaced layer is rebuilt around it (a Sequential stays a Sequential). String inputs get the
 * sample word "the" (numbers: standard-normal floats, zero indices, which every embedding and lookup
 * accepts). A layer that cannot be verified (no saved call function, its saved function or its inputs
 * fail on the sample) is listed as "not verified" with why, and one warning names them all.
 * The walk is revive's compareLayerCalls, the one `check --layers` uses too; this decides and replaces.
 */
export interface VerifiedLayer {
  /** Layer name; layers of nested models as "outer/inner". */
  name: string;
  className: string;
  /** "ok", "replaced" (with `reason`), or "not verified" (with `reason`). */
  result: 'ok' | 'replaced' | 'not verified';
  reason?: string;
  maxRelDiff?: number;
  /** The layer's object-graph path (absent when the object graph has no node for it). */
  path?: string;
}

/** |got - want| <= tolerance * (1 + |want|); looser than `check` (one layer, not a verdict on the model). */
const VERIFY_TOLERANCE = 1e-3;
const OPEN_DIM = 8;
/** The sample value of string inputs: a common word, so text preprocessing yields real token ids. */
const SAMPLE_WORD = 'the';

const HOW_TEXT: Record<string, string> = { config: 'from its config', plugin: 'by a savedkeras plugin', custom: 'as a custom class' };

type Sym = tfl.SymbolicTensor;
interface InboundNode {
  inputTensors: Sym[];
  outputTensors: Sym[];
}
const inboundNodes = (layer: tfl.layers.Layer) => (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;

export async function verifyLayers(
  model: tfl.LayersModel,
  report: ReviveReport,
  graph: SavedModelGraph,
  ckpt: CheckpointReader,
  options: { warn: (m: string) => void; random?: () => number; tolerance?: number },
): Promise<{ model: tfl.LayersModel; layers: VerifiedLayer[] }> {
  const layers: VerifiedLayer[] = [];
  if (!graph.root) return { model, layers };
  // The saved functions read the revived model's own variables where it has them.
  const byPath = new Map(report.weights.map((w) => [w.variablePath, (w.weight as unknown as { val: tf.Variable }).val]));
  const { captures, dispose } = await checkpointCaptures(graph, ckpt, (node) => byPath.get(node.path));
  const tolerance = options.tolerance ?? VERIFY_TOLERANCE;
  const rand = seededRandom(0x5eed);
  const sample = model.inputs.map((input) => {
    const shape = input.shape.map((d, k) => (k === 0 ? 1 : (d ?? OPEN_DIM)));
    const n = shape.reduce((a, b) => a * b, 1);
    // Indices below the smallest table the input reaches (Keras feeds float ids to Embedding too)
    const rows = indexRows(model, input);
    return input.dtype === 'string'
        ? tf.tensor(Array.from({ length: n }, () => SAMPLE_WORD), shape, 'string')
        : rows !== undefined
          ? tf.tensor(Array.from({ length: n }, () => Math.floor(rand() * rows)), shape, input.dtype === 'float32' ? 'float32' : 'int32')
          : input.dtype === 'float32'
            ? tf.tensor(Float32Array.from({ length: n }, () => gaussian(rand)), shape, 'float32')
            : tf.tensor(new Int32Array(n), shape, input.dtype);
  });
  const replacements = new Map<tfl.layers.Layer, tfl.layers.Layer>();
  try {
    let layer: LayerVerdict | undefined;
    const walk = compareLayerCalls(model, sample, { graph, report, captures, everyCall: true, random: options.random, warn: (m) => options.warn(`verifyLayers: ${m}`) });
    for await (const c of walk) {
      if (layer?.layer !== c.layer) {
        if (layer) layers.push(...layer.verdict(replacements, options.warn));
        layer = new LayerVerdict(c);
      }
      layer.add(c, tolerance);
    }
    if (layer) layers.push(...layer.verdict(replacements, options.warn));
  } finally {
    tf.dispose(sample);
  }
  const rebuilt = rebuildAround(model, replacements, options.warn);
  const skipped = layers.filter((l) => l.result === 'not verified');
  if (skipped.length > 0) {
    options.warn(`verifyLayers: ${skipped.length} layer(s) not verified: ${skipped.map((l) => `${l.name} (${l.reason})`).join('; ')}`);
  }
  // The saved functions run here cached the graph's constants and read `captures`: freed now when no layer
  // of the model runs a saved function, else with the model (as the loader frees its own).
  const release = () => {
    dispose();
    disposeLibraryOf(graph);
  };
  if (!rebuilt) {
    if (report.fromSavedFunctions === 0) release();
    else dispose();
    return { model, layers };
  }
  const disposeModel = rebuilt.dispose.bind(rebuilt);
  rebuilt.dispose = () => {
    const result = disposeModel();
    release();
    return result;
  };
  return { model: rebuilt, layers };
}

/**
 * The number of rows of the smallest Embedding that symbolic tensor `t` of `model` feeds directly
 * (or as the input of a nested model), or undefined (0: zero indices, valid for every table).
 */
function indexRows(model: tfl.LayersModel, t: Sym, depth = 0): number | undefined {
  if (depth > 8) return undefined;
  let rows: number | undefined;
  const take = (n: number | undefined) => {
    if (n !== undefined) rows = Math.min(rows ?? n, n);
  };
  for (const layer of model.layers) {
    for (const n of inboundNodes(layer)) {
      const at = n.inputTensors.indexOf(t);
      if (at < 0) continue;
      const cfg = layer.getConfig();
      if (layer.getClassName() === 'Embedding' && typeof cfg['inputDim'] === 'number') take(cfg['inputDim']);
      else if (layer instanceof tfl.LayersModel && layer.inputs[at]) take(indexRows(layer, layer.inputs[at]!, depth + 1));
    }
  }
  return rows;
}

/**
 * What verifyLayers says of one layer from the walk's comparisons of its calls: "ok", "replaced"
 * (by a RevivedLayer over its saved call function, reading the same variables) or "not verified".
 */
class LayerVerdict {
  private readonly checkable: boolean;
  private why: string | undefined;
  private reason: string | undefined;
  private worst = 0;
  private reachedOutputs = false;
  private ran = false;
  private unreached = false;
  private replaced: RevivedLayer | undefined;

  constructor(private readonly first: LayerCallComparison) {
    this.checkable = first.how === 'config' || first.how === 'plugin' || first.how === 'custom';
  }

  get layer(): tfl.layers.Layer {
    return this.first.layer;
  }

  add(c: LayerCallComparison, tolerance: number): void {
    if (!c.reached) {
      this.unreached = true;
      return;
    }
    if (c.saved === 'not saved') this.why = 'its call function was not saved';
    else if (c.saved === 'load failed') this.why = `its saved call function cannot be loaded: ${firstLine(c.savedError)}`;
    else if (c.saved === 'call failed') this.why ??= `its saved call function fails on the sample: ${firstLine(c.savedError)}`;
    else if (c.saved === 'no node') this.why = 'no Keras object of that name in the object graph';
    else if (c.saved === 'ran') this.ran = true;
    const { got, want } = c;
    if (!got) {
      if (want) this.reason = `it throws in tfjs-layers (${firstLine(c.thrown)})`;
      else this.why = `it throws on the sample (${firstLine(c.thrown)})${!this.checkable ? '' : this.why ? `, and ${this.why}` : ' and there is no saved call function to run instead'}`;
    }
    if (got && want) {
      const rel = relDiff(got, want);
      if (rel === null || rel > tolerance) this.reason ??= rel === null ? 'its outputs differ in shape, strings or NaNs from its saved call function' : `its outputs differ from its saved call function (relative ${rel.toExponential(2)})`;
      else this.worst = Math.max(this.worst, rel);
    }
    if (this.reason && want) c.useSaved();
    if ((this.reason && want) || got) this.reachedOutputs = true;
    if (this.reason && c.savedFunction && !this.replaced) {
      const { layer, node } = c;
      this.replaced = new RevivedLayer({
        name: layer.name,
        kerasClassName: layer.getClassName(),
        trainable: layer.trainable,
        call: c.savedFunction,
        weights: [...layer.trainableWeights, ...layer.nonTrainableWeights],
        path: node!.path,
      });
    }
  }

  verdict(replacements: Map<tfl.layers.Layer, tfl.layers.Layer>, warn: (m: string) => void): VerifiedLayer[] {
    const { name, layer, node, how } = this.first;
    const base = { name, className: layer.getClassName(), ...(node ? { path: node.path } : {}) };
    if (this.unreached) {
      return how !== 'savedFunctions' ? [{ ...base, result: 'not verified', reason: 'its inputs could not be computed on the sample (an earlier layer failed)' }] : [];
    }
    if (this.replaced) {
      replacements.set(layer, this.replaced);
      warn(`${node!.path}: ${layer.getClassName()} ${name} revived ${HOW_TEXT[how!] ?? how}: ${this.reason}; replaced by its saved call function (verifyLayers)`);
      return [{ ...base, result: 'replaced', reason: this.reason }];
    }
    if (this.ran && !this.why) return [{ ...base, result: 'ok', maxRelDiff: this.worst }];
    if (this.why && (this.checkable || !this.reachedOutputs)) return [{ ...base, result: 'not verified', reason: this.why }];
    return [];
  }
}

/** `model` rebuilt around the replaced layers, nested models first (null when nothing inside it was replaced). */
function rebuildAround(model: tfl.LayersModel, replacements: Map<tfl.layers.Layer, tfl.layers.Layer>, warn: (m: string) => void): tfl.LayersModel | null {
  const swaps = new Map<tfl.layers.Layer, tfl.layers.Layer>();
  for (const layer of model.layers) {
    const replacement = replacements.get(layer) ?? (layer instanceof tfl.LayersModel ? rebuildAround(layer, replacements, warn) : null);
    if (replacement) swaps.set(layer, replacement);
  }
  return swaps.size > 0 ? rebuild(model, swaps, warn) : null;
}

/**
 * The same network with some layers swapped: every other layer (and its weights) is reused. A
 * Sequential is rebuilt as a Sequential (its class, summary and `add`/`pop` stay what the user saved).
 */
function rebuild(model: tfl.LayersModel, replacements: Map<tfl.layers.Layer, tfl.layers.Layer>, warn: (m: string) => void): tfl.LayersModel {
  let rebuilt: tfl.LayersModel | null = null;
  if (model instanceof tfl.Sequential) {
    try {
      rebuilt = rebuildSequential(model, replacements);
    } catch (e) {
      warn(`verifyLayers: Sequential ${model.name} rebuilt as a Functional model: ${firstLine(e)}`);
    }
  }
  rebuilt ??= rebuildFunctional(model, replacements);
  if (model.optimizer) {
    try {
      rebuilt.compile({ optimizer: model.optimizer, loss: model.loss });
    } catch {
      // Left uncompiled: the caller compiles as with any model whose training config tfjs lacks.
    }
  }
  return rebuilt;
}

function rebuildSequential(model: tfl.Sequential, replacements: Map<tfl.layers.Layer, tfl.layers.Layer>): tfl.Sequential {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => replacements.get(l) ?? l);
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || !input || layers.length === 0) throw new Error('not a single-input stack');
  // Sequential.add takes a first layer that already has exactly one call (on the model's input):
  // the original first layer has it; a replacement gets it here.
  const head = layers[0]!;
  if (head !== model.layers.find((l) => l.getClassName() !== 'InputLayer')) head.apply(input);
  if (inboundNodes(head).length !== 1) throw new Error(`its first layer ${head.name} is called ${inboundNodes(head).length} times`);
  const seq = new RevivedSequential({ name: model.name });
  for (const l of layers) seq.add(l);
  return seq;
}

function rebuildFunctional(model: tfl.LayersModel, replacements: Map<tfl.layers.Layer, tfl.layers.Layer>): tfl.LayersModel {
  const map = new Map<Sym, Sym>(model.inputs.map((t) => [t, t]));
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const use = replacements.get(layer) ?? layer;
    for (const n of inboundNodes(layer)) {
      if (!n.inputTensors.every((t) => map.has(t)) || !n.outputTensors.every((t) => !map.has(t))) continue;
      const ins = n.inputTensors.map((t) => map.get(t)!);
      if (use === layer && ins.every((t, i) => t === n.inputTensors[i])) {
        // Unchanged inputs: keep the original node.
        n.outputTensors.forEach((t) => map.set(t, t));
        continue;
      }
      const out = use.apply(ins.length === 1 ? ins[0]! : ins) as Sym | Sym[];
      (Array.isArray(out) ? out : [out]).forEach((t, i) => map.set(n.outputTensors[i]!, t));
    }
  }
  return new RevivedModel({ inputs: model.inputs, outputs: model.outputs.map((t) => map.get(t)!), name: model.name });
}

function relDiff(got: tf.Tensor[], want: tf.Tensor[]): number | null {
  if (got.length !== want.length) return null;
  let m = 0;
  for (let k = 0; k < got.length; k++) {
    const g = got[k]!;
    const w = want[k]!;
    if (g.shape.length !== w.shape.length || g.shape.some((d, i) => d !== w.shape[i])) return null;
    if (g.dtype === 'string' || w.dtype === 'string') {
      const a = g.dataSync() as unknown as Uint8Array[] | string[];
      const b = w.dataSync() as unknown as Uint8Array[] | string[];
      if (g.dtype !== w.dtype || a.some((x, i) => String(x) !== String(b[i]))) return null;
      continue;
    }
    const a = g.dataSync();
    const b = w.dataSync();
    for (let i = 0; i < a.length; i++) {
      const x = Number(a[i]);
      const y = Number(b[i]);
      if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
      const d = Math.abs(x - y) / (1 + Math.abs(y));
      if (Number.isNaN(d)) return null;
      m = Math.max(m, d);
    }
  }
  return m;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

function gaussian(rand: () => number): number {
  const u1 = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
}
