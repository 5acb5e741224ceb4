import type * as tfl from '@tensorflow/tfjs-layers';
import {
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
}

export interface OpenedSavedModel {
  source: ModelSource;
  graph: SavedModelGraph;
  checkpoint: CheckpointReader | null;
}

/** Reads saved_model.pb, keras_metadata.pb and the checkpoint index of a SavedModel. */
export async function openSavedModel(from: string | ModelSource, options: { limits?: Partial<Limits> } = {}): Promise<OpenedSavedModel> {
  const source = resolveSource(from);
  let checkpoint: CheckpointReader | null = null;
  if ((await source.size('variables/variables.index')) !== undefined) {
    checkpoint = await CheckpointReader.open(source, 'variables/variables', options.limits);
  }
  const checkpointGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const graph = await SavedModelGraph.load(source, { limits: options.limits, checkpointGraph });
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
  return { model, report, graph: opened.graph };
}

/**
 * Loads a Keras SavedModel (a `model.save()` folder) as a real, trainable tf.LayersModel, the way
 * Python's `tf.keras.models.load_model` does.
 */
export async function loadKerasModel(from: string | ModelSource, options: LoadOptions = {}): Promise<tfl.LayersModel> {
  return (await loadKerasModelWithReport(from, options)).model;
}
