import { resolveLimits, type Limits, type ModelSource } from '@savedkeras/common';
import { loadSignatures, type LoadedSavedModel } from '@savedkeras/graph';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import { openSavedModel } from './load-keras-model.js';
import { boundSignatureOutputs } from './output-bound.js';

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
  const half = Object.values(loaded.signatures).flatMap((sig) => sig.reducedPrecisionOps().map((o) => ({ ...o, signature: sig.signatureName })));
  if (half.length > 0) (options.warn ?? ((m: string) => console.warn(`savedkeras: ${m}`)))(reducedPrecisionNote(half));
  const maxBytes = resolveLimits(options.limits).maxOutputBytes;
  for (const [name, sig] of Object.entries(loaded.signatures)) loaded.signatures[name] = boundSignatureOutputs(sig, maxBytes);
  return Object.assign(loaded, { graph: opened.graph });
}

/**
 * The load warning for signatures whose graph computes in float16 / bfloat16 (Keras' mixed precision policies):
 * the ops run in float32 here, so outputs differ from TensorFlow's by the narrow type's rounding.
 */
function reducedPrecisionNote(ops: { op: string; dtype: string; signature: string }[]): string {
  const signatures = [...new Set(ops.map((o) => o.signature))];
  const types = [...new Set(ops.map((o) => o.dtype))].sort().reverse();
  const kinds = [...new Set(ops.map((o) => o.op))];
  const shown = kinds.slice(0, 6).join(', ') + (kinds.length > 6 ? ', ...' : '');
  return (
    `the saved graph of signature${signatures.length > 1 ? 's' : ''} ${signatures.join(', ')} computes in ${types.join(' and ')} ` +
    `(${ops.length} ops: ${shown}; a Keras mixed precision policy such as "mixed_float16"); savedkeras computes them in float32 ` +
    `(tfjs has no half-precision arithmetic), so outputs differ from TensorFlow's by that type's rounding: ` +
    `about 1e-3 relative per layer for float16${types.includes('bfloat16') ? ', 1e-2 for bfloat16' : ''} (not float32's 1e-6); compare with a tolerance to match`
  );
}
