import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, LimitError, setOwn, UnsupportedFeatureError, UnsupportedLayerError } from '@savedkeras/common';
import { badConfigInteger, connectLayers, interceptWeights, UNSAVED_WEIGHT_ELEMENTS, isObject, layerOutputs, pythonicToTs, resolveLayerClass, RevivedModel, RevivedSequential, type Json, type JsonObject, type CustomObjects } from '@savedkeras/revive';
import { KERAS_OPERATIONS, KerasOperation } from '@savedkeras/layers';
import { kerasHistory, layerConfig, registeredName } from './keras3-config.js';

type Layer = tfl.layers.Layer;
type SymbolicTensor = tfl.SymbolicTensor;

/** How one layer was made: tfjs' own class, a @savedkeras/layers plugin, a user class, or a network rebuilt from its layers. */
type BuiltHow = 'config' | 'plugin' | 'custom' | 'network';

/** A layer of a rebuilt network, with the Keras entry it came from (weights are found through it). */
export interface BuiltLayer {
  layer: Layer;
  /** The Keras class name (`Dense`, `demo>ScaledDense`). */
  className: string;
  /** Python class name, which names the layer's group in model.weights.h5 (`layers/<snake_case>`). */
  pythonClass: string;
  how: BuiltHow;
  /** For nested networks: their own layers, in Keras' order. */
  network?: BuiltNetwork;
}

export interface BuiltNetwork {
  model: tfl.LayersModel;
  kind: 'Sequential' | 'Functional';
  /** Keras' `model.layers` order: for Functional the InputLayers too, for Sequential without its InputLayer. */
  layers: BuiltLayer[];
}

export interface BuildOptions {
  customObjects?: CustomObjects;
  /** Where this config came from, for messages (`model.keras: config.json`). */
  file: string;
  warn?: (message: string) => void;
  /** Who wrote the config: tf.keras 2 activation names mean tfjs' functions, Keras 3's may not (default keras-3). */
  layout?: 'keras-2' | 'keras-3';
  /** What the weights file holds (element counts of its datasets): no weight tfjs makes while building may outgrow it. */
  weightBudget?: WeightBudget;
}

/** The largest dataset and the sum of all datasets of a weights file, in elements. */
export interface WeightBudget {
  largest: number;
  total: number;
}


/**
 * Activity regularizers of loaded layers, as saved (tfjs-layers cannot apply them): the writer puts
 * them back into config.json, so a load-save round trip keeps them for Keras.
 */
export const keptActivityRegularizers = new WeakMap<Layer, Json>();

const NETWORKS = new Set(['Functional', 'Model', 'Sequential']);
const MAX_NESTED_NETWORKS = 64;

/**
 * Rebuilds a Keras model config (Keras 3 `.keras` config.json, or a Keras 2 / Keras 3 `.h5`
 * model_config) as a tfjs-layers model: Sequential and Functional networks (nested and shared),
 * leaf layers through revive's class registry (tfjs built-ins, @savedkeras/layers plugins, user
 * classes by `package>Name`). Weights are left at fast-init values; they come from the file next.
 */
export class ConfigBuilder {
  private depth = 0;
  /** Elements of the weights made so far while building. */
  private madeElements = 0;
  constructor(private readonly options: BuildOptions) {}

  /** The top-level object of config.json / model_config. */
  buildTop(entry: JsonObject): BuiltLayer {
    const built = this.buildObject(entry);
    if (!(built.layer instanceof tfl.LayersModel)) {
      throw new UnsupportedFeatureError(`the saved object is a ${built.className} layer, not a model`, {
        file: this.options.file,
        hint: 'save a Sequential or Functional model (model.save)',
      });
    }
    return built;
  }

  private buildObject(entry: JsonObject): BuiltLayer {
    const className = typeof entry['class_name'] === 'string' ? (entry['class_name'] as string) : '';
    const reg = registeredName(entry);
    const name = layerName(entry);
    if (NETWORKS.has(className)) {
      const user = reg.includes('>') ? resolveLayerClass(reg, this.options.customObjects) : undefined;
      if (!user || user.origin !== 'user') {
        if (++this.depth > MAX_NESTED_NETWORKS) throw new FormatError(`networks nested deeper than ${MAX_NESTED_NETWORKS}`, { file: this.options.file, node: name });
        try {
          const cfg = isObject(entry['config']) ? entry['config'] : {};
          const network = className === 'Sequential' ? this.sequential(cfg, name) : this.functional(cfg, name);
          return { layer: network.model, className, pythonClass: className, how: 'network', network };
        } finally {
          this.depth--;
        }
      }
    }
    if (className === 'InputLayer') {
      const cfg = layerConfig(entry, this.options.layout);
      const input = makeInput(cfg, name, this.options.file);
      return { layer: input.sourceLayer as Layer, className, pythonClass: className, how: 'config' };
    }
    const operation = this.kerasOperation(entry, className, name);
    if (operation) return operation;
    const resolved = resolveLayerClass(reg, this.options.customObjects);
    if (!resolved) {
      const custom = reg.includes('>');
      throw new UnsupportedLayerError(`Unknown layer: '${reg}'. ${custom ? 'It is a custom object: register' : 'Neither tfjs-layers nor savedkeras has it; register'} a tfjs layer class for it`, {
        file: this.options.file,
        node: name,
        hint: `registerLayer('${reg}', MyLayer), or pass { customObjects: { '${reg}': MyLayer } }`,
      });
    }
    const cfg = layerConfig(entry, this.options.layout);
    const activityRegularizer = cfg['activity_regularizer'] ?? null;
    if (activityRegularizer !== null) {
      // tfjs-layers refuses to call a layer with one symbolically; it only adds a training loss term.
      // The saved entry is kept with the layer, so that saveKerasFile writes it back.
      this.options.warn?.(`${name}: activity_regularizer not applied (tfjs-layers cannot call a layer with one); predictions are unchanged, training in tfjs omits that loss term, saveKerasFile keeps it`);
      cfg['activity_regularizer'] = null;
    }
    const bad = badConfigInteger(cfg);
    if (bad) throw new FormatError(`layer config has ${bad}, not a usable integer`, { file: this.options.file, node: name, hint: 'the Keras config is corrupt' });
    const ts = pythonicToTs(cfg) as tf.serialization.ConfigDict;
    if (ts['name'] === undefined && name) ts['name'] = name;
    const layer = resolved.fromConfig(resolved.ctor, ts) as unknown as Layer;
    if (!(layer instanceof tfl.layers.Layer)) {
      throw new UnsupportedLayerError(`class registered for '${reg}' did not produce a tfjs Layer`, { file: this.options.file, node: name });
    }
    if (activityRegularizer !== null) {
      const saved = isObject(entry['config']) ? (entry['config'] as JsonObject)['activity_regularizer'] : undefined;
      keptActivityRegularizers.set(layer, (saved ?? activityRegularizer) as Json);
    }
    // Weights come from the file: skip the initializers (an Orthogonal one on a big recurrent kernel takes minutes).
    layer.setFastWeightInitDuringBuild(true);
    (layer as unknown as { cell?: Layer }).cell?.setFastWeightInitDuringBuild?.(true);
    this.guardWeights(layer, name);
    const how: BuiltHow = resolved.origin === 'tfjs' ? 'config' : resolved.origin === 'plugin' ? 'plugin' : 'custom';
    return { layer, className: reg, pythonClass: className, how };
  }

  /**
   * Validate, then allocate: tfjs-layers makes every weight (zero-filled) while the network is
   * connected, before a value is read from the file. A config asking for a weight larger than any
   * dataset of the weights file (a Dense of 10^8 units over a file of 5x8 kernels), or for more
   * weights in total than the file holds, is refused before that memory exists.
   */
  private guardWeights(layer: Layer, name: string): void {
    const budget = this.options.weightBudget;
    if (!budget) return;
    interceptWeights(
      layer,
      (weight, shape, n) => {
        const refuse = (what: string) =>
          new FormatError(`weight ${weight} of shape [${shape.join(', ')}] (${n} elements) ${what}`, {
            file: this.options.file,
            node: name,
            hint: 'the layer config does not match the saved weights (a corrupt or edited config)',
          });
        if (!(n <= Math.max(budget.largest, UNSAVED_WEIGHT_ELEMENTS))) throw refuse(`is larger than any dataset of the weights file (${budget.largest} elements)`);
        this.madeElements += n;
        if (this.madeElements > budget.total + UNSAVED_WEIGHT_ELEMENTS) throw refuse(`takes the model's weights past the ${budget.total} elements the weights file holds`);
      },
      () => {}, // a failed load frees every variable it registered (loadKerasFile)
    );
  }

  /** A Keras 3 operation node (`module: keras.src.ops.*`, e.g. the NotEqual mask of an Embedding): replayed by KerasOperation. */
  private kerasOperation(entry: JsonObject, className: string, name: string): BuiltLayer | undefined {
    const module = entry['module'];
    const cfg = isObject(entry['config']) ? (entry['config'] as JsonObject) : {};
    // .keras files name the module; Keras 3 .h5 files do not, but an operation's config has no `trainable` (every layer's has).
    const isOperation = typeof module === 'string' ? module.startsWith('keras.src.ops.') : !('trainable' in cfg) && Object.hasOwn(KERAS_OPERATIONS, className);
    if (!isOperation) return undefined;
    if (!Object.hasOwn(KERAS_OPERATIONS, className)) {
      throw new UnsupportedLayerError(`the Keras operation ${className} (${String(module)}) is not implemented`, { file: this.options.file, node: name });
    }
    const calls = Array.isArray(entry['inbound_nodes']) ? entry['inbound_nodes'] : [];
    const call = isObject(calls[0] ?? null) ? (calls[0] as JsonObject) : {};
    const layer = new KerasOperation({
      name,
      operation: className,
      ...(typeof module === 'string' ? { module } : {}),
      operationConfig: cfg as never,
      callArgs: Array.isArray(call['args']) ? (call['args'] as never) : [],
      callKwargs: isObject(call['kwargs']) ? (call['kwargs'] as never) : {},
    }) as unknown as Layer;
    return { layer, className, pythonClass: className, how: 'config' };
  }

  private sequential(cfg: JsonObject, name: string): BuiltNetwork {
    const entries = (Array.isArray(cfg['layers']) ? cfg['layers'] : []).filter(isObject);
    // revive's network classes: the standard predict / fit also work on string inputs (TextVectorization).
    const model = new RevivedSequential({ name: typeof cfg['name'] === 'string' ? cfg['name'] : name || undefined });
    const layers: BuiltLayer[] = [];
    let inputAdded = false;
    for (const [i, e] of entries.entries()) {
      if (e['class_name'] === 'InputLayer') {
        if (i !== 0) throw new FormatError('a Sequential config has an InputLayer after its first layer', { file: this.options.file, node: name });
        const c = layerConfig(e, this.options.layout);
        model.add(tfl.layers.inputLayer({ ...inputArgs(c, layerName(e), this.options.file) }));
        inputAdded = true;
        continue;
      }
      if (!inputAdded) {
        // No InputLayer: the shape Keras built the model with (build_input_shape, Keras 2 batch_input_shape on the first layer).
        const first = layerConfig(e, this.options.layout);
        const shape = Array.isArray(first['batch_input_shape']) ? first['batch_input_shape'] : Array.isArray(cfg['build_input_shape']) ? cfg['build_input_shape'] : null;
        if (shape) {
          model.add(tfl.layers.inputLayer({ batchInputShape: dims(shape), dtype: tfjsDtype(first['dtype'] ?? 'float32') }));
          inputAdded = true;
        } else {
          throw new UnsupportedFeatureError('this Sequential has no InputLayer and no build_input_shape: its input shape is unknown', {
            file: this.options.file,
            node: name,
            hint: 'build the model (call it once or give it an Input) before saving',
          });
        }
      }
      const built = this.buildObject(e);
      model.add(built.layer);
      layers.push(built);
    }
    return { model, kind: 'Sequential', layers };
  }

  private functional(cfg: JsonObject, name: string): BuiltNetwork {
    const entries = (Array.isArray(cfg['layers']) ? cfg['layers'] : []).filter(isObject);
    const outputs = new Map<string, SymbolicTensor[][]>();
    const built = new Map<string, BuiltLayer>();
    const order: BuiltLayer[] = [];
    const pending: { name: string; layer: Layer; calls: Json[] }[] = [];
    for (const e of entries) {
      const lname = layerName(e);
      if (built.has(lname)) throw new FormatError(`two layers are named ${JSON.stringify(lname)}`, { file: this.options.file, node: name });
      if (e['class_name'] === 'InputLayer') {
        const input = makeInput(layerConfig(e, this.options.layout), lname, this.options.file);
        const b: BuiltLayer = { layer: input.sourceLayer as Layer, className: 'InputLayer', pythonClass: 'InputLayer', how: 'config' };
        outputs.set(lname, [[input]]);
        built.set(lname, b);
        order.push(b);
        continue;
      }
      const b = this.buildObject(e);
      built.set(lname, b);
      order.push(b);
      // Keras 2 counts a nested network's construction on its own Input as its node 0 (Keras'
      // _should_skip_first_node); Keras 3 counts only the calls. Keras 2 nodes are lists.
      const calls = Array.isArray(e['inbound_nodes']) ? e['inbound_nodes'] : [];
      if (b.network && calls.length > 0 && Array.isArray(calls[0]) && builtWithInput(e)) outputs.set(lname, [[]]);
      pending.push({ name: lname, layer: b.layer, calls: Array.isArray(e['inbound_nodes']) ? [...e['inbound_nodes']] : [] });
    }
    // Keras 3 passes an Embedding's mask_zero mask as an explicit `mask=` argument computed by a NotEqual
    // operation; tfjs-layers propagates the same mask itself (computeMask), so that argument is dropped,
    // and refused where the receiving layer's tfjs class would ignore it.
    const isOperation = (n: string, cls: string) => {
      const b = built.get(n);
      return b !== undefined && b.layer instanceof KerasOperation && b.className === cls;
    };
    const maskOps = new Set([...built.keys()].filter((n) => isOperation(n, 'NotEqual')));
    // A Masking layer's mask is saved the same way, as any(x != mask_value, axis=-1): dropped only where the
    // receiving layer is called on a Masking layer's output, so that tfjs propagates that very mask.
    const maskingMasks = new Set(pending.filter((p) => isOperation(p.name, 'Any') && anyOfLastAxis(entries, p.name) && p.calls.every((c) => maskOps.has(firstArgLayer(c) ?? ''))).map((p) => p.name));
    // A Keras 3 merge layer (Add, Multiply, ...) of masked inputs passes on the logical_or of their masks,
    // saved as a LogicalOr operation node on those masks and passed as `mask=` to the next layer. The merge
    // layer's tfjs class ors the same masks itself (kerasOrMasks, set at load), so such a node counts as a
    // propagated mask where the receiving layer is called on that merge layer's output (nested ors too).
    const orMasks = new Set<string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of pending) {
        if (orMasks.has(p.name) || !isOperation(p.name, 'LogicalOr') || p.calls.length === 0) continue;
        if (p.calls.every((c) => { const a = argLayers(c); return a.length > 0 && a.every((n) => maskOps.has(n) || orMasks.has(n)); })) {
          orMasks.add(p.name);
          grew = true;
        }
      }
    }
    for (const p of pending) {
      const cls = built.get(p.name)?.className ?? '';
      // Tensors in a list-valued keyword argument (other than an RNN's initial_state) have no tfjs
      // counterpart: refused rather than handed to the layer as inert JSON.
      for (const c of p.calls) {
        const kw = isObject(c) && isObject(c['kwargs']) ? c['kwargs'] : {};
        const k = Object.keys(kw).find((key) => key !== 'initial_state' && Array.isArray(kw[key]) && tensorRefs(kw[key]!) > 0);
        if (k !== undefined) {
          throw new UnsupportedFeatureError(`${p.name} (${cls}) is called with a list of tensors as its argument ${k}; savedkeras passes tensors to keyword arguments one at a time`, { file: this.options.file, node: p.name });
        }
      }
      const viaMasking = p.calls.map(explicitMask).find((m) => m !== undefined && maskingMasks.has(m));
      if (viaMasking !== undefined) {
        const fedBy = (c: Json) => built.get(firstArgLayer(c) ?? '')?.className ?? '';
        if (!p.calls.every((c) => explicitMask(c) !== viaMasking || fedBy(c) === 'Masking' || MASK_AWARE.has(fedBy(c)))) {
          throw new UnsupportedLayerError(`${p.name} (${cls}) takes a mask computed apart from the Masking layer that feeds it; savedkeras applies a Masking layer's mask only through the layers it feeds`, { file: this.options.file, node: p.name });
        }
        maskOps.add(viaMasking);
      }
      const viaMerge = p.calls.map(explicitMask).find((m) => m !== undefined && orMasks.has(m));
      if (viaMerge !== undefined) {
        const fedBy = (c: Json) => built.get(firstArgLayer(c) ?? '')?.className ?? '';
        if (!p.calls.every((c) => explicitMask(c) !== viaMerge || KERAS3_OR_MASK_MERGES.has(fedBy(c)))) {
          throw new UnsupportedLayerError(`${p.name} (${cls}) takes a merged mask (${viaMerge}) apart from the merge layer that computes it; savedkeras applies a merge layer's mask only through the layers it feeds`, { file: this.options.file, node: p.name });
        }
        maskOps.add(viaMerge);
      }
      const from = p.calls.map(explicitMask).find((m) => m !== undefined && maskOps.has(m));
      if (from !== undefined && !MASK_AWARE.has(cls) && !(cls === 'TimeDistributed' && MASK_UNUSED.has(wrappedClass(entries, p.name)))) {
        throw new UnsupportedLayerError(`${p.name} (${cls}) takes the mask of an Embedding with mask_zero or of a Masking layer; savedkeras applies such masks only in ${[...MASK_AWARE].join(', ')}`, {
          file: this.options.file, node: p.name,
        });
      }
    }
    // Layers are called as their inputs become available, in the same fixed-point order Keras uses.
    const stuck = connectLayers(pending, outputs, (call, out) => resolveCall(call, out, maskOps), (what, layer) =>
      new LimitError(what, {
        file: this.options.file,
        node: layer ?? name,
        hint: 'a network this deep or this large is not a model Keras saves in practice: the config is corrupt or crafted',
      }),
    );
    if (stuck.length > 0) {
      throw new FormatError(`these layers' inputs never become available (missing or cyclic references): ${stuck.join(', ')}`, { file: this.options.file, node: name });
    }
    const pick = (refs: Json | undefined, what: string, from = outputs) =>
      layerOutputs(refs, from, (r) => new FormatError(`model ${what} ${JSON.stringify(r)} names no layer output`, { file: this.options.file, node: name }));
    // Keras 3 numbers a nested Functional's calls from 1 in `output_layers` only (its get_config counts the
    // construction node there, and from_config subtracts it again); the calls' own references count from 0.
    const outputRefs = new Map(outputs);
    for (const e of entries) {
      const calls = e['inbound_nodes'];
      if (e['class_name'] !== 'Sequential' && built.get(layerName(e))?.network && Array.isArray(calls) && isObject(calls[0] ?? null)) {
        outputRefs.set(layerName(e), [[], ...(outputs.get(layerName(e)) ?? [])]);
      }
    }
    const model = new RevivedModel({ inputs: pick(cfg['input_layers'], 'input'), outputs: pick(cfg['output_layers'], 'output', outputRefs), name: typeof cfg['name'] === 'string' ? cfg['name'] : name || undefined });
    return { model, kind: 'Functional', layers: order };
  }
}

/**
 * Layers whose tfjs-layers class applies the mask tfjs propagates (computeMask) the way Keras applies
 * the explicit one: recurrent layers skip masked steps, GlobalAveragePooling1D (@savedkeras/layers) takes the
 * masked mean. Other layers (max pooling, attention) would ignore it.
 */
const MASK_AWARE: ReadonlySet<string> = new Set(['LSTM', 'GRU', 'SimpleRNN', 'RNN', 'Bidirectional', 'GlobalAveragePooling1D']);

/** Keras 3 merge layers whose tfjs class ors its inputs' masks once loaded (load.ts sets kerasOrMasks on them). */
export const KERAS3_OR_MASK_MERGES: ReadonlySet<string> = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum']);

/** The layers whose outputs a Keras 3 call passes as positional arguments. */
function argLayers(call: Json): string[] {
  if (!isObject(call) || !Array.isArray(call['args'])) return [];
  return call['args'].map((a) => kerasHistory(a)?.[0]).filter((n): n is string => n !== undefined);
}

/**
 * Layers whose Keras call takes no mask: Keras' TimeDistributed hands a mask only to an inner layer whose call has a
 * `mask` argument, so a TimeDistributed of these computes the same values with or without one (tfjs propagates it on).
 */
const MASK_UNUSED: ReadonlySet<string> = new Set(['Dense', 'EinsumDense', 'Activation', 'Dropout', 'Conv1D', 'Conv2D', 'Flatten']);

/** The class of the layer a wrapper entry (TimeDistributed) wraps. */
function wrappedClass(entries: JsonObject[], name: string): string {
  const e = entries.find((x) => layerName(x) === name);
  const inner = e && isObject(e['config']) && isObject((e['config'] as JsonObject)['layer'] ?? null) ? ((e['config'] as JsonObject)['layer'] as JsonObject) : {};
  return typeof inner['class_name'] === 'string' ? inner['class_name'] : '';
}

/** The layer whose output is a Keras 3 call's first positional argument, if any. */
function firstArgLayer(call: Json): string | undefined {
  if (!isObject(call) || !Array.isArray(call['args'])) return undefined;
  return kerasHistory(call['args'][0] ?? null)?.[0];
}

/** An `Any` operation over the last axis without keepdims: the reduction of Keras' Masking.compute_mask. */
function anyOfLastAxis(entries: JsonObject[], name: string): boolean {
  const e = entries.find((x) => layerName(x) === name);
  const cfg = e && isObject(e['config']) ? e['config'] : {};
  return cfg['axis'] === -1 && cfg['keepdims'] !== true;
}

/** The layer whose output a Keras 3 call passes as `mask=`, if any. */
function explicitMask(call: Json): string | undefined {
  if (!isObject(call) || !isObject(call['kwargs'] ?? null)) return undefined;
  return kerasHistory((call['kwargs'] as JsonObject)['mask'] ?? null)?.[0];
}

/** A Keras 2 nested network that was built on its own Input (a Functional always; a Sequential with an InputLayer). */
function builtWithInput(entry: JsonObject): boolean {
  if (entry['class_name'] !== 'Sequential') return true;
  const cfg = isObject(entry['config']) ? entry['config'] : {};
  const first = Array.isArray(cfg['layers']) ? cfg['layers'][0] : undefined;
  return isObject(first ?? null) && (first as JsonObject)['class_name'] === 'InputLayer';
}

function layerName(entry: JsonObject): string {
  const cfg = isObject(entry['config']) ? entry['config'] : {};
  const n = entry['name'] ?? cfg['name'];
  return typeof n === 'string' ? n : '';
}

function dims(shape: Json[]): (number | null)[] {
  return shape.map((d) => (typeof d === 'number' && Number.isInteger(d) && d >= 0 ? d : null));
}

/** tfjs has float32, int32, bool, string tensors: every other Keras dtype maps onto one of them. */
function tfjsDtype(d: Json): tf.DataType {
  if (d === 'string' || d === 'bool' || d === 'int32' || d === 'float32') return d;
  if (typeof d === 'string' && /^u?int/.test(d)) return 'int32';
  return 'float32';
}

function inputArgs(cfg: JsonObject, name: string, file: string): { batchInputShape: (number | null)[]; dtype: tf.DataType; name?: string } {
  const shape = cfg['batch_input_shape'];
  if (!Array.isArray(shape)) throw new FormatError('an InputLayer has no batch_shape', { file, node: name });
  if (shape.length > 16) throw new FormatError(`an InputLayer has ${shape.length} dimensions`, { file, node: name });
  return { batchInputShape: dims(shape), dtype: tfjsDtype(cfg['dtype'] ?? 'float32'), ...(name ? { name } : {}) };
}

function makeInput(cfg: JsonObject, name: string, file: string): SymbolicTensor {
  const a = inputArgs(cfg, name, file);
  return tfl.input({ batchShape: a.batchInputShape, dtype: a.dtype, name: a.name });
}

/** How many Keras 3 tensor references a call argument holds (nested lists included). */
function tensorRefs(v: Json, depth = 0): number {
  if (kerasHistory(v)) return 1;
  return Array.isArray(v) && depth < 16 ? v.reduce<number>((n, x) => n + tensorRefs(x, depth + 1), 0) : 0;
}

/**
 * One call of a layer: Keras 3 `{args: [...], kwargs: {...}}` with `__keras_tensor__` references,
 * or a Keras 2 `[[layer, node, tensor, kwargs], ...]` list. Returns undefined until every input exists.
 * Tensors passed as keyword arguments are appended to the inputs and replaced in kwargs by
 * `{__savedkerasInputIndex: i}`, the convention of @savedkeras/layers' call-args.
 */
function resolveCall(
  call: Json,
  outputs: Map<string, SymbolicTensor[][]>,
  implicitMasks: ReadonlySet<string> = new Set(),
): { inputs: SymbolicTensor[]; kwargs: Record<string, unknown>; asList: boolean } | undefined {
  const inputs: SymbolicTensor[] = [];
  const kwargs: Record<string, unknown> = {};
  const tensorOf = (ref: [string, number, number]) => outputs.get(ref[0])?.[ref[1]]?.[ref[2]];
  if (isObject(call) && ('args' in call || 'kwargs' in call)) {
    const args = Array.isArray(call['args']) ? call['args'] : [];
    let asList = false;
    const collect = (x: Json): boolean => {
      const h = kerasHistory(x);
      if (h) {
        const t = tensorOf(h);
        if (!t) return false;
        inputs.push(t);
        return true;
      }
      if (Array.isArray(x)) return x.every(collect);
      return true; // a constant argument: not a tensor
    };
    // Merge layers take one list argument: `args: [[t1, t2]]`.
    if (args.length === 1 && Array.isArray(args[0])) asList = true;
    if (!args.every(collect)) return undefined;
    const kw = isObject(call['kwargs']) ? call['kwargs'] : {};
    for (const [k, v] of Object.entries(kw)) {
      if (v === null) continue;
      if (k === 'initial_state') {
        // An RNN's initial states (one tensor or a list: LSTM's [h, c]) follow its input in the input list:
        // tfjs' RNN/Bidirectional take inputs[1:] as the initial state.
        if (!collect(v)) return undefined;
        asList = true;
        continue;
      }
      const h = kerasHistory(v);
      if (h && k === 'mask' && implicitMasks.has(h[0])) continue;
      if (h) {
        const t = tensorOf(h);
        if (!t) return undefined;
        inputs.push(t);
        setOwn(kwargs, k, { __savedkerasInputIndex: inputs.length - 1 });
      } else setOwn(kwargs, k, v);
    }
    return { inputs, kwargs, asList: asList || inputs.length > 1 };
  }
  // Keras 2: [[name, node, tensor, kwargs], ...]
  const entries = Array.isArray(call) && typeof call[0] === 'string' ? [call] : Array.isArray(call) ? call : [];
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    const t = tensorOf([e[0], Number(e[1] ?? 0), Number(e[2] ?? 0)]);
    if (!t) return undefined;
    inputs.push(t);
    if (isObject(e[3] ?? null)) {
      for (const [k, v] of Object.entries(e[3] as JsonObject)) {
        if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number') {
          const kt = tensorOf([v[0], v[1], Number(v[2])]);
          if (!kt) return undefined;
          inputs.push(kt);
          setOwn(kwargs, k, { __savedkerasInputIndex: inputs.length - 1 });
        } else setOwn(kwargs, k, v);
      }
    }
  }
  return { inputs, kwargs, asList: inputs.length > 1 };
}
