import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { UnsupportedFeatureError, type ModelSource, type ProgressCallback } from '@savedkeras/common';
import type { ReviveReport } from '@savedkeras/revive';
import { VERSION } from '../program.js';
import { DEFAULT_SHARD_BYTES, layersModelFromFiles, writeLayersModel } from '@savedkeras/backend-node';
import { PLUGIN_PACKAGE, pluginClassesIn } from './plugin-classes.js';
import { maxAbsDiff, predictValues, sampleModelInputs } from '@savedkeras/check';

export interface ConvertOptions {
  /** Bytes per weight shard (default 4 MiB, as tfjs). */
  shardBytes?: number;
  /**
   * Load the written files back with tf.loadLayersModel and compare its predictions with the
   * revived model's on a random batch (default true). Skipped for string inputs.
   */
  verify?: boolean;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
}

export interface ConvertResult {
  /** Files written, relative to the output folder (model.json first). */
  files: string[];
  weightBytes: number;
  /** @savedkeras/layers names the model uses (it must be imported before loading), empty when plain tfjs loads it. */
  pluginClasses: string[];
  /** Largest output difference between the revived and the reloaded model, or null when not checked. */
  maxAbsDiff: number | null;
  report: ReviveReport;
}

/** Outputs of the reloaded model may differ from the revived model's by this much (same weights, same kernels: in practice 0). */
const VERIFY_TOLERANCE = 1e-5;

/** Loads a Keras SavedModel and writes it as a TensorFlow.js layers model (model.json + shards) into `outDir`. */
export async function convertSavedModel(source: string | ModelSource, outDir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const { loadKerasModelWithReport } = await import('savedkeras');
  const { model, report } = await loadKerasModelWithReport(source, { onProgress: options.onProgress, warn: options.warn });
  try {
    return await convertLoadedModel(model, report, outDir, options);
  } finally {
    model.dispose();
  }
}

/** Writes an already revived model (see convertSavedModel). */
export async function convertLoadedModel(
  model: tfl.LayersModel,
  report: ReviveReport,
  outDir: string,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  refuseSavedFunctions(report);
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = captured!;
  const pluginClasses = pluginClassesIn(artifacts.modelTopology);
  const weightData = joinWeightData(artifacts.weightData);
  const json: Omit<tf.io.ModelJSON, 'weightsManifest'> = {
    modelTopology: artifacts.modelTopology as object,
    format: 'layers-model',
    generatedBy: 'savedkeras',
    convertedBy: `savedkeras ${VERSION}`,
    userDefinedMetadata: {
      savedkeras: {
        version: VERSION,
        // Loading needs these classes registered: `import '@savedkeras/layers'` before tf.loadLayersModel.
        ...(pluginClasses.length > 0 ? { requires: { package: PLUGIN_PACKAGE, classes: pluginClasses } } : {}),
      },
    },
  };
  const trainingConfig = trainingConfigOf(model, options.warn);
  if (trainingConfig) json.trainingConfig = trainingConfig;
  const files = await writeLayersModel(outDir, json, artifacts.weightSpecs ?? [], weightData, options.shardBytes ?? DEFAULT_SHARD_BYTES);
  let diff: number | null = null;
  if (options.verify !== false) {
    try {
      diff = await verifyReload(model, nodePath.join(outDir, 'model.json'));
    } catch (e) {
      // Leave no model.json behind that looks usable.
      await Promise.all(files.map((f) => rm(nodePath.join(outDir, f), { force: true })));
      throw e;
    }
  }
  return { files, weightBytes: weightData.byteLength, pluginClasses, maxAbsDiff: diff, report };
}

/** Layers revived from their saved call functions are graphs, not layers tfjs can rebuild from a config. */
function refuseSavedFunctions(report: ReviveReport): void {
  if (report.fromSavedFunctions === 0) return;
  const objs = report.objects.filter((o) => o.how === 'savedFunctions').map((o) => `${o.path} (${o.className})`);
  throw new UnsupportedFeatureError(
    `this model cannot be expressed as a plain TensorFlow.js layers model: ${report.fromSavedFunctions} object(s) run from saved functions, not from a layer config: ${objs.slice(0, 5).join(', ')}${objs.length > 5 ? ', ...' : ''}`,
    {
      hint: 'load the SavedModel directly with savedkeras (loadKerasModel or loadSavedModel); tf.loadLayersModel can only rebuild layers from their configs',
    },
  );
}

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/** tfjs' training config of a compiled model, so tf.loadLayersModel compiles it the same way. */
function trainingConfigOf(model: tfl.LayersModel, warn?: (m: string) => void): tf.io.TrainingConfig | undefined {
  if (!model.optimizer) return undefined;
  try {
    // Protected in tfjs' typings; it is what LayersModel.save(includeOptimizer) writes.
    const config = (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig();
    return { ...config, optimizer_config: plainTfjsOptimizer(config.optimizer_config, warn) };
  } catch (e) {
    warn?.(`the model's training config cannot be written for tfjs (${(e as Error).message}); the converted model loads uncompiled`);
    return undefined;
  }
}

/**
 * Revived models train with savedkeras' Keras-exact optimizers (KerasAdam, ...), which plain tfjs does not
 * know: the converted model names the tfjs optimizer of the same kind, so tf.loadLayersModel compiles it
 * (tfjs' update differs slightly from Keras': epsilon placement, momentum scaling).
 */
function plainTfjsOptimizer(
  saved: tf.io.TrainingConfig['optimizer_config'],
  warn?: (m: string) => void,
): tf.io.TrainingConfig['optimizer_config'] {
  const optimizer = saved as { class_name: string; config: Record<string, number | boolean | undefined> };
  const c = optimizer.config;
  const plain = (() => {
    switch (optimizer.class_name) {
      case 'KerasAdam':
        return { class_name: 'Adam', config: { learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } };
      case 'KerasRMSprop':
        return { class_name: 'RMSProp', config: { learningRate: c.learningRate, decay: c.rho, momentum: c.momentum, epsilon: c.epsilon, centered: c.centered } };
      case 'KerasSGD':
        return c.momentum
          ? { class_name: 'Momentum', config: { learningRate: c.learningRate, momentum: c.momentum, useNesterov: c.nesterov } }
          : { class_name: 'SGD', config: { learningRate: c.learningRate } };
      default:
        return undefined;
    }
  })();
  if (!plain) return saved;
  warn?.(`the converted model compiles with tfjs' ${plain.class_name} (its update differs slightly from Keras' ${optimizer.class_name.slice(5)}; optimizer state is not converted)`);
  return plain as tf.io.TrainingConfig['optimizer_config'];
}

/** Reloads the written files with tf.loadLayersModel and returns the largest output difference to the revived model. */
async function verifyReload(model: tfl.LayersModel, modelJson: string): Promise<number | null> {
  const inputs = sampleModelInputs(model, 2);
  if (!inputs) return null;
  let reloaded: tfl.LayersModel | undefined;
  try {
    try {
      reloaded = await tfl.loadLayersModel(layersModelFromFiles(modelJson));
    } catch (e) {
      throw new UnsupportedFeatureError(`tf.loadLayersModel cannot load the converted model: ${(e as Error).message}`, {
        file: modelJson,
        hint: 'the model uses a layer or setting that tfjs cannot rebuild from its config; load the SavedModel with savedkeras instead',
        cause: e,
      });
    }
    const diff = maxAbsDiff(predictValues(model, inputs), predictValues(reloaded, inputs));
    if (!(diff <= VERIFY_TOLERANCE)) {
      throw new UnsupportedFeatureError(`the converted model does not reproduce the SavedModel's outputs (largest difference ${diff})`, {
        file: modelJson,
        hint: 'some layer state is not part of its tfjs config or weights; load the SavedModel with savedkeras instead',
      });
    }
    return diff;
  } finally {
    reloaded?.dispose();
    tf.dispose(inputs);
  }
}
