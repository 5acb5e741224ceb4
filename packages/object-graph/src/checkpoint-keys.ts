import { dtypeName, type SavedObject } from '@savedkeras/proto';
import type { ChildRef, KerasInfo, NodeKind, ObjectNode } from './saved-model-graph.js';

/**
 * Weights by checkpoint key names alone: how Keras (tf.keras 2.x, the SavedModels that carry
 * keras_metadata.pb) names the checkpoint keys of a Functional or Sequential model's weights, so that
 * a load can find them in the checkpoint index without decoding the checkpoint's object graph.
 *
 * The format facts (TensorFlow / tf.keras sources):
 * 1. A network's checkpoint children (`Functional._layer_checkpoint_dependencies`, keras/engine/functional.py):
 *    for `layer_index, layer in enumerate(self.layers)`: if `layer.weights` is not empty,
 *    `layer_with_weights-K` (K counts the layers with weights), then always `layer-<layer_index>`; these
 *    come before every other child of the network (`dependencies.update(super()._trackable_children())`).
 *    `self.layers` is the config's `layers` list, except that a Sequential leaves out its implicit
 *    InputLayer (`Sequential.layers`), which its config lists first.
 * 2. A SavedModel's checkpoint names each variable by its first path from the root in breadth-first order
 *    over those children (`ObjectGraphView` / `_serialize_gathered_objects`): `<name>/<name>/.ATTRIBUTES/VARIABLE_VALUE`.
 * 3. The root also has the lists Keras adds for a SavedModel (`wrap_layer_objects`): `variables`
 *    (= `model.variables`, every weight of every layer: for each layer in `self.layers` order its
 *    `layer.variables`, a nested network's in the same per-layer order, deduplicated),
 *    `trainable_variables` and `non_trainable_variables` (the same, per-layer, for each kind), listed
 *    after the layer children. Breadth-first, a weight the layer holds as an attribute (`self.kernel`) of a
 *    root-level layer is found at depth 2 first through that layer: `layer_with_weights-K/kernel`; every
 *    other weight (an RNN's cell, a wrapped layer's, a nested network's) is found at depth 2 through the
 *    root's list, as `variables/<i>` (keras_metadata.pb era: `variables` comes first) or
 *    `trainable_variables/<j>` / `non_trainable_variables/<k>`. TF 2.2-2.4 (no keras_metadata.pb; the root's
 *    metadata is saved_model.pb's root object) put `variables` and `trainable_variables` among the root's
 *    children in an order that differs from save to save (legacy-tf22-large-2shard-lstm and
 *    legacy-tf23-bilstm-batchnorm: `trainable_variables/<j>`; legacy-tf21-stylegan: `variables/<i>`), and
 *    `non_trainable_variables` one level down (`keras_api/`), never a first path. Each weight's candidates
 *    cover every order; exactly one of them may be in the index.
 *
 * The mapping is used only when it checks out against the index: every weight has exactly one of its
 * candidate keys, each key is claimed once, its stored shape is the weight's and its dtype of the
 * weight's kind, and every variable key of the index (other than optimizer slots, the optimizer's own
 * variables and compile metrics) is some weight's. Otherwise the load takes the checkpoint's object graph.
 *
 * 4. keras_metadata.pb's node_path of a layer is its first path in the same breadth-first order
 *    (`root.layer_with_weights-1.layer_with_weights-0`): written from the object graph TensorFlow saved, not from
 *    the model config. With the whole file read, it attests each layer's place among its network's children, so
 *    the order of `model.variables` is known even for same-shape layers the network itself does not order
 *    (memnet-babi-multi-input: an Embedding [38, 64] in two parallel nested Sequentials).
 */

/** What the key route needs of a revived layer's weight (a tfjs LayerVariable). */
export interface KeyedWeight {
  readonly shape: readonly (number | null)[];
  readonly dtype: string;
  readonly name: string;
  readonly originalName?: string;
  readonly trainable: boolean;
}

/** A revived leaf layer (not a network) and its node id in a key-route graph. */
export interface KeyedLayer {
  id: number;
  layer: { readonly weights: readonly KeyedWeight[]; readonly trainableWeights: readonly KeyedWeight[]; readonly nonTrainableWeights: readonly KeyedWeight[] };
}

/** The index entries the key route reads (no data). */
export interface KeyedEntries {
  keys(): string[];
  entry(key: string): { dtype: number; dtypeName: string; shape: number[] } | undefined;
}

/** One layer node of the network tree made from the model config. */
interface TreeLayer {
  id: number;
  /** Its name in the config, and the names of the layers its config's inbound_nodes call it on. */
  name: string;
  inbound: string[];
  /** How many times the network calls it (its inbound_nodes; a Sequential: 1). */
  calls: number;
  /** Its index in its network's `layers` (the `layer-N` name). */
  index: number;
  network: TreeNetwork | null;
  inputLayer: boolean;
  /**
   * The child name its network's saved object has for it (`layer_with_weights-K` for a layer with weights, else
   * `layer-N`), when the file says (its keras_metadata.pb node_path): the order the layers were saved in.
   */
  savedAs?: string;
}

/** A network of the tree: the root or a nested Functional/Sequential. */
export interface TreeNetwork {
  id: number;
  trainable: boolean;
  sequential: boolean;
  layers: TreeLayer[];
}

const VALUE_SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';

/** Index keys that are no model weight: the object graph itself, optimizer slots and variables, compile metrics, the save counter. */
function notAWeightKey(key: string): boolean {
  return (
    key === '_CHECKPOINTABLE_OBJECT_GRAPH' ||
    key.includes('/.OPTIMIZER_SLOT/') ||
    key.startsWith('optimizer/') ||
    key.startsWith('keras_api/metrics/') ||
    key.startsWith('save_counter/')
  );
}

/** A weight's own name as Keras gives it (`dense/kernel:0` -> `kernel`). */
function shortName(w: KeyedWeight): string {
  const full = w.originalName ?? w.name;
  const last = full.slice(full.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon > 0 ? last.slice(0, colon) : last;
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);
const INT_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

function storedDtype(e: { dtype: number; dtypeName: string }): string {
  return e.dtype > 100 ? dtypeName(e.dtype - 100) : e.dtypeName;
}

/** The stored dtype is of the weight's kind (a float for a float32 weight, an integer for an int32 one). */
function dtypeFits(stored: string, weight: string): boolean {
  if (weight === 'float32') return FLOAT_DTYPES.has(stored);
  if (weight === 'int32') return INT_DTYPES.has(stored);
  return stored === weight;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where a weight is in the root's lists, and its layer's `layer_with_weights-K` when the layer is a root child. */
interface WeightPlaces {
  attribute: number | undefined;
  variables: number | undefined;
  trainable: number | undefined;
  frozen: number | undefined;
}

/** A weight's candidate keys (rules 2-3); with `lists`, only those in a root list the index has keys in. */
function candidateKeys(w: KeyedWeight, at: WeightPlaces, lists?: { variables: boolean; trainable: boolean; frozen: boolean }): string[] {
  const c: string[] = [];
  if (at.attribute !== undefined) c.push(`layer_with_weights-${at.attribute}/${shortName(w)}${VALUE_SUFFIX}`);
  if (at.variables !== undefined && (!lists || lists.variables)) c.push(`variables/${at.variables}${VALUE_SUFFIX}`);
  if (at.trainable !== undefined && (!lists || lists.trainable)) c.push(`trainable_variables/${at.trainable}${VALUE_SUFFIX}`);
  if (at.frozen !== undefined && (!lists || lists.frozen)) c.push(`non_trainable_variables/${at.frozen}${VALUE_SUFFIX}`);
  return c;
}

/** Why the key route gave up (the load then reads the checkpoint's object graph). */
export class KeyRouteRefused extends Error {
  constructor(readonly reason: string) {
    super(`weights by checkpoint key names: ${reason}`);
    this.name = 'KeyRouteRefused';
  }
}

/** A variable the key route found, for the graph's variable nodes. */
export interface KeyedVariable {
  layerId: number;
  key: string;
  trainable: boolean;
  dtype: string;
  shape: number[];
}

/**
 * Pairs every weight of the revived layers with its checkpoint key (rules above), or throws
 * KeyRouteRefused. Returns, per leaf layer, its variables in the order of its weights, and each
 * network's child names (`layer_with_weights-K` before `layer-N` for a layer with weights).
 */
export function keyedWeights(
  root: TreeNetwork,
  owners: readonly KeyedLayer[],
  ckpt: KeyedEntries,
  attested = false,
): { variables: Map<number, KeyedVariable[]>; weighted: Map<number, number> } {
  const byId = new Map<number, KeyedLayer['layer']>();
  for (const o of owners) byId.set(o.id, o.layer);
  // Keras' layer.variables, trainable_variables and non_trainable_variables of every tree layer (read-only here: a
  // layer's own lists are kept as its getters return them).
  const all = new Map<TreeLayer | TreeNetwork, readonly KeyedWeight[]>();
  const trainable = new Map<TreeLayer | TreeNetwork, readonly KeyedWeight[]>();
  const frozen = new Map<TreeLayer | TreeNetwork, readonly KeyedWeight[]>();
  const dedup = (ws: KeyedWeight[]) => [...new Set(ws)];
  const gather = (net: TreeNetwork, depth: number): void => {
    if (depth > 32) throw new KeyRouteRefused('networks nested too deep');
    const a: KeyedWeight[] = [];
    const t: KeyedWeight[] = [];
    const f: KeyedWeight[] = [];
    for (const l of net.layers) {
      if (l.inputLayer) continue;
      if (l.network) {
        gather(l.network, depth + 1);
        all.set(l, all.get(l.network)!);
        trainable.set(l, trainable.get(l.network)!);
        frozen.set(l, frozen.get(l.network)!);
      } else {
        const layer = byId.get(l.id);
        if (!layer) throw new KeyRouteRefused(`layer node ${l.id} was not revived from its config`);
        all.set(l, layer.weights);
        trainable.set(l, layer.trainableWeights);
        frozen.set(l, layer.nonTrainableWeights);
      }
      a.push(...all.get(l)!);
      t.push(...trainable.get(l)!);
      f.push(...frozen.get(l)!);
    }
    all.set(net, dedup(a));
    // A frozen network lists every weight as non-trainable (Model.trainable_weights is empty).
    trainable.set(net, net.trainable ? dedup(t) : []);
    frozen.set(net, net.trainable ? dedup(f) : dedup([...t, ...f]));
  };
  gather(root, 0);

  // Network child names: layer_with_weights-K for the layers with weights.
  const weighted = new Map<number, number>();
  const name = (net: TreeNetwork): void => {
    let k = 0;
    for (const l of net.layers) {
      if (!l.inputLayer && all.get(l)!.length > 0) weighted.set(l.id, k++);
      if (l.network) name(l.network);
    }
  };
  name(root);

  // With every layer's saved child name the file attests the order its weights were saved in (model.variables' order):
  // it must be the config's. Without it, same-shape layers must have an order the network itself fixes.
  if (attested) checkSavedOrder(root, weighted);
  else checkUnambiguous(root, all);

  const position = (list: readonly KeyedWeight[]) => {
    const m = new Map<KeyedWeight, number>();
    list.forEach((w, i) => m.set(w, i));
    return m;
  };
  const inVariables = position(all.get(root)!);
  const inTrainable = position(trainable.get(root)!);
  const inFrozen = position(frozen.get(root)!);
  const claimed = new Map<string, KeyedWeight>();
  const variables = new Map<number, KeyedVariable[]>();
  // Which of the root's lists has any key in the index: a candidate in a list with none cannot be found, so only
  // the others are made and looked up (one lookup per weight where every weight is a layer attribute).
  const indexKeys = ckpt.keys();
  const lists = { variables: false, trainable: false, frozen: false };
  for (const key of indexKeys) {
    if (key.startsWith('variables/')) lists.variables = true;
    else if (key.startsWith('trainable_variables/')) lists.trainable = true;
    else if (key.startsWith('non_trainable_variables/')) lists.frozen = true;
  }
  const visit = (net: TreeNetwork, top: boolean): void => {
    for (const l of net.layers) {
      if (l.inputLayer) continue;
      if (l.network) {
        visit(l.network, false);
        continue;
      }
      const out: KeyedVariable[] = [];
      const k = weighted.get(l.id);
      for (const w of all.get(l)!) {
        const i = inVariables.get(w);
        const j = inTrainable.get(w);
        const f = inFrozen.get(w);
        const at = { attribute: top ? k : undefined, variables: i, trainable: j, frozen: f };
        let key: string | undefined;
        let e: ReturnType<KeyedEntries['entry']>;
        let found = 0;
        for (const c of candidateKeys(w, at, lists)) {
          const entry = ckpt.entry(c);
          if (entry === undefined) continue;
          key = c;
          e = entry;
          found++;
        }
        if (found !== 1 || key === undefined || e === undefined) {
          throw new KeyRouteRefused(`${found === 0 ? 'no' : 'more than one'} checkpoint key for weight ${w.originalName ?? w.name} (${candidateKeys(w, at).join(', ')})`);
        }
        const other = claimed.get(key);
        if (other && other !== w) throw new KeyRouteRefused(`two weights claim ${key}`);
        claimed.set(key, w);
        const dtype = storedDtype(e);
        if (!sameShape(w.shape, e.shape) || !dtypeFits(dtype, w.dtype)) {
          throw new KeyRouteRefused(`${key} holds ${dtype} [${e.shape.join(', ')}], weight ${w.originalName ?? w.name} is ${w.dtype} [${w.shape.join(', ')}]`);
        }
        out.push({ layerId: l.id, key, trainable: inTrainable.has(w), dtype, shape: [...e.shape] });
      }
      variables.set(l.id, out);
    }
  };
  visit(root, true);

  // Every weight key of the index is some weight's: a key left over is a variable this mapping does not explain.
  for (const key of indexKeys) {
    if (notAWeightKey(key) || claimed.has(key)) continue;
    throw new KeyRouteRefused(`checkpoint key ${key} belongs to no weight of the revived model`);
  }
  return { variables, weighted };
}


/** Every layer of every network is where the file saved it: its child name as the key route gives it is its `savedAs`. */
function checkSavedOrder(root: TreeNetwork, weighted: Map<number, number>): void {
  const visit = (net: TreeNetwork): void => {
    for (const l of net.layers) {
      const k = weighted.get(l.id);
      const named = k !== undefined ? `layer_with_weights-${k}` : `layer-${l.index}`;
      if (l.savedAs !== named) throw new KeyRouteRefused(`layer ${l.name} was saved as ${l.savedAs ?? 'nothing'}, its place in the config makes it ${named}`);
      if (l.network) visit(l.network);
    }
  };
  visit(root);
}

/**
 * The keys give a layer its weights by its place in the config's `layers` (rule 1): a config whose order
 * was edited would give two layers each other's weights, unnoticed when their weights have the same shapes
 * (the checkpoint's object graph would tell, by the variables' names, but it is not read here). So two layers
 * with the same weight shapes must have an order the network itself fixes: both in one network, each called
 * once, one computed from the other's output (a Sequential's layers always are: its config is its order;
 * Keras lists a Functional's layers inputs first, so the one computed first comes first). Else the mapping
 * is ambiguous and the load takes the object graph.
 */
function checkUnambiguous(root: TreeNetwork, all: Map<TreeLayer | TreeNetwork, readonly KeyedWeight[]>): void {
  const groups = new Map<string, { net: TreeNetwork; layer: TreeLayer; at: number }[]>();
  const collect = (net: TreeNetwork): void => {
    net.layers.forEach((l, at) => {
      if (l.network) return collect(l.network);
      const ws = all.get(l) ?? [];
      if (ws.length === 0) return;
      const sig = ws.map((w) => `${w.dtype}[${w.shape.join(',')}]`).join(' ');
      const g = groups.get(sig) ?? [];
      g.push({ net, layer: l, at });
      groups.set(sig, g);
    });
  };
  collect(root);
  for (const [sig, g] of groups) {
    if (g.length < 2) continue;
    const net = g[0].net;
    if (g.some((x) => x.net !== net)) throw new KeyRouteRefused(`layers of two networks have weights of the same shapes (${sig})`);
    if (net.sequential) continue;
    if (g.some((x) => x.layer.calls !== 1)) throw new KeyRouteRefused(`a layer called more than once has weights of the same shapes as another (${sig})`);
    const byName = new Map(net.layers.map((l) => [l.name, l]));
    const ancestors = (l: TreeLayer): Set<string> => {
      const seen = new Set<string>();
      const stack = [...l.inbound];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(...(byName.get(n)?.inbound ?? []));
      }
      return seen;
    };
    for (let i = 1; i < g.length; i++) {
      // Each one computed from the one the config lists before it (which then holds for every earlier one).
      if (!ancestors(g[i].layer).has(g[i - 1].layer.name)) {
        throw new KeyRouteRefused(`layers ${g[i - 1].layer.name} and ${g[i].layer.name} have weights of the same shapes and no order of their own (${sig})`);
      }
    }
  }
}

/** A node of a key-route graph (no checkpoint object graph behind it). */
export function keyRouteNode(id: number, path: string, keras: KerasInfo | null, children: ChildRef[], kind: NodeKind = 'userObject'): ObjectNode {
  return {
    id,
    path,
    checkpointPath: path,
    kind,
    children,
    identifier: keras ? keras.identifier : kind === 'variable' ? null : 'trackable_list_wrapper',
    keras,
    variable: null,
    concreteFunctions: [],
    proto: { children: children.map((c) => ({ nodeId: c.id, localName: c.name })), dependencies: [], slotVariables: [], kind, saveableObjects: {}, registeredName: '', registeredSaver: '' } as unknown as SavedObject,
  };
}
