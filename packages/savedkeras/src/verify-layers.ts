import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '@savedkeras/common';
import { checkpointCaptures, type Captures, SavedFunction } from '@savedkeras/graph';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { CheckpointReader } from '@savedkeras/proto';
import { flatCallOutputs, RevivedLayer, RevivedModel, RevivedSequential, type ReviveReport } from '@savedkeras/revive';

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

interface VerifyContext {
  graph: SavedModelGraph;
  captures: Captures;
  howByPath: Map<string, string>;
  layers: VerifiedLayer[];
  tolerance: number;
  random?: () => number;
  warn: (m: string) => void;
  /** Every tensor the pass makes; disposed at the end. */
  created: tf.Tensor[];
}

export async function verifyLayers(
  model: tfl.LayersModel,
  report: ReviveReport,
  graph: SavedModelGraph,
  ckpt: CheckpointReader,
  options: { warn: (m: string) => void; random?: () => number; tolerance?: number },
): Promise<{ model: tfl.LayersModel; layers: VerifiedLayer[] }> {
  const root = graph.root;
  const layers: VerifiedLayer[] = [];
  if (!root) return { model, layers };
  // The saved functions read the revived model's own variables where it has them.
  const byPath = new Map(report.weights.map((w) => [w.variablePath, (w.weight as unknown as { val: tf.Variable }).val]));
  const { captures, dispose } = await checkpointCaptures(graph, ckpt, (node) => byPath.get(node.path));
  const ctx: VerifyContext = {
    graph,
    captures,
    howByPath: new Map(report.objects.map((o) => [o.path, o.how])),
    layers,
    tolerance: options.tolerance ?? VERIFY_TOLERANCE,
    random: options.random,
    warn: options.warn,
    created: [],
  };
  const rand = seededRandom(0x5eed);
  const sample = model.inputs.map((input) => {
    const shape = input.shape.map((d, k) => (k === 0 ? 1 : (d ?? OPEN_DIM)));
    const n = shape.reduce((a, b) => a * b, 1);
    // Indices below the smallest table the input reaches (Keras feeds float ids to Embedding too)
    const rows = indexRows(model, input);
    const t =
      input.dtype === 'string'
        ? tf.tensor(Array.from({ length: n }, () => SAMPLE_WORD), shape, 'string')
        : rows !== undefined
          ? tf.tensor(Array.from({ length: n }, () => Math.floor(rand() * rows)), shape, input.dtype === 'float32' ? 'float32' : 'int32')
          : input.dtype === 'float32'
            ? tf.tensor(Float32Array.from({ length: n }, () => gaussian(rand)), shape, 'float32')
            : tf.tensor(new Int32Array(n), shape, input.dtype);
    ctx.created.push(t);
    return t;
  });
  let rebuilt: tfl.LayersModel | null;
  try {
    rebuilt = (await verifyNetwork(ctx, model, root.id, '', sample)).rebuilt;
  } finally {
    tf.dispose([...new Set(ctx.created)]);
  }
  const skipped = layers.filter((l) => l.result === 'not verified');
  if (skipped.length > 0) {
    options.warn(`verifyLayers: ${skipped.length} layer(s) not verified: ${skipped.map((l) => `${l.name} (${l.reason})`).join('; ')}`);
  }
  if (!rebuilt) {
    dispose();
    return { model, layers };
  }
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
 * One forward pass over `model` (a network whose object-graph node is `networkId`) on `inputs`,
 * verifying its layers and, recursively, the layers of its nested models. Returns the model rebuilt
 * around its replaced layers (null when none was replaced) and the values of its outputs (undefined
 * where the sample could not reach them).
 */
async function verifyNetwork(
  ctx: VerifyContext,
  model: tfl.LayersModel,
  networkId: number | undefined,
  prefix: string,
  inputs: tf.Tensor[],
): Promise<{ rebuilt: tfl.LayersModel | null; outputs: (tf.Tensor | undefined)[] }> {
  const { graph } = ctx;
  const nodeByName = new Map<string, ObjectNode>();
  for (const id of networkId === undefined ? [] : graph.layerIds(networkId)) {
    const n = graph.node(id);
    if (typeof n.keras?.metadata['name'] === 'string') nodeByName.set(n.keras.metadata['name'] as string, n);
  }
  const values = new Map<Sym, tf.Tensor>();
  model.inputs.forEach((t, i) => values.set(t, inputs[i]!));
  // The symbolic tensors of this network (its own calls of each layer, not calls inside other models).
  const ours = new Set<Sym>(model.inputs);
  const replacements = new Map<tfl.layers.Layer, tfl.layers.Layer>();
  const record = (v: VerifiedLayer) => ctx.layers.push(v);

  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const calls = inboundNodes(layer).filter((n) => n.inputTensors.every((t) => ours.has(t)));
    calls.forEach((n) => n.outputTensors.forEach((t) => ours.add(t)));
    const name = `${prefix}${layer.name}`;
    const node = nodeByName.get(layer.name);
    const base = { name, className: layer.getClassName(), ...(node ? { path: node.path } : {}) };
    const how = node ? ctx.howByPath.get(node.path) : undefined;
    const ready = calls.filter((n) => n.inputTensors.every((t) => values.has(t)));
    if (ready.length === 0) {
      if (calls.length > 0 && how !== 'savedFunctions') {
        record({ ...base, result: 'not verified', reason: 'its inputs could not be computed on the sample (an earlier layer failed)' });
      }
      continue;
    }

    if (layer instanceof tfl.LayersModel) {
      // A nested model: verify its own layers on what it receives, rebuild it if one was replaced.
      const first = ready[0]!.inputTensors.map((t) => values.get(t)!);
      const inner = await verifyNetwork(ctx, layer, node?.id, `${name}/`, first);
      const use = inner.rebuilt ?? layer;
      if (inner.rebuilt) replacements.set(layer, inner.rebuilt);
      ready[0]!.outputTensors.forEach((t, i) => { if (inner.outputs[i]) values.set(t, inner.outputs[i]!); });
      for (const n of ready.slice(1)) {
        try {
          const ins = n.inputTensors.map((t) => values.get(t)!);
          const out = flatCallOutputs(use.apply(ins.length === 1 ? ins[0]! : ins, { training: false }));
          ctx.created.push(...out);
          n.outputTensors.forEach((t, i) => values.set(t, out[i]!));
        } catch (e) {
          ctx.warn(`verifyLayers: nested model ${name} fails on the sample of its second call: ${firstLine(e)}`);
        }
      }
      continue;
    }

    const fnId = node ? (graph.childId(node.id, ['call_and_return_conditional_losses']) ?? graph.childId(node.id, ['keras_api', 'call_and_return_conditional_losses'])) : undefined;
    const fnNode = fnId === undefined ? undefined : graph.node(fnId);
    const checkable = how === 'config' || how === 'plugin' || how === 'custom';
    let fn: SavedFunction | null = null;
    let why: string | undefined;
    if (checkable && fnNode && fnNode.concreteFunctions.length > 0) {
      try {
        fn = await SavedFunction.load(graph, fnNode.id, ctx.captures, { random: ctx.random });
      } catch (e) {
        why = `its saved call function cannot be loaded: ${firstLine(e)}`;
      }
    } else if (checkable) {
      why = 'its call function was not saved';
    } else if (!node) {
      why = 'no Keras object of that name in the object graph';
    }
    let replaced: RevivedLayer | undefined;
    let worst = 0;
    let reason: string | undefined;
    let reachedOutputs = false;
    for (const n of ready) {
      const ins = n.inputTensors.map((t) => values.get(t)!);
      const arg = ins.length === 1 ? ins[0]! : ins;
      let want: tf.Tensor[] | null = null;
      if (fn) {
        try {
          want = flatCallOutputs(fn.call(arg, { training: false }));
          ctx.created.push(...want);
        } catch (e) {
          why = `its saved call function fails on the sample: ${firstLine(e)}`;
          fn = null;
        }
      }
      let got: tf.Tensor[] | null = null;
      try {
        got = flatCallOutputs(layer.apply(arg, { training: false }));
        ctx.created.push(...got);
      } catch (e) {
        if (want) reason = `it throws in tfjs-layers (${firstLine(e)})`;
        else why = `it throws on the sample (${firstLine(e)})${!checkable ? '' : why ? `, and ${why}` : ' and there is no saved call function to run instead'}`;
      }
      if (got && want) {
        const rel = relDiff(got, want);
        if (rel === null || rel > ctx.tolerance) reason ??= rel === null ? 'its outputs differ in shape, strings or NaNs from its saved call function' : `its outputs differ from its saved call function (relative ${rel.toExponential(2)})`;
        else worst = Math.max(worst, rel);
      }
      const use = reason && want ? want : got;
      if (use) {
        n.outputTensors.forEach((t, i) => values.set(t, use[i]!));
        reachedOutputs = true;
      }
      if (reason && fn && !replaced) {
        replaced = new RevivedLayer({
          name: layer.name,
          kerasClassName: layer.getClassName(),
          trainable: layer.trainable,
          call: fn,
          weights: [...layer.trainableWeights, ...layer.nonTrainableWeights],
          path: node!.path,
        });
      }
    }
    if (replaced) {
      replacements.set(layer, replaced);
      record({ ...base, result: 'replaced', reason });
      ctx.warn(`${node!.path}: ${layer.getClassName()} ${name} revived ${HOW_TEXT[how!] ?? how}: ${reason}; replaced by its saved call function (verifyLayers)`);
    } else if (fn && !why) {
      record({ ...base, result: 'ok', maxRelDiff: worst });
    } else if (why && (checkable || !reachedOutputs)) {
      record({ ...base, result: 'not verified', reason: why });
    }
  }
  const outputs = model.outputs.map((t) => values.get(t));
  return { rebuilt: replacements.size > 0 ? rebuild(model, replacements, ctx.warn) : null, outputs };
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
