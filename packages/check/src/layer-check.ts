import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Limits, ModelSource } from '@savedkeras/common';
import { checkpointCaptures } from '@savedkeras/graph';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { compareLayerCalls, type LayerCallComparison, type ReviveReport } from '@savedkeras/revive';
import { diff, sameShape } from './compare.js';

/**
 * `check --layers`: each layer revived from its config (or by a plugin) against the call function
 * Keras saved for it (`call_and_return_conditional_losses`), on the tensors the layer really
 * receives inside the model for the check's input (its first call). The saved functions run with
 * their variables read from the checkpoint (not the revived weights) on the reference backend.
 * The walk is revive's compareLayerCalls, the one verifyLayers uses too; this reports what it sees.
 */
export interface CheckedLayer {
  /** Layer name, nested layers as "outer/inner". */
  name: string;
  className: string;
  /** How savedkeras revived it ("config", "plugin", ...). */
  how: string;
  /** Compared with its saved call function; false when it was skipped (see `skipped`). */
  compared: boolean;
  maxAbsDiff: number | null;
  maxRelDiff: number | null;
  ok: boolean;
  /** Why the layer could not be compared (no saved call function, a trace that does not match its inputs, ...). */
  skipped?: string;
}

export interface LayerCheckOptions {
  tolerance: number;
  limits?: Partial<Limits>;
  random?: () => number;
  onReference(): Promise<void>;
  onModel(): Promise<void>;
}

export async function checkLayers(
  model: tfl.LayersModel,
  report: ReviveReport,
  graph: SavedModelGraph,
  source: ModelSource,
  x: tf.Tensor[],
  options: LayerCheckOptions,
): Promise<CheckedLayer[]> {
  if (!graph.root) return [];
  const ckpt = (await source.size('variables/variables.index')) !== undefined ? await CheckpointReader.open(source, 'variables/variables', options.limits) : null;
  await options.onReference();
  const { captures, dispose } = await checkpointCaptures(graph, ckpt);
  await options.onModel();
  const results: CheckedLayer[] = [];
  try {
    // The layers' own outputs flow on (never useSaved): each layer gets what the model really feeds it.
    for await (const c of compareLayerCalls(model, x, { graph, report, captures, limits: options.limits, random: options.random, onReference: options.onReference, onModel: options.onModel })) {
      results.push(checked(c, options.tolerance));
    }
  } finally {
    dispose();
  }
  return results;
}

/** What one comparison of the walk says about a layer (its first call in its network). */
function checked(c: LayerCallComparison, tolerance: number): CheckedLayer {
  const base = { name: c.name, className: c.layer.getClassName(), how: c.how ?? '?', maxAbsDiff: null, maxRelDiff: null };
  const skip = (why: string): CheckedLayer => ({ ...base, compared: false, ok: true, skipped: why });
  if (!c.reached) return skip('its inputs could not be computed (an earlier layer failed)');
  switch (c.saved) {
    case 'no node':
      return skip('no Keras layer of that name in the object graph');
    case 'not compared':
      return skip(c.how === 'savedFunctions' ? 'revived from its saved functions: it is the saved function' : `revived as ${c.how ?? '?'}: not compared`);
    case 'not saved':
      return skip('its call function was not saved');
    case 'load failed':
    case 'call failed':
      return skip(`its saved call function did not run on these inputs: ${firstLine(c.savedError)}`);
    case 'ran':
      break;
  }
  const want = c.want!;
  // The revived layer throws where its saved function runs: that is a disagreement.
  if (!c.got) return { ...base, compared: true, ok: false, skipped: `the revived layer throws: ${firstLine(c.thrown)}` };
  const got = c.got;
  if (got.length !== want.length || got.some((g, i) => !sameShape(g.shape, want[i]!.shape))) {
    return { ...base, compared: true, ok: false, skipped: `shapes differ: [${got.map((t) => t.shape).join('], [')}] vs saved [${want.map((t) => t.shape).join('], [')}]` };
  }
  let abs = 0;
  let rel: number | null = 0;
  for (let i = 0; i < got.length; i++) {
    const d = diff(got[i]!, want[i]!);
    if (d.abs === null || d.rel === null) {
      rel = null;
      break;
    }
    abs = Math.max(abs, d.abs);
    rel = Math.max(rel, d.rel);
  }
  return { ...base, compared: true, ok: rel !== null && rel <= tolerance, maxAbsDiff: rel === null ? null : abs, maxRelDiff: rel };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
