import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { zipSync } from 'fflate';
import { SourceIOError, UnsupportedFeatureError } from '@savedkeras/common';
import { KerasOperation, tfjsCamelCase } from '@savedkeras/layers';
import { FREE_TEXT_CONFIG_KEYS, isObject, type Json, type JsonObject } from '@savedkeras/revive';
import { keptActivityRegularizers } from './build-model.js';
import { trainingConfigOf, type OptimizerState } from './write-training.js';
import { KERAS3_ACTIVATION_NAMES, kerasSnakeCase } from './keras3-config.js';
import { stackedCellGroups } from './weights.js';

/** The Keras version whose format the writer produces (config layout, weight-file layout). */
export const WRITTEN_KERAS_VERSION = '3.15.1';

type Layer = tfl.layers.Layer;

/** Where `saveKerasFile` puts the bytes: a file path (Node), or a function that takes them (browser: a download, IndexedDB). */
export type KerasFileTarget = string | ((bytes: Uint8Array) => void | Promise<void>);

/**
 * Writes a tfjs-layers model (loaded by savedkeras or built in JavaScript) as a Keras 3 `.keras`
 * file: config.json in Keras 3's serialization, metadata.json, and model.weights.h5 in the layout
 * Keras 3 `load_model` reads (written with h5wasm). Returns the bytes it wrote.
 */
export interface KerasFileWriteOptions {
  /** Where warnings go (default: console.warn). */
  warn?: (message: string) => void;
}

export async function saveKerasFile(model: tfl.LayersModel, target: KerasFileTarget, options: KerasFileWriteOptions = {}): Promise<Uint8Array> {
  const bytes = await encodeKerasFile(model, options);
  if (typeof target === 'function') {
    await target(bytes);
    return bytes;
  }
  let fs: typeof import('node:fs/promises');
  try {
    fs = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
  } catch (e) {
    throw new UnsupportedFeatureError('saving to a path needs Node; in the browser pass a function that takes the bytes', { cause: e });
  }
  try {
    await fs.writeFile(target, bytes);
  } catch (e) {
    throw new SourceIOError(`could not write: ${(e as Error).message}`, { file: target, cause: e });
  }
  return bytes;
}

/** The `.keras` bytes of a model (a zip, entries stored uncompressed as Keras writes them). */
export async function encodeKerasFile(model: tfl.LayersModel, options: KerasFileWriteOptions = {}): Promise<Uint8Array> {
  const warn = options.warn ?? ((m: string) => console.warn(`savedkeras: ${m}`));
  const config = kerasConfigOf(model);
  // A compiled model: its compile config and optimizer variables, so that Keras 3 resumes training.
  const training = await trainingConfigOf(model, warn);
  if (training) config['compile_config'] = training.compileConfig;
  const scaled = hardSigmoidScaling(model);
  if (scaled.layers.length > 0) {
    warn(
      `${scaled.layers.join(', ')}: tfjs' hard_sigmoid (clip(0.2x + 0.5, 0, 1)) is not Keras 3's (clip(x/6 + 0.5, 0, 1)); ` +
        `written as Keras 3's hard_sigmoid of the pre-activation scaled by 1.2 (kernel and bias times 1.2): the same predictions, ` +
        'but training in Keras sees the scaled weights (regularizer and constraint values change)',
    );
  }
  const assets: Record<string, Uint8Array> = {};
  let weights: Uint8Array;
  try {
    weights = await writeWeightsH5(model, assets, scaled.transforms, training?.state);
  } finally {
    if (training?.state) tf.dispose(training.state.slots);
  }
  const metadata = { keras_version: WRITTEN_KERAS_VERSION, date_saved: new Date().toISOString().replace('T', '@').slice(0, 19) };
  const enc = new TextEncoder();
  return zipSync(
    {
      'metadata.json': enc.encode(JSON.stringify(metadata)),
      'config.json': enc.encode(JSON.stringify(config)),
      'model.weights.h5': weights,
      ...assets,
    },
    { level: 0 },
  );
}

// ---------------------------------------------------------------- config.json

/** tfjs class names Keras 3 spells differently. */
const CLASS_TO_KERAS: Record<string, string> = { Model: 'Functional', LeCunNormal: 'LecunNormal', LeCunUniform: 'LecunUniform' };
/** Arguments tfjs writes that Keras 3 does not take, or takes under another name. */
const ARG_TO_KERAS: Record<string, Record<string, string | null>> = {
  // The InputLayer entry carries the input shape; Keras 3 layers refuse batch_input_shape.
  '*': { batch_input_shape: null },
  LeakyReLU: { alpha: 'negative_slope' },
  Conv1D: { rank: null },
  Conv2D: { rank: null },
  Conv3D: { rank: null },
  Conv2DTranspose: { rank: null },
  Conv3DTranspose: { rank: null },
  SeparableConv2D: { rank: null },
  DepthwiseConv2D: { rank: null },
  Embedding: { input_length: null },
  SpatialDropout1D: { noise_shape: null, trainable: null },
  SpatialDropout2D: { noise_shape: null, trainable: null },
  SpatialDropout3D: { noise_shape: null, trainable: null },
  Discretization: { trainable: null },
  MultiHeadAttention: { query_shape: null, key_shape: null, value_shape: null },
  // Keras 3 refuses both (checked with Keras 3.15 load_model): tfjs' RNN repeats its stacked cells beside `cell`.
  RNN: { cells: null },
  ConvLSTM1D: { implementation: null },
  ConvLSTM2D: { implementation: null },
};
const KERAS3_FROM_TFJS_ACTIVATION: Record<string, string> = Object.fromEntries(Object.entries(KERAS3_ACTIVATION_NAMES).map(([k, v]) => [v, k]));

/** Keras 3's config.json of a tfjs model (Sequential or Functional, nested ones included). */
export function kerasConfigOf(model: tfl.LayersModel): JsonObject {
  const topo = model.toJSON(null, false) as unknown as JsonObject;
  const out = networkEntry(model, topo);
  return out;
}

function networkEntry(model: tfl.LayersModel, entry: JsonObject): JsonObject {
  const isSeq = entry['class_name'] === 'Sequential';
  const cfg = (isObject(entry['config']) ? entry['config'] : {}) as JsonObject;
  const layers = (Array.isArray(cfg['layers']) ? cfg['layers'] : []).filter(isObject);
  const innerModels = new Map(model.layers.map((l) => [l.name, l] as const));
  const outLayers: Json[] = [];
  if (isSeq) {
    const first = model.layers[0];
    const shape = model.inputs[0]?.shape;
    if (shape) {
      outLayers.push({
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: shape as Json, dtype: model.inputs[0]!.dtype, sparse: false, name: model.inputs[0]!.sourceLayer.name },
        registered_name: null,
      });
    }
    void first;
    // tfjs lists a Sequential's InputLayer among its layers; Keras 3 has it only as the first entry written above.
    for (const l of layers) if (l['class_name'] !== 'InputLayer') outLayers.push(layerEntry(l, innerModels, false));
  } else {
    const nodeIndex = nodeIndexMap(model);
    for (const l of layers) outLayers.push(layerEntry(l, innerModels, true, nodeIndex));
  }
  const kcfg: JsonObject = { name: model.name, trainable: model.trainable, layers: outLayers };
  if (!isSeq) {
    const nodeIndex = nodeIndexMap(model);
    const fix = (refs: Json | undefined): Json => (Array.isArray(refs) ? refs.map((r) => (Array.isArray(r) && typeof r[0] === 'string' ? [r[0], nodeIndex(r[0], Number(r[1] ?? 0)), r[2] ?? 0] : r)) : []);
    kcfg['input_layers'] = fix(cfg['input_layers']);
    kcfg['output_layers'] = fix(cfg['output_layers']);
  } else {
    kcfg['build_input_shape'] = (model.inputs[0]?.shape ?? null) as Json;
  }
  return {
    module: isSeq ? 'keras' : 'keras.src.models.functional',
    class_name: isSeq ? 'Sequential' : 'Functional',
    config: kcfg,
    registered_name: isSeq ? null : 'Functional',
    build_config: { input_shape: isSeq ? ((model.inputs[0]?.shape ?? null) as Json) : null },
  };
}

/**
 * tfjs numbers a layer's calls over all its nodes, Keras 2 style: a nested network built on its own
 * Input has that construction as node 0. Keras 3 counts only the calls inside this model.
 */
type NodeIndex = ((layer: string, node: number) => number) & { tensor?: (layer: string, node: number, index: number) => tfl.SymbolicTensor | undefined };

function nodeIndexMap(model: tfl.LayersModel): NodeIndex {
  const inModel = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  const byName = new Map(model.layers.map((l) => [l.name, l] as const));
  const f: NodeIndex = (name, node) => {
    const layer = byName.get(name);
    if (!layer || !inModel) return node;
    let k = 0;
    for (let i = 0; i < node; i++) if (inModel.has(`${name}_ib-${i}`)) k++;
    return k;
  };
  f.tensor = (name, node, index) => byName.get(name)?.inboundNodes[node]?.outputTensors[index];
  return f;
}

function layerEntry(l: JsonObject, inner: Map<string, Layer>, functional: boolean, nodeIndex: NodeIndex = (_l, n) => n): JsonObject {
  const cls = String(l['class_name']);
  const name = String((l['name'] ?? (l['config'] as JsonObject)?.['name']) as string);
  const layer = inner.get(name);
  let e: JsonObject;
  if (layer instanceof KerasOperation && functional) return operationEntry(layer, l, name, nodeIndex);
  if ((cls === 'Model' || cls === 'Sequential') && layer instanceof tfl.LayersModel) {
    e = networkEntry(layer, l);
    e['build_config'] = { input_shape: (layer.inputs[0]?.shape ?? null) as Json };
  } else if (cls === 'InputLayer') {
    const c = (l['config'] ?? {}) as JsonObject;
    e = { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: c['batch_input_shape'] ?? null, dtype: c['dtype'] ?? 'float32', sparse: false, name }, registered_name: null };
  } else {
    e = objectEntry(l, 0) as JsonObject;
    // A layer entry, whatever its name (the Identity layer shares its name with an initializer); keras.applications'
    // own layers live in their model's module, where Keras 3 looks them up.
    e['module'] = LAYER_MODULES[cls] ?? 'keras.layers';
    if (cls in LAYER_MODULES) e['registered_name'] = cls;
    if (layer) completeConfig(layer, e['config'] as JsonObject);
    const activityRegularizer = layer ? keptActivityRegularizers.get(layer) : undefined;
    if (activityRegularizer !== undefined) (e['config'] as JsonObject)['activity_regularizer'] = objectEntry(activityRegularizer, 1);
    const registered = layer ? registeredNameOf(layer) : undefined;
    if (registered) {
      e['module'] = null;
      e['registered_name'] = registered;
    }
    if (layer) {
      const shape = layerInputShape(layer);
      const cfg = (l['config'] ?? {}) as JsonObject;
      if (cls === 'MultiHeadAttention') {
        // Keras 3 builds attention from the shapes of its call (build_config.shapes_dict).
        const shapes: JsonObject = { query_shape: cfg['query_shape'] ?? null, value_shape: cfg['value_shape'] ?? null };
        if (cfg['key_shape'] != null && JSON.stringify(cfg['key_shape']) !== JSON.stringify(cfg['value_shape'])) shapes['key_shape'] = cfg['key_shape'];
        e['build_config'] = { shapes_dict: shapes };
      } else if (shape !== undefined) e['build_config'] = { input_shape: shape };
    }
  }
  if (functional) {
    e['name'] = name;
    e['inbound_nodes'] = (Array.isArray(l['inbound_nodes']) ? l['inbound_nodes'] : []).map((node) => inboundNode(node, nodeIndex, POSITIONAL_INPUTS.has(cls)));
  }
  return e;
}

/** A Keras 2 inbound node `[[layer, node, tensor, kwargs], ...]` as Keras 3 `{args, kwargs}`. */
/** Layers whose call takes several tensors as separate arguments (`mha(query, value)`); the others take one list (`Add()([a, b])`). */
const POSITIONAL_INPUTS = new Set(['MultiHeadAttention']);

function inboundRefs(node: Json): Json[][] {
  return (Array.isArray(node) ? node : []).filter((r): r is Json[] => Array.isArray(r) && typeof r[0] === 'string');
}

/** A tfjs inbound reference `[layer, node, tensor]` as Keras 3's `__keras_tensor__`. */
function kerasTensorEntry(r: Json[], nodeIndex: NodeIndex): JsonObject {
  const t = nodeIndex.tensor?.(r[0] as string, Number(r[1] ?? 0), Number(r[2] ?? 0));
  return {
    class_name: '__keras_tensor__',
    config: { shape: (t?.shape ?? null) as Json, dtype: t?.dtype ?? 'float32', keras_history: [r[0]!, nodeIndex(r[0] as string, Number(r[1] ?? 0)), r[2] ?? 0] },
  };
}

function inboundNode(node: Json, nodeIndex: NodeIndex, positional: boolean): JsonObject {
  const refs = inboundRefs(node);
  const tensors = refs.map((r) => kerasTensorEntry(r, nodeIndex));
  const kwargs: JsonObject = {};
  for (const r of refs) if (isObject(r[3] ?? null)) Object.assign(kwargs, r[3] as JsonObject);
  return { args: tensors.length === 1 || positional ? tensors : [tensors], kwargs };
}

/** Keras layer classes outside keras.layers: the module Keras 3 saves them with. */
const LAYER_MODULES: Record<string, string> = {
  LayerScale: 'keras.src.applications.convnext',
  StochasticDepth: 'keras.src.applications.convnext',
};

/** The Python module of each Keras 3 operation savedkeras replays, for operations loaded from .h5 files (which do not name it). */
const OPERATION_MODULES: Record<string, string> = {
  Sigmoid: 'keras.src.ops.nn', Relu: 'keras.src.ops.nn', Relu6: 'keras.src.ops.nn', Softplus: 'keras.src.ops.nn', Silu: 'keras.src.ops.nn',
  Softmax: 'keras.src.ops.nn', LogSoftmax: 'keras.src.ops.nn', Rsqrt: 'keras.src.ops.math', Erf: 'keras.src.ops.math',
  Logsumexp: 'keras.src.ops.math', TopK: 'keras.src.ops.math', Cast: 'keras.src.ops.core', Norm: 'keras.src.ops.linalg',
};

/**
 * A Keras 3 operation node (`x[:, 0]`, `x != 0`...) as Keras saved it: its own config and the call's arguments,
 * with each `__keras_tensor__` pointing at the tensor tfjs feeds it (in the order the loader collected them:
 * positional arguments, then keyword arguments).
 */
function operationEntry(op: KerasOperation, l: JsonObject, name: string, nodeIndex: NodeIndex): JsonObject {
  const call = op.kerasCall;
  const nodes = Array.isArray(l['inbound_nodes']) ? l['inbound_nodes'] : [];
  const refs = inboundRefs(nodes[0] ?? null);
  let next = 0;
  const walk = (v: Json, depth: number): Json => {
    if (isObject(v) && v['class_name'] === '__keras_tensor__') {
      const r = refs[next++];
      if (!r) throw new UnsupportedFeatureError(`operation ${name} (${call.operation}) has more tensor arguments than inputs`, { node: name });
      return kerasTensorEntry(r, nodeIndex);
    }
    return Array.isArray(v) && depth < 16 ? v.map((x) => walk(x, depth + 1)) : v;
  };
  const args = call.args.map((a) => walk(a, 0));
  const kwargs: JsonObject = {};
  for (const [k, v] of Object.entries(call.kwargs)) kwargs[k] = walk(v, 0);
  return {
    module: call.module ?? OPERATION_MODULES[call.operation] ?? 'keras.src.ops.numpy',
    class_name: call.operation,
    config: call.config,
    registered_name: call.operation,
    name,
    inbound_nodes: [{ args, kwargs }],
  };
}

/** A serialized tfjs object (layer, initializer, regularizer, constraint) in Keras 3's `{module, class_name, config, registered_name}`. */
function objectEntry(v: Json, depth: number): Json {
  if (depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => objectEntry(x, depth + 1));
  if (!isObject(v)) return v;
  if (typeof v['class_name'] === 'string' && isObject(v['config'] ?? null)) {
    const cls = v['class_name'] as string;
    const renames = { ...ARG_TO_KERAS['*'], ...(ARG_TO_KERAS[cls] ?? {}) };
    const cfg: JsonObject = {};
    for (const [k, x] of Object.entries(v['config'] as JsonObject)) {
      const to = k in renames ? renames[k] : k;
      if (to === null || to === undefined) continue;
      cfg[to] = fixValue(k, objectEntry(x, depth + 1), cls, String((v['config'] as JsonObject)['name'] ?? cls));
    }
    return { module: moduleOf(cls), class_name: CLASS_TO_KERAS[cls] ?? cls, config: cfg, registered_name: null };
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = fixValue(k, objectEntry(x, depth + 1), undefined, undefined);
  return out;
}

/** The `package>Name` a custom layer class was registered under (registerLayer), which Keras 3 resolves it by. */
function registeredNameOf(layer: Layer): string | undefined {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, [unknown, unknown]>;
  for (const [name, entry] of Object.entries(map)) if (name.includes('>') && entry[0] === layer.constructor) return name;
  return undefined;
}


/** Arguments tfjs-layers' getConfig leaves out although the layer has them, and free-text values as the layer holds them. */
function completeConfig(layer: Layer, cfg: JsonObject): void {
  // Free text (tokens, vocabularies) as the layer holds it: tfjs' toJSON snake-cases every string
  // value, which made the OOV token '[UNK]' '[unk]' and a vocabulary term 'NewYork' 'new_york'.
  const own = layer.getConfig() as Record<string, unknown>;
  for (const py of FREE_TEXT_CONFIG_KEYS) {
    const ts = tfjsCamelCase(py);
    if (Object.hasOwn(own, ts) && Object.hasOwn(cfg, py)) cfg[py] = (own[ts] ?? null) as Json;
  }
  const l = layer as unknown as { depthMultiplier?: number };
  if ((layer.getClassName() === 'SeparableConv2D' || layer.getClassName() === 'DepthwiseConv2D') && typeof l.depthMultiplier === 'number') {
    cfg['depth_multiplier'] = l.depthMultiplier;
  }
}

function fixValue(key: string, v: Json, cls: string | undefined, layerName: string | undefined): Json {
  if (!/activation$/.test(key) || typeof v !== 'string') return v;
  if (v === 'hard_sigmoid') {
    // tfjs' hard_sigmoid: written as Keras 3's where the weights before it are scaled (hardSigmoidScaling), refused elsewhere.
    if (cls && HARD_SIGMOID_SCALED[cls]?.key === key) return v;
    throw new UnsupportedFeatureError(
      `layer ${layerName ?? '?'} (${cls ?? '?'}) uses tfjs' hard_sigmoid as its ${key}: Keras 3 has no activation equal to it (its hard_sigmoid is clip(x/6 + 0.5, 0, 1), tfjs' clip(0.2x + 0.5, 0, 1))`,
      { node: layerName, hint: "use 'sigmoid', or put it after a Dense/Conv layer (whose weights the writer can rescale to make Keras 3's hard_sigmoid equal)" },
    );
  }
  return KERAS3_FROM_TFJS_ACTIVATION[v] ?? v;
}

/**
 * Where tfjs' hard_sigmoid can be written exactly: tfjs_hs(z) = clip(0.2z + 0.5, 0, 1) =
 * keras3_hs(1.2z), and z is linear in the layer's kernel and bias, so those (the gate columns of
 * a recurrent cell) are written times 1.2. `weights`: which of the layer's weights, `gates`: for
 * recurrent cells, which blocks of `units` columns feed the recurrent activation.
 */
const HARD_SIGMOID_SCALE = 1.2;
const DENSE_LIKE = { key: 'activation', weights: /(^|\/)(kernel|bias)(_\d+)?$/ } as const;
const HARD_SIGMOID_SCALED: Record<string, { key: string; weights: RegExp; gates?: { blocks: number; scaled: number[] } }> = {
  Dense: DENSE_LIKE,
  Conv1D: DENSE_LIKE,
  Conv2D: DENSE_LIKE,
  Conv3D: DENSE_LIKE,
  Conv2DTranspose: DENSE_LIKE,
  Conv3DTranspose: DENSE_LIKE,
  DepthwiseConv2D: { key: 'activation', weights: /(^|\/)(depthwise_kernel|bias)(_\d+)?$/ },
  SeparableConv1D: { key: 'activation', weights: /(^|\/)(pointwise_kernel|bias)(_\d+)?$/ },
  SeparableConv2D: { key: 'activation', weights: /(^|\/)(pointwise_kernel|bias)(_\d+)?$/ },
  // Keras' gate order: LSTM i, f, c, o (recurrent activation on i, f, o); GRU z, r, h (on z, r).
  LSTM: { key: 'recurrent_activation', weights: /(^|\/)(kernel|recurrent_kernel|bias)(_\d+)?$/, gates: { blocks: 4, scaled: [0, 1, 3] } },
  LSTMCell: { key: 'recurrent_activation', weights: /(^|\/)(kernel|recurrent_kernel|bias)(_\d+)?$/, gates: { blocks: 4, scaled: [0, 1, 3] } },
  GRU: { key: 'recurrent_activation', weights: /(^|\/)(kernel|recurrent_kernel|bias)(_\d+)?$/, gates: { blocks: 3, scaled: [0, 1] } },
  GRUCell: { key: 'recurrent_activation', weights: /(^|\/)(kernel|recurrent_kernel|bias)(_\d+)?$/, gates: { blocks: 3, scaled: [0, 1] } },
};

type WeightTransform = (values: Float32Array, shape: number[]) => Float32Array;

/** The weights to write scaled (see HARD_SIGMOID_SCALED), over wrapped and nested layers. */
function hardSigmoidScaling(model: tfl.LayersModel): { transforms: Map<tfl.LayerVariable, WeightTransform>; layers: string[] } {
  const transforms = new Map<tfl.LayerVariable, WeightTransform>();
  const layers: string[] = [];
  const visit = (layer: Layer, depth: number) => {
    if (depth > 64) return;
    if (layer instanceof tfl.LayersModel) return layer.layers.forEach((l) => visit(l, depth + 1));
    const inner = layer as unknown as { forwardLayer?: Layer; backwardLayer?: Layer; layer?: Layer; cell?: Layer };
    for (const sub of [inner.forwardLayer, inner.backwardLayer, inner.layer]) if (sub instanceof tfl.layers.Layer) visit(sub, depth + 1);
    const cls = layer.getClassName();
    const rule = HARD_SIGMOID_SCALED[cls];
    const holder = inner.cell instanceof tfl.layers.Layer ? inner.cell : layer;
    if (!rule) return;
    const cfg = holder.getConfig() as Record<string, unknown>;
    const act = cfg[rule.key === 'activation' ? 'activation' : 'recurrentActivation'];
    if (typeof act !== 'string' || !/^hard_?sigmoid$/i.test(act)) return;
    layers.push(layer.name);
    const units = Number(cfg['units']);
    for (const w of holder.weights) {
      if (!rule.weights.test(w.originalName ?? w.name)) continue;
      const gates = rule.gates;
      transforms.set(w, (values, shape) => {
        const cols = shape[shape.length - 1] ?? 1;
        return values.map((x, i) => (!gates || gates.scaled.includes(Math.floor((i % cols) / units)) ? x * HARD_SIGMOID_SCALE : x));
      });
    }
  };
  model.layers.forEach((l) => visit(l, 0));
  return { transforms, layers };
}

function moduleOf(cls: string): string {
  if (/Initializer$|^(Zeros|Ones|Constant|RandomNormal|RandomUniform|TruncatedNormal|VarianceScaling|Orthogonal|Identity|Glorot|He|LeCun|Lecun)/.test(cls)) return 'keras.initializers';
  if (/^(L1|L2|L1L2)$/.test(cls)) return 'keras.regularizers';
  if (/^(MaxNorm|MinMaxNorm|NonNeg|UnitNorm)$/.test(cls)) return 'keras.constraints';
  return 'keras.layers';
}

function layerInputShape(layer: Layer): Json | undefined {
  try {
    const s = layer.inboundNodes[0]?.inputShapes as Json | undefined;
    // One input: its shape; several: the list of shapes (Keras build_config.input_shape).
    if (Array.isArray(s) && s.length === 1 && Array.isArray(s[0])) return s[0];
    return s;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- model.weights.h5

/** Where Keras 3 keeps a layer's variables below its own group, by class (see weights.ts for the reading side). */
function weightGroups(layer: Layer, path: string): { path: string; count: number }[] {
  const cls = (layer.constructor as unknown as { className?: string }).className ?? layer.getClassName();
  const n = layer.weights.length;
  switch (cls) {
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
    case 'ConvLSTM1D':
    case 'ConvLSTM2D':
      return [{ path: `${path}/cell`, count: n }];
    case 'RNN': {
      // Stacked cells: one group per cell, named as Keras 3 names them (the reader's stackedCellGroups).
      const groups = stackedCellGroups(layer);
      const cells = (layer as unknown as { cell?: { cells?: Layer[] } }).cell?.cells;
      if (!groups || !cells) return [{ path, count: n }];
      return cells.map((c, i) => ({ path: `${path}/cell/cells/${groups[i]}`, count: c.weights.length }));
    }
    case 'Bidirectional': {
      const w = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer };
      return [...weightGroups(w.forwardLayer, `${path}/forward_layer`), ...weightGroups(w.backwardLayer, `${path}/backward_layer`)];
    }
    case 'TimeDistributed':
      return weightGroups((layer as unknown as { layer: Layer }).layer, `${path}/layer`);
    case 'MultiHeadAttention': {
      const per = n / 4;
      return ['query_dense', 'key_dense', 'value_dense', 'output_dense'].map((c) => ({ path: `${path}/${c}`, count: per }));
    }
    default:
      return [{ path, count: n }];
  }
}

interface H5Module {
  ready: Promise<{ FS: { readFile(p: string): Uint8Array; unlink(p: string): void } }>;
  File: new (name: string, mode: string) => H5Group & { close(): void };
}
interface H5Group {
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: Float32Array | Int32Array | BigInt64Array; shape: number[]; dtype: string | null }): unknown;
  create_attribute(name: string, data: string): void;
}

let h5wasmModule: Promise<H5Module> | undefined;
/** h5wasm (HDF5 compiled to WebAssembly) is loaded only when a file is written: readers never pay for it. */
function loadH5wasm(): Promise<H5Module> {
  const isNode = typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node;
  h5wasmModule ??= (isNode ? importNodeOnly<{ default: H5Module }>('h5wasm/node') : (import('h5wasm') as Promise<unknown> as Promise<{ default: H5Module }>)).then((m) => m.default);
  return h5wasmModule;
}

/**
 * Imports a module only Node has (node:fs, h5wasm's Node build) by a name no bundler follows, so a
 * browser bundle (Vite, esbuild, webpack) neither pulls it in nor fails on its Node built-ins.
 */
function importNodeOnly<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

let fileCounter = 0;

async function writeWeightsH5(
  model: tfl.LayersModel,
  assets: Record<string, Uint8Array>,
  transforms: Map<tfl.LayerVariable, WeightTransform>,
  optimizer: OptimizerState | undefined,
): Promise<Uint8Array> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const name = `/savedkeras-${Date.now()}-${fileCounter++}.weights.h5`;
  const f = new h5wasm.File(name, 'w');
  try {
    const groups = new Set<string>();
    const group = (p: string) => {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const g = parts.slice(0, i).join('/');
        if (!groups.has(g)) {
          f.create_group(g);
          groups.add(g);
        }
      }
    };
    const writeNetwork = async (net: tfl.LayersModel, base: string) => {
      const counters = new Map<string, number>();
      const container = base === '' ? 'layers' : `${base}/layers`;
      const isSeq = net instanceof tfl.Sequential;
      for (const layer of net.layers) {
        const cls = layer.getClassName() === 'Model' ? 'Functional' : layer.getClassName();
        if (isSeq && cls === 'InputLayer') continue;
        const snake = kerasSnakeCase(cls);
        const k = counters.get(snake);
        counters.set(snake, k === undefined ? 0 : k + 1);
        const path = `${container}/${k === undefined ? snake : `${snake}_${k + 1}`}`;
        group(`${path}/vars`);
        (f as unknown as { get(p: string): H5Group }).get(`${path}/vars`).create_attribute('name', layer.name);
        if (layer instanceof tfl.LayersModel) {
          await writeNetwork(layer, path);
          continue;
        }
        // Lookup layers keep their vocabulary as an asset file (Keras 3 save_assets), one token a line.
        const lookup = layer as unknown as { getVocabulary?: (withSpecial?: boolean) => unknown[] };
        if (typeof lookup.getVocabulary === 'function') {
          const text = new TextEncoder().encode(lookup.getVocabulary(true).map(String).join('\n'));
          assets[`assets/${path}/vocabulary.txt`] = text;
          if (cls === 'TextVectorization') assets[`assets/${path}/_lookup_layer/vocabulary.txt`] = text;
        }
        const weights = layer.weights;
        let at = 0;
        for (const g of weightGroups(layer, path)) {
          group(`${g.path}/vars`);
          for (let i = 0; i < g.count; i++) {
            const w = weights[at++]!;
            const v = w.read();
            const transform = transforms.get(w);
            const data = transform ? transform((await v.data()) as Float32Array, v.shape) : await v.data();
            const isInt = v.dtype === 'int32';
            f.create_dataset({
              name: `${g.path}/vars/${i}`,
              data: isInt ? BigInt64Array.from(data as Int32Array, (x) => BigInt(x)) : (data as Float32Array),
              shape: v.shape,
              // h5wasm guesses int64 from a BigInt64Array (an explicit '<i8' trips its BigInt arithmetic).
              dtype: isInt ? null : '<f4',
            });
          }
        }
      }
    };
    group('vars');
    await writeNetwork(model, '');
    if (optimizer) {
      // Keras 3's optimizer/vars: iteration (int64), learning_rate (float32), then the slots in Keras' order.
      group('optimizer/vars');
      (f as unknown as { get(p: string): H5Group }).get('optimizer/vars').create_attribute('name', optimizer.name);
      f.create_dataset({ name: 'optimizer/vars/0', data: BigInt64Array.of(BigInt(Math.round(optimizer.iterations))), shape: [], dtype: null });
      f.create_dataset({ name: 'optimizer/vars/1', data: Float32Array.of(optimizer.learningRate), shape: [], dtype: '<f4' });
      for (const [i, t] of optimizer.slots.entries()) {
        f.create_dataset({ name: `optimizer/vars/${i + 2}`, data: (await t.data()) as Float32Array, shape: t.shape, dtype: '<f4' });
      }
    }
  } finally {
    f.close();
  }
  const bytes = FS.readFile(name);
  FS.unlink(name);
  return new Uint8Array(bytes);
}

