import type * as tfl from '@tensorflow/tfjs-layers';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import type { CompileResult } from './compile.js';

export type RevivedHow = 'config' | 'plugin' | 'custom' | 'savedFunctions' | 'network';

export interface RevivedObjectReport {
  path: string;
  className: string;
  how: RevivedHow;
}

export interface ReviveReport {
  /**
   * Where the layers' weights were found: 'checkpoint' (keras_metadata.pb and the checkpoint's own object
   * graph; saved_model.pb was not read), 'savedModel' (saved_model.pb's object graph), 'kerasFile' (a .keras / .h5 file).
   */
  route: 'checkpoint' | 'savedModel' | 'kerasFile';
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

/** How each Keras object was revived, sorted by path, with the counts per way. */
export function revivedObjects(
  graph: SavedModelGraph,
  how: ReadonlyMap<number, RevivedHow>,
): Pick<ReviveReport, 'fromConfig' | 'fromSavedFunctions' | 'fromPlugins' | 'objects'> {
  const objects: RevivedObjectReport[] = [];
  let fromConfig = 0;
  let fromSavedFunctions = 0;
  let fromPlugins = 0;
  for (const [id, h] of how) {
    const n = graph.node(id);
    objects.push({ path: n.path, className: n.keras?.className ?? '?', how: h });
    if (h === 'savedFunctions') fromSavedFunctions++;
    else if (h === 'plugin' || h === 'custom') fromPlugins++;
    else fromConfig++;
  }
  objects.sort((a, b) => a.path.localeCompare(b.path));
  return { fromConfig, fromSavedFunctions, fromPlugins, objects };
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

/**
 * A model revived from its call function has no Keras layer names for its inputs and outputs:
 * use the serving signature's (whose outputs, keyed in sorted order, are in call output order).
 */
export function signatureIoNames(
  graph: SavedModelGraph,
  model: tfl.LayersModel,
  inputNames: string[],
  outputNames: string[],
): { inputNames: string[]; outputNames: string[] } {
  const sig = graph.signatures.find((s) => s.name === 'serving_default') ?? graph.signatures[0];
  if (!sig) return { inputNames, outputNames };
  const sigInputs = sig.inputs.map((i) => i.name);
  const ins =
    inputNames.every((n) => sigInputs.includes(n)) ? inputNames : sigInputs.length === model.inputs.length ? sigInputs : inputNames;
  const outs = sig.outputs.length === model.outputs.length ? sig.outputs.map((o) => o.name) : outputNames;
  return { inputNames: ins, outputNames: outs };
}
