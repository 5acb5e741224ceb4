import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { baseClassName, isObject, type Json } from './keras-config.js';

/**
 * Compiles a revived model from Keras' `training_config`: optimizer with its hyper-parameters,
 * losses and metrics mapped onto tfjs names. Names tfjs lacks produce warnings, never failures;
 * optimizer slots are never restored (as in Keras).
 */
export interface CompileResult {
  compiled: boolean;
  optimizer?: string;
  loss?: string | string[];
  metrics?: string[];
}

const LOSSES: Record<string, string> = {
  mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError', MeanSquaredError: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', MeanAbsoluteError: 'meanAbsoluteError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError', mape: 'meanAbsolutePercentageError',
  MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError', msle: 'meanSquaredLogarithmicError',
  MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  binary_crossentropy: 'binaryCrossentropy', BinaryCrossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', CategoricalCrossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence', kl_divergence: 'kullbackLeiblerDivergence', KLDivergence: 'kullbackLeiblerDivergence',
  poisson: 'poisson', Poisson: 'poisson',
  cosine_similarity: 'cosineProximity', CosineSimilarity: 'cosineProximity',
  hinge: 'hinge', Hinge: 'hinge', squared_hinge: 'squaredHinge', SquaredHinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge', CategoricalHinge: 'categoricalHinge',
  logcosh: 'logcosh', log_cosh: 'logcosh', LogCosh: 'logcosh',
};

const METRICS: Record<string, string> = {
  accuracy: 'accuracy', acc: 'accuracy',
  binary_accuracy: 'binaryAccuracy', categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  top_k_categorical_accuracy: 'topKCategoricalAccuracy', sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
  mean_squared_error: 'MSE', mse: 'MSE', mean_absolute_error: 'MAE', mae: 'MAE',
  mean_absolute_percentage_error: 'MAPE', mape: 'MAPE',
  binary_crossentropy: 'binaryCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', cosine_similarity: 'cosineProximity',
  precision: 'precision', recall: 'recall',
};

function num(cfg: Record<string, Json>, key: string, fallback: number): number {
  const v = cfg[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function makeOptimizer(optCfg: Json, warn: (m: string) => void): tf.Optimizer | undefined {
  if (!isObject(optCfg) || typeof optCfg['class_name'] !== 'string') return undefined;
  const name = baseClassName(optCfg['class_name']);
  const cfg = (isObject(optCfg['config']) ? optCfg['config'] : {}) as Record<string, Json>;
  let lr = cfg['learning_rate'] ?? cfg['lr'];
  if (isObject(lr)) {
    // A LearningRateSchedule: tfjs optimizers take a constant; use its initial rate.
    const sc = isObject(lr['config']) ? lr['config'] : {};
    warn(`learning-rate schedule ${String(lr['class_name'])} is not supported by tfjs; using its initial_learning_rate`);
    lr = (sc as Record<string, Json>)['initial_learning_rate'] ?? 0.001;
  }
  const rate = typeof lr === 'number' ? lr : 0.001;
  switch (name) {
    case 'Adam':
    case 'AdamW':
      if (name === 'AdamW') warn('AdamW weight decay is not supported by tfjs; compiled with Adam');
      if (cfg['amsgrad'] === true) warn('amsgrad is not supported by tfjs Adam; ignored');
      return tf.train.adam(rate, num(cfg, 'beta_1', 0.9), num(cfg, 'beta_2', 0.999), num(cfg, 'epsilon', 1e-7));
    case 'SGD':
      return num(cfg, 'momentum', 0) > 0
        ? tf.train.momentum(rate, num(cfg, 'momentum', 0), cfg['nesterov'] === true)
        : tf.train.sgd(rate);
    case 'RMSprop':
      return tf.train.rmsprop(rate, num(cfg, 'rho', 0.9), num(cfg, 'momentum', 0), num(cfg, 'epsilon', 1e-7), cfg['centered'] === true);
    case 'Adagrad':
      return tf.train.adagrad(rate, num(cfg, 'initial_accumulator_value', 0.1));
    case 'Adadelta':
      return tf.train.adadelta(rate, num(cfg, 'rho', 0.95), num(cfg, 'epsilon', 1e-7));
    case 'Adamax':
      return tf.train.adamax(rate, num(cfg, 'beta_1', 0.9), num(cfg, 'beta_2', 0.999), num(cfg, 'epsilon', 1e-7), num(cfg, 'decay', 0));
    default:
      warn(`optimizer ${optCfg['class_name']} has no tfjs equivalent; the model is not compiled`);
      return undefined;
  }
}

function lossName(l: Json, warn: (m: string) => void): string | undefined {
  let key: string | undefined;
  if (typeof l === 'string') key = l;
  else if (isObject(l) && typeof l['class_name'] === 'string') {
    key = baseClassName(l['class_name']);
    const cfg = isObject(l['config']) ? l['config'] : {};
    if ((cfg as Record<string, Json>)['from_logits'] === true) {
      warn(`loss ${key} with from_logits=true is not supported by tfjs; the model is not compiled`);
      return undefined;
    }
  }
  const mapped = key !== undefined ? LOSSES[key] : undefined;
  if (!mapped) warn(`loss ${JSON.stringify(key ?? l)} has no tfjs equivalent (register it as a custom object); the model is not compiled`);
  return mapped;
}

function metricNames(m: Json, warn: (m: string) => void): string[] {
  const out: string[] = [];
  const visit = (x: Json) => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (isObject(x) && typeof x['class_name'] === 'string' && !('fn' in (isObject(x['config']) ? x['config'] : {}))) {
      const cfg = isObject(x['config']) ? (x['config'] as Record<string, Json>) : {};
      const n = typeof cfg['name'] === 'string' ? cfg['name'] : baseClassName(x['class_name']);
      const mapped = METRICS[n];
      if (mapped) out.push(mapped);
      else warn(`metric ${n} has no tfjs equivalent; skipped`);
      return;
    }
    if (isObject(x)) {
      // MeanMetricWrapper: {class_name, config: {name, fn}}
      const cfg = isObject(x['config']) ? (x['config'] as Record<string, Json>) : x;
      const fn = typeof cfg['fn'] === 'string' ? cfg['fn'] : typeof cfg['name'] === 'string' ? cfg['name'] : undefined;
      const name = typeof cfg['name'] === 'string' ? cfg['name'] : fn;
      const mapped = (name && METRICS[name]) || (fn && METRICS[fn]);
      if (mapped) out.push(mapped);
      else warn(`metric ${String(name ?? fn)} has no tfjs equivalent; skipped`);
      return;
    }
    if (typeof x === 'string') {
      const mapped = METRICS[x];
      if (mapped) out.push(mapped);
      else warn(`metric ${x} has no tfjs equivalent; skipped`);
    }
  };
  if (isObject(m) && !('class_name' in m)) Object.values(m).forEach(visit);
  else visit(m);
  return [...new Set(out)];
}

export function compileFromTrainingConfig(
  model: LayersModel,
  trainingConfig: Json | undefined,
  warn: (m: string) => void,
): CompileResult {
  if (!isObject(trainingConfig)) {
    warn('No training configuration found in save file, so the model was *not* compiled. Compile it manually.');
    return { compiled: false };
  }
  const optimizer = makeOptimizer(trainingConfig['optimizer_config'] ?? null, warn);
  if (!optimizer) return { compiled: false };
  const lossCfg = trainingConfig['loss'] ?? null;
  let loss: string | string[] | undefined;
  if (Array.isArray(lossCfg)) {
    const names = lossCfg.map((l) => lossName(l, warn));
    if (names.some((n) => !n)) return { compiled: false };
    loss = names as string[];
  } else if (isObject(lossCfg) && !('class_name' in lossCfg)) {
    // per-output dict: tfjs takes a list in output order
    const names = model.outputNames.map((o) => lossName(lossCfg[o] ?? null, warn));
    if (names.some((n) => !n)) return { compiled: false };
    loss = names as string[];
  } else {
    const n = lossName(lossCfg, warn);
    if (!n) return { compiled: false };
    loss = n;
  }
  const metrics = metricNames(trainingConfig['metrics'] ?? null, warn);
  model.compile({ optimizer, loss, metrics });
  warn('Optimizer state (slot variables) is not restored from a SavedModel; training starts with fresh optimizer slots.');
  return { compiled: true, optimizer: baseClassName(String((trainingConfig['optimizer_config'] as Record<string, Json>)['class_name'])), loss, metrics };
}
