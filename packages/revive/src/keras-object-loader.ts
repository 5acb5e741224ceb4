import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  FormatError,
  SavedKerasError,
  UnsupportedFeatureError,
  UnsupportedLayerError,
  type ProgressCallback,
} from '@savedkeras/common';
import { Captures, SavedFunction, type CheckpointSource } from '@savedkeras/graph';
import { argSpecs, type ObjectNode, type SavedModelGraph } from '@savedkeras/object-graph';
import { RevivedLayer } from './revived-layer.js';
import { FIRST_ARG_CONSTANT_KEY } from '@savedkeras/layers';
import { restoreVocabulary } from './vocabulary.js';
import { resolveLayerClass, type LayerClass } from './class-registry.js';
import { compileFromTrainingConfig, type CompileResult } from './compile.js';
import { badConfigInteger, baseClassName, decodeJsonUtils, isObject, normalizeConfig, pythonicToTs, type Json, type JsonObject } from './keras-config.js';
import { bindLayerWeights, restoreWeights, type CheckpointLike, type WeightBinding } from './weights.js';

type Layer = tfl.layers.Layer;
type SymbolicTensor = tfl.SymbolicTensor;

export type RevivedHow = 'config' | 'plugin' | 'custom' | 'savedFunctions' | 'network';

export interface RevivedObjectReport {
  path: string;
  className: string;
  how: RevivedHow;
}

export interface ReviveReport {
  fromConfig: number;
  fromSavedFunctions: number;
  fromPlugins: number;
  objects: RevivedObjectReport[];
  warnings: string[];
  compile: CompileResult;
  /** Input names as the Keras model (and its serving signature) calls them, in model input order. */
  inputNames: string[];
  /** Output names as Keras' serving signature keys them (output layer names, deduplicated), in model output order. */
  outputNames: string[];
  /** Each restored weight and the checkpoint key its value came from. */
  weights: { weight: tfl.LayerVariable; checkpointKey: string; variablePath: string; layerPath: string }[];
}

export interface ReviveOptions {
  customObjects?: Record<string, LayerClass>;
  /** Compile from training_config (default true). */
  compile?: boolean;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
  /** Revive layers that no class can rebuild from their saved call functions (default true). */
  useSavedFunctions?: boolean;
  /** Random source for random ops inside saved functions (seed it for reproducible runs). */
  random?: () => number;
  /** Called after weights are restored, for plugin layers that keep state outside weights (vocabularies). */
  afterRestore?: (layer: Layer, node: ObjectNode, graph: SavedModelGraph) => Promise<void> | void;
}

const GENERIC_NETWORKS = new Set(['Sequential', 'Functional', 'Model']);

/**
 * The TypeScript port of Keras' KerasObjectLoader: revive every Keras object of a SavedModel,
 * rebuild networks once their layers exist, restore weights through the object graph, finalize.
 */
export class KerasObjectLoader {
  private readonly revived = new Map<number, Layer>();
  private readonly reviving = new Set<number>();
  private readonly how = new Map<number, RevivedHow>();
  private readonly warnings: string[] = [];
  /** Layers whose weights come from the checkpoint (leaf layers revived from config). */
  private readonly weightOwners: { id: number; layer: Layer }[] = [];
  /**
   * Networks built on their own Input: Keras counts that construction as the layer's node 0, so
   * node indices in an outer config start at 1 for them (Keras' `_should_skip_first_node`).
   */
  private readonly builtWithInput = new Set<Layer>();

  /** One tfjs weight per object-graph variable that saved functions read (shared by every revived layer). */
  private readonly functionVariables = new Map<number, tfl.LayerVariable>();
  private readonly functionBindings: WeightBinding[] = [];
  private captures: Captures | null = null;
  private vocabularies = 0;

  constructor(
    private readonly graph: SavedModelGraph,
    private readonly ckpt: CheckpointLike,
    private readonly options: ReviveOptions = {},
  ) {}

  /** Captured inputs of saved functions: variables become this loader's weights, tables and constants are read once. */
  private getCaptures(): Captures {
    this.captures ??= new Captures(this.graph, {
      readVariable: (node) => this.functionVariable(node).read() as tf.Variable,
      checkpoint: this.ckpt as unknown as CheckpointSource,
    });
    return this.captures;
  }

  private functionVariable(node: ObjectNode): tfl.LayerVariable {
    let v = this.functionVariables.get(node.id);
    if (!v) {
      const info = node.variable!;
      const dtype = (info.dtype === 'float32' || info.dtype === 'bool' ? info.dtype : info.dtype.startsWith('float') ? 'float32' : 'int32') as tf.DataType;
      const shape = (info.shape ?? []).map((d) => Math.max(d, 0));
      // The shape comes from saved_model.pb; the checkpoint entry (index only, no data read) says
      // what is stored. Check them before allocating, so a shape claiming 10^12 elements allocates nothing.
      const entryOf = (this.ckpt as { entry?(key: string): { shape: number[] } | undefined }).entry?.bind(this.ckpt);
      const stored = info.checkpointKey ? entryOf?.(info.checkpointKey) : undefined;
      if (entryOf && !stored) {
        throw new FormatError(`variable ${node.path} has no value in the checkpoint`, { file: 'variables/variables.index', node: node.path });
      }
      if (stored && (stored.shape.length !== shape.length || stored.shape.some((d, i) => d !== shape[i]))) {
        throw new FormatError(`variable ${node.path} is declared [${shape.join(', ')}] but the checkpoint holds [${stored.shape.join(', ')}]`, {
          file: 'saved_model.pb',
          node: node.path,
        });
      }
      v = new tfl.LayerVariable(tf.zeros(shape, dtype), dtype, info.name || node.path, info.trainable);
      this.functionVariables.set(node.id, v);
      this.functionBindings.push({ weight: v, node, layerPath: node.path });
    }
    return v;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    (this.options.warn ?? ((m: string) => console.warn(`savedkeras: ${m}`)))(message);
  }

  async load(): Promise<{ model: tfl.LayersModel; report: ReviveReport }> {
    const root = this.graph.root;
    if (!root?.keras) {
      const hasKerasObjects = this.graph.nodes.some((n) => n.identifier?.startsWith('_tf_keras_'));
      throw new UnsupportedFeatureError(
        hasKerasObjects
          ? 'Unable to create a Keras model from this SavedModel: its Keras objects carry no Keras metadata (it was saved with tf.saved_model.save, not model.save)'
          : 'this SavedModel holds no Keras model',
        { file: 'saved_model.pb', node: 'root', hint: 'load it with loadSavedModel() to call its signatures' },
      );
    }
    if (root.keras.identifier === '_tf_keras_metric') {
      throw new UnsupportedFeatureError('the root object is a Keras metric, not a model', { node: 'root' });
    }
    const top = await this.reviveNode(0);
    const model = top instanceof tfl.LayersModel ? top : this.wrapLayer(top, root);

    // Weights: every leaf layer revived from its config takes its values through the object graph.
    const bindings: WeightBinding[] = [];
    for (const { id, layer } of this.weightOwners) {
      const { bindings: b, unused } = bindLayerWeights(this.graph, id, layer.weights);
      bindings.push(...b);
      for (const u of unused) {
        if (u.variable?.trainable) {
          this.warn(`${this.graph.node(id).path}: saved variable ${u.path} has no weight in the revived layer; its value is not used`);
        }
      }
    }
    bindings.push(...this.functionBindings);
    const total = bindings.length;
    await restoreWeights(bindings, this.ckpt, (done) =>
      this.options.onProgress?.({ stage: 'weights', loadedBytes: done, totalBytes: total, fraction: total ? done / total : 1 }),
    );
    for (const { id, layer } of this.weightOwners) {
      const node = this.graph.node(id);
      if (await restoreVocabulary(layer, node, this.graph, () => this.getCaptures())) {
        this.vocabularies++;
      }
      await this.options.afterRestore?.(layer, node, this.graph);
    }

    this.applyMetadata(model, root);
    const compile =
      this.options.compile === false
        ? { compiled: false }
        : compileFromTrainingConfig(model, root.keras.metadata['training_config'] as Json, (m) => this.warn(m));

    const objects: RevivedObjectReport[] = [];
    let fromConfig = 0;
    let fromSavedFunctions = 0;
    let fromPlugins = 0;
    for (const [id, how] of this.how) {
      const n = this.graph.node(id);
      objects.push({ path: n.path, className: n.keras?.className ?? '?', how });
      if (how === 'savedFunctions') fromSavedFunctions++;
      else if (how === 'plugin' || how === 'custom') fromPlugins++;
      else fromConfig++;
    }
    objects.sort((a, b) => a.path.localeCompare(b.path));
    const weights = bindings.map((b) => ({
      weight: b.weight,
      checkpointKey: b.node.variable!.checkpointKey!,
      variablePath: b.node.path,
      layerPath: b.layerPath,
    }));
    let { inputNames, outputNames } = kerasIoNames(model);
    if (this.how.get(0) === 'savedFunctions') ({ inputNames, outputNames } = this.signatureIoNames(model, inputNames, outputNames));
    return {
      model,
      report: { fromConfig, fromSavedFunctions, fromPlugins, objects, warnings: this.warnings, compile, weights, inputNames, outputNames },
    };
  }

  /** Revives one Keras node (memoized); networks first revive their layers. */
  private async reviveNode(id: number): Promise<Layer> {
    const done = this.revived.get(id);
    if (done) return done;
    const node = this.graph.node(id);
    if (this.reviving.has(id)) {
      throw new FormatError('the object graph refers back to a layer that is still being revived (a cycle)', { node: node.path });
    }
    this.reviving.add(id);
    try {
      const layer = await this.reviveUncached(node);
      this.revived.set(id, layer);
      return layer;
    } finally {
      this.reviving.delete(id);
    }
  }

  private async reviveUncached(node: ObjectNode): Promise<Layer> {
    const k = node.keras;
    if (!k) throw new FormatError('expected a Keras object here', { node: node.path });
    const className = k.className ?? '';
    const base = baseClassName(className);
    const isNetwork = k.identifier === '_tf_keras_network' || k.identifier === '_tf_keras_sequential' || k.identifier === '_tf_keras_model';
    const config = k.hasConfig ? (normalizeConfig(decodeJsonUtils(k.metadata['config'])) as JsonObject) : null;

    if (isNetwork && config && Array.isArray(config['layers'])) {
      // A registered class with the model's own name wins over the generic rebuild.
      const custom = resolveLayerClass(className, this.options.customObjects);
      if (!GENERIC_NETWORKS.has(base) && custom?.origin === 'user') return this.fromConfig(node, config, custom, 'custom');
      const snapshot = this.snapshot();
      try {
        const net =
          base === 'Sequential' || k.identifier === '_tf_keras_sequential' ? await this.sequential(node, config) : await this.functional(node, config);
        this.how.set(node.id, 'network');
        return net;
      } catch (e) {
        this.rollback(snapshot);
        // A network whose layers cannot all be rebuilt falls back to its own saved call function, as in Keras.
        // Only when the call was saved: a network that can run nothing should fail with the reason it could not be rebuilt.
        const viaFunctions = await this.fromSavedFunctions(node, true);
        if (!viaFunctions) throw e;
        this.warn(`${node.path}: ${className} could not be rebuilt from its config (${(e as Error).message.split('\n')[0]}); using its saved functions`);
        return viaFunctions;
      }
    }
    if (k.identifier === '_tf_keras_input_layer') {
      const cfg = (config ?? {}) as JsonObject;
      this.how.set(node.id, 'config');
      return tfl.layers.inputLayer(pythonicToTs(cfg) as never);
    }
    // A network config on an object not saved as a network (a corrupt or edited file) is not handed to
    // tfjs: it would build every inner layer with its initializers (an Orthogonal one on a 512x512
    // kernel runs for minutes) before any weight is checked. Such an object revives from its functions.
    const resolved = config && !GENERIC_NETWORKS.has(base) ? resolveLayerClass(className, this.options.customObjects) : undefined;
    if (resolved && config) {
      try {
        return this.fromConfig(node, config, resolved, resolved.origin === 'tfjs' ? 'config' : resolved.origin === 'plugin' ? 'plugin' : 'custom');
      } catch (e) {
        if (k.metadata['must_restore_from_config'] === true) throw e;
        this.warn(`${node.path}: ${className} could not be revived from its config (${(e as Error).message.split('\n')[0]}); using its saved functions`);
      }
    }
    const viaFunctions = await this.fromSavedFunctions(node);
    if (viaFunctions) return viaFunctions;
    if (k.metadata['must_restore_from_config'] === true) {
      throw new UnsupportedLayerError(
        `Unknown layer: '${className}'. This layer must be restored from its config (must_restore_from_config), and no class is registered for it`,
        { node: node.path, hint: `register a tfjs layer class: registerLayer('${className}', MyLayer), or pass { customObjects: { '${className}': MyLayer } }` },
      );
    }
    throw new UnsupportedLayerError(
      `Unable to restore object of class '${className}': ${config ? 'no class is registered for it' : 'it was saved without a config'} and its functions cannot be run here`,
      { node: node.path, hint: `register the class: registerLayer('${className}', MyLayer), or load with loadSavedModel() to use its signatures` },
    );
  }

  private fromConfig(node: ObjectNode, config: JsonObject, resolved: NonNullable<ReturnType<typeof resolveLayerClass>>, how: RevivedHow): Layer {
    const bad = badConfigInteger(config);
    if (bad) throw new FormatError(`layer config has ${bad}, not a usable integer`, { node: node.path, hint: 'the Keras config is corrupt' });
    const ts = pythonicToTs(config) as tf.serialization.ConfigDict;
    if (ts['name'] === undefined && typeof node.keras?.metadata['name'] === 'string') ts['name'] = node.keras.metadata['name'];
    const layer = resolved.fromConfig(resolved.ctor, ts) as unknown as Layer;
    if (!(layer instanceof tfl.layers.Layer)) {
      throw new UnsupportedLayerError(`class registered for '${node.keras?.className}' did not produce a tfjs Layer`, { node: node.path });
    }
    // Weights are overwritten from the checkpoint: skip the initializers (an Orthogonal one on a
    // 512x512 recurrent kernel alone takes minutes in plain JS).
    layer.setFastWeightInitDuringBuild(true);
    const cell = (layer as unknown as { cell?: Layer }).cell;
    cell?.setFastWeightInitDuringBuild?.(true);
    this.how.set(node.id, how);
    if (!(layer instanceof tfl.LayersModel)) this.weightOwners.push({ id: node.id, layer });
    return layer;
  }

  /**
   * A model revived from its call function has no Keras layer names for its inputs and outputs:
   * use the serving signature's (whose outputs, keyed in sorted order, are in call output order).
   */
  private signatureIoNames(model: tfl.LayersModel, inputNames: string[], outputNames: string[]): { inputNames: string[]; outputNames: string[] } {
    const sig = this.graph.signatures.find((s) => s.name === 'serving_default') ?? this.graph.signatures[0];
    if (!sig) return { inputNames, outputNames };
    const sigInputs = sig.inputs.map((i) => i.name);
    const ins =
      inputNames.every((n) => sigInputs.includes(n)) ? inputNames : sigInputs.length === model.inputs.length ? sigInputs : inputNames;
    const outs = sig.outputs.length === model.outputs.length ? sig.outputs.map((o) => o.name) : outputNames;
    return { inputNames: ins, outputNames: outs };
  }

  /** Keras Sequential: its `layer-N` children, with an input from the first config entry or inferred from a call trace. */
  /** What a failed network rebuild must undo before falling back to the network's saved functions. */
  private snapshot(): { revived: Set<number>; how: Set<number>; owners: number } {
    return { revived: new Set(this.revived.keys()), how: new Set(this.how.keys()), owners: this.weightOwners.length };
  }

  private rollback(s: { revived: Set<number>; how: Set<number>; owners: number }): void {
    for (const id of [...this.revived.keys()]) if (!s.revived.has(id)) this.revived.delete(id);
    for (const id of [...this.how.keys()]) if (!s.how.has(id)) this.how.delete(id);
    this.weightOwners.length = s.owners;
  }

  /**
   * A layer or model revived from its saved call function (Keras' RevivedLayer / RevivedNetwork).
   * Layers flagged must_restore_from_config have none; a layer whose call was never traced still
   * revives and fails when called, as in Keras.
   */
  private async fromSavedFunctions(node: ObjectNode, requireCall = false): Promise<Layer | undefined> {
    if (this.options.useSavedFunctions === false) return undefined;
    const k = node.keras!;
    if (k.metadata['must_restore_from_config'] === true) return undefined;
    const fnId =
      this.graph.childId(node.id, ['call_and_return_conditional_losses']) ??
      this.graph.childId(node.id, ['keras_api', 'call_and_return_conditional_losses']) ??
      this.graph.childId(node.id, ['call_and_return_all_conditional_losses']);
    const fnNode = fnId === undefined ? undefined : this.graph.node(fnId);
    let call: SavedFunction | null = null;
    if (fnNode && fnNode.concreteFunctions.length > 0) {
      call = await SavedFunction.load(this.graph, fnNode.id, this.getCaptures(), { random: this.options.random });
    }
    if (!call && requireCall) return undefined;
    const weights = new Set<tfl.LayerVariable>();
    for (const f of call?.functions ?? []) {
      for (const id of f.info.boundInputs) {
        const v = this.functionVariables.get(id);
        if (v) weights.add(v);
      }
    }
    const name = typeof k.metadata['name'] === 'string' ? (k.metadata['name'] as string) : node.path;
    const layer = new RevivedLayer({
      name,
      kerasClassName: k.className ?? 'Layer',
      trainable: k.metadata['trainable'] !== false,
      call,
      weights: [...weights],
      path: node.path,
    });
    this.how.set(node.id, 'savedFunctions');
    if (call === null) this.warn(`${node.path}: the call function of ${k.className} was not saved; calling it will fail`);
    return layer;
  }

  private async sequential(node: ObjectNode, config: JsonObject): Promise<tfl.Sequential> {
    // TF 2.1 lists the InputLayer among the layer-N children; its config entry gives the input below.
    const layerIds = this.graph.layerIds(node.id).filter((id) => this.graph.node(id).keras?.identifier !== '_tf_keras_input_layer');
    const layers: Layer[] = [];
    for (const id of layerIds) layers.push(await this.reviveNode(id));
    const entries = (config['layers'] as Json[]).filter(isObject);
    const first = entries[0];
    const firstCfg = first && isObject(first['config']) ? (first['config'] as JsonObject) : {};
    let batchShape: Json = firstCfg['batch_input_shape'] ?? null;
    let dtype: Json = firstCfg['dtype'] ?? 'float32';
    // Keras names a Sequential's implicit input `<first layer>_input`.
    const inputChild = this.graph.layerIds(node.id).map((id) => this.graph.node(id)).find((n) => n.keras?.identifier === '_tf_keras_input_layer');
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
    const firstLayerShape = layerIds.length > 0 ? decodeJsonUtils(this.graph.node(layerIds[0]).keras?.metadata['build_input_shape']) : null;
    for (const known of [decodeJsonUtils(node.keras!.metadata['build_input_shape']), firstLayerShape]) {
      if (Array.isArray(batchShape) && Array.isArray(known) && known.length === batchShape.length) {
        batchShape = batchShape.map((d, i) => (d === null && typeof known[i] === 'number' && i > 0 ? known[i] : d));
      }
    }
    if (!Array.isArray(batchShape)) {
      const md = node.keras!.metadata;
      const bis = decodeJsonUtils(md['build_input_shape']);
      if (Array.isArray(bis)) batchShape = bis;
      else if (Array.isArray(firstLayerShape)) batchShape = firstLayerShape;
      else {
        const inferred = this.inferInputSpec(node.id) ?? (layerIds.length > 0 ? this.inferInputSpec(layerIds[0]) : undefined);
        if (inferred) {
          batchShape = inferred.shape;
          dtype = inferred.dtype;
        }
      }
    }
    const model = tfl.sequential({ name: typeof config['name'] === 'string' ? config['name'] : node.keras!.metadata['name'] as string });
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
  private async functional(node: ObjectNode, config: JsonObject): Promise<tfl.LayersModel> {
    const byName = new Map<string, Layer>();
    for (const id of this.graph.layerIds(node.id)) {
      const n = this.graph.node(id);
      const name = (n.keras?.metadata['name'] as string | undefined) ?? '';
      if (n.keras?.identifier === '_tf_keras_input_layer') continue; // inputs are made below from their config
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
    // Call layers as their inputs become available (Keras processes nodes in this same fixed-point loop).
    let progress = true;
    while (progress) {
      progress = false;
      for (const p of pending) {
        while (p.calls.length > 0) {
          const resolved = this.resolveCall(p.calls[0], outputs);
          if (!resolved) break;
          p.calls.shift();
          const out = p.layer.apply(resolved.inputs.length === 1 ? resolved.inputs[0] : resolved.inputs, resolved.kwargs) as
            | SymbolicTensor
            | SymbolicTensor[];
          const list = outputs.get(p.name) ?? [];
          list.push(Array.isArray(out) ? out : [out]);
          outputs.set(p.name, list);
          progress = true;
        }
      }
    }
    const stuck = pending.filter((p) => p.calls.length > 0).map((p) => p.name);
    if (stuck.length > 0) {
      throw new FormatError(
        `Error loading model(s) in the SavedModel format. The following layers could not be connected: ${stuck.join(', ')}`,
        { node: node.path },
      );
    }
    const pick = (refs: Json, what: string): SymbolicTensor[] => {
      const list = Array.isArray(refs) && typeof refs[0] === 'string' ? [refs] : Array.isArray(refs) ? refs : [];
      return list.map((r) => {
        const [name, ni, ti] = r as [string, number, number];
        const t = outputs.get(name)?.[ni ?? 0]?.[ti ?? 0];
        if (!t) throw new FormatError(`model ${what} ${JSON.stringify(r)} names no layer output`, { node: node.path });
        return t;
      });
    };
    const inputs = pick(config['input_layers'] ?? null, 'input');
    const outs = pick(config['output_layers'] ?? null, 'output');
    const model = tfl.model({ inputs, outputs: outs, name: (config['name'] as string) ?? undefined });
    this.builtWithInput.add(model);
    return model;
  }

  /**
   * One inbound node: `[[name, node_index, tensor_index, kwargs], ...]`, or a single entry (TFOpLambda
   * calls). Returns undefined until every input exists.
   */
  private resolveCall(
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
  private wrapLayer(layer: Layer, node: ObjectNode): tfl.LayersModel {
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
    return tfl.model({ inputs, outputs: out, name: layer.name });
  }

  /** trainable (and the layers' own trainable flags) as saved. */
  private applyMetadata(model: tfl.LayersModel, root: ObjectNode): void {
    for (const [id, layer] of this.revived) {
      const t = this.graph.node(id).keras?.metadata['trainable'];
      if (typeof t === 'boolean' && layer.trainable !== t) layer.trainable = t;
    }
    const t = root.keras?.metadata['trainable'];
    if (typeof t === 'boolean') model.trainable = t;
  }
}

/**
 * The names Keras gives a model's inputs (its InputLayer names) and outputs (the output layers'
 * names, `_1`, `_2`, ... appended to repeats), which are also the serving signature's keys.
 */
export function kerasIoNames(model: tfl.LayersModel): { inputNames: string[]; outputNames: string[] } {
  const inputNames = model.inputs.map((t) => t.sourceLayer.name);
  const seen = new Map<string, number>();
  const outputNames = model.outputs.map((t) => {
    const base = t.sourceLayer.name;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
  return { inputNames, outputNames };
}

export async function reviveKerasModel(
  graph: SavedModelGraph,
  ckpt: CheckpointLike,
  options: ReviveOptions = {},
): Promise<{ model: tfl.LayersModel; report: ReviveReport }> {
  try {
    return await new KerasObjectLoader(graph, ckpt, options).load();
  } catch (e) {
    if (e instanceof SavedKerasError) throw e;
    // tfjs-layers throws its own ValueError/RuntimeError (or tfjs-core a plain Error) on configs it
    // rejects: those are the saved model's fault. Anything else is a bug here and must stay visible.
    if (!thrownByTfjs(e)) throw e;
    throw new UnsupportedLayerError(`tfjs-layers rejected the saved model: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

const TFJS_LAYERS_ERRORS = /^(Value|Runtime|Attribute|NotImplemented|Assertion|Index)Error\d*$/;

/** An error tfjs raised itself: one of tfjs-layers' error classes, or thrown from inside a tfjs package. */
function thrownByTfjs(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (TFJS_LAYERS_ERRORS.test(e.constructor.name)) return true;
  const firstFrame = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l)) ?? '';
  return /tfjs-(layers|core|backend)/.test(firstFrame);
}
