import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_LIMITS, FormatError, UnsupportedFeatureError, UnsupportedLayerError, type ProgressCallback } from '@savedkeras/common';
import { Captures, disposeLibraryOf, SavedFunction } from '@savedkeras/graph';
import type { Checkpoint } from '@savedkeras/proto';
import { KerasMetadataNeeded, type ObjectNode, type SavedModelGraph } from '@savedkeras/object-graph';
import { RevivedLayer, savedCallFunctionId } from './revived-layer.js';
import { withCustomObjects, type CustomObjects } from '@savedkeras/layers';
import { hasVocabulary, restoreVocabulary } from './vocabulary.js';
import { resolveLayerClass } from './class-registry.js';
import { compileFromTrainingConfig } from './compile.js';
import { restoreOptimizerState } from './optimizer-state.js';
import { badConfigInteger, baseClassName, collectReducedPrecisionLayers, decodeAndNormalize, decodeAndNormalizeNetwork, metadataBuiltinClassName, pythonicToTs, reducedPrecisionWarning, isObject, type Json, type JsonObject } from './keras-config.js';
import { layerVariableNodes } from './weights.js';
import { FunctionVariables, restoreRevivedWeights } from './model-weights.js';
import { isInputLayer, isNetworkIdentifier, NetworkBuilder } from './networks.js';
import { kerasIoNames, revivedObjects, signatureIoNames, type ReviveReport, type RevivedHow } from './revive-report.js';
import { reviveError } from './tfjs-errors.js';
import { checkLayerOutputSizes, interceptWeights, UNSAVED_WEIGHT_ELEMENTS } from './layer-bounds.js';

type Layer = tfl.layers.Layer;

export interface ReviveOptions {
  /**
   * Keras' `custom_objects`: layers, losses, metrics, activations, regularizers, initializers and
   * constraints by the name the saved config uses (`'MyDense'` or `'my_package>MyDense'`).
   */
  customObjects?: CustomObjects;
  /** Compile from training_config (default true). */
  compile?: boolean;
  /**
   * Restore the optimizer's saved state (iteration count, hyper-parameter variables and slot
   * variables such as Adam's m and v) so that fit() resumes where Keras stopped (default false:
   * the slots are often larger than the weights and are not read; the model is still compiled
   * with a fresh optimizer).
   */
  loadOptimizerState?: boolean;
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
 * This file decides how each object is revived (network, registered class, saved functions);
 * networks.ts rebuilds networks, model-weights.ts restores weights, revive-report.ts builds the
 * report and tfjs-errors.ts maps tfjs' own errors.
 */
export class KerasObjectLoader {
  private readonly revived = new Map<number, Layer>();
  private readonly reviving = new Set<number>();
  private readonly how = new Map<number, RevivedHow>();
  private readonly warnings: string[] = [];
  /** Layers whose weights come from the checkpoint (leaf layers revived from config). */
  private readonly weightOwners: { id: number; layer: Layer }[] = [];
  private readonly functionVariables: FunctionVariables;
  private readonly networks: NetworkBuilder;
  private captures: Captures | null = null;
  /** Some layer runs its saved functions (whose cached graph constants the model's dispose frees). */
  private usedFunctions = false;
  private vocabularies = 0;
  /** Every weight layers revived from config created (disposed if the load fails or a rebuild is rolled back). */
  private readonly createdWeights: tfl.LayerVariable[] = [];
  /** Layer configs of network configs already searched for builtin class names (metadataBuiltinClassName). */
  private readonly searchedConfigs = new Set<object>();
  /** Layers Keras computes in float16 / bfloat16 (dtype policy name -> layer names): one load warning. */
  private readonly reducedPrecision = new Map<string, Set<string>>();

  constructor(
    private readonly graph: SavedModelGraph,
    private readonly ckpt: Checkpoint,
    private readonly options: ReviveOptions = {},
  ) {
    this.functionVariables = new FunctionVariables(ckpt);
    this.networks = new NetworkBuilder(graph, (id) => this.reviveNode(id));
  }

  /** Captured inputs of saved functions: variables become this loader's weights, tables and constants are read once. */
  private getCaptures(): Captures {
    this.graph.requireSavedModel('captured tables and constants');
    this.captures ??= new Captures(this.graph, {
      readVariable: (node) => this.functionVariables.get(node).read() as tf.Variable,
      checkpoint: this.ckpt,
    });
    return this.captures;
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
    const model = top instanceof tfl.LayersModel ? top : this.networks.wrapLayer(top, root);

    // A graph made from checkpoint key names finds its layers' weights now that they exist (else a no-op).
    this.graph.bindWeightsByKeys(this.weightOwners);
    const bindings = await restoreRevivedWeights(
      this.graph,
      this.ckpt,
      this.weightOwners,
      this.functionVariables,
      (m) => this.warn(m),
      this.options.onProgress,
    );
    const afterRestore = this.options.afterRestore;
    for (const { id, layer } of this.weightOwners) {
      // Only lookup layers have a vocabulary to restore: no await per layer for the others.
      if (!hasVocabulary(layer) && !afterRestore) continue;
      const node = this.graph.node(id);
      if (await restoreVocabulary(layer, node, this.graph, () => this.getCaptures())) {
        this.vocabularies++;
      }
      await afterRestore?.(layer, node, this.graph);
    }

    this.applyMetadata(model, root);
    const precision = reducedPrecisionWarning(this.reducedPrecision);
    if (precision) this.warn(precision);
    const compile =
      this.options.compile === false
        ? { compiled: false }
        : compileFromTrainingConfig(model, root.keras.metadata['training_config'] as Json, (m) => this.warn(m), this.options.customObjects);
    if (compile.optimizerInstance && this.options.loadOptimizerState) {
      const byNode = new Map(bindings.map((b) => [b.node.id, b.weight]));
      const state = await restoreOptimizerState(this.graph, this.ckpt, compile.optimizerInstance, byNode, model.trainableWeights, (m) => this.warn(m));
      if (state) compile.optimizerState = state;
    }

    const { fromConfig, fromSavedFunctions, fromPlugins, objects } = revivedObjects(this.graph, this.how);
    const weights = bindings.map((b) => ({
      weight: b.weight,
      checkpointKey: b.node.variable!.checkpointKey!,
      variablePath: b.node.path,
      layerPath: b.layerPath,
    }));
    let { inputNames, outputNames } = kerasIoNames(model);
    if (this.how.get(0) === 'savedFunctions') ({ inputNames, outputNames } = signatureIoNames(this.graph, model, inputNames, outputNames));
    this.releaseWithModel(model);
    const route = this.graph.objectGraphFrom === 'checkpoint' ? 'checkpoint' : 'savedModel';
    return {
      model,
      report: { route, fromConfig, fromSavedFunctions, fromPlugins, objects, warnings: this.warnings, compile, weights, inputNames, outputNames },
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
    const builtin = metadataBuiltinClassName(k.metadata, this.searchedConfigs);
    if (builtin !== undefined) {
      throw new UnsupportedLayerError(`Unknown layer class '${builtin}': the name of a JavaScript builtin, which no Keras class has`, {
        file: 'keras_metadata.pb',
        node: node.path,
        hint: 'the Keras metadata is corrupt or was edited',
      });
    }
    const base = baseClassName(className);
    const isNetwork = isNetworkIdentifier(k.identifier);
    // A network's config repeats every layer's config, which the layers' own nodes carry: those copies are normalized only if read.
    const config = k.hasConfig ? ((isNetwork ? decodeAndNormalizeNetwork : decodeAndNormalize)(k.metadata['config']) as JsonObject) : null;
    const raw = k.hasConfig ? k.metadata['config'] : undefined;
    // A network's own dtype only: its layers are nodes of their own, checked when revived.
    if (isObject(raw)) collectReducedPrecisionLayers(isNetwork ? { config: { name: raw['name'] ?? node.path, dtype: raw['dtype'] ?? null } } : { class_name: className, config: raw }, this.reducedPrecision);

    if (isNetwork && config && Array.isArray(config['layers'])) {
      // A registered class with the model's own name wins over the generic rebuild.
      const custom = resolveLayerClass(className, this.options.customObjects);
      if (!GENERIC_NETWORKS.has(base) && custom?.origin === 'user') return this.fromConfig(node, config, custom, 'custom');
      const snapshot = this.snapshot();
      try {
        const net =
          base === 'Sequential' || k.identifier === '_tf_keras_sequential' ? await this.networks.sequential(node, config) : await this.networks.functional(node, config);
        this.how.set(node.id, 'network');
        return net;
      } catch (e) {
        this.rollback(snapshot);
        // Not a failed rebuild: a layer's own Keras metadata is needed (the load reads it and starts over).
        if (e instanceof KerasMetadataNeeded) throw e;
        // A network whose layers cannot all be rebuilt falls back to its own saved call function, as in Keras.
        // Only when the call was saved: a network that can run nothing should fail with the reason it could not be rebuilt.
        const viaFunctions = await this.fromSavedFunctions(node, true);
        if (!viaFunctions) throw e;
        this.warn(`${node.path}: ${className} could not be rebuilt from its config (${(e as Error).message.split('\n')[0]}); using its saved functions`);
        return viaFunctions;
      }
    }
    if (isInputLayer(node, this.graph)) {
      const cfg = (config ?? {}) as JsonObject;
      this.how.set(node.id, 'config');
      return tfl.layers.inputLayer(pythonicToTs(cfg) as never);
    }
    // A network config on an object not saved as a network (a corrupt or edited file) is not handed to
    // tfjs: it would build every inner layer with its initializers (an Orthogonal one on a 512x512
    // kernel runs for minutes) before any weight is checked. Such an object revives from its functions.
    // An InputLayer that reaches here holds variables (isInputLayer said no): its class name is a lie, never its config's.
    const resolved = config && !GENERIC_NETWORKS.has(base) && className !== 'InputLayer' ? resolveLayerClass(className, this.options.customObjects) : undefined;
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
    // A layer's batch_input_shape only gives a Sequential its input, which the network rebuild reads
    // from the config itself. Kept on the layer, tfjs warns on every call with another rank (TF 2.4
    // Normalization/IntegerLookup configs say [None] for [None, 1] inputs), where Keras ignores it.
    if (!Array.isArray(config['layers'])) {
      delete ts['batchInputShape'];
      delete ts['batch_input_shape'];
    }
    const layer = resolved.fromConfig(resolved.ctor, ts) as unknown as Layer;
    if (!(layer instanceof tfl.layers.Layer)) {
      throw new UnsupportedLayerError(`class registered for '${node.keras?.className}' did not produce a tfjs Layer`, { node: node.path });
    }
    // Weights are overwritten from the checkpoint: skip the initializers (an Orthogonal one on a
    // 512x512 recurrent kernel alone takes minutes in plain JS).
    layer.setFastWeightInitDuringBuild(true);
    const cell = (layer as unknown as { cell?: Layer }).cell;
    cell?.setFastWeightInitDuringBuild?.(true);
    this.guardWeights(node, layer);
    this.how.set(node.id, how);
    if (!(layer instanceof tfl.LayersModel)) this.weightOwners.push({ id: node.id, layer });
    return layer;
  }

  /**
   * Validate, then allocate: the weights tfjs creates while building a layer revived from its
   * config are checked against the checkpoint before their memory exists. A config that asks for
   * a weight larger than every value the checkpoint holds for the layer (a Dense of 10^8 units
   * whose saved kernel is 20x10) would allocate gigabytes only to be refused at restore. Every
   * weight made is recorded so that a failed load frees it.
   */
  private guardWeights(node: ObjectNode, layer: Layer): void {
    // The largest saved value is looked up only for a weight above UNSAVED_WEIGHT_ELEMENTS, which any weight
    // may have: a load of small weights decodes no checkpoint entry here (on the key route, that would be
    // every entry of the index, optimizer slots included).
    let largest: number | undefined;
    const largestSaved = (): number => {
      if (largest !== undefined) return largest;
      let most = 0;
      for (const v of layerVariableNodes(this.graph, node.id)) {
        const e = v.variable?.checkpointKey ? this.ckpt.entry(v.variable.checkpointKey) : undefined;
        if (e) most = Math.max(most, e.shape.reduce((a, b) => a * b, 1));
      }
      // Weights found by checkpoint key names are known only after the build: bound by the largest saved value.
      largest = this.graph.largestCheckpointValue() ?? most;
      return largest;
    };
    interceptWeights(
      layer,
      (name, shape, n) => {
        if (!(n <= UNSAVED_WEIGHT_ELEMENTS) && !(n <= largestSaved())) {
          throw new FormatError(
            `weight ${name} of shape [${shape.join(', ')}] (${n} elements) is larger than any value the checkpoint holds for this layer (${largestSaved()} elements)`,
            { file: 'keras_metadata.pb', node: node.path, hint: 'the layer config does not match its saved weights (a corrupt or edited config)' },
          );
        }
      },
      (w) => this.createdWeights.push(w),
    );
  }

  /** Frees everything this loader allocated (a failed load). */
  disposeAll(): void {
    for (const w of [...this.createdWeights, ...this.functionVariables.all()]) disposeWeight(w);
    this.createdWeights.length = 0;
    this.releaseFunctions();
  }

  /** The captured constants and the cached graph constants that saved functions hold (not layer weights). */
  private releaseFunctions(): void {
    this.captures?.dispose();
    disposeLibraryOf(this.graph);
  }

  /**
   * model.dispose() frees the layers' weights (tfjs-layers), but not what the saved functions of
   * layers revived from them hold: their captured constants and the graph's cached constants.
   * The model's own dispose() is extended to free those too.
   */
  private releaseWithModel(model: tfl.LayersModel): void {
    if (this.captures === null && !this.usedFunctions) return;
    const dispose = model.dispose.bind(model);
    model.dispose = () => {
      const result = dispose();
      this.releaseFunctions();
      return result;
    };
  }

  /** What a failed network rebuild must undo before falling back to the network's saved functions. */
  private snapshot(): { revived: Set<number>; how: Set<number>; owners: number; weights: number } {
    return { revived: new Set(this.revived.keys()), how: new Set(this.how.keys()), owners: this.weightOwners.length, weights: this.createdWeights.length };
  }

  private rollback(s: { revived: Set<number>; how: Set<number>; owners: number; weights: number }): void {
    for (const id of [...this.revived.keys()]) if (!s.revived.has(id)) this.revived.delete(id);
    for (const id of [...this.how.keys()]) if (!s.how.has(id)) this.how.delete(id);
    this.weightOwners.length = s.owners;
    for (const w of this.createdWeights.splice(s.weights)) disposeWeight(w);
  }

  /**
   * A layer or model revived from its saved call function (Keras' RevivedLayer / RevivedNetwork).
   * Layers flagged must_restore_from_config have none; a layer whose call was never traced still
   * revives and fails when called, as in Keras.
   */
  private async fromSavedFunctions(node: ObjectNode, requireCall = false): Promise<Layer | undefined> {
    if (this.options.useSavedFunctions === false) return undefined;
    this.graph.requireSavedModel(`${node.path} (${node.keras?.className}): saved functions`);
    const k = node.keras!;
    if (k.metadata['must_restore_from_config'] === true) return undefined;
    const fnId = savedCallFunctionId(this.graph, node.id);
    const fnNode = fnId === undefined ? undefined : this.graph.node(fnId);
    let call: SavedFunction | null = null;
    if (fnNode && fnNode.concreteFunctions.length > 0) {
      call = await SavedFunction.load(this.graph, fnNode.id, this.getCaptures(), { random: this.options.random });
      this.usedFunctions = true;
    }
    if (!call && requireCall) return undefined;
    const weights = new Set<tfl.LayerVariable>();
    for (const f of call?.functions ?? []) {
      for (const id of f.info.boundInputs) {
        const v = this.functionVariables.find(id);
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

export async function reviveKerasModel(
  graph: SavedModelGraph,
  ckpt: Checkpoint,
  options: ReviveOptions = {},
): Promise<{ model: tfl.LayersModel; report: ReviveReport }> {
  const loader = new KerasObjectLoader(graph, ckpt, options);
  try {
    // Keras' CustomObjectScope: tfjs' own nested deserialization sees the custom objects too.
    const revived = await withCustomObjects(options.customObjects, () => loader.load());
    checkLayerOutputSizes(revived.model, DEFAULT_LIMITS.maxComputedTensorElements, 'keras_metadata.pb');
    return revived;
  } catch (e) {
    loader.disposeAll();
    throw reviveError(e, undefined, () => graph.nodes.map((n) => n.keras?.metadata));
  }
}


function disposeWeight(w: tfl.LayerVariable): void {
  try {
    w.dispose();
  } catch {
    // already disposed (LayerVariable offers no isDisposed)
  }
}
