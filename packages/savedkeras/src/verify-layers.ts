import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '@savedkeras/common';
import { Captures, SavedFunction, variableFromCheckpoint } from '@savedkeras/graph';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { CheckpointReader } from '@savedkeras/proto';
import { RevivedLayer, type ReviveReport } from '@savedkeras/revive';

/**
 * `verifyLayers`: each top-level layer revived from its config (or by a plugin) runs once on a
 * seeded sample next to the call function Keras saved for it; a layer that throws, or whose
 * outputs differ from its saved function's by more than the tolerance, is replaced by its
 * saved-function revival (a RevivedLayer reading the same variables), with a warning. So a gap in
 * a tfjs-layers built-in becomes a slower layer, not a crash or a wrong answer.
 *
 * Limits (said in the warnings): layers inside nested models are verified as part of their model
 * only when the nested model itself was revived from saved functions; models with string inputs
 * are not verified (no generic valid sample); the sample is standard-normal floats and zero
 * indices, which every embedding and lookup accepts.
 */
export interface VerifiedLayer {
  name: string;
  className: string;
  /** "ok", "replaced" (with `reason`), or "not verified" (with `reason`). */
  result: 'ok' | 'replaced' | 'not verified';
  reason?: string;
  maxRelDiff?: number;
}

/** |got - want| <= tolerance * (1 + |want|); looser than `check` (one layer, not a verdict on the model). */
const VERIFY_TOLERANCE = 1e-3;
const OPEN_DIM = 8;

type Sym = tfl.SymbolicTensor;
interface InboundNode {
  inputTensors: Sym[];
  outputTensors: Sym[];
}

export async function verifyLayers(
  model: tfl.LayersModel,
  report: ReviveReport,
  graph: SavedModelGraph,
  ckpt: CheckpointReader,
  options: { warn: (m: string) => void; random?: () => number; tolerance?: number },
): Promise<{ model: tfl.LayersModel; layers: VerifiedLayer[] }> {
  const tolerance = options.tolerance ?? VERIFY_TOLERANCE;
  const root = graph.root;
  const layers: VerifiedLayer[] = [];
  if (!root) return { model, layers };
  if (model.inputs.some((t) => t.dtype === 'string')) {
    options.warn('verifyLayers: the model takes strings; its layers were not verified');
    return { model, layers };
  }
  const nodeByName = new Map<string, ObjectNode>();
  for (const id of graph.layerIds(root.id)) {
    const n = graph.node(id);
    if (typeof n.keras?.metadata['name'] === 'string') nodeByName.set(n.keras.metadata['name'] as string, n);
  }
  const howByPath = new Map(report.objects.map((o) => [o.path, o.how]));
  // The saved functions read the revived model's own variables where it has them.
  const byPath = new Map(report.weights.map((w) => [w.variablePath, (w.weight as unknown as { val: tf.Variable }).val]));
  const owned: tf.Variable[] = [];
  const ckptGraph = await ckpt.readObjectGraph();
  const captures = new Captures(graph, {
    readVariable: async (node) => {
      const shared = byPath.get(node.path);
      if (shared) return shared;
      const v = await variableFromCheckpoint(node, ckpt, ckptGraph);
      owned.push(v);
      return v;
    },
    checkpoint: ckpt,
    checkpointGraph: ckptGraph,
  });

  const replacements = new Map<tfl.layers.Layer, RevivedLayer>();
  const values = new Map<Sym, tf.Tensor>();
  const rand = seededRandom(0x5eed);
  model.inputs.forEach((input, i) => {
    const shape = input.shape.map((d, k) => (k === 0 ? 1 : (d ?? OPEN_DIM)));
    const n = shape.reduce((a, b) => a * b, 1);
    // Zero indices are valid for every table; standard-normal floats exercise the arithmetic.
    const v = input.dtype === 'float32' ? Float32Array.from({ length: n }, () => gaussian(rand)) : new Int32Array(n);
    values.set(model.inputs[i]!, tf.tensor(v, shape, input.dtype === 'float32' ? 'float32' : input.dtype));
  });
  try {
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      try {
      const inbound = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes.filter((n) => n.inputTensors.every((t) => values.has(t)));
      const node = nodeByName.get(layer.name);
      const how = node ? howByPath.get(node.path) : undefined;
      const fnId = node ? (graph.childId(node.id, ['call_and_return_conditional_losses']) ?? graph.childId(node.id, ['keras_api', 'call_and_return_conditional_losses'])) : undefined;
      const fnNode = fnId === undefined ? undefined : graph.node(fnId);
      const verifiable = (how === 'config' || how === 'plugin' || how === 'custom') && !(layer instanceof tfl.LayersModel) && !!fnNode && fnNode.concreteFunctions.length > 0;
      let fn: SavedFunction | null = null;
      if (verifiable) {
        try {
          fn = await SavedFunction.load(graph, fnNode!.id, captures, { random: options.random });
        } catch (e) {
          layers.push({ name: layer.name, className: layer.getClassName(), result: 'not verified', reason: `its saved call function cannot be loaded: ${firstLine(e)}` });
        }
      } else if (how === 'config' || how === 'plugin' || how === 'custom') {
        layers.push({ name: layer.name, className: layer.getClassName(), result: 'not verified', reason: layer instanceof tfl.LayersModel ? 'a nested model' : 'its call function was not saved' });
      }
      let replaced: RevivedLayer | undefined;
      let worst = 0;
      let reason: string | undefined;
      for (const n of inbound) {
        const ins = n.inputTensors.map((t) => values.get(t)!);
        const arg = ins.length === 1 ? ins[0]! : ins;
        let want: tf.Tensor[] | null = null;
        if (fn) {
          try {
            want = flat(fn.call(arg, { training: false }));
          } catch (e) {
            layers.push({ name: layer.name, className: layer.getClassName(), result: 'not verified', reason: `its saved call function fails on the sample: ${firstLine(e)}` });
            fn = null;
          }
        }
        let got: tf.Tensor[] | null = null;
        try {
          got = flat(layer.apply(arg, { training: false }));
        } catch (e) {
          if (!want) throw e;
          reason = `it throws in tfjs-layers (${firstLine(e)})`;
        }
        if (got && want) {
          const rel = relDiff(got, want);
          if (rel === null || rel > tolerance) reason ??= rel === null ? 'its outputs differ in shape or NaNs from its saved call function' : `its outputs differ from its saved call function (relative ${rel.toExponential(2)})`;
          else worst = Math.max(worst, rel);
        }
        const use = reason && want ? want : got!;
        n.outputTensors.forEach((t, i) => values.set(t, use[i]!));
        tf.dispose((use === want ? got : want) ?? []);
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
        layers.push({ name: layer.name, className: layer.getClassName(), result: 'replaced', reason });
        options.warn(`${node!.path}: ${layer.getClassName()} ${layer.name} revived from its config: ${reason}; replaced by its saved call function (verifyLayers)`);
      } else if (fn) {
        layers.push({ name: layer.name, className: layer.getClassName(), result: 'ok', maxRelDiff: worst });
      }
      } catch (e) {
        // A layer with no saved function to fall back on fails on the sample: the later layers get no input.
        options.warn(`verifyLayers stopped at ${layer.getClassName()} ${layer.name}: ${firstLine(e)}; the layers after it were not verified`);
        break;
      }
    }
  } finally {
    tf.dispose([...new Set(values.values())]);
  }
  if (replacements.size === 0) {
    captures.dispose();
    for (const v of owned) v.dispose();
    return { model, layers };
  }
  return { model: rebuild(model, replacements), layers };
}

/** The same network with some layers swapped: every other layer (and its weights) is reused. */
function rebuild(model: tfl.LayersModel, replacements: Map<tfl.layers.Layer, RevivedLayer>): tfl.LayersModel {
  const map = new Map<Sym, Sym>(model.inputs.map((t) => [t, t]));
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const use = replacements.get(layer) ?? layer;
    for (const n of (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes) {
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
  const rebuilt = tfl.model({ inputs: model.inputs, outputs: model.outputs.map((t) => map.get(t)!), name: model.name });
  if (model.optimizer) {
    try {
      rebuilt.compile({ optimizer: model.optimizer, loss: model.loss });
    } catch {
      // Left uncompiled: the caller compiles as with any model whose training config tfjs lacks.
    }
  }
  return rebuilt;
}

function relDiff(got: tf.Tensor[], want: tf.Tensor[]): number | null {
  if (got.length !== want.length) return null;
  let m = 0;
  for (let k = 0; k < got.length; k++) {
    const g = got[k]!;
    const w = want[k]!;
    if (g.shape.length !== w.shape.length || g.shape.some((d, i) => d !== w.shape[i])) return null;
    if (g.dtype === 'string' || w.dtype === 'string') continue;
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

function flat(out: unknown): tf.Tensor[] {
  let v = out;
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[1]) && (v[1] as unknown[]).every((t) => t instanceof tf.Tensor)) {
    tf.dispose(v[1] as tf.Tensor[]);
    v = v[0];
  }
  const list: tf.Tensor[] = [];
  const walk = (y: unknown) => {
    if (y instanceof tf.Tensor) list.push(y);
    else if (Array.isArray(y)) y.forEach(walk);
    else if (y && typeof y === 'object') for (const k of Object.keys(y).sort()) walk((y as Record<string, unknown>)[k]);
  };
  walk(v);
  return list;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

function gaussian(rand: () => number): number {
  const u1 = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
}
