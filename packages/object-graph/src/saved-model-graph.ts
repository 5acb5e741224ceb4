import {
  FormatError,
  LimitError,
  MissingFileError,
  own,
  resolveLimits,
  SavedKerasError,
  type Limits,
  type ModelSource,
} from '@savedkeras/common';
import {
  decodeFingerprint,
  decodeGraphDef,
  decodeSavedMetadata,
  decodeSavedModel,
  dtypeName,
  readKerasMetadataHead,
  readSavedModelParts,
  readSavedModelRootObject,
  type ByteRange,
  type FingerprintDef,
  type FunctionDef,
  type MetaGraphDef,
  type SavedObject,
  type SavedObjectGraph,
  type TrackableObjectGraph,
} from '@savedkeras/proto';
import { parseKerasJson } from './keras-json.js';
import { keyedWeights, KeyRouteRefused, keyRouteNode, type KeyedEntries, type KeyedLayer, type TreeNetwork } from './checkpoint-keys.js';
import { decodeStructure, shapeOf, tensorLeaves, type Structure, type TensorSpec } from './structure.js';

export const SAVED_MODEL_FILE = 'saved_model.pb';
export const KERAS_METADATA_FILE = 'keras_metadata.pb';
export const FINGERPRINT_FILE = 'fingerprint.pb';

/** Keras object identifiers (KERAS_OBJECT_IDENTIFIERS). */
export const KERAS_IDENTIFIERS = new Set([
  '_tf_keras_layer',
  '_tf_keras_input_layer',
  '_tf_keras_network',
  '_tf_keras_model',
  '_tf_keras_sequential',
  '_tf_keras_metric',
  '_tf_keras_rnn_layer',
]);

export type NodeKind =
  | 'userObject' | 'asset' | 'function' | 'variable' | 'bareConcreteFunction' | 'constant' | 'resource' | 'capturedTensor' | 'none';

export interface ChildRef {
  name: string;
  id: number;
}

export interface KerasInfo {
  identifier: string;
  /** Decoded metadata JSON (layer/model/metric keys, §7 of the format reference). */
  metadata: Record<string, unknown>;
  className: string | null;
  /** The saved config is a real config (not absent, not the "saved without config" placeholder). */
  hasConfig: boolean;
  /** node_path as Keras recorded it. */
  nodePath: string;
  versionProducer: number;
}

export interface VariableInfo {
  name: string;
  dtype: string;
  shape: number[] | null;
  trainable: boolean;
  /** Key in the TensorBundle, from the checkpoint's own object graph (never constructed). */
  checkpointKey: string | null;
  /**
   * `dtype` and `shape` are the checkpoint's own (SavedModelGraph.fromCheckpoint), not declared by
   * saved_model.pb: whoever restores the variable checks the stored dtype against what it makes of it.
   */
  fromCheckpoint?: true;
}

export interface ObjectNode {
  id: number;
  /** Path by the Python loader's rule (`_generate_object_paths`, depth-first): Keras metadata node_paths agree with it. */
  path: string;
  /**
   * Path by breadth-first first discovery, the rule TensorFlow uses for checkpoint keys:
   * `root.layer_with_weights-0.kernel` goes with `layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`
   * (where `path` may say `root.trainable_variables.0`). Slot variables, reached by no child edge, have none.
   */
  checkpointPath: string | null;
  kind: NodeKind;
  children: ChildRef[];
  /** SavedUserObject.identifier for user objects. */
  identifier: string | null;
  keras: KerasInfo | null;
  variable: VariableInfo | null;
  /** Concrete function names for `function` nodes, the one name for bare concrete functions. */
  concreteFunctions: string[];
  proto: SavedObject;
}

export interface ConcreteFunctionInfo {
  name: string;
  /** `(args, kwargs)` as TensorFlow canonicalized it. */
  inputSignature: Structure;
  outputSignature: Structure;
  /** Object-graph node ids bound to the function's last inputs (variables, constants, resources). */
  boundInputs: number[];
}

export interface TensorDescription {
  name: string;
  dtype: string;
  shape: number[] | null;
}

export interface SignatureInfo {
  name: string;
  /** Concrete function that implements it (from the signature map), when the object graph has one. */
  functionName: string | null;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  methodName: string;
}

export interface LoadGraphOptions {
  limits?: Partial<Limits>;
  /** Checkpoint object graph, when the caller has already read variables.index. */
  checkpointGraph?: TrackableObjectGraph | null;
  /**
   * The meta graph to read, by its tag set (as `saved_model_cli --tag_set serve,gpu`, TF's
   * `tf.saved_model.load(path, tags=...)`): the one whose tags are exactly these. Default: the
   * one tagged `serve`, else the first.
   */
  tags?: readonly string[];
  /**
   * When saved_model.pb's GraphDef (the main graph and the function library of every saved
   * function, usually most of the file) is read. 'atLoad' (default): the whole file is read.
   * 'onDemand': the other parts are read by byte ranges and the GraphDef is fetched by
   * `loadFunctionLibrary()`, which code that runs saved functions must await first (reviving a
   * Keras model from its configs never needs it).
   */
  functionLibrary?: 'atLoad' | 'onDemand';
}

/**
 * One resolved view of a SavedModel: its object graph with paths, Keras metadata, variables and
 * their checkpoint keys, concrete functions with decoded signatures, and the serving signatures.
 */
export class SavedModelGraph {
  readonly nodes: ObjectNode[];
  readonly tensorflowVersion: string;
  readonly kerasVersion: string | null;
  readonly kerasMetadataSource: 'keras_metadata.pb' | 'object-graph' | null;
  /**
   * Only the root's Keras metadata was read (fromCheckpoint with kerasMetadata 'root': keras_metadata.pb's
   * first node, or saved_model.pb's root object for TF <= 2.4); each layer's is its entry in the model config.
   */
  readonly layerMetadataFromModelConfig: boolean;
  /** While on (layerMetadataFromModelConfig), reading a field only a layer's own node holds throws KerasMetadataNeeded. */
  private readonly reviving: { on: boolean };
  /**
   * The load revived the model from these metadata: from now on a field only a layer's own node would
   * hold reads undefined (the page and `check` plan inputs from the graph after the load).
   */
  doneReviving(): void {
    this.reviving.on = false;
  }
  /**
   * Made by fromCheckpointKeys: the checkpoint's object graph was not read; the layers' weights are found by
   * their checkpoint key names (bindWeightsByKeys) once the layers are revived. Null on every other graph.
   */
  private readonly keyRoute: KeyRoute | null;
  /** The weights of this graph's layers were found by checkpoint key names alone (fromCheckpointKeys). */
  get weightsByKeyNames(): boolean {
    return this.keyRoute !== null;
  }
  readonly signatures: SignatureInfo[];
  readonly fingerprint: FingerprintDef | null;
  /** The tag set of every meta graph in saved_model.pb, in file order (this graph is one of them). */
  readonly metaGraphTags: string[][];
  /**
   * Where the nodes come from: saved_model.pb's SavedObjectGraph, or (fromCheckpoint) the checkpoint's own
   * TrackableObjectGraph plus keras_metadata.pb, without saved_model.pb: no functions, no signatures.
   */
  readonly objectGraphFrom: 'saved_model.pb' | 'checkpoint';
  private readonly fnInfo = new Map<string, ConcreteFunctionInfo>();
  private functionDefs: Map<string, FunctionDef> | null = null;
  /** Where the unread GraphDef lies (functionLibrary: 'onDemand'), until loadFunctionLibrary() fetched it. */
  private pendingGraphDef: { source: ModelSource; range: ByteRange; loading?: Promise<void> } | null = null;
  /** The byte ranges of saved_model.pb read so far (functionLibrary: 'onDemand'; empty after a whole-file read). */
  readonly savedModelReads: ByteRange[] = [];

  private constructor(
    readonly metaGraph: MetaGraphDef,
    readonly objectGraph: SavedObjectGraph | null,
    init: {
      nodes: ObjectNode[];
      kerasVersion: string | null;
      kerasMetadataSource: SavedModelGraph['kerasMetadataSource'];
      fingerprint: FingerprintDef | null;
      metaGraphTags: string[][];
      objectGraphFrom: SavedModelGraph['objectGraphFrom'];
      layerMetadataFromModelConfig?: boolean;
      reviving?: { on: boolean };
      keyRoute?: KeyRoute;
    },
  ) {
    this.keyRoute = init.keyRoute ?? null;
    this.layerMetadataFromModelConfig = init.layerMetadataFromModelConfig ?? false;
    this.reviving = init.reviving ?? { on: false };
    this.objectGraphFrom = init.objectGraphFrom;
    this.nodes = init.nodes;
    this.metaGraphTags = init.metaGraphTags;
    this.kerasVersion = init.kerasVersion;
    this.kerasMetadataSource = init.kerasMetadataSource;
    this.fingerprint = init.fingerprint;
    this.tensorflowVersion = metaGraph.metaInfoDef?.tensorflowVersion ?? '';
    this.signatures = this.resolveSignatures();
  }

  /** Reads and resolves saved_model.pb (+ keras_metadata.pb, fingerprint.pb) from `source`. */
  static async load(source: ModelSource, options: LoadGraphOptions = {}): Promise<SavedModelGraph> {
    const limits = resolveLimits(options.limits);
    const pbSize = await source.size(SAVED_MODEL_FILE);
    if (pbSize === undefined) {
      const hasText = (await source.size('saved_model.pbtxt')) !== undefined;
      throw new MissingFileError(`no ${SAVED_MODEL_FILE} in ${source.description}`, {
        file: SAVED_MODEL_FILE,
        hint: hasText
          ? 'this export is in text form (saved_model.pbtxt), which savedkeras does not read; re-save it in binary form'
          : 'point at the folder that model.save() / tf.saved_model.save() wrote (it holds saved_model.pb and variables/)',
      });
    }
    if (pbSize > limits.maxProtoFileBytes) {
      throw new LimitError(`${pbSize} bytes is over the limit of ${limits.maxProtoFileBytes}`, { file: SAVED_MODEL_FILE });
    }
    const parts =
      options.functionLibrary === 'onDemand'
        ? await readSavedModelParts((offset, length) => source.readRange(SAVED_MODEL_FILE, offset, length), pbSize, SAVED_MODEL_FILE)
        : null;
    const sm = parts?.savedModel ?? decodeSavedModel(await source.read(SAVED_MODEL_FILE));
    const metaGraph = pickMetaGraph(sm.metaGraphs, options.tags);
    const graphDefRange = parts?.graphDefRanges[sm.metaGraphs.indexOf(metaGraph)] ?? null;
    const metaGraphTags = sm.metaGraphs.map((m) => [...(m.metaInfoDef?.tags ?? [])]);

    const kerasNodes = await readKerasMetadata(source);
    let kerasMetadataSource: SavedModelGraph['kerasMetadataSource'] = kerasNodes ? 'keras_metadata.pb' : null;

    let fingerprint: FingerprintDef | null = null;
    if ((await source.size(FINGERPRINT_FILE)) !== undefined) {
      fingerprint = decodeFingerprint(await source.read(FINGERPRINT_FILE));
    }

    const og = metaGraph.objectGraphDef ?? null;
    const protoNodes = og?.nodes ?? [];
    if (protoNodes.length > limits.maxObjectGraphNodes) {
      throw new LimitError(`object graph has ${protoNodes.length} nodes, over the limit of ${limits.maxObjectGraphNodes}`, {
        file: SAVED_MODEL_FILE,
      });
    }
    const paths = objectPaths(protoNodes);
    const bfsPaths = breadthFirstPaths(protoNodes);
    const ckpt = options.checkpointGraph ?? null;
    const nodes: ObjectNode[] = [];
    let kerasVersion: string | null = null;
    let legacyKeras = false;

    for (let id = 0; id < protoNodes.length; id++) {
      const p = protoNodes[id];
      const kind = (p.kind ?? 'none') as NodeKind;
      const identifier = kind === 'userObject' ? p.userObject?.identifier ?? '' : null;
      let keras: KerasInfo | null = null;
      const fromFile = kerasNodes?.get(id);
      const where = { file: fromFile ? KERAS_METADATA_FILE : SAVED_MODEL_FILE, node: paths[id] ?? `node ${id}` };
      if (fromFile && KERAS_IDENTIFIERS.has(fromFile.identifier)) {
        keras = kerasInfo(fromFile.identifier, fromFile.metadata, fromFile.nodePath, fromFile.producer, where, limits);
      } else if (!kerasNodes && identifier && KERAS_IDENTIFIERS.has(identifier) && p.userObject?.metadata) {
        // TF 2.0-2.4 kept the Keras JSON in the object graph itself.
        keras = kerasInfo(identifier, p.userObject.metadata, paths[id] ?? '', 1, where, limits);
        legacyKeras = true;
      }
      if (keras && id === 0) {
        const v = keras.metadata['keras_version'];
        kerasVersion = typeof v === 'string' ? v : null;
      }
      let variable: VariableInfo | null = null;
      if (kind === 'variable' && p.variable) {
        const attr = ckpt?.nodes[id]?.attributes.find((a) => a.name === 'VARIABLE_VALUE');
        variable = {
          name: p.variable.name,
          dtype: dtypeName(p.variable.dtype),
          shape: shapeOf(p.variable.shape),
          trainable: p.variable.trainable,
          checkpointKey: attr?.checkpointKey ?? null,
        };
      }
      const concreteFunctions =
        kind === 'function'
          ? [...(p.function?.concreteFunctions ?? [])]
          : kind === 'bareConcreteFunction' && p.bareConcreteFunction
            ? [p.bareConcreteFunction.concreteFunctionName]
            : [];
      const children: ChildRef[] = new Array(p.children.length);
      for (let i = 0; i < children.length; i++) {
        const c = p.children[i];
        if (c.nodeId < 0 || c.nodeId >= protoNodes.length) {
          throw new FormatError(`child "${c.localName}" points at node ${c.nodeId}, outside the ${protoNodes.length} nodes`, {
            file: SAVED_MODEL_FILE,
            node: paths[id] ?? `node ${id}`,
          });
        }
        children[i] = { name: c.localName, id: c.nodeId };
      }
      nodes.push({
        id,
        path: paths[id] ?? `<unreachable node ${id}>`,
        checkpointPath: bfsPaths[id] ?? null,
        kind,
        children,
        identifier,
        keras,
        variable,
        concreteFunctions,
        proto: p,
      });
    }
    if (legacyKeras) kerasMetadataSource = 'object-graph';
    if (kerasMetadataSource === 'keras_metadata.pb' && !nodes.some((n) => n.keras)) kerasMetadataSource = null;

    const graph = new SavedModelGraph(metaGraph, og, { nodes, kerasVersion, kerasMetadataSource, fingerprint, metaGraphTags, objectGraphFrom: SAVED_MODEL_FILE });
    if (parts) graph.savedModelReads.push(...parts.reads);
    if (graphDefRange) graph.deferGraphDef(source, graphDefRange);
    return graph;
  }

  /**
   * The Keras view of a SavedModel without saved_model.pb: nodes, children and paths from the
   * checkpoint's own TrackableObjectGraph (TensorFlow writes it from the same object list as the
   * SavedObjectGraph, so node ids and child edges agree; older versions leave the function nodes out
   * of it), Keras metadata from keras_metadata.pb, each variable's dtype and shape from its checkpoint
   * index entry. Enough to revive a model whose layers all rebuild from their configs, which is
   * most of what a load would otherwise spend decoding. Anything that needs more (saved functions,
   * signatures, lookup tables, optimizer slots) calls `requireSavedModel`, which throws
   * ObjectGraphNeeded so that the caller loads the SavedModel the full way.
   *
   * Returns null when this view cannot stand in for saved_model.pb: no keras_metadata.pb (TF <= 2.4
   * kept the Keras metadata in saved_model.pb), no Keras root, a Keras object outside the checkpoint's
   * graph, or a variable whose key the checkpoint index does not hold.
   */
  static async fromCheckpoint(
    source: ModelSource,
    ckptGraph: TrackableObjectGraph,
    ckpt: CheckpointEntries,
    options: {
      limits?: Partial<Limits>;
      /**
       * 'root': read only keras_metadata.pb's first node (the root's, with the whole model config) and give
       * each layer of a Functional/Sequential network the metadata its entry in that config holds
       * (layerMetadataFromConfigs), when that mapping checks out; else the whole file is read. Reading
       * another Keras field of such a layer throws KerasMetadataNeeded (the caller loads again with
       * 'whole'). Default 'whole'.
       */
      kerasMetadata?: 'root' | 'whole';
    } = {},
  ): Promise<SavedModelGraph | null> {
    const limits = resolveLimits(options.limits);
    const protoNodes = ckptGraph.nodes;
    // TF 2.0-2.4 wrote no keras_metadata.pb: the root's Keras metadata is then its object in saved_model.pb.
    const legacy = options.kerasMetadata === 'root' && (await source.size(KERAS_METADATA_FILE)) === undefined;
    const legacyRoot = options.kerasMetadata === 'root' && legacy ? await readSavedModelRoot(source, limits) : null;
    let kerasNodes = options.kerasMetadata !== 'root' ? null : legacy ? (legacyRoot ? new Map([[0, legacyRoot.root]]) : null) : await readKerasMetadataRoot(source, limits);
    const rootNode = kerasNodes?.get(0);
    // The root's metadata is parsed once, here, when only it was read.
    const metadataFile = legacy ? SAVED_MODEL_FILE : KERAS_METADATA_FILE;
    const rootInfo = rootNode ? kerasInfo(rootNode.identifier, rootNode.metadata, rootNode.nodePath, rootNode.producer, { file: metadataFile, node: 'root' }, limits) : null;
    const fromConfigs = rootInfo ? layerMetadataFromConfigs(protoNodes, rootInfo) : null;
    if (!fromConfigs) kerasNodes = null;
    if (!kerasNodes && legacy) return null;
    kerasNodes ??= await readKerasMetadata(source);
    if (!kerasNodes) return null;
    const root = kerasNodes.get(0);
    if (!root || !KERAS_IDENTIFIERS.has(root.identifier) || root.identifier === '_tf_keras_metric' || protoNodes.length === 0) return null;
    for (const id of kerasNodes.keys()) if (id < 0 || id >= protoNodes.length) return null;
    // Indexed loops here and below: this runs once per load, before V8 optimizes it, where for-of allocates per step.
    for (let id = 0; id < protoNodes.length; id++) {
      const children = protoNodes[id].children;
      for (let i = 0; i < children.length; i++) if (children[i].nodeId < 0 || children[i].nodeId >= protoNodes.length) return null;
    }
    const paths = objectPaths(protoNodes);
    const bfsPaths = breadthFirstPaths(protoNodes);
    // Keras lists a layer's trainable weights under `trainable_variables` (SavedVariable.trainable is not in the checkpoint).
    const trainable = new Set<number>();
    for (let id = 0; id < protoNodes.length; id++) {
      const children = protoNodes[id].children;
      for (let i = 0; i < children.length; i++) {
        if (children[i].localName !== 'trainable_variables') continue;
        const listed = protoNodes[children[i].nodeId].children;
        for (let j = 0; j < listed.length; j++) trainable.add(listed[j].nodeId);
      }
    }
    // One pass, no per-node closures or regexes: a model of 1,000 layers has 16,000 checkpoint nodes.
    const nodes: ObjectNode[] = new Array(protoNodes.length);
    // Layers' metadata from the model config throw KerasMetadataNeeded on a layer-only field while the load revives; after it (doneReviving) they read undefined.
    const reviving = { on: true };
    let kerasVersion: string | null = null;
    for (let id = 0; id < protoNodes.length; id++) {
      const p = protoNodes[id];
      const fromFile = kerasNodes.get(id);
      const fromConfig = fromConfigs?.get(id);
      let keras: KerasInfo | null = null;
      if (fromFile && KERAS_IDENTIFIERS.has(fromFile.identifier)) {
        keras =
          id === 0 && fromConfigs && rootInfo
            ? rootInfo
            : kerasInfo(fromFile.identifier, fromFile.metadata, fromFile.nodePath, fromFile.producer, { file: KERAS_METADATA_FILE, node: paths[id] ?? `node ${id}` }, limits);
        if (id === 0) kerasVersion = typeof keras.metadata['keras_version'] === 'string' ? (keras.metadata['keras_version'] as string) : null;
      } else if (fromConfig) {
        keras = kerasInfoOf(fromConfig.identifier, fromConfig.metadata, paths[id] ?? `node ${id}`, root.producer, reviving);
      }
      let key: string | undefined;
      for (let i = 0; i < p.attributes.length; i++) {
        if (p.attributes[i].name === 'VARIABLE_VALUE') {
          key = p.attributes[i].checkpointKey;
          break;
        }
      }
      let variable: VariableInfo | null = null;
      if (key !== undefined) {
        const e = ckpt.entry(key);
        if (!e) return null;
        const bfs = bfsPaths[id];
        const name = bfs !== undefined ? bfs.slice(bfs.lastIndexOf('.') + 1) : paths[id] ?? '';
        variable = { name, dtype: e.dtype > 100 ? dtypeName(e.dtype - 100) : e.dtypeName, shape: [...e.shape], trainable: trainable.has(id), checkpointKey: key, fromCheckpoint: true };
      }
      const kind: NodeKind = variable ? 'variable' : 'userObject';
      // Object kinds beyond variables are not in the checkpoint; lists are told by their child names (0, 1, ...).
      const identifier = variable ? null : keras ? keras.identifier : allIndexNames(p.children) ? 'trackable_list_wrapper' : '';
      const children: ChildRef[] = new Array(p.children.length);
      for (let i = 0; i < children.length; i++) children[i] = { name: p.children[i].localName, id: p.children[i].nodeId };
      nodes[id] = {
        id,
        path: paths[id] ?? `<unreachable node ${id}>`,
        checkpointPath: bfsPaths[id] ?? null,
        kind,
        children,
        identifier,
        keras,
        variable,
        concreteFunctions: [],
        proto: checkpointNodeProto(p, kind),
      };
    }
    const metaGraph: MetaGraphDef = { metaInfoDef: null, signatureDef: {}, assetFileDef: [], objectGraphDef: null };
    return new SavedModelGraph(metaGraph, null, {
      nodes,
      kerasVersion,
      kerasMetadataSource: legacy ? 'object-graph' : 'keras_metadata.pb',
      layerMetadataFromModelConfig: fromConfigs !== null,
      reviving,
      fingerprint: null,
      metaGraphTags: [],
      objectGraphFrom: 'checkpoint',
    });
  }

  /**
   * The Keras view of a SavedModel from keras_metadata.pb's root node and the checkpoint index alone: neither
   * saved_model.pb nor the checkpoint's object graph is read. The nodes are the root network and its layers
   * (nested Functional/Sequential networks too) from the root's model config, each with its entry of that
   * config as metadata (as fromCheckpoint with kerasMetadata 'root'), named `layer-N` as Keras names them;
   * their weights are found once the layers are revived, by the checkpoint key names Keras gives them
   * (bindWeightsByKeys, rules in checkpoint-keys.ts). TF 2.2-2.4 wrote no keras_metadata.pb: the root's metadata is
   * then saved_model.pb's root object, read by ranges. Null when the model is not such a network (or has no
   * keras_metadata.pb and is not of those versions): the caller then takes the checkpoint's object graph.
   */
  static async fromCheckpointKeys(
    source: ModelSource,
    ckpt: KeyedEntries,
    options: {
      limits?: Partial<Limits>;
      /**
       * 'root' (default): only keras_metadata.pb's root node; each layer's metadata is its entry of the model config,
       * and reading a field only its own node holds throws KerasMetadataNeeded. 'whole': the whole file, each layer
       * given its own node, found by its name among its network's layer children (null when one is not found
       * exactly once; a TF 2.2-2.4 file, whose layers' nodes are in saved_model.pb's object graph, gives null).
       */
      kerasMetadata?: 'root' | 'whole';
      /** Shared by the attempts of one load: the root node parsed by the first is not parsed again by the next. */
      memo?: KeyRouteMemo;
    } = {},
  ): Promise<SavedModelGraph | null> {
    const limits = resolveLimits(options.limits);
    const whole = options.kerasMetadata === 'whole';
    // TF 2.2-2.4 wrote no keras_metadata.pb: the root's Keras metadata is then its object in saved_model.pb, read by ranges.
    const metadataSize = await source.size(KERAS_METADATA_FILE);
    const legacy = metadataSize === undefined;
    if (whole && legacy) return null;
    let rootNode: KerasMetadataNode | undefined;
    let rootLayerChildren: string[] | undefined;
    let fileNodes: Map<number, KerasMetadataNode> | null = null;
    if (whole) {
      fileNodes = await readKerasMetadata(source);
      rootNode = fileNodes?.get(0);
    } else if (!legacy) rootNode = (await readKerasMetadataRoot(source, limits, metadataSize))?.get(0);
    else {
      const legacyRoot = await readSavedModelRoot(source, limits);
      if (legacyRoot && legacyKeyLayout(legacyRoot.tensorflowVersion)) {
        rootNode = legacyRoot.root;
        rootLayerChildren = layerChildNames(legacyRoot.children);
      }
    }
    if (!rootNode || rootNode.identifier === '_tf_keras_metric' || !KERAS_IDENTIFIERS.has(rootNode.identifier)) return null;
    const metadataFile = legacy ? SAVED_MODEL_FILE : KERAS_METADATA_FILE;
    const held = options.memo?.root;
    const rootInfo =
      held && held.file === metadataFile && sameMetadataNode(held.node, rootNode)
        ? held.info
        : kerasInfo(rootNode.identifier, rootNode.metadata, rootNode.nodePath, rootNode.producer, { file: metadataFile, node: 'root' }, limits);
    if (options.memo) options.memo.root = { node: rootNode, file: metadataFile, info: rootInfo };
    const rootClass = rootInfo.className ?? '';
    if (NETWORK_IDENTIFIERS[rootClass] === undefined || rootInfo.identifier !== NETWORK_IDENTIFIERS[rootClass]) return null;
    const reviving = { on: true };
    const tree: TreeNetwork = { id: 0, trainable: rootInfo.metadata['trainable'] !== false, sequential: rootClass === 'Sequential', layers: [] };
    const nodes: ObjectNode[] = [keyRouteNode(0, 'root', rootInfo, [])];
    const build = (net: TreeNetwork, config: unknown, sequential: boolean, depth: number): boolean => {
      if (depth > 32 || !isRecord(config) || !Array.isArray(config['layers'])) return false;
      const entries = config['layers'] as unknown[];
      // Sequential.layers leaves out the implicit InputLayer its config lists first.
      const offset = sequential && isRecord(entries[0]) && entries[0]['class_name'] === 'InputLayer' ? 1 : 0;
      const parent = nodes[net.id];
      for (let i = offset; i < entries.length; i++) {
        const entry = entries[i];
        if (!isRecord(entry)) return false;
        const className = entry['class_name'];
        const cfg = entry['config'];
        if (typeof className !== 'string' || !isRecord(cfg) || typeof cfg['name'] !== 'string') return false;
        const isNetwork = Array.isArray(cfg['layers']);
        const identifier = className === 'InputLayer' ? '_tf_keras_input_layer' : isNetwork ? NETWORK_IDENTIFIERS[className] : '_tf_keras_layer';
        if (identifier === undefined) return false;
        const metadata: Record<string, unknown> = { name: cfg['name'], class_name: className, config: cfg };
        if (typeof cfg['trainable'] === 'boolean') metadata['trainable'] = cfg['trainable'];
        if (cfg['dtype'] !== undefined) metadata['dtype'] = cfg['dtype'];
        const id = nodes.length;
        const childName = `layer-${i - offset}`;
        const path = `${parent.path}.${childName}`;
        nodes.push(keyRouteNode(id, path, kerasInfoOf(identifier, metadata, path, rootNode.producer, reviving), []));
        parent.children.push({ name: childName, id });
        // Revival (NetworkBuilder.sequential) reads a nested Sequential's own build_input_shape when its config's first
        // entry leaves an input dimension unknown (memnet-babi-multi-input): with the root node only, say so now, before
        // any layer is built, rather than from the middle of a revival that starts over.
        if (!whole && className === 'Sequential' && !knownBatchShape(cfg)) throw new KerasMetadataNeeded('build_input_shape', path);
        const inner: TreeNetwork | null = isNetwork ? { id, trainable: cfg['trainable'] !== false, sequential: className === 'Sequential', layers: [] } : null;
        const calls = Array.isArray(entry['inbound_nodes']) ? (entry['inbound_nodes'] as unknown[]) : [];
        net.layers.push({ id, index: i - offset, network: inner, inputLayer: className === 'InputLayer', name: cfg['name'], inbound: inboundNames(calls), calls: sequential ? 1 : calls.length });
        if (inner) {
          if (!build(inner, cfg, className === 'Sequential', depth + 1)) return false;
        }
        if (nodes.length > limits.maxObjectGraphNodes) return false;
      }
      return true;
    };
    if (!build(tree, rootInfo.metadata['config'], rootClass === 'Sequential', 0)) return null;
    // The root object says how many layers the root network has (an InputLayer the config leaves out is one of them in some files).
    if (rootLayerChildren && rootLayerChildren.filter((n) => n.startsWith('layer-')).length !== tree.layers.length) return null;
    if (fileNodes && !withOwnMetadata(tree, nodes, fileNodes, limits)) return null;
    const kerasVersion = typeof rootInfo.metadata['keras_version'] === 'string' ? (rootInfo.metadata['keras_version'] as string) : null;
    const metaGraph: MetaGraphDef = { metaInfoDef: null, signatureDef: {}, assetFileDef: [], objectGraphDef: null };
    return new SavedModelGraph(metaGraph, null, {
      nodes,
      kerasVersion,
      kerasMetadataSource: legacy ? 'object-graph' : KERAS_METADATA_FILE,
      layerMetadataFromModelConfig: !whole,
      reviving,
      fingerprint: null,
      metaGraphTags: [],
      objectGraphFrom: 'checkpoint',
      keyRoute: { tree, ckpt, bound: false, rootLayerChildren, attested: fileNodes !== null },
    });
  }

  /**
   * On a graph made by fromCheckpointKeys, once its layers are revived: finds each leaf layer's weights by
   * their checkpoint key names (checkpoint-keys.ts), names the layers as Keras does (`layer_with_weights-K`
   * for a layer with weights) and gives each a `variables` list of variable nodes in the order of its weights,
   * so that weights bind as on any graph. Throws ObjectGraphNeeded when the mapping does not check out (the
   * loader then reads the checkpoint's object graph). A no-op on other graphs.
   */
  bindWeightsByKeys(owners: readonly KeyedLayer[]): void {
    const route = this.keyRoute;
    if (!route || route.bound) return;
    let keyed: ReturnType<typeof keyedWeights>;
    try {
      keyed = keyedWeights(route.tree, owners, route.ckpt, route.attested);
    } catch (e) {
      if (e instanceof KeyRouteRefused) throw new ObjectGraphNeeded(e.message);
      throw e;
    }
    if (route.rootLayerChildren) {
      // The root's layer children as named here must be those saved_model.pb's root object has, in order.
      const names: string[] = [];
      for (const l of route.tree.layers) {
        const k = keyed.weighted.get(l.id);
        if (k !== undefined) names.push(`layer_with_weights-${k}`);
        names.push(`layer-${l.index}`);
      }
      if (names.join(' ') !== route.rootLayerChildren.join(' ')) throw new ObjectGraphNeeded(`the root's layers as named by the key route (${names.join(', ')})`);
    }
    route.bound = true;
    // Child names and paths as Keras names them: a layer with weights is first reached as layer_with_weights-K.
    const rename = (net: TreeNetwork): void => {
      const parent = this.nodes[net.id];
      const children: ChildRef[] = [];
      for (const l of net.layers) {
        const k = keyed.weighted.get(l.id);
        const n = this.nodes[l.id];
        if (k !== undefined) children.push({ name: `layer_with_weights-${k}`, id: l.id });
        children.push({ name: `layer-${l.index}`, id: l.id });
        n.path = `${parent.path}.${k !== undefined ? `layer_with_weights-${k}` : `layer-${l.index}`}`;
        n.checkpointPath = n.path;
        if (n.keras) n.keras.nodePath = n.path;
        if (l.network) rename(l.network);
      }
      // Children other than layers (none so far) keep their place after them.
      for (const c of parent.children) if (!/^layer-\d+$/.test(c.name)) children.push(c);
      parent.children = children;
    };
    rename(route.tree);
    for (const [layerId, vars] of keyed.variables) {
      if (vars.length === 0) continue;
      const layer = this.nodes[layerId];
      const listId = this.nodes.length;
      const list = keyRouteNode(listId, `${layer.path}.variables`, null, []);
      this.nodes.push(list);
      layer.children.push({ name: 'variables', id: listId });
      for (let i = 0; i < vars.length; i++) {
        const v = vars[i];
        const id = this.nodes.length;
        const keyPath = v.key.slice(0, v.key.length - '/.ATTRIBUTES/VARIABLE_VALUE'.length);
        const path = `root.${keyPath.replaceAll('/', '.')}`;
        const node = keyRouteNode(id, path, null, [], 'variable');
        node.variable = { name: keyPath.slice(keyPath.lastIndexOf('/') + 1), dtype: v.dtype, shape: v.shape, trainable: v.trainable, checkpointKey: v.key, fromCheckpoint: true };
        this.nodes.push(node);
        list.children.push({ name: String(i), id });
      }
    }
  }

  /**
   * Before bindWeightsByKeys: the most elements any value of the checkpoint holds (the bound for a weight a
   * layer creates, where other graphs give the layer's own saved variables). Undefined on other graphs.
   */
  largestCheckpointValue(): number | undefined {
    const route = this.keyRoute;
    if (!route || route.bound) return undefined;
    if (route.largest === undefined) {
      let largest = 0;
      for (const key of route.ckpt.keys()) {
        const e = route.ckpt.entry(key);
        if (e) largest = Math.max(largest, e.shape.reduce((a, b) => a * b, 1));
      }
      route.largest = largest;
    }
    return route.largest;
  }

  /**
   * For code that needs what only saved_model.pb holds (functions, signatures, object kinds): throws
   * ObjectGraphNeeded on a graph made by fromCheckpoint, so the load starts over the full way.
   */
  requireSavedModel(what: string): void {
    if (this.objectGraphFrom === 'checkpoint') throw new ObjectGraphNeeded(what);
  }

  /** Leaves metaGraph.graphDef unread: reading it before loadFunctionLibrary() is a programming error, said plainly. */
  private deferGraphDef(source: ModelSource, range: ByteRange): void {
    this.pendingGraphDef = { source, range };
    Object.defineProperty(this.metaGraph, 'graphDef', {
      configurable: true,
      enumerable: false,
      get: () => {
        throw new Error('saved_model.pb was read without its function library: await graph.loadFunctionLibrary() before running saved functions');
      },
    });
  }

  /** Whether the GraphDef (main graph + function library) is in memory (always, unless loaded with functionLibrary: 'onDemand'). */
  get functionLibraryLoaded(): boolean {
    return this.pendingGraphDef === null;
  }

  /**
   * Fetches the GraphDef left unread by `functionLibrary: 'onDemand'` (one range request); a no-op
   * when it is already in memory. Concurrent calls share one fetch.
   */
  async loadFunctionLibrary(): Promise<void> {
    this.requireSavedModel('saved functions');
    const pending = this.pendingGraphDef;
    if (!pending) return;
    pending.loading ??= (async () => {
      const { offset, length } = pending.range;
      const bytes = await pending.source.readRange(SAVED_MODEL_FILE, offset, length);
      this.savedModelReads.push({ offset, length });
      const graphDef = decodeGraphDef(bytes, SAVED_MODEL_FILE);
      Object.defineProperty(this.metaGraph, 'graphDef', { configurable: true, enumerable: true, writable: true, value: graphDef });
      this.pendingGraphDef = null;
    })();
    pending.loading.catch(() => (pending.loading = undefined));
    await pending.loading;
  }

  get root(): ObjectNode | undefined {
    return this.nodes[0];
  }

  node(id: number): ObjectNode {
    const n = this.nodes[id];
    if (!n) throw new FormatError(`object graph has no node ${id}`, { file: SAVED_MODEL_FILE });
    return n;
  }

  nodeByPath(path: string): ObjectNode | undefined {
    return this.nodes.find((n) => n.path === path);
  }

  /** Follows child names from `parentId` (Python `_search_for_child_node`); undefined when a name is missing. */
  childId(parentId: number, names: string[]): number | undefined {
    let id = parentId;
    for (const name of names) {
      const next = this.nodes[id]?.children.find((c) => c.name === name);
      if (!next) return undefined;
      id = next.id;
    }
    return id;
  }

  child(parentId: number, ...names: string[]): ObjectNode | undefined {
    const id = this.childId(parentId, names);
    return id === undefined ? undefined : this.nodes[id];
  }

  /** Node ids of a Sequential/Functional network's layers, from its `layer-N` children, in N order. */
  layerIds(networkId: number): number[] {
    const byIndex = new Map<number, number>();
    let count = 0;
    for (const c of this.node(networkId).children) {
      const m = /^layer-(\d+)$/.exec(c.name);
      if (!m) continue;
      const n = Number(m[1]);
      byIndex.set(n, c.id);
      count = Math.max(count, n + 1);
    }
    const ordered: number[] = [];
    for (let n = 0; n < count; n++) {
      const id = byIndex.get(n);
      if (id === undefined) break; // a gap ends the list, as in Keras
      ordered.push(id);
    }
    return ordered;
  }

  kerasNodes(): ObjectNode[] {
    return this.nodes.filter((n) => n.keras !== null);
  }

  variableNodes(): ObjectNode[] {
    return this.nodes.filter((n) => n.kind === 'variable');
  }

  /** Decoded signatures of a concrete function (cached). */
  concreteFunction(name: string): ConcreteFunctionInfo | undefined {
    this.requireSavedModel('saved functions');
    let info = this.fnInfo.get(name);
    if (info) return info;
    const cf = own(this.objectGraph?.concreteFunctions, name);
    if (!cf) return undefined;
    info = {
      name,
      inputSignature: decodeStructure(cf.canonicalizedInputSignature, name),
      outputSignature: decodeStructure(cf.outputSignature, name),
      boundInputs: [...cf.boundInputs],
    };
    this.fnInfo.set(name, info);
    return info;
  }

  /** Concrete functions of the function node reached from `parentId` by `names` (e.g. ['call_and_return_conditional_losses']). */
  functionsAt(parentId: number, ...names: string[]): ConcreteFunctionInfo[] {
    this.requireSavedModel('saved functions');
    const n = this.child(parentId, ...names);
    if (!n) return [];
    return n.concreteFunctions.map((f) => this.concreteFunction(f)).filter((f): f is ConcreteFunctionInfo => !!f);
  }

  /** FunctionDefs of the library by name (indexed on first use). */
  functionDef(name: string): FunctionDef | undefined {
    this.requireSavedModel('saved functions');
    if (!this.functionDefs) {
      this.functionDefs = new Map();
      for (const f of this.metaGraph.graphDef?.library?.function ?? []) this.functionDefs.set(f.signature.name, f);
    }
    return this.functionDefs.get(name);
  }

  private resolveSignatures(): SignatureInfo[] {
    const out: SignatureInfo[] = [];
    const sigMapId = this.nodes.length > 0 ? this.childId(0, ['signatures']) : undefined;
    for (const name of Object.keys(this.metaGraph.signatureDef).sort()) {
      if (name === '__saved_model_init_op') continue;
      const def = this.metaGraph.signatureDef[name];
      const describe = (m: Record<string, { dtype: number; tensorShape?: unknown }>) =>
        Object.keys(m)
          .sort()
          .map((k) => ({
            name: k,
            dtype: dtypeName(m[k].dtype),
            shape: shapeOf(m[k].tensorShape as Parameters<typeof shapeOf>[0]),
          }));
      let functionName: string | null = null;
      if (sigMapId !== undefined) {
        const fnNode = this.child(sigMapId, name);
        functionName = fnNode?.concreteFunctions[0] ?? null;
      }
      out.push({
        name,
        functionName,
        inputs: describe(def.inputs),
        outputs: describe(def.outputs),
        methodName: def.methodName,
      });
    }
    return out;
  }
}

/**
 * Thrown by a graph made by SavedModelGraph.fromCheckpoint when something needs saved_model.pb
 * (`what` says which part). Not a user-facing error: the loader catches it and loads the full way.
 */
export class ObjectGraphNeeded extends Error {
  constructor(readonly what: string) {
    super(`${what} need saved_model.pb's object graph, which this load did not read`);
    this.name = 'ObjectGraphNeeded';
  }
}

/** Every child name is a list index (`0`, `1`, ...): the node is a list (true for a node without children). */
function allIndexNames(children: readonly { localName: string }[]): boolean {
  for (let j = 0; j < children.length; j++) {
    const n = children[j].localName;
    if (n.length === 0) return false;
    for (let i = 0; i < n.length; i++) {
      const ch = n.charCodeAt(i);
      if (ch < 0x30 || ch > 0x39) return false;
    }
  }
  return true;
}

/** The SavedObject stand-in of a checkpoint node: its children and slot variables, nothing only saved_model.pb holds. */
function checkpointNodeProto(p: TrackableObjectGraph['nodes'][number], kind: NodeKind): SavedObject {
  return { children: p.children, dependencies: [], slotVariables: p.slotVariables, kind, saveableObjects: {}, registeredName: '', registeredSaver: '' } as SavedObject;
}

/** A key-route graph's state (fromCheckpointKeys). */
interface KeyRoute {
  tree: TreeNetwork;
  ckpt: KeyedEntries;
  bound: boolean;
  largest?: number;
  /**
   * TF 2.2-2.4: the root object's layer children as saved_model.pb names them (`layer_with_weights-K`, `layer-N`, in
   * order), which the names the key route gives the root's layers must equal.
   */
  rootLayerChildren?: string[];
  /** Every layer's saved child name is known (TreeLayer.savedAs: keras_metadata.pb read whole). */
  attested?: boolean;
}

/**
 * Gives every layer of a key-route tree its own keras_metadata.pb node instead of its model-config entry: the node
 * whose node_path is a layer child (`layer-N` / `layer_with_weights-K`) of its network's node and whose metadata
 * names it (layer names are unique within a network). False, so that the load takes the checkpoint's object graph,
 * when a network's layer children in the file are not exactly its layers (by name, class and config) or a name repeats.
 */
function withOwnMetadata(tree: TreeNetwork, nodes: ObjectNode[], fileNodes: Map<number, KerasMetadataNode>, limits: Limits): boolean {
  // The file's layer nodes by the node_path of their network, then by name.
  const byNetwork = new Map<string, Map<string, KerasInfo>>();
  for (const [id, n] of fileNodes) {
    const dot = n.nodePath.lastIndexOf('.');
    if (id === 0 || dot < 0 || !/^layer(_with_weights)?-\d+$/.test(n.nodePath.slice(dot + 1))) continue;
    if (!KERAS_IDENTIFIERS.has(n.identifier)) return false;
    const info = kerasInfo(n.identifier, n.metadata, n.nodePath, n.producer, { file: KERAS_METADATA_FILE, node: n.nodePath }, limits);
    const name = info.metadata['name'];
    if (typeof name !== 'string') return false;
    const parent = n.nodePath.slice(0, dot);
    const layers = byNetwork.get(parent) ?? new Map<string, KerasInfo>();
    if (layers.has(name)) return false;
    layers.set(name, info);
    byNetwork.set(parent, layers);
  }
  const match = (net: TreeNetwork, path: string, depth: number): boolean => {
    const layers = byNetwork.get(path);
    if (depth > 32 || (layers?.size ?? 0) !== net.layers.length) return false;
    for (const l of net.layers) {
      const info = layers!.get(l.name);
      const node = nodes[l.id]!;
      // Its own node repeats its entry of the model config (both are the layer's get_config(); the node's alone marks
      // shared initializers with shared_object_id): a node that names itself after another layer, or a config
      // edited in one place only, is not taken.
      if (!info || info.className !== node.keras!.className) return false;
      if (configJson(info.metadata['config']) !== configJson(node.keras!.metadata['config'])) return false;
      node.keras = { ...info, nodePath: node.path };
      node.identifier = info.identifier;
      l.savedAs = info.nodePath.slice(info.nodePath.lastIndexOf('.') + 1);
      if (l.network && !match(l.network, info.nodePath, depth + 1)) return false;
    }
    return true;
  };
  return match(tree, 'root', 0);
}

/** A Sequential config's first entry has a batch_input_shape that knows every dimension but the batch (a tuple as Keras' JSON writes it, or a list). */
function knownBatchShape(config: Record<string, unknown>): boolean {
  const layers = config['layers'];
  const first = Array.isArray(layers) && isRecord(layers[0]) ? layers[0]['config'] : undefined;
  let shape = isRecord(first) ? first['batch_input_shape'] : undefined;
  if (isRecord(shape) && (shape['class_name'] === '__tuple__' || shape['class_name'] === 'TensorShape')) shape = shape['items'];
  return Array.isArray(shape) && shape.every((d, i) => i === 0 || (d !== null && d !== undefined));
}

/** A layer config as JSON without the `shared_object_id` marks Keras 2.5+ adds to a layer's own node. */
function configJson(config: unknown): string {
  return JSON.stringify(config, (key, value: unknown) => (key === 'shared_object_id' ? undefined : value));
}

/** A network's layer children (`layer-N`, `layer_with_weights-K`), in order. */
function layerChildNames(names: readonly string[]): string[] {
  return names.filter((n) => /^layer(_with_weights)?-\d+$/.test(n));
}

/** What fromCheckpoint reads of the checkpoint index: a variable's stored dtype and shape (no data). */
export interface CheckpointEntries {
  entry(key: string): { dtype: number; dtypeName: string; shape: number[] } | undefined;
}

type KerasMetadataNode = { identifier: string; metadata: string; nodePath: string; producer: number };

/**
 * What the key-route attempts of one load share (fromCheckpointKeys' `memo`): keras_metadata.pb's root node as the
 * first attempt parsed it. A 'root' attempt that stops (KerasMetadataNeeded) is followed by a 'whole' one that finds
 * the same node in the file: its JSON (memnet: 15 KB of the file's 50 KB) is then not parsed a second time. The parsed
 * metadata is only read, never written, by the graph and by revival.
 */
export interface KeyRouteMemo {
  root?: { node: KerasMetadataNode; file: string; info: KerasInfo };
}

function sameMetadataNode(a: KerasMetadataNode, b: KerasMetadataNode): boolean {
  return a.identifier === b.identifier && a.nodePath === b.nodePath && a.producer === b.producer && a.metadata === b.metadata;
}

/**
 * Thrown when code reads a Keras metadata field that a layer given its metadata from the model config
 * (fromCheckpoint with kerasMetadata 'root') does not have: the loader catches it and reads the whole
 * keras_metadata.pb. An ObjectGraphNeeded, so that code which falls back on that falls back on this too.
 */
export class KerasMetadataNeeded extends ObjectGraphNeeded {
  constructor(readonly field: string, readonly node: string) {
    super(`${node}: the Keras metadata field ${JSON.stringify(field)}`);
    this.name = 'KerasMetadataNeeded';
  }
}

/**
 * Fields of a layer's own keras_metadata.pb node that its entry in the model config does not carry.
 * Reading one of them from a layer whose metadata came from the model config throws KerasMetadataNeeded;
 * other absent keys read as undefined, as they would from the file.
 */
const LAYER_ONLY_FIELDS = new Set([
  'autocast',
  'batch_input_shape',
  'build_input_shape',
  'expects_training_arg',
  'full_save_spec',
  'inbound_nodes',
  'input_spec',
  'is_graph_network',
  'must_restore_from_config',
  'preserve_input_structure_in_config',
  'save_spec',
  'shared_object_id',
  'stateful',
]);

/** keras_metadata.pb's first node only (readKerasMetadataHead), or null when absent, not the root's or unusual. */
async function readKerasMetadataRoot(source: ModelSource, limits: Limits, size?: number): Promise<Map<number, KerasMetadataNode> | null> {
  size ??= await source.size(KERAS_METADATA_FILE);
  if (size === undefined || size > limits.maxProtoFileBytes) return null;
  const head = await readKerasMetadataHead((offset, length) => source.readRange(KERAS_METADATA_FILE, offset, length), size, KERAS_METADATA_FILE);
  const n = head?.metadata.nodes[0];
  if (!n || n.nodeId !== 0) return null;
  return new Map([[0, { identifier: n.identifier, metadata: n.metadata, nodePath: n.nodePath, producer: n.version?.producer ?? n.versionV1?.producer ?? 1 }]]);
}

/**
 * TF 2.0-2.4: the root object of saved_model.pb (readSavedModelRootObject), when it holds Keras metadata, and the
 * TensorFlow version its meta graph names.
 */
async function readSavedModelRoot(
  source: ModelSource,
  limits: Limits,
): Promise<{ root: KerasMetadataNode; children: string[]; tensorflowVersion: string | null } | null> {
  const size = await source.size(SAVED_MODEL_FILE);
  if (size === undefined || size > limits.maxProtoFileBytes) return null;
  const got = await readSavedModelRootObject((offset, length) => source.readRange(SAVED_MODEL_FILE, offset, length), size, SAVED_MODEL_FILE);
  const u = got?.root.userObject;
  if (!u || !KERAS_IDENTIFIERS.has(u.identifier) || !u.metadata) return null;
  const children = got.root.children.map((c) => c.localName);
  return { root: { identifier: u.identifier, metadata: u.metadata, nodePath: 'root', producer: 1 }, children, tensorflowVersion: got.tensorflowVersion };
}

/**
 * The TensorFlow versions without keras_metadata.pb whose checkpoint key layout the key route knows: 2.2 to 2.4
 * (the fixtures of 2.2.0, 2.3.1, 2.4.0 and 2.4.1 agree with their object graphs). TF 2.1 numbers a Sequential's
 * `layer-N` children from the InputLayer Keras made (its config does not list it), unlike 2.2 on; 2.0 is unseen.
 */
function legacyKeyLayout(version: string | null): boolean {
  const m = version === null ? null : /^2\.([234])\.\d+$/.exec(version);
  return m !== null;
}

/** Class names whose config is a network's (`layers`): the generic networks, which rebuild from that config alone. */
const NETWORK_IDENTIFIERS: Record<string, string> = { Functional: '_tf_keras_network', Model: '_tf_keras_network', Sequential: '_tf_keras_sequential' };

/**
 * The metadata of each layer of a Functional/Sequential root (and of its nested networks), taken from the
 * root's model config instead of each layer's own keras_metadata.pb node, which repeats it: Keras writes a
 * network's `layer-N` checkpoint children and its config's `layers` from the same list (`model.layers`;
 * a Sequential's config also lists its implicit InputLayer first, which is no child). Null, so that the
 * whole file is read, unless every check holds: the root is such a network, the children count matches
 * the entries, no layer appears twice, and every variable of a layer is named after that layer or a layer
 * its config holds (the variables' full names in the checkpoint graph: a shifted or swapped mapping would
 * give a layer another layer's weights).
 */
function layerMetadataFromConfigs(nodes: TrackableObjectGraph['nodes'], root: KerasInfo): Map<number, LayerFromConfig> | null {
  const rootClass = root.className ?? '';
  if (nodes.length === 0 || NETWORK_IDENTIFIERS[rootClass] === undefined || root.identifier !== NETWORK_IDENTIFIERS[rootClass]) return null;
  const out = new Map<number, LayerFromConfig>();
  const visit = (id: number, config: unknown, sequential: boolean, depth: number): boolean => {
    if (depth > 32 || !isRecord(config) || !Array.isArray(config['layers'])) return false;
    const entries = config['layers'] as unknown[];
    const children: number[] = [];
    for (const c of nodes[id]!.children) {
      const m = /^layer-(\d+)$/.exec(c.localName);
      if (m) children[Number(m[1])] = c.nodeId;
    }
    const offset = children.length === entries.length ? 0 : sequential && entries.length === children.length + 1 && isRecord(entries[0]) && entries[0]['class_name'] === 'InputLayer' ? 1 : -1;
    if (offset < 0) return false;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      const entry = entries[i + offset];
      if (child === undefined || child <= 0 || child >= nodes.length || out.has(child) || !isRecord(entry)) return false;
      const className = entry['class_name'];
      const cfg = entry['config'];
      if (typeof className !== 'string' || !isRecord(cfg) || typeof cfg['name'] !== 'string') return false;
      const isNetwork = Array.isArray(cfg['layers']);
      const identifier = className === 'InputLayer' ? '_tf_keras_input_layer' : isNetwork ? NETWORK_IDENTIFIERS[className] : '_tf_keras_layer';
      if (identifier === undefined || !variablesNamedAfter(nodes, child, layerNames(cfg, new Set(), 0))) return false;
      // An InputLayer holds no variables; one that does is a class name that lies (its own node's identifier decides).
      if (className === 'InputLayer' && holdsVariables(nodes, child)) return false;
      const metadata: Record<string, unknown> = { name: cfg['name'], class_name: className, config: cfg };
      if (typeof cfg['trainable'] === 'boolean') metadata['trainable'] = cfg['trainable'];
      if (cfg['dtype'] !== undefined) metadata['dtype'] = cfg['dtype'];
      out.set(child, { identifier, metadata });
      if (isNetwork && !visit(child, cfg, className === 'Sequential', depth + 1)) return false;
    }
    return true;
  };
  return visit(0, root.metadata['config'], rootClass === 'Sequential', 0) ? out : null;
}

/** A layer's identifier and metadata as layerMetadataFromConfigs makes them from its network's config. */
type LayerFromConfig = { identifier: string; metadata: Record<string, unknown> };

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Every `name` of a layer config, its own and those of the layers it holds (wrapped layers, cells, nested networks). */
function layerNames(v: unknown, into: Set<string>, depth: number): Set<string> {
  if (depth > 64 || !v || typeof v !== 'object') return into;
  if (Array.isArray(v)) {
    for (const x of v) layerNames(x, into, depth + 1);
    return into;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'name' && typeof x === 'string') into.add(x);
    else layerNames(x, into, depth + 1);
  }
  return into;
}

/** Every variable below node `id` (through any child) has a full name whose first part is one of `names`. */
function variablesNamedAfter(nodes: TrackableObjectGraph['nodes'], id: number, names: Set<string>): boolean {
  return !someVariableBelow(nodes, id, (fullName) => !names.has(fullName.split('/')[0] ?? ''));
}

function holdsVariables(nodes: TrackableObjectGraph['nodes'], id: number): boolean {
  return someVariableBelow(nodes, id, () => true);
}

/** Whether a variable below node `id` (through any child) has a full name for which `test` holds. */
function someVariableBelow(nodes: TrackableObjectGraph['nodes'], id: number, test: (fullName: string) => boolean): boolean {
  const seen = new Set<number>([id]);
  const stack = [id];
  while (stack.length > 0) {
    const n = nodes[stack.pop()!]!;
    for (const a of n.attributes) if (a.name === 'VARIABLE_VALUE' && test(a.fullName)) return true;
    for (const c of n.children) {
      if (c.nodeId < 0 || c.nodeId >= nodes.length || seen.has(c.nodeId)) continue;
      seen.add(c.nodeId);
      stack.push(c.nodeId);
    }
  }
  return false;
}

/** The layer names a config entry's inbound_nodes call it on (Keras 2: `[[[name, node, tensor, kwargs], ...], ...]`; other nestings walked alike). */
function inboundNames(calls: unknown[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 16 || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') out.add(v[0]);
      else for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
  };
  walk(calls, 0);
  return [...out];
}

/**
 * A layer's KerasInfo from the metadata layerMetadataFromConfigs made: reading one of LAYER_ONLY_FIELDS,
 * which only the layer's own node would hold, throws KerasMetadataNeeded instead of reading undefined.
 */
function kerasInfoOf(identifier: string, made: Record<string, unknown>, nodePath: string, producer: number, reviving: { on: boolean }): KerasInfo {
  const metadata = new Proxy(made, {
    get(target, key, receiver) {
      if (reviving.on && typeof key === 'string' && !(key in target) && LAYER_ONLY_FIELDS.has(key)) throw new KerasMetadataNeeded(key, nodePath);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const config = made['config'] as Record<string, unknown>;
  return {
    identifier,
    metadata,
    className: made['class_name'] as string,
    hasConfig: !config['layer was saved without config'],
    nodePath,
    versionProducer: producer,
  };
}

/** keras_metadata.pb's nodes by object-graph node id, or null when the file is absent (TF <= 2.4). */
async function readKerasMetadata(source: ModelSource): Promise<Map<number, KerasMetadataNode> | null> {
  if ((await source.size(KERAS_METADATA_FILE)) === undefined) return null;
  const md = decodeSavedMetadata(await source.read(KERAS_METADATA_FILE));
  const kerasNodes = new Map<number, KerasMetadataNode>();
  for (const n of md.nodes) {
    kerasNodes.set(n.nodeId, {
      identifier: n.identifier,
      metadata: n.metadata,
      nodePath: n.nodePath,
      producer: n.version?.producer ?? n.versionV1?.producer ?? 1,
    });
  }
  return kerasNodes;
}

function pickMetaGraph(metaGraphs: MetaGraphDef[], tags: readonly string[] | undefined): MetaGraphDef {
  if (metaGraphs.length === 0) {
    throw new FormatError('SavedModel holds no meta graph', { file: SAVED_MODEL_FILE });
  }
  if (tags === undefined) return metaGraphs.find((m) => m.metaInfoDef?.tags.includes('serve')) ?? metaGraphs[0]!;
  // TF matches the tag set exactly (as a set: order and repeats do not matter).
  const want = new Set(tags);
  const found = metaGraphs.find((m) => {
    const have = new Set(m.metaInfoDef?.tags ?? []);
    return have.size === want.size && [...want].every((t) => have.has(t));
  });
  if (found) return found;
  const available = metaGraphs.map((m) => `{${(m.metaInfoDef?.tags ?? []).join(', ')}}`).join(', ');
  throw new SavedKerasError('INPUT_MISMATCH', `no meta graph with the tag set {${[...want].join(', ')}}; the SavedModel has ${available}`, {
    file: SAVED_MODEL_FILE,
    hint: `pass one of the saved tag sets (CLI: --tags ${(metaGraphs[0]!.metaInfoDef?.tags ?? []).join(',')})`,
  });
}

function kerasInfo(
  identifier: string,
  json: string,
  nodePath: string,
  producer: number,
  where: { file: string; node: string },
  limits: Limits,
): KerasInfo {
  const parsed = json ? parseKerasJson(json, where, limits.maxMetadataJsonBytes, limits.maxNestingDepth) : {};
  const metadata = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const className = typeof metadata['class_name'] === 'string' ? (metadata['class_name'] as string) : null;
  const config = metadata['config'];
  const hasConfig =
    !!config &&
    typeof config === 'object' &&
    !Array.isArray(config) &&
    !(config as Record<string, unknown>)['layer was saved without config'];
  return { identifier, metadata, className, hasConfig, nodePath, versionProducer: producer };
}

/**
 * Node paths by the rule of Keras' `_generate_object_paths`: `root`, then `parent.local_name` on
 * first discovery, visiting nodes from a stack.
 */
export function objectPaths(nodes: readonly { children: readonly { nodeId: number; localName: string }[] }[]): string[] {
  const paths: string[] = new Array(nodes.length);
  if (nodes.length === 0) return paths;
  paths[0] = 'root';
  const stack = [0];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const children = nodes[id].children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.nodeId < 0 || c.nodeId >= nodes.length || paths[c.nodeId] !== undefined) continue;
      paths[c.nodeId] = `${paths[id]}.${c.localName}`;
      stack.push(c.nodeId);
    }
  }
  return paths;
}

/** Node paths by breadth-first first discovery from the root (the checkpoint-key rule). */
export function breadthFirstPaths(nodes: readonly { children: readonly { nodeId: number; localName: string }[] }[]): (string | undefined)[] {
  const paths: (string | undefined)[] = new Array(nodes.length);
  if (nodes.length === 0) return paths;
  paths[0] = 'root';
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    const children = nodes[id].children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.nodeId < 0 || c.nodeId >= nodes.length || paths[c.nodeId] !== undefined) continue;
      paths[c.nodeId] = `${paths[id]}.${c.localName}`;
      queue.push(c.nodeId);
    }
  }
  return paths;
}

/** The tensor inputs of a concrete function's `args` (TensorSpec leaves), for shape inference and messages. */
export function argSpecs(fn: ConcreteFunctionInfo): TensorSpec[] {
  const sig = fn.inputSignature;
  const args = sig.kind === 'tuple' || sig.kind === 'list' ? sig.items[0] : undefined;
  if (!args) return [];
  return tensorLeaves(args).filter((l): l is TensorSpec => l.kind === 'tensorSpec');
}
