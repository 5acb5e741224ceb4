import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, LimitError, UnsupportedFeatureError } from '@savedkeras/common';
import { argSpecs, type ObjectNode, type SavedModelGraph } from '@savedkeras/object-graph';
import { FIRST_ARG_CONSTANT_KEY } from '@savedkeras/layers';
import { RevivedModel, RevivedSequential } from './revived-model.js';
import { RevivedLayer } from './revived-layer.js';
import { decodeJsonUtils, isObject, type Json, type JsonObject } from './keras-config.js';
import { layerVariableNodes } from './weights.js';

type Layer = tfl.layers.Layer;
type SymbolicTensor = tfl.SymbolicTensor;

/** A Keras network (Functional, Sequential or a Model subclass) by its object-graph identifier: its layers rebuild from its config. */
export function isNetworkIdentifier(identifier: string): boolean {
  return identifier === '_tf_keras_network' || identifier === '_tf_keras_sequential' || identifier === '_tf_keras_model';
}

/**
 * A network's InputLayer: saved as `_tf_keras_input_layer` from TF 2.1, as a plain `_tf_keras_layer`
 * of class InputLayer by TF 2.0-beta. Networks make their inputs from the config; it is no layer to call.
 */
export function isInputLayer(node: ObjectNode, graph: SavedModelGraph): boolean {
  if (node.keras?.identifier === '_tf_keras_input_layer') return true;
  if (node.keras?.identifier !== '_tf_keras_layer' || node.keras.className !== 'InputLayer') return false;
  // A layer that says InputLayer but holds variables is not one (an edited class name): skipping it as an
  // input would silently drop it from the model. It revives from its saved functions instead.
  return layerVariableNodes(graph, node.id).length === 0;
}

/**
 * Rebuilds Keras networks (Sequential, Functional, a bare root layer) from their configs once
 * their layers are revived, inferring input shapes from the config, build_input_shape or call traces.
 */
export class NetworkBuilder {
  /**
   * Networks built on their own Input: Keras counts that construction as the layer's node 0, so
   * node indices in an outer config start at 1 for them (Keras' `_should_skip_first_node`).
   */
  private readonly builtWithInput = new Set<Layer>();

  constructor(
    private readonly graph: SavedModelGraph,
    /** Revives (memoized) the Keras object at a node: a network's layers are revived through it. */
    private readonly reviveNode: (id: number) => Promise<Layer>,
  ) {}

  /** Keras Sequential: its `layer-N` children, with an input from the first config entry or inferred from a call trace. */
  async sequential(node: ObjectNode, config: JsonObject): Promise<tfl.Sequential> {
    // TF 2.1 lists the InputLayer among the layer-N children; its config entry gives the input below.
    const layerIds = this.graph.layerIds(node.id).filter((id) => !isInputLayer(this.graph.node(id), this.graph));
    const layers: Layer[] = [];
    for (const id of layerIds) layers.push(await this.reviveNode(id));
    const entries = (config['layers'] as Json[]).filter(isObject);
    const first = entries[0];
    const firstCfg = first && isObject(first['config']) ? (first['config'] as JsonObject) : {};
    let batchShape: Json = firstCfg['batch_input_shape'] ?? null;
    let dtype: Json = firstCfg['dtype'] ?? 'float32';
    // Keras names a Sequential's implicit input `<first layer>_input`.
    const inputChild = this.graph.layerIds(node.id).map((id) => this.graph.node(id)).find((n) => isInputLayer(n, this.graph));
    let inputName: string | undefined =
      first && first['class_name'] === 'InputLayer' && typeof firstCfg['name'] === 'string'
        ? (firstCfg['name'] as string)
        : typeof inputChild?.keras?.metadata['name'] === 'string'
          ? (inputChild.keras.metadata['name'] as string)
          : typeof firstCfg['name'] === 'string'
            ? `${firstCfg['name']}_input`
            : undefined;
    // The most specific of the recorded input shapes: a config entry may leave dimensions unknown
    // that the network's or its first layer's build_input_shape knows (adapted Normalization).
    // Read only when needed: a layer whose metadata came from the model config has no build_input_shape.
    const known = (b: Json) => Array.isArray(b) && b.every((d, i) => i === 0 || d !== null);
    const firstLayerShape = () => (layerIds.length > 0 ? decodeJsonUtils(this.graph.node(layerIds[0]).keras?.metadata['build_input_shape']) : null);
    for (const more of [() => decodeJsonUtils(node.keras!.metadata['build_input_shape']), firstLayerShape]) {
      if (!Array.isArray(batchShape) || known(batchShape)) break;
      const k = more();
      if (Array.isArray(k) && k.length === batchShape.length) {
        batchShape = batchShape.map((d, i) => (d === null && typeof k[i] === 'number' && i > 0 ? k[i] : d));
      }
    }
    if (!Array.isArray(batchShape)) {
      const md = node.keras!.metadata;
      const bis = decodeJsonUtils(md['build_input_shape']);
      const first = Array.isArray(bis) ? null : firstLayerShape();
      if (Array.isArray(bis)) batchShape = bis;
      else if (Array.isArray(first)) batchShape = first;
      else {
        const inferred = this.inferInputSpec(node.id) ?? (layerIds.length > 0 ? this.inferInputSpec(layerIds[0]) : undefined);
        if (inferred) {
          batchShape = inferred.shape;
          dtype = inferred.dtype;
        }
      }
    }
    const model = new RevivedSequential({ name: typeof config['name'] === 'string' ? config['name'] : node.keras!.metadata['name'] as string });
    if (Array.isArray(batchShape)) {
      model.add(
        tfl.layers.inputLayer({
          batchInputShape: batchShape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)),
          dtype: (typeof dtype === 'string' ? dtype : 'float32') as tf.DataType,
          ...(inputName ? { name: inputName } : {}),
        }),
      );
    } else if (layers.length > 0) {
      throw new UnsupportedFeatureError('cannot tell the input shape of this Sequential: no InputLayer, no build_input_shape and no call trace', {
        node: node.path,
      });
    }
    for (const l of layers) model.add(l);
    if (first?.['class_name'] === 'InputLayer') this.builtWithInput.add(model);
    return model;
  }

  /** Keras Functional: layers by name from the `layer-N` children, called along the config's inbound nodes. */
  async functional(node: ObjectNode, config: JsonObject): Promise<tfl.LayersModel> {
    const byName = new Map<string, Layer>();
    for (const id of this.graph.layerIds(node.id)) {
      const n = this.graph.node(id);
      const name = (n.keras?.metadata['name'] as string | undefined) ?? '';
      if (isInputLayer(n, this.graph)) continue; // inputs are made below from their config
      byName.set(name, await this.reviveNode(id));
    }
    const outputs = new Map<string, SymbolicTensor[][]>(); // layer name -> per call node -> outputs
    const entries = (config['layers'] as Json[]).filter(isObject);
    for (const e of entries) {
      if (e['class_name'] !== 'InputLayer') continue;
      const cfg = (isObject(e['config']) ? e['config'] : {}) as JsonObject;
      const name = (cfg['name'] as string) ?? (e['name'] as string);
      const shape = Array.isArray(cfg['batch_input_shape']) ? cfg['batch_input_shape'] : null;
      if (!shape) throw new UnsupportedFeatureError(`InputLayer ${name} has no batch_input_shape`, { node: node.path });
      const input = tfl.input({
        batchShape: shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)),
        dtype: ((cfg['dtype'] as string) ?? 'float32') as tf.DataType,
        name,
      });
      outputs.set(name, [[input]]);
    }

    type Pending = { name: string; layer: Layer; calls: Json[] };
    const pending: Pending[] = [];
    const firstNode = (l: Layer) => (this.builtWithInput.has(l) ? 1 : 0);
    for (const e of entries) {
      if (e['class_name'] === 'InputLayer') continue;
      const name = (e['name'] as string) ?? ((e['config'] as JsonObject)?.['name'] as string);
      const layer = byName.get(name);
      if (!layer) {
        throw new FormatError(`layer "${name}" of the model config is not among the model's saved layers`, { node: node.path });
      }
      pending.push({ name, layer, calls: Array.isArray(e['inbound_nodes']) ? [...e['inbound_nodes']] : [] });
      if (firstNode(layer) === 1) outputs.set(name, [[]]); // the skipped construction node
    }
    const stuck = connectLayers(pending, outputs, resolveCall, (what) =>
      new LimitError(what, { node: node.path, hint: 'a network this deep or this large is not a model Keras saves in practice: the config is corrupt or crafted' }),
    );
    if (stuck.length > 0) {
      throw new FormatError(
        `Error loading model(s) in the SavedModel format. The following layers could not be connected: ${stuck.join(', ')}`,
        { node: node.path },
      );
    }
    const pick = (refs: Json, what: string) => layerOutputs(refs, outputs, (r) => new FormatError(`model ${what} ${JSON.stringify(r)} names no layer output`, { node: node.path }));
    const inputs = pick(config['input_layers'] ?? null, 'input');
    const outs = pick(config['output_layers'] ?? null, 'output');
    const model = new RevivedModel({ inputs, outputs: outs, name: (config['name'] as string) ?? undefined });
    this.builtWithInput.add(model);
    return model;
  }

  /** The common input spec over a layer's traced call functions (infer_inputs_from_restored_call_function). */
  private inferInputSpec(layerId: number): { shape: (number | null)[]; dtype: string } | undefined {
    const fns = this.graph.functionsAt(layerId, 'call_and_return_all_conditional_losses');
    let shape: (number | null)[] | null | undefined;
    let dtype = 'float32';
    for (const fn of fns) {
      const spec = argSpecs(fn)[0];
      if (!spec?.shape) continue;
      dtype = spec.dtype;
      const s = spec.shape.map((d) => (d < 0 ? null : d));
      if (shape === undefined) shape = s;
      else if (shape && shape.length === s.length) shape = shape.map((d, i) => (d === s[i] ? d : null));
      else shape = null;
    }
    return shape ? { shape, dtype } : undefined;
  }

  /** A bare layer at the root (old files): wrap it into a one-layer model with an inferred input. */
  wrapLayer(layer: Layer, node: ObjectNode): tfl.LayersModel {
    // A subclassed model's inputs come from its call signature (Keras sets them from the saved spec).
    let inputs: SymbolicTensor[];
    const specs = layer instanceof RevivedLayer ? layer.inputSpecs() : [];
    if (specs.length > 0) {
      inputs = specs.map((s, i) =>
        tfl.input({
          batchShape: (s.shape ?? []).map((d) => (d < 0 ? null : d)),
          dtype: (s.dtype === 'float32' || s.dtype === 'string' || s.dtype === 'bool' ? s.dtype : s.dtype.startsWith('float') ? 'float32' : 'int32') as tf.DataType,
          name: s.name ? s.name.replace(/[^A-Za-z0-9_.-]/g, '_') : `input_${i + 1}`,
        }),
      );
    } else {
      const bis = decodeJsonUtils(node.keras?.metadata['build_input_shape']);
      const spec = Array.isArray(bis) ? { shape: bis as (number | null)[], dtype: 'float32' } : this.inferInputSpec(node.id);
      if (!spec) throw new UnsupportedFeatureError('the root layer has no known input shape', { node: node.path });
      inputs = [tfl.input({ batchShape: spec.shape, dtype: spec.dtype as tf.DataType })];
    }
    const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as SymbolicTensor | SymbolicTensor[];
    return new RevivedModel({ inputs, outputs: out, name: layer.name });
  }
}

  /**
   * One inbound node: `[[name, node_index, tensor_index, kwargs], ...]`, or a single entry (TFOpLambda
   * calls). Returns undefined until every input exists.
   */
function resolveCall(
    call: Json,
    outputs: Map<string, SymbolicTensor[][]>,
  ): { inputs: SymbolicTensor[]; kwargs: Record<string, unknown> } | undefined {
    const entries: Json[][] = [];
    const collect = (x: Json) => {
      if (Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') entries.push(x);
      else if (Array.isArray(x)) x.forEach(collect);
      else if (isObject(x)) Object.values(x).forEach(collect);
    };
    if (Array.isArray(call) && typeof call[0] === 'string') entries.push(call);
    else collect(call);
    const inputs: SymbolicTensor[] = [];
    let kwargs: Record<string, unknown> = {};
    for (const e of entries) {
      const [name, ni, ti] = e as [string, number, number];
      if (name === '_CONSTANT_VALUE') {
        // `2 * x` records tf.math.multiply(2, x): a constant first argument, then the tensor as a kwarg.
        if (isObject(e[3] ?? null)) kwargs = { ...(decodeJsonUtils(e[3]) as Record<string, unknown>) };
        kwargs[FIRST_ARG_CONSTANT_KEY] = decodeJsonUtils(e[2] ?? null);
        continue;
      }
      const t = outputs.get(name)?.[ni]?.[ti];
      if (!t) return undefined;
      inputs.push(t);
      if (isObject(e[3] ?? null)) kwargs = { ...kwargs, ...(decodeJsonUtils(e[3]) as Record<string, unknown>) };
    }
    // Keras tensors passed as keyword arguments are `[layer, node, tensor]` references.
    for (const [k, v] of Object.entries(kwargs)) {
      if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') {
        const t = outputs.get(v[0])?.[v[1]]?.[v[2]];
        if (!t) return undefined;
        inputs.push(t);
        kwargs = { ...kwargs, [k]: { __savedkerasInputIndex: inputs.length - 1 } };
      }
    }
    return { inputs, kwargs };
  }

/**
 * Deepest chain of layer calls a network may have: tfjs-layers walks a network's graph recursively
 * when it builds the model (Container's buildMapOfGraph), and overflows the stack untyped somewhere
 * between 3,000 and 5,000 calls deep (a layer shared 10^4 times in a chain). Real models sit far
 * below (ResNet152, DenseNet201: ~500-700; a 48-block transformer in Keras 3 operations ~1,000).
 */
const MAX_NETWORK_DEPTH = 2048;

/**
 * Most layer calls (nodes) one network may make: each costs tfjs-layers ~4 KB of symbolic tensors
 * and nodes (10^5 calls of one shared layer: 415 MB, 7 s), and a config is up to 256 MB of JSON.
 * Real models make a few thousand (Keras 3 operation nodes included).
 */
const MAX_NETWORK_CALLS = 100_000;

/**
 * Calls each pending layer on its config's inbound nodes as their inputs become available, in the
 * fixed-point order Keras uses (so a layer's n-th call is its node n), adding every call's outputs
 * to `outputs` (layer name -> call node -> tensors). `resolve` reads one inbound node (Keras 2 or 3
 * format) through `outputs.get` and returns undefined until its inputs exist. Returns the layers
 * whose calls never could run (missing, unknown or cyclic references).
 *
 * Work is bounded by the calls and their references, not by the number of passes: a layer whose
 * call cannot run waits on the layers that call read and is tried again only once one of them has
 * new outputs (the plain pass-until-no-progress loop was quadratic: 3,000 layers listed in reverse
 * order took 10 s). The order of the calls that run is the same as that loop's. A chain deeper
 * than MAX_NETWORK_DEPTH, or more calls than MAX_NETWORK_CALLS, is refused with `refuse(what, layer)`
 * (a LimitError of the caller's) before tfjs-layers overflows on it or allocates for it.
 */
export function connectLayers<C>(
  pending: { name: string; layer: Layer; calls: C[] }[],
  outputs: Map<string, SymbolicTensor[][]>,
  resolve: (call: C, outputs: Map<string, SymbolicTensor[][]>) => { inputs: SymbolicTensor[]; kwargs: Record<string, unknown>; asList?: boolean } | undefined,
  refuse: (what: string, layer?: string) => Error,
): string[] {
  const calls = pending.reduce((n, p) => n + p.calls.length, 0);
  if (calls > MAX_NETWORK_CALLS) throw refuse(`the network makes ${calls} layer calls, past the ${MAX_NETWORK_CALLS} savedkeras builds`);
  // What one resolve attempt read: the layers it waits on when it cannot run.
  const reads: string[] = [];
  const view = { get: (name: string) => (reads.push(name), outputs.get(name)) } as Map<string, SymbolicTensor[][]>;
  const depth = new WeakMap<SymbolicTensor, number>();
  const next = pending.map(() => 0); // index of each layer's next call
  const waiters = new Map<string, Set<number>>();
  // A pass visits layers in config order; a layer woken by a later one joins the current pass
  // when it comes after the waker (the loop would reach it in this pass), else the next pass.
  let current = pending.map((_, i) => i);
  let later = new Set<number>();
  while (current.length > 0) {
    const queued = new Set(current);
    const heap = new MinHeap(current);
    let at = -1;
    while (heap.size > 0) {
      const i = heap.pop();
      queued.delete(i);
      at = i;
      const p = pending[i]!;
      while (next[i]! < p.calls.length) {
        reads.length = 0;
        const call = resolve(p.calls[next[i]!]!, view);
        if (!call) {
          for (const name of reads) {
            if (!waiters.has(name)) waiters.set(name, new Set());
            waiters.get(name)!.add(i);
          }
          break;
        }
        next[i]!++;
        const d = 1 + call.inputs.reduce((m, t) => Math.max(m, depth.get(t) ?? 0), 0);
        if (d > MAX_NETWORK_DEPTH) {
          throw refuse(`calling layer ${p.name} makes the network ${d} layer calls deep, past the ${MAX_NETWORK_DEPTH} savedkeras builds (tfjs-layers walks networks recursively)`, p.name);
        }
        const out = p.layer.apply(call.inputs.length === 1 && !call.asList ? call.inputs[0]! : call.inputs, call.kwargs) as SymbolicTensor | SymbolicTensor[];
        const made = Array.isArray(out) ? out : [out];
        for (const t of made) depth.set(t, d);
        const list = outputs.get(p.name) ?? [];
        list.push(made);
        outputs.set(p.name, list);
        const woken = waiters.get(p.name);
        waiters.delete(p.name);
        for (const w of woken ?? []) {
          if (w === i) continue;
          if (w > at) {
            if (!queued.has(w)) (queued.add(w), heap.push(w));
          } else later.add(w);
        }
      }
    }
    current = [...later].sort((a, b) => a - b);
    later = new Set();
  }
  return pending.filter((p, i) => next[i]! < p.calls.length).map((p) => p.name);
}

/** A binary min-heap of indices (the layers of one pass, in config order). */
class MinHeap {
  private readonly a: number[] = [];
  constructor(items: number[]) {
    for (const x of items) this.push(x);
  }
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]! <= x) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= a.length) break;
        if (c + 1 < a.length && a[c + 1]! < a[c]!) c++;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * The tensors a model config's `input_layers` / `output_layers` name (`[layer, node, tensor]`
 * references: one, a list, or a dict of them); `missing` makes the error for a reference to nothing.
 */
export function layerOutputs(refs: Json | undefined, outputs: Map<string, SymbolicTensor[][]>, missing: (ref: Json) => Error): SymbolicTensor[] {
  const list = Array.isArray(refs) && typeof refs[0] === 'string' ? [refs] : Array.isArray(refs) ? refs : isObject(refs ?? null) ? Object.values(refs as JsonObject) : [];
  // Keras 3 keeps the nesting of a layer's outputs (an RNN of stacked cells with return_state returns
  // [output, [h1], [h2, c2]]): nested reference lists are flattened in order, as Keras flattens them.
  const flat: Json[] = [];
  const visit = (r: Json, depth: number): void => {
    if (depth < 16 && Array.isArray(r) && r.length > 0 && typeof r[0] !== 'string') r.forEach((x) => visit(x, depth + 1));
    else flat.push(r);
  };
  list.forEach((r) => visit(r, 0));
  return flat.map((r) => {
    const [name, ni, ti] = (Array.isArray(r) ? r : []) as [string, number, number];
    const t = outputs.get(name)?.[ni ?? 0]?.[ti ?? 0];
    if (!t) throw missing(r);
    return t;
  });
}
