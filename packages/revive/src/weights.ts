import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { Checkpoint, CheckpointTensor } from '@savedkeras/proto';
import { adoptIntoWeight, streamIntoWeights } from './stream-weights.js';

/** One weight of a revived layer paired with the object-graph variable that holds its value. */
export interface WeightBinding {
  weight: LayerVariable;
  node: ObjectNode;
  layerPath: string;
}

/**
 * The variable nodes of a Keras layer, in the order of Keras' `layer.variables` (its `variables`
 * list in the object graph). Layers saved without traces (must_restore_from_config) have no such
 * list: their own variable attributes are used, in declaration order.
 */
export function layerVariableNodes(graph: SavedModelGraph, layerId: number): ObjectNode[] {
  const list = graph.child(layerId, 'variables') ?? graph.child(layerId, 'keras_api', 'variables');
  if (list && list.identifier === 'trackable_list_wrapper') {
    // Usually listed in index order already (always on the key route): sorted only when not.
    const children = list.children;
    let ordered = true;
    for (let i = 1; i < children.length && ordered; i++) ordered = Number(children[i - 1]!.name) <= Number(children[i]!.name);
    const byIndex = ordered ? children : [...children].sort((a, b) => Number(a.name) - Number(b.name));
    const out: ObjectNode[] = [];
    for (const c of byIndex) {
      const n = graph.node(c.id);
      if (n.kind === 'variable') out.push(n);
    }
    return out;
  }
  return graph
    .node(layerId)
    .children.map((c) => graph.node(c.id))
    .filter((n) => n.kind === 'variable');
}

function sameShape(a: readonly (number | null)[], b: number[] | null): boolean {
  return !!b && a.length === b.length && a.every((d, i) => d === b[i]);
}

function childName(graph: SavedModelGraph, layerId: number, node: ObjectNode): string {
  const c = graph.node(layerId).children.find((x) => x.id === node.id);
  if (c) return c.name;
  const full = node.variable?.name ?? node.path;
  return full.split(/[/.]/).pop() ?? full;
}

/**
 * Pairs a revived layer's tfjs weights with the layer's saved variables: by position when the
 * two lists agree in length and shapes (Keras and tfjs create weights in the same order), else
 * by weight name and shape. A tfjs weight with no saved value is an error; saved variables that
 * tfjs has no weight for (e.g. RNG state of augmentation layers) are reported back.
 */
export function bindLayerWeights(
  graph: SavedModelGraph,
  layerId: number,
  weights: LayerVariable[],
): { bindings: WeightBinding[]; unused: ObjectNode[] } {
  const layerPath = graph.node(layerId).path;
  const saved = layerVariableNodes(graph, layerId);
  if (saved.length === weights.length && weights.every((w, i) => sameShape(w.shape, saved[i].variable!.shape))) {
    return { bindings: weights.map((w, i) => ({ weight: w, node: saved[i], layerPath })), unused: [] };
  }
  const used = new Set<number>();
  const bindings: WeightBinding[] = [];
  for (const w of weights) {
    const short = (w.originalName ?? w.name).split('/').pop()!.replace(/:\d+$/, '').replace(/_\d+$/, '');
    const candidates = saved.filter((n) => !used.has(n.id) && sameShape(w.shape, n.variable!.shape));
    const byName =
      candidates.find((n) => childName(graph, layerId, n) === short) ??
      candidates.find((n) => (n.variable!.name.split('/').pop() ?? '') === short) ??
      (candidates.length === 1 ? candidates[0] : undefined);
    if (!byName) {
      throw new FormatError(
        `no saved variable for weight "${w.originalName ?? w.name}" (shape [${w.shape.join(', ')}]); saved: ${saved
          .map((n) => `${childName(graph, layerId, n)} [${n.variable!.shape?.join(', ')}]`)
          .join(', ')}`,
        { file: 'variables/variables.index', node: layerPath, hint: 'the layer config and its saved weights disagree' },
      );
    }
    used.add(byName.id);
    bindings.push({ weight: w, node: byName, layerPath });
  }
  return { bindings, unused: saved.filter((n) => !used.has(n.id)) };
}

/** Converts checkpoint values to a tensor of the dtype tfjs uses for `dtype`. */
export function checkpointTensorToTf(t: CheckpointTensor, targetDtype: tf.DataType): tf.Tensor {
  const v = t.values as ArrayLike<number | bigint>;
  if (targetDtype === 'string') return tf.tensor(Array.from(t.values as unknown[]) as string[], t.shape, 'string');
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return tf.tensor(out, t.shape, targetDtype);
  }
  if (targetDtype === 'float32' && !(v instanceof Float32Array)) return tf.tensor(Float32Array.from(v as ArrayLike<number>), t.shape, 'float32');
  if (targetDtype === 'int32' && !(v instanceof Int32Array)) return tf.tensor(Int32Array.from(v as ArrayLike<number>), t.shape, 'int32');
  return tf.tensor(v as Float32Array, t.shape, targetDtype);
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);
const INT_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/**
 * The dtype a variable is declared as. saved_model.pb declares it (SavedVariable.dtype); a variable known
 * from the checkpoint alone has only its stored dtype, which is taken when it is of the kind the revived
 * weight holds (a float for a float32 weight, an integer for an int32 one) and else refused as the weight's
 * own dtype (a float32 kernel stored as int32 is refused, as TensorFlow refuses it).
 */
function declaredDtype(b: WeightBinding): string | undefined {
  const v = b.node.variable;
  if (!v?.fromCheckpoint) return v?.dtype;
  const kind = b.weight.dtype === 'float32' ? FLOAT_DTYPES : b.weight.dtype === 'int32' ? INT_DTYPES : new Set<string>([b.weight.dtype]);
  return kind.has(v.dtype) ? v.dtype : b.weight.dtype;
}

/** Reads every bound variable once and writes it into its weight. */
export async function restoreWeights(
  bindings: WeightBinding[],
  ckpt: Checkpoint,
  onEach?: (done: number, total: number) => void,
): Promise<void> {
  const keys: string[] = [];
  for (const b of bindings) {
    const key = b.node.variable?.checkpointKey;
    if (!key) {
      throw new FormatError(`variable ${b.node.path} has no checkpoint key in the checkpoint's object graph`, {
        file: 'variables/variables.index',
        node: b.layerPath,
      });
    }
    // Every entry is checked against the variable's declared dtype and the weight's shape before anything is read.
    ckpt.declaredEntry(key, { dtype: declaredDtype(b), shape: b.weight.shape.map((d) => d ?? -1), node: `${b.layerPath}: variable ${b.node.path}` });
    keys.push(key);
  }
  // wasm backend: values stream straight into the weights' heap storage (stream-weights.ts).
  const streamed = await streamIntoWeights(bindings.map((b) => b.weight), keys, ckpt);
  const values = await ckpt.readMany(keys.filter((_, i) => !streamed.has(i)));
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i];
    if (streamed.has(i)) {
      onEach?.(i + 1, bindings.length);
      continue;
    }
    const t = values.get(keys[i])!;
    if (!sameShape(b.weight.shape, t.shape)) {
      throw new FormatError(
        `checkpoint value of ${keys[i]} has shape [${t.shape.join(', ')}], weight "${b.weight.originalName}" wants [${b.weight.shape.join(', ')}]`,
        { file: 'variables/variables.index', node: b.layerPath },
      );
    }
    if (!adoptIntoWeight(b.weight, t.values)) {
      const tensor = checkpointTensorToTf(t, b.weight.dtype);
      b.weight.write(tensor);
      tensor.dispose();
    }
    onEach?.(i + 1, bindings.length);
  }
}
