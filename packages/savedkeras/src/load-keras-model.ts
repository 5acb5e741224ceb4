import * as tfl from '@tensorflow/tfjs-layers';
import {
  detectModelFormat,
  FormatError,
  LimitError,
  locateSavedModel,
  resolveLimits,
  MissingFileError,
  resolveSource,
  type Limits,
  type ModelSource,
  type ProgressCallback,
} from '@savedkeras/common';
import { CheckpointReader, type TrackableObjectGraph } from '@savedkeras/proto';
import { KerasMetadataNeeded, ObjectGraphNeeded, SavedModelGraph, type KeyRouteMemo } from '@savedkeras/object-graph';
import type { CustomObjects } from '@savedkeras/layers';
import { isNetworkIdentifier, resolveLayerClass, reviveKerasModel, type ReviveReport } from '@savedkeras/revive';
import { loadKerasFile, type KerasFileReport } from '@savedkeras/keras-file';
import { ensurePluginsRegistered } from './plugins.js';
import { verifyLayers, type VerifiedLayer } from './verify-layers.js';
import { boundModelOutputs } from './output-bound.js';

export interface LoadOptions {
  /**
   * The `custom_objects` of Keras: layer classes, losses, metrics, activations, regularizers,
   * initializers and constraints, by the name the saved config uses (`'MyDense'`, `'pkg>MyDense'`).
   */
  customObjects?: CustomObjects;
  /** Compile from the saved training_config (default true). */
  compile?: boolean;
  /**
   * Resume training where Keras stopped: restore the optimizer's saved state (iterations,
   * hyper-parameter variables, slot variables such as Adam's m and v) into the compiled optimizer.
   * Default false: optimizer slots (often twice the weights) are never read and fit() starts
   * from a fresh optimizer. Needs `compile` (the default).
   */
  loadOptimizerState?: boolean;
  onProgress?: ProgressCallback;
  /** Where warnings go (default: console.warn). */
  warn?: (message: string) => void;
  limits?: Partial<Limits>;
  /** Random source for random ops in layers revived from saved functions (seed it for reproducible outputs). */
  random?: () => number;
  /** The meta graph to load, by its exact tag set (default: the one tagged `serve`, else the first). */
  tags?: readonly string[];
  /**
   * Run each layer revived from its config next to the call function Keras saved for it on a seeded
   * sample, and replace one that throws or disagrees by its saved-function revival, with a warning
   * (default false: it costs one extra run of every layer at load).
   */
  verifyLayers?: boolean;
}

export interface OpenedSavedModel {
  source: ModelSource;
  graph: SavedModelGraph;
  checkpoint: CheckpointReader | null;
}

export interface OpenOptions {
  limits?: Partial<Limits>;
  /** The meta graph to read, by its exact tag set (default: the one tagged `serve`, else the first). */
  tags?: readonly string[];
  /** Where notes go (a TF Serving folder: which version was chosen). Default: console.warn. */
  warn?: (message: string) => void;
  /** When saved_model.pb's GraphDef is read (see LoadGraphOptions; default 'atLoad'). */
  functionLibrary?: 'atLoad' | 'onDemand';
}

/**
 * Reads saved_model.pb, keras_metadata.pb and the checkpoint index of a SavedModel. What is not a
 * SavedModel folder is recognised first (locateSavedModel): a TF Serving folder opens its highest
 * version; `.keras`/`.h5` files and tfjs model folders get an error naming their format.
 */
export async function openSavedModel(from: string | ModelSource, options: OpenOptions = {}): Promise<OpenedSavedModel> {
  const source = await locateSavedModel(resolveSource(from), { warn: options.warn ?? ((m) => console.warn(m)) });
  return openLocated(source, await openCheckpoint(source, options.limits), options);
}

/** variables/variables.index of a located SavedModel, or null when it has none. */
async function openCheckpoint(source: ModelSource, limits: Partial<Limits> | undefined): Promise<CheckpointReader | null> {
  if ((await source.size('variables/variables.index')) === undefined) return null;
  return CheckpointReader.open(source, 'variables/variables', limits);
}

async function openLocated(source: ModelSource, checkpoint: CheckpointReader | null, options: OpenOptions): Promise<OpenedSavedModel> {
  const checkpointGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const graph = await SavedModelGraph.load(source, { limits: options.limits, checkpointGraph, tags: options.tags, functionLibrary: options.functionLibrary });
  return { source, graph, checkpoint };
}

function requireCheckpoint(opened: OpenedSavedModel): CheckpointReader {
  if (!opened.checkpoint) {
    throw new MissingFileError(`no variables/variables.index in ${opened.source.description}`, {
      file: 'variables/variables.index',
      hint: 'copy the whole SavedModel folder, including variables/',
    });
  }
  return opened.checkpoint;
}

export interface LoadedKerasModel {
  model: tfl.LayersModel;
  report: ReviveReport;
  /**
   * The SavedModel's object graph; absent for a `.keras` / `.h5` file. After a load by the checkpoint route
   * (`report.route` 'checkpoint', `graph.objectGraphFrom` 'checkpoint') it is the checkpoint's object graph
   * with the Keras metadata: saved_model.pb was not read, so it has no signatures and no functions
   * (openSavedModel reads them).
   */
  graph?: SavedModelGraph;
  /** For a `.keras` / `.h5` file: its format, versions, layers and weights as read. */
  kerasFile?: KerasFileReport;
  /** With `verifyLayers`: what each verified layer gave, and which were replaced. */
  verifiedLayers?: VerifiedLayer[];
}

/**
 * The bytes of the Keras model file `source` points at (a `.keras` zip or an `.h5`, told apart by
 * their first bytes), or undefined when it points at a folder or another kind of file.
 */
export async function readKerasModelFile(source: ModelSource, options: { limits?: Partial<Limits> } = {}): Promise<{ file: string; bytes: Uint8Array } | undefined> {
  if (source.file === undefined) return undefined;
  const format = await detectModelFormat(source);
  if (format.kind !== 'keras-zip' && format.kind !== 'keras-hdf5') return undefined;
  const size = (await source.size(format.file)) ?? 0;
  const limit = resolveLimits(options.limits).maxProtoFileBytes;
  if (size > limit) throw new LimitError(`${size} bytes is above the limit of ${limit} for one model file`, { file: format.file });
  return { file: format.file, bytes: await source.read(format.file) };
}

/**
 * Like loadKerasModel, but also returns how each object was revived and the resolved object graph.
 * The model's predict / predictOnBatch are bounded by limits.maxOutputBytes (boundModelOutputs).
 */
export async function loadKerasModelWithReport(from: string | ModelSource, options: LoadOptions = {}): Promise<LoadedKerasModel> {
  const loaded = await loadUnbounded(from, options);
  boundModelOutputs(loaded.model, resolveLimits(options.limits).maxOutputBytes);
  return loaded;
}

async function loadUnbounded(from: string | ModelSource, options: LoadOptions): Promise<LoadedKerasModel> {
  ensurePluginsRegistered();
  options.onProgress?.({ stage: 'read', loadedBytes: 0, totalBytes: 0, fraction: 0 });
  const source = resolveSource(from);
  const kerasFile = await readKerasModelFile(source, options);
  if (kerasFile) return loadFromKerasFile(kerasFile.bytes, kerasFile.file, options);
  const located = keepingKerasMetadataHead(await locateSavedModel(source, { warn: options.warn ?? ((m) => console.warn(m)) }));
  const checkpoint = await openCheckpoint(located, options.limits);
  const fast = checkpoint ? await loadFromCheckpointGraph(located, checkpoint, options) : undefined;
  if (fast) return fast;
  // Reviving from configs reads saved_model.pb without its function library, which is fetched
  // only if a layer is revived from its saved functions.
  const opened = await openLocated(located, checkpoint, { ...options, functionLibrary: 'onDemand' });
  const ckpt = requireCheckpoint(opened);
  const { model, report } = await reviveKerasModel(opened.graph, ckpt, {
    customObjects: options.customObjects,
    compile: options.compile,
    loadOptimizerState: options.loadOptimizerState,
    onProgress: options.onProgress,
    warn: options.warn,
    random: options.random,
  });
  checkLoadedModel(model);
  if (options.verifyLayers) {
    const warn = options.warn ?? ((m: string) => console.warn(m));
    await opened.graph.loadFunctionLibrary();
    const verified = await verifyLayers(model, report, opened.graph, ckpt, { warn, random: options.random });
    for (const v of verified.layers.filter((l) => l.result === 'replaced')) {
      const obj = report.objects.find((o) => o.path === v.path);
      if (!obj) continue;
      if (obj.how === 'plugin' || obj.how === 'custom') report.fromPlugins--;
      else report.fromConfig--;
      obj.how = 'savedFunctions';
      report.fromSavedFunctions++;
      report.warnings.push(`${obj.path}: replaced by its saved call function: ${v.reason}`);
    }
    return { model: verified.model, report, graph: opened.graph, verifiedLayers: verified.layers };
  }
  return { model, report, graph: opened.graph };
}

/**
 * The cheap route for a Keras SavedModel whose layers all rebuild from their configs: the same revival,
 * over the object graph the checkpoint carries (SavedModelGraph.fromCheckpoint) instead of
 * saved_model.pb's, which is then never read (nor downloaded). Weights are found by the checkpoint's
 * own keys. Undefined when the model needs saved_model.pb (saved functions, lookup tables, signatures,
 * TF <= 2.4 metadata, options that read it): the caller then loads it the full way. Warnings of an
 * attempt that is abandoned are not passed on (the full load says them again).
 */
async function loadFromCheckpointGraph(source: ModelSource, checkpoint: CheckpointReader, options: LoadOptions): Promise<LoadedKerasModel | undefined> {
  if (options.verifyLayers || options.tags !== undefined || options.loadOptimizerState) return undefined;
  // First without the checkpoint's object graph: the weights by their checkpoint key names (not with the
  // caller's own layer classes, whose weight names Keras' key names need not follow).
  let whole = false;
  if (!options.customObjects || Object.keys(options.customObjects).length === 0) {
    const memo: KeyRouteMemo = {};
    const byKeys = async (kerasMetadata: 'root' | 'whole') => {
      const graph = await SavedModelGraph.fromCheckpointKeys(source, checkpoint, { limits: options.limits, kerasMetadata, memo });
      return graph ? reviveFromGraph(graph, checkpoint, options) : undefined;
    };
    try {
      const loaded = await byKeys('root');
      if (loaded) return loaded;
    } catch (e) {
      if (!(e instanceof ObjectGraphNeeded)) throw e;
      // A layer needs its own node of keras_metadata.pb: the whole file (its head is not read again), still by key names.
      whole = e instanceof KerasMetadataNeeded;
    }
    if (whole) {
      try {
        const loaded = await byKeys('whole');
        if (loaded) return loaded;
      } catch (e) {
        if (!(e instanceof ObjectGraphNeeded)) throw e;
      }
    }
  }
  const ckptGraph = await checkpoint.readObjectGraph();
  if (!ckptGraph) return undefined;
  // First with keras_metadata.pb's root node only (the layers' metadata from the model config: in a browser
  // the rest of the file is not downloaded); a layer that needs a field of its own node starts it over
  // with the whole file.
  if (whole) return reviveFromCheckpointGraph(source, checkpoint, ckptGraph, 'whole', options);
  try {
    return await reviveFromCheckpointGraph(source, checkpoint, ckptGraph, 'root', options);
  } catch (e) {
    if (e instanceof KerasMetadataNeeded) return reviveFromCheckpointGraph(source, checkpoint, ckptGraph, 'whole', options);
    throw e;
  }
}

/**
 * `source`, keeping the bytes read of keras_metadata.pb from its start: reading the whole file after its
 * root node (a second attempt, or the full route) then fetches only the rest of it, and once.
 * The optional methods are passed on exactly when `source` has them: without readRangeInto the
 * checkpoint reader falls back to a new buffer per piece (the 100 MB MLP's wasm load: peak RSS 1.04x ->
 * 1.41x of its weights, 127 -> 216 ms, until they were).
 */
function keepingKerasMetadataHead(source: ModelSource): ModelSource {
  const file = 'keras_metadata.pb';
  let head = new Uint8Array(0);
  const savedModel = new KeptRanges((offset, length) => source.readRange(SAVED_MODEL, offset, length));
  const into = source.readRangeInto?.bind(source);
  const list = source.list?.bind(source);
  return {
    description: source.description,
    file: source.file,
    ...(into ? { readRangeInto: (path: string, offset: number, target: Uint8Array) => into(path, offset, target) } : {}),
    ...(list ? { list: (dir?: string) => list(dir) } : {}),
    size: (path) => source.size(path),
    readRange: async (path, offset, length) => {
      if (path === SAVED_MODEL) return savedModel.read(offset, length);
      // The head again (the key route read it, then the object-graph route): from memory.
      if (path === file && offset + length <= head.length) return head.slice(offset, offset + length);
      const bytes = await source.readRange(path, offset, length);
      if (path === file && offset === head.length && bytes.length === length) head = concat(head, bytes);
      return bytes;
    },
    read: async (path) => {
      if (path !== file) return source.read(path);
      const size = head.length === 0 ? undefined : await source.size(path);
      if (size === undefined || size < head.length) head = await source.read(path);
      else if (size > head.length) head = concat(head, await source.readRange(path, head.length, size - head.length));
      return head;
    },
  };
}

const SAVED_MODEL = 'saved_model.pb';

/**
 * The ranges of a file read so far (up to KEPT_RANGE_BYTES in all), so that a range read again is served from
 * them and only its unread parts are fetched. A TF <= 2.4 model that cannot take the checkpoint route read
 * saved_model.pb's root object by ranges (readSavedModelRootObject), then the full route reads the meta graph's
 * parts, whose object graph starts with that root object: 2-36 KB read twice per load (session 6).
 */
class KeptRanges {
  private readonly pieces: { start: number; bytes: Uint8Array }[] = [];
  private kept = 0;

  constructor(private readonly fetch: (offset: number, length: number) => Promise<Uint8Array>) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    const parts: Uint8Array[] = [];
    for (let at = offset; at < end; ) {
      const have = this.pieces.find((p) => p.start <= at && at < p.start + p.bytes.length);
      if (have) {
        const to = Math.min(end, have.start + have.bytes.length);
        parts.push(have.bytes.subarray(at - have.start, to - have.start));
        at = to;
        continue;
      }
      let to = end;
      for (const p of this.pieces) if (p.start > at && p.start < to) to = p.start;
      const bytes = await this.fetch(at, to - at);
      parts.push(bytes);
      if (bytes.length !== to - at) break; // a short read (end of file): what there is, as the source gives it
      if (bytes.length <= KEPT_PIECE_BYTES && this.kept + bytes.length <= KEPT_RANGE_BYTES) {
        this.pieces.push({ start: at, bytes });
        this.kept += bytes.length;
      }
      at = to;
    }
    if (parts.length === 1) return parts[0].slice();
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/**
 * What KeptRanges keeps of one file at most, and of one read (a TF <= 2.4 root object with its scan: tens of KB).
 * Small: the source lives as long as the graph (a GraphDef fetched on demand is read through it, and not kept).
 */
const KEPT_RANGE_BYTES = 256 * 1024;
const KEPT_PIECE_BYTES = 64 * 1024;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

async function reviveFromCheckpointGraph(
  source: ModelSource,
  checkpoint: CheckpointReader,
  ckptGraph: TrackableObjectGraph,
  kerasMetadata: 'root' | 'whole',
  options: LoadOptions,
): Promise<LoadedKerasModel | undefined> {
  const graph = await SavedModelGraph.fromCheckpoint(source, ckptGraph, checkpoint, { limits: options.limits, kerasMetadata });
  if (!graph) return undefined;
  try {
    return await reviveFromGraph(graph, checkpoint, options);
  } catch (e) {
    if (e instanceof KerasMetadataNeeded) throw e;
    if (e instanceof ObjectGraphNeeded) return undefined;
    throw e;
  }
}

/**
 * Revives a graph made without saved_model.pb; undefined when a layer cannot rebuild from its config.
 * ObjectGraphNeeded (incl. KerasMetadataNeeded) passes out. Warnings of an abandoned attempt are not passed on.
 */
async function reviveFromGraph(graph: SavedModelGraph, checkpoint: CheckpointReader, options: LoadOptions): Promise<LoadedKerasModel | undefined> {
  if (!revivesFromConfigs(graph, options.customObjects)) return undefined;
  const warnings: string[] = [];
  const { model, report } = await reviveKerasModel(graph, checkpoint, {
    customObjects: options.customObjects,
    compile: options.compile,
    onProgress: options.onProgress,
    warn: (m) => warnings.push(m),
    random: options.random,
  });
  checkLoadedModel(model);
  // Callers read the graph after the load (the web page and `check` plan inputs from it): no more KerasMetadataNeeded.
  graph.doneReviving();
  const warn = options.warn ?? ((m: string) => console.warn(`savedkeras: ${m}`));
  for (const m of warnings) warn(m);
  return { model, report, graph };
}

/** Every Keras object is a network, an input, a metric or a layer with a config and a registered class (else saved functions may be needed). */
function revivesFromConfigs(graph: SavedModelGraph, customObjects: CustomObjects | undefined): boolean {
  for (const n of graph.kerasNodes()) {
    const k = n.keras!;
    // Metrics are not revived (compile makes its own); inputs are made from their network's config.
    if (k.identifier === '_tf_keras_input_layer' || k.identifier === '_tf_keras_metric') continue;
    if (!k.hasConfig) return false;
    const isNetwork = isNetworkIdentifier(k.identifier);
    if (isNetwork && Array.isArray((k.metadata['config'] as Record<string, unknown> | undefined)?.['layers'])) continue;
    if (!k.className || !resolveLayerClass(k.className, customObjects)) return false;
  }
  return true;
}

/** A `.keras` / `.h5` file through @savedkeras/keras-file, reported like a revived SavedModel. */
async function loadFromKerasFile(bytes: Uint8Array, fileName: string, options: LoadOptions): Promise<LoadedKerasModel> {
  const { model, report } = await loadKerasFile(bytes, {
    customObjects: options.customObjects,
    compile: options.compile,
    onProgress: options.onProgress,
    warn: options.warn,
    limits: options.limits,
    fileName,
  });
  checkLoadedModel(model);
  const revive: ReviveReport = {
    route: 'kerasFile',
    fromConfig: report.fromConfig,
    fromSavedFunctions: 0,
    fromPlugins: report.fromPlugins,
    objects: report.layers.map((l) => ({ path: l.path, className: l.className, how: l.how })),
    warnings: report.warnings,
    compile: report.compile,
    inputNames: report.inputNames,
    outputNames: report.outputNames,
    weights: report.weights.map((w) => ({ weight: w.weight, checkpointKey: w.path, variablePath: w.path, layerPath: w.layerPath })),
  };
  return { model, report: revive, kerasFile: report };
}

/** The dtypes tfjs has tensors of. */
const TFJS_DTYPES = new Set(['float32', 'int32', 'bool', 'string', 'complex64']);

/**
 * What tfjs-layers would only refuse on the first predict is checked at load: a Sequential builds
 * its inner model lazily (that is where tfjs refuses duplicate layer names), and an input dtype tfjs
 * has no tensors of fails only when fed. Such a model comes from a corrupt or hand-edited Keras
 * config; tfjs-layers' own error (a plain Error) is reported as a FormatError that says tfjs refused it.
 */
function checkLoadedModel(model: tfl.LayersModel): void {
  const hint = 'the saved Keras config (keras_metadata.pb, or saved_model.pb before TF 2.5) is inconsistent or corrupt';
  // tfjs builds such a model, then every predict fails with "Expected at least one fetch".
  if (model.outputs.length === 0) throw new FormatError('the model has no outputs', { node: model.name, hint });
  for (const inp of model.inputs) {
    if (!TFJS_DTYPES.has(inp.dtype)) {
      throw new FormatError(`model input ${inp.name} has dtype ${JSON.stringify(inp.dtype)}, which tfjs has no tensors of`, { node: model.name, hint });
    }
  }
  const lazy = model as unknown as { model?: unknown };
  if (model instanceof tfl.Sequential && model.outputs.length > 0 && lazy.model == null) {
    // tfjs builds the inner model on the first predict or compile (in time quadratic in the layers:
    // 1,000 layers take tens of ms), as tf.loadLayersModel leaves it. What that build can refuse in a
    // chain made by add(), which already connected every layer, is a layer name used twice: checked here.
    const layers = [...new Set(model.layers)];
    const names = new Map<string, number>();
    for (const layer of layers) names.set(layer.name, (names.get(layer.name) ?? 0) + 1);
    for (const [name, count] of names) {
      if (count !== 1) {
        const message = `The name "${name}" is used ${count} times in the model. All layer names should be unique. Layer names: ${JSON.stringify(layers.map((l) => l.name))}`;
        throw new FormatError(`tfjs-layers refused to build the saved Sequential: ${message}`, { node: model.name, hint });
      }
    }
  }
}

/**
 * Loads a Keras model as a real, trainable tf.LayersModel, the way Python's `keras.models.load_model`
 * does: a SavedModel folder (`model.save()` in TF 2.x, `tf.saved_model.save`), a Keras 3 `.keras`
 * file, or an `.h5` file (Keras 2 or Keras 3); a path, a URL or a ModelSource. A file's format is
 * told from its bytes, not its name.
 */
export async function loadKerasModel(from: string | ModelSource, options: LoadOptions = {}): Promise<tfl.LayersModel> {
  return (await loadKerasModelWithReport(from, options)).model;
}
