import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, NotSavedError, resolveLimits, UnsupportedFeatureError, type Limits, type ProgressCallback } from '@savedkeras/common';
import { MultiHeadAttention, withCustomObjects } from '@savedkeras/layers';
import { checkLayerOutputSizes, collectReducedPrecisionLayers, compileFromTrainingConfig, isObject, reducedPrecisionWarning, kerasIoNames, reviveError, type CompileResult, type Json, type JsonObject, type CustomObjects } from '@savedkeras/revive';
import { ConfigBuilder, KERAS3_OR_MASK_MERGES, type BuiltLayer, type BuiltNetwork, type WeightBudget } from './build-model.js';
import { detectKerasFileFormat, type KerasFileFormat } from './detect.js';
import { keras3FunctionNames } from './keras3-config.js';
import { H5File } from './hdf5.js';
import { registerKeras3Activations } from './activations.js';
import { restoreOptimizerState, type OptimizerStateResult } from './optimizer-state.js';
import { assignKeras3Weights, assignLegacyWeights, type AssignedWeight } from './weights.js';
import { parseJson, readKerasArchive } from './zip.js';
import { keptCompileConfigs } from './write-training.js';

export interface KerasFileLoadOptions {
  /** Classes for custom layers by registered name (`package>Name`) or class name: Keras' `custom_objects`. */
  customObjects?: CustomObjects;
  /** Compile from the saved compile_config / training_config and restore the optimizer state (default true). */
  compile?: boolean;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
  limits?: Partial<Limits>;
  /** The file's name in messages (default: 'model.keras' / 'model.h5' by format). */
  fileName?: string;
}

/** What `inspect` and `summary` show about a model file. */
export interface KerasFileInfo {
  format: KerasFileFormat;
  /** `keras-3` for a .keras zip and Keras 3 .h5 files, `keras-2` for tf.keras .h5 files. */
  layout: 'keras-3' | 'keras-2';
  kerasVersion?: string;
  backend?: string;
  dateSaved?: string;
  /** Model class of the top object: Sequential, Functional, or a registered name. */
  modelClass: string;
}

export interface KerasFileReport {
  info: KerasFileInfo;
  /** Every layer built, by path of names, with its class and how it was made. */
  layers: { path: string; className: string; how: BuiltLayer['how'] }[];
  fromConfig: number;
  fromPlugins: number;
  weights: AssignedWeight[];
  compile: CompileResult;
  optimizerState: OptimizerStateResult;
  warnings: string[];
  inputNames: string[];
  outputNames: string[];
}

export interface LoadedKerasFile {
  model: tfl.LayersModel;
  report: KerasFileReport;
}

/**
 * Loads a Keras model file — a Keras 3 `.keras` zip, or a legacy `.h5` written by Keras 3 or
 * tf.keras 2 — from its bytes into a tfjs-layers model with its weights, compiled from the saved
 * compile config with the optimizer state restored where tfjs has the same optimizer.
 * The format is told from the bytes, never from a file name.
 */
export async function loadKerasFile(bytes: Uint8Array, options: KerasFileLoadOptions = {}): Promise<LoadedKerasFile> {
  registerKeras3Activations();
  const limits = resolveLimits(options.limits);
  const format = detectKerasFileFormat(bytes);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    (options.warn ?? ((x: string) => console.warn(`savedkeras: ${x}`)))(m);
  };
  const progress = (stage: string, fraction: number) => options.onProgress?.({ stage, loadedBytes: Math.round(fraction * bytes.length), totalBytes: bytes.length, fraction });
  progress('read', 0);
  if (!format) {
    throw new FormatError('neither a .keras zip nor an HDF5 file (the first bytes are neither PK\\3\\4 nor \\x89HDF)', {
      file: options.fileName,
      hint: 'pass a file Keras wrote with model.save("x.keras") or model.save("x.h5"), or a SavedModel folder',
    });
  }
  // A load that fails half-way frees the variables of the layers it built (a hostile file must not leak memory).
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  const savedConfigs: unknown[] = []; // for errors: the names the file itself uses
  try {
    // customObjects are shown to tfjs' own nested deserialization too (a custom activation, regularizer,
    // initializer or constraint inside a built-in layer's config), as the SavedModel loader does.
    const loaded = await withCustomObjects(options.customObjects, () =>
      format === 'keras-zip' ? loadZip(bytes, options, limits, warn, warnings, progress, savedConfigs) : loadH5(bytes, options, limits, warn, warnings, progress, savedConfigs),
    );
    const reducedPrecision = new Map<string, Set<string>>();
    collectReducedPrecisionLayers(savedConfigs[0], reducedPrecision);
    const precision = reducedPrecisionWarning(reducedPrecision);
    if (precision) warn(`${options.fileName ?? (format === 'keras-zip' ? 'model.keras' : 'model.h5')}: ${precision}`);
    return loaded;
  } catch (e) {
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!variablesBefore.has(name)) v.dispose();
    throw reviveError(e, options.fileName, () => savedConfigs);
  }
}

type Progress = (stage: string, fraction: number) => void;

async function loadZip(bytes: Uint8Array, options: KerasFileLoadOptions, limits: Limits, warn: (m: string) => void, warnings: string[], progress: Progress, savedConfigs: unknown[]): Promise<LoadedKerasFile> {
  const file = options.fileName ?? 'model.keras';
  const archive = readKerasArchive(bytes, file, limits);
  progress('decode', 0.2);
  if (!isObject(archive.config as Json)) throw new FormatError('config.json is not a JSON object', { file: `${file}: config.json` });
  const config = archive.config as JsonObject;
  savedConfigs.push(config);
  const weightsFile = `${file}: model.weights.h5`;
  // Opened before the build: what it holds bounds the weights the config may make.
  const h5 = archive.weights ? new H5File(archive.weights, weightsFile, limits) : undefined;
  const weightBudget = h5 ? weightBudgetOf(h5, '') : { largest: 0, total: 0 };
  const built = new ConfigBuilder({ customObjects: options.customObjects, file: `${file}: config.json`, warn, weightBudget }).buildTop(config);
  checkLayerOutputSizes(built.layer as tfl.LayersModel, limits.maxComputedTensorElements, `${file}: config.json`);
  progress('build', 0.4);
  let weights: AssignedWeight[] = [];
  if (h5) {
    weights = assignKeras3Weights(built.network!, h5);
  } else if (built.layer.weights.length > 0) {
    throw new FormatError('the zip holds no model.weights.h5, but the model has weights', { file });
  }
  restoreAssets(built.network!, archive.assets, '', file);
  progress('weights', 0.8);
  const info: KerasFileInfo = {
    format: 'keras-zip',
    layout: 'keras-3',
    kerasVersion: str(archive.metadata['keras_version']),
    dateSaved: str(archive.metadata['date_saved']),
    modelClass: str(config['registered_name']) ?? str(config['class_name']) ?? '?',
  };
  const compileConfig = config['compile_config'];
  const trainingConfig = isObject(compileConfig) ? { ...compileConfig, optimizer_config: compileConfig['optimizer'] ?? null } : undefined;
  return finish(built, info, weights, trainingConfig, h5 ? { kind: 'keras-3', h5 } : undefined, options, warn, warnings);
}

async function loadH5(bytes: Uint8Array, options: KerasFileLoadOptions, limits: Limits, warn: (m: string) => void, warnings: string[], progress: Progress, savedConfigs: unknown[]): Promise<LoadedKerasFile> {
  const file = options.fileName ?? 'model.h5';
  const h5 = new H5File(bytes, file, limits);
  const modelConfigText = h5.stringAttr('', 'model_config');
  if (modelConfigText === undefined) {
    const weightsOnly = h5.isGroup('layers') || h5.stringListAttr('', 'layer_names').length > 0;
    throw new UnsupportedFeatureError(weightsOnly ? 'this HDF5 file holds weights only (no model_config): it was written by save_weights' : 'this HDF5 file has no model_config attribute: it is not a Keras model file', {
      file,
      hint: weightsOnly ? 'build the model in code and load the weights into it, or save the whole model with model.save()' : 'pass a file Keras wrote with model.save("x.h5")',
    });
  }
  if (modelConfigText.length > limits.maxMetadataJsonBytes) throw new FormatError('model_config is larger than the metadata limit', { file });
  const config = parseJson(modelConfigText, `${file}: model_config`);
  savedConfigs.push(config);
  if (!isObject(config as Json)) throw new FormatError('model_config is not a JSON object', { file });
  progress('decode', 0.2);
  const kerasVersion = h5.stringAttr('', 'keras_version') ?? h5.stringAttr('model_weights', 'keras_version');
  const layout = kerasVersion && /^3\./.test(kerasVersion) ? 'keras-3' : 'keras-2';
  const weightsRoot = h5.isGroup('model_weights') ? 'model_weights' : '';
  const weightBudget = weightBudgetOf(h5, weightsRoot);
  const built = new ConfigBuilder({ customObjects: options.customObjects, file: `${file}: model_config`, warn, layout, weightBudget }).buildTop(config as JsonObject);
  checkLayerOutputSizes(built.layer as tfl.LayersModel, limits.maxComputedTensorElements, `${file}: model_config`);
  progress('build', 0.4);
  const weights = assignLegacyWeights(built.network!, h5, weightsRoot);
  requireVocabularies(built.network!, file);
  progress('weights', 0.8);
  const info: KerasFileInfo = {
    format: 'hdf5',
    layout,
    kerasVersion,
    backend: h5.stringAttr('', 'backend'),
    modelClass: str((config as JsonObject)['class_name']) ?? '?',
  };
  const tc = h5.stringAttr('', 'training_config');
  const trainingConfig = tc !== undefined ? (parseJson(tc, `${file}: training_config`) as Json) : undefined;
  return finish(built, info, weights, trainingConfig, { kind: 'legacy', h5 }, options, warn, warnings);
}

/** Whether a file's keras_version is at least major.minor (unknown: no). */
function kerasAtLeast(version: string | null | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

async function finish(
  built: BuiltLayer,
  info: KerasFileInfo,
  weights: AssignedWeight[],
  trainingConfig: Json | undefined,
  optimizerSource: Parameters<typeof restoreOptimizerState>[1] | undefined,
  options: KerasFileLoadOptions,
  warn: (m: string) => void,
  warnings: string[],
): Promise<LoadedKerasFile> {
  const model = built.layer as tfl.LayersModel;
  const layers: KerasFileReport['layers'] = [];
  const zeroMasked = kerasAtLeast(info.kerasVersion, 3, 10);
  const keras3 = info.layout === 'keras-3';
  // Keras 3.15 and before compute sparsemax with a threshold that sums the cumulative sums (keras-team/keras#23425);
  // Keras' master fixed it after 3.15.1 (#23469). Ours is 3.15's: a newer file may have been made with the fix.
  const sparsemaxChanged = kerasAtLeast(info.kerasVersion, 3, 16);
  const visit = (net: BuiltNetwork, prefix: string) => {
    for (const b of net.layers) {
      const path = prefix ? `${prefix}/${b.layer.name}` : b.layer.name;
      const activation = (b.layer as unknown as { activation?: { getClassName?: () => string } }).activation;
      if (sparsemaxChanged && activation?.getClassName?.() === 'sparsemax') {
        warn(`${path}: sparsemax is computed as Keras 3.15 computes it (keras-team/keras#23425); this file is from Keras ${String(info.kerasVersion)}, which may compute the corrected sparsemax (keras-team/keras#23469): outputs can differ`);
      }
      layers.push({ path, className: b.className, how: b.how });
      if (b.layer instanceof MultiHeadAttention) {
        b.layer.zeroMaskedScores = zeroMasked;
        b.layer.consumesInputMasks = keras3;
      }
      // Keras 3 merge layers or their inputs' masks (tfjs-shims' installMergeMasks); Keras 2 and-s them.
      if (keras3 && KERAS3_OR_MASK_MERGES.has(b.className)) (b.layer as unknown as { kerasOrMasks: boolean }).kerasOrMasks = true;
      if (b.network) visit(b.network, path);
    }
  };
  visit(built.network!, '');
  let compile: CompileResult = { compiled: false };
  let optimizerState: OptimizerStateResult = { restored: false, reason: 'not compiled' };
  if (options.compile !== false) {
    // revive's compile warns that SavedModels never restore optimizer slots; here they are restored below.
    // Keras 3 function references (custom losses, metrics) as names, looked up in customObjects too.
    compile = compileFromTrainingConfig(model, trainingConfig === undefined ? undefined : keras3FunctionNames(trainingConfig), (m) => (/Optimizer state/.test(m) ? undefined : warn(m)), options.customObjects);
    if (compile.compiled && isObject(trainingConfig ?? null)) {
      // Loss and metrics as saved: saveKerasFile writes them back (tfjs keeps only what it can run).
      const tc = trainingConfig as JsonObject;
      keptCompileConfigs.set(model, {
        loss: tc['loss'] ?? null,
        loss_weights: tc['loss_weights'] ?? null,
        metrics: tc['metrics'] ?? null,
        weighted_metrics: tc['weighted_metrics'] ?? null,
        optimizer: tc['optimizer_config'] ?? null,
      });
    }
    if (compile.compiled && optimizerSource) {
      optimizerState = await restoreOptimizerState(model, optimizerSource, trainingConfig);
      if (!optimizerState.restored) warn(`optimizer state not restored: ${optimizerState.reason}; training resumes with fresh optimizer slots`);
    }
  }
  const { inputNames, outputNames } = kerasIoNames(model);
  const fromPlugins = layers.filter((l) => l.how === 'plugin' || l.how === 'custom').length;
  return {
    model,
    report: {
      info,
      layers,
      fromConfig: layers.length - fromPlugins,
      fromPlugins,
      weights,
      compile,
      optimizerState,
      warnings,
      inputNames,
      outputNames,
    },
  };
}

/**
 * Lookup layers keep their vocabulary in the zip: `assets/<layer path>/vocabulary.txt` (Keras 3
 * `save_assets`: the vocabulary with its special tokens, one per line).
 */
function restoreAssets(net: BuiltNetwork, assets: Map<string, Uint8Array>, base: string, file: string): void {
  if (assets.size === 0) return;
  const counters = new Map<string, number>();
  const container = base === '' ? 'layers' : `${base}/layers`;
  for (const b of net.layers) {
    const snake = b.pythonClass.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const n = counters.get(snake);
    counters.set(snake, n === undefined ? 0 : n + 1);
    const path = `${container}/${n === undefined ? snake : `${snake}_${n + 1}`}`;
    if (b.network) {
      restoreAssets(b.network, assets, path, file);
      continue;
    }
    const layer = b.layer as unknown as { setVocabulary?: (tokens: string[]) => void };
    if (typeof layer.setVocabulary !== 'function') continue;
    const data = assets.get(`${path}/vocabulary.txt`) ?? assets.get(`${path}/_lookup_layer/vocabulary.txt`);
    if (!data) continue;
    const text = new TextDecoder().decode(data);
    try {
      layer.setVocabulary(text.split('\n'));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new FormatError(`the saved vocabulary does not fit the layer: ${e.message}`, { file: `${file}: assets/${path}/vocabulary.txt`, node: b.layer.name, cause: e });
    }
  }
}

/**
 * Element counts of the numeric datasets under `root` (shapes only, no values read), each at most
 * what the file's bytes can hold by H5File.read's own rule (a claimed shape with nothing behind it
 * does not widen the budget).
 */
function weightBudgetOf(h5: H5File, root: string): WeightBudget {
  let largest = 0;
  let total = 0;
  const cap = h5.byteLength * 64 + 1024;
  for (const path of h5.datasetsUnder(root)) {
    let shape: number[];
    try {
      shape = h5.describe(path).shape;
    } catch (e) {
      if (e instanceof UnsupportedFeatureError) continue; // not a number type: never a weight value
      throw e;
    }
    const n = Math.min(shape.reduce((a, b) => a * b, 1), cap);
    largest = Math.max(largest, n);
    total += n;
  }
  return { largest, total };
}

/**
 * A `.h5` file keeps a lookup layer's vocabulary only when it is in the layer's config (passed as
 * `vocabulary=`); an adapted vocabulary lives in a lookup table that the legacy HDF5 format never
 * writes (its weight group is empty), and Keras itself cannot run such a layer after loading the
 * file (FailedPreconditionError: table not initialized). Refused here instead of predicting with
 * an empty vocabulary.
 */
function requireVocabularies(net: BuiltNetwork, file: string, prefix = ''): void {
  for (const b of net.layers) {
    const path = prefix ? `${prefix}/${b.layer.name}` : b.layer.name;
    if (b.network) {
      requireVocabularies(b.network, file, path);
      continue;
    }
    const layer = b.layer as unknown as { hasVocabulary?: () => boolean };
    if (typeof layer.hasVocabulary === 'function' && !layer.hasVocabulary()) {
      throw new NotSavedError(`${b.className} ${JSON.stringify(b.layer.name)} has no saved vocabulary: .h5 files do not store an adapted vocabulary (only one given as vocabulary= in the config), so Keras cannot rebuild this layer from the file either`, {
        file,
        node: path,
        hint: 'save the model as .keras (model.save("x.keras")) or export a SavedModel (model.export(...)): both keep the vocabulary',
      });
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
