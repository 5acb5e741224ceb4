import type { Limits, ModelSource } from '@savedkeras/common';
import { loadSignatures, type LoadedSavedModel } from '@savedkeras/graph';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import { openSavedModel } from './load-keras-model.js';

export interface LoadSavedModelOptions {
  limits?: Partial<Limits>;
  /** Random source for random ops (seed it for reproducible outputs). */
  random?: () => number;
  /** The meta graph to load, by its exact tag set, as `tf.saved_model.load(path, tags=...)` (default: `serve`, else the first). */
  tags?: readonly string[];
  /** Where notes go (a TF Serving folder: which version was chosen). Default: console.warn. */
  warn?: (message: string) => void;
  /** Default wall-clock guard of every signature call: `signal` aborts it, `timeoutMs` bounds it (a call's own options win). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface SavedModelHandle extends LoadedSavedModel {
  graph: SavedModelGraph;
}

/**
 * Loads any SavedModel (tf.Module exports, Keras 3 `model.export()`, TF-Agents policies, Keras
 * models too) as its serving signatures: `sm.signatures.serving_default({ x })` runs the saved
 * graph on tfjs ops. A SavedModel without signatures still loads: its variables are readable.
 */
export async function loadSavedModel(from: string | ModelSource, options: LoadSavedModelOptions = {}): Promise<SavedModelHandle> {
  const opened = await openSavedModel(from, options);
  const loaded = await loadSignatures(opened.graph, opened.checkpoint, {
    limits: options.limits,
    random: options.random,
    guard: { signal: options.signal, timeoutMs: options.timeoutMs },
  });
  return Object.assign(loaded, { graph: opened.graph });
}
