import * as tfl from '@tensorflow/tfjs-layers';
import {
  FormatError,
  locateSavedModel,
  MissingFileError,
  resolveSource,
  type Limits,
  type ModelSource,
  type ProgressCallback,
} from '@savedkeras/common';
import { CheckpointReader } from '@savedkeras/proto';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { reviveKerasModel, type LayerClass, type ReviveReport } from '@savedkeras/revive';
import { ensurePluginsRegistered } from './plugins.js';

export interface LoadOptions {
  /** Classes for custom layers, by Keras class name: the `custom_objects` of Keras. */
  customObjects?: Record<string, LayerClass>;
  /** Compile from the saved training_config (default true). */
  compile?: boolean;
  onProgress?: ProgressCallback;
  /** Where warnings go (default: console.warn). */
  warn?: (message: string) => void;
  limits?: Partial<Limits>;
  /** Random source for random ops in layers revived from saved functions (seed it for reproducible outputs). */
  random?: () => number;
  /** The meta graph to load, by its exact tag set (default: the one tagged `serve`, else the first). */
  tags?: readonly string[];
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
}

/**
 * Reads saved_model.pb, keras_metadata.pb and the checkpoint index of a SavedModel. What is not a
 * SavedModel folder is recognised first (locateSavedModel): a TF Serving folder opens its highest
 * version; `.keras`/`.h5` files and tfjs model folders get an error naming their format.
 */
export async function openSavedModel(from: string | ModelSource, options: OpenOptions = {}): Promise<OpenedSavedModel> {
  const source = await locateSavedModel(resolveSource(from), { warn: options.warn ?? ((m) => console.warn(m)) });
  let checkpoint: CheckpointReader | null = null;
  if ((await source.size('variables/variables.index')) !== undefined) {
    checkpoint = await CheckpointReader.open(source, 'variables/variables', options.limits);
  }
  const checkpointGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const graph = await SavedModelGraph.load(source, { limits: options.limits, checkpointGraph, tags: options.tags });
  return { source, graph, checkpoint };
}

export function requireCheckpoint(opened: OpenedSavedModel): CheckpointReader {
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
  graph: SavedModelGraph;
}

/** Like loadKerasModel, but also returns how each object was revived and the resolved object graph. */
export async function loadKerasModelWithReport(from: string | ModelSource, options: LoadOptions = {}): Promise<LoadedKerasModel> {
  ensurePluginsRegistered();
  options.onProgress?.({ stage: 'read', loadedBytes: 0, totalBytes: 0, fraction: 0 });
  const opened = await openSavedModel(from, options);
  const ckpt = requireCheckpoint(opened);
  const { model, report } = await reviveKerasModel(opened.graph, ckpt, {
    customObjects: options.customObjects,
    compile: options.compile,
    onProgress: options.onProgress,
    warn: options.warn,
    random: options.random,
  });
  checkLoadedModel(model);
  return { model, report, graph: opened.graph };
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
    try {
      model.build();
    } catch (e) {
      throw new FormatError(`tfjs-layers refused to build the saved Sequential: ${(e as Error).message.split('\n')[0]}`, { node: model.name, hint, cause: e });
    }
  }
}

/**
 * Loads a Keras SavedModel (a `model.save()` folder) as a real, trainable tf.LayersModel, the way
 * Python's `tf.keras.models.load_model` does.
 */
export async function loadKerasModel(from: string | ModelSource, options: LoadOptions = {}): Promise<tfl.LayersModel> {
  return (await loadKerasModelWithReport(from, options)).model;
}
