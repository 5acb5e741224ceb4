import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { isSerializableClass, resolveKerasObject, type CustomObjects, type LossOrMetricFn } from '@savedkeras/layers';
import { baseClassName, isObject, pythonicToTs, type Json } from './keras-config.js';
import { KerasAdam, KerasRMSprop, KerasSGD } from './keras-optimizers.js';
import { logitsLoss, takesSparseLabels } from './logits-losses.js';

/**
 * Compiles a revived model from Keras' `training_config`: the optimizer with its hyper-parameters
 * (Adam, RMSprop and SGD with Keras' own update rules, see keras-optimizers.ts), losses and
 * metrics mapped onto tfjs names, `from_logits` losses as functions on logits, and the user's
 * losses and metrics from `customObjects` / registerKerasObject. Names nothing provides produce
 * warnings, never failures. The optimizer's saved state is restored separately (optimizer-state.ts).
 */
export interface CompileResult {
  compiled: boolean;
  optimizer?: string;
  /** Loss per output: a tfjs loss name, or the Keras name of a loss given as a function. */
  loss?: string | string[];
  metrics?: string[];
  /** The tfjs optimizer the model was compiled with. */
  optimizerInstance?: tf.Optimizer;
  /** What the optimizer's saved state restored (set by the loader after compiling). */
  optimizerState?: { iterations: number; slots: number };
}

/** Where a Keras optimizer config comes from: OptimizerV2 (TF < 2.11) or Keras >= 2.11 optimizers. */
export type OptimizerGeneration = 'v2' | 'keras2.11';

const LOSSES = new Map<string, string>(Object.entries({
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
}));

const METRICS = new Map<string, string>(Object.entries({
  accuracy: 'accuracy', acc: 'accuracy',
  binary_accuracy: 'binaryAccuracy', categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  top_k_categorical_accuracy: 'topKCategoricalAccuracy', sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
  mean_squared_error: 'MSE', mse: 'MSE', mean_absolute_error: 'MAE', mae: 'MAE',
  mean_absolute_percentage_error: 'MAPE', mape: 'MAPE',
  binary_crossentropy: 'binaryCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', cosine_similarity: 'cosineProximity',
  precision: 'precision', recall: 'recall',
}));

function num(cfg: Record<string, Json>, key: string, fallback: number): number {
  const v = cfg[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}


/** Keras >= 2.11 optimizer configs carry the new options (`is_legacy_optimizer`, `use_ema`, `jit_compile`). */
export function optimizerGeneration(cfg: Record<string, Json>): OptimizerGeneration {
  if (cfg['is_legacy_optimizer'] === true) return 'v2';
  return 'is_legacy_optimizer' in cfg || 'use_ema' in cfg || 'jit_compile' in cfg || 'weight_decay' in cfg ? 'keras2.11' : 'v2';
}

export function makeOptimizer(optCfg: Json, warn: (m: string) => void): tf.Optimizer | undefined {
  if (!isObject(optCfg) || typeof optCfg['class_name'] !== 'string') return undefined;
  const name = baseClassName(optCfg['class_name']);
  const cfg = (isObject(optCfg['config']) ? optCfg['config'] : {}) as Record<string, Json>;
  const generation = optimizerGeneration(cfg);
  let lr = cfg['learning_rate'] ?? cfg['lr'];
  if (isObject(lr)) {
    // A LearningRateSchedule: tfjs optimizers take a constant; use its initial rate.
    const sc = isObject(lr['config']) ? lr['config'] : {};
    warn(`learning-rate schedule ${String(lr['class_name'])} is not supported by tfjs; using its initial_learning_rate`);
    lr = (sc as Record<string, Json>)['initial_learning_rate'] ?? 0.001;
  }
  const learningRate = typeof lr === 'number' ? lr : 0.001;
  const decay = num(cfg, 'decay', 0);
  for (const opt of ['clipnorm', 'clipvalue', 'global_clipnorm']) {
    if (typeof cfg[opt] === 'number') warn(`optimizer option ${opt} is not applied by the tfjs optimizer`);
  }
  if (cfg['use_ema'] === true) warn('optimizer option use_ema is not applied by the tfjs optimizer');
  switch (name) {
    case 'Adam':
    case 'AdamW':
      if (name === 'AdamW' || num(cfg, 'weight_decay', 0) !== 0) warn('Adam weight decay is not applied by the tfjs optimizer; compiled with Adam');
      if (cfg['amsgrad'] === true) warn('amsgrad is not applied by the tfjs optimizer; compiled with Adam');
      return new KerasAdam({ learningRate, decay, beta1: num(cfg, 'beta_1', 0.9), beta2: num(cfg, 'beta_2', 0.999), epsilon: num(cfg, 'epsilon', 1e-7) });
    case 'SGD':
      return new KerasSGD({ learningRate, decay, momentum: num(cfg, 'momentum', 0), nesterov: cfg['nesterov'] === true });
    case 'RMSprop': {
      const momentum = num(cfg, 'momentum', 0);
      return new KerasRMSprop({
        learningRate,
        decay,
        rho: num(cfg, 'rho', 0.9),
        momentum,
        epsilon: num(cfg, 'epsilon', 1e-7),
        centered: cfg['centered'] === true,
        // TF's ApplyRMSProp (OptimizerV2 with momentum) and Keras >= 2.11 add epsilon under the root.
        epsilonPlacement: generation === 'keras2.11' || momentum > 0 ? 'inside' : 'outside',
      });
    }
    case 'Adagrad':
      return tf.train.adagrad(learningRate, num(cfg, 'initial_accumulator_value', 0.1));
    case 'Adadelta':
      return tf.train.adadelta(learningRate, num(cfg, 'rho', 0.95), num(cfg, 'epsilon', 1e-7));
    case 'Adamax':
      return tf.train.adamax(learningRate, num(cfg, 'beta_1', 0.9), num(cfg, 'beta_2', 0.999), num(cfg, 'epsilon', 1e-7), decay);
    default:
      warn(`optimizer ${optCfg['class_name']} has no tfjs equivalent; the model is not compiled`);
      return undefined;
  }
}

type LossSpec = string | LossOrMetricFn;

/** A loss or metric the user supplied (customObjects / registerKerasObject), as the function tfjs calls. */
function userFunction(kind: 'loss' | 'metric', names: string[], config: Json, customObjects?: CustomObjects): LossOrMetricFn | undefined {
  const found = resolveKerasObject(kind, names, customObjects);
  if (!found) return undefined;
  const v = found.value;
  if (!isSerializableClass(v)) return v as LossOrMetricFn;
  // A Keras-style Loss/Metric class: built from its config, called as call(yTrue, yPred) or apply(yTrue, yPred).
  const ts = pythonicToTs(isObject(config) ? config : {}) as tf.serialization.ConfigDict;
  const instance = (v.fromConfig ? v.fromConfig(v, ts) : new v(ts)) as unknown as {
    call?: LossOrMetricFn;
    apply?: LossOrMetricFn;
  };
  const fn = instance.call ?? instance.apply;
  if (typeof fn !== 'function') return undefined;
  return Object.defineProperty((yTrue: tf.Tensor, yPred: tf.Tensor) => fn.call(instance, yTrue, yPred), 'name', { value: found.name });
}

function lossSpec(l: Json, warn: (m: string) => void, customObjects?: CustomObjects): LossSpec | undefined {
  let key: string | undefined;
  let cfg: Record<string, Json> = {};
  if (typeof l === 'string') key = l;
  else if (isObject(l) && typeof l['class_name'] === 'string') {
    key = l['class_name'];
    cfg = (isObject(l['config']) ? l['config'] : {}) as Record<string, Json>;
  }
  if (key === undefined) {
    warn(`loss ${JSON.stringify(l)} is not a loss name or config; the model is not compiled`);
    return undefined;
  }
  const user = userFunction('loss', [key], cfg, customObjects);
  if (user) return user;
  const base = baseClassName(key);
  const smoothing = num(cfg, 'label_smoothing', 0);
  if (cfg['from_logits'] === true || smoothing !== 0) {
    const fn = logitsLoss(base, { fromLogits: cfg['from_logits'] === true, labelSmoothing: smoothing });
    if (fn) return fn;
    warn(`loss ${base} with from_logits/label_smoothing has no tfjs equivalent; the model is not compiled`);
    return undefined;
  }
  const mapped = LOSSES.get(key) ?? LOSSES.get(base);
  if (!mapped) {
    warn(
      `loss ${JSON.stringify(key)} has no tfjs equivalent; the model is not compiled ` +
        `(pass it in customObjects: { '${key}': (yTrue, yPred) => loss }, or registerKerasObject('loss', '${key}', fn))`,
    );
  }
  return mapped;
}

/** Metric names tfjs knows, or the user's metric functions. */
function metricSpecs(m: Json, warn: (m: string) => void, customObjects: CustomObjects | undefined, customLoss: boolean): LossSpec[] {
  const out: LossSpec[] = [];
  const add = (names: (string | undefined)[], config: Json) => {
    const list = names.filter((n): n is string => typeof n === 'string' && n.length > 0);
    const user = userFunction('metric', list, config, customObjects);
    if (user) return out.push(user);
    // With a loss given as a function tfjs cannot pick the accuracy from the loss: use Keras' own `fn`.
    const ordered = customLoss && list.length > 1 && (list[0] === 'accuracy' || list[0] === 'acc') ? [...list.slice(1), list[0]] : list;
    const mapped = ordered.map((n) => METRICS.get(n) ?? METRICS.get(baseClassName(n))).find((x) => x !== undefined);
    if (mapped) out.push(mapped);
    else warn(`metric ${list[0] ?? '?'} has no tfjs equivalent; skipped`);
  };
  const visit = (x: Json) => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (typeof x === 'string') return add([x], null);
    if (!isObject(x)) return;
    const cfg = (isObject(x['config']) ? x['config'] : x) as Record<string, Json>;
    const name = typeof cfg['name'] === 'string' ? cfg['name'] : undefined;
    const fn = typeof cfg['fn'] === 'string' ? cfg['fn'] : undefined;
    const cls = typeof x['class_name'] === 'string' && x['class_name'] !== 'MeanMetricWrapper' ? x['class_name'] : undefined;
    // MeanMetricWrapper: {name, fn}; a metric class: {class_name, config: {name}}.
    add([name, fn, cls], cfg);
  };
  if (isObject(m) && !('class_name' in m)) Object.values(m).forEach(visit);
  else visit(m);
  return [...new Set(out)];
}

const specName = (s: LossSpec): string => (typeof s === 'string' ? s : s.name || 'custom');

/** What tfjs-layers' LayerVariable holds (its fields are not public). */
interface ConstrainedVariable {
  val: tf.Variable;
  constraint: { apply(w: tf.Tensor): tf.Tensor } | null;
}

/**
 * Keras applies each weight's constraint (kernel_constraint, MaxNorm, NonNeg, a custom one...) after
 * every optimizer update; tfjs' training never does (it applies one only when a weight is written
 * with LayerVariable.write). The optimizer made for this model applies them after each update.
 */
function applyConstraintsAfterUpdates(model: LayersModel, optimizer: tf.Optimizer): void {
  const constrained = model.trainableWeights.map((w) => w as unknown as ConstrainedVariable).filter((w) => w.constraint != null);
  if (constrained.length === 0) return;
  const update = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (gradients) => {
    update(gradients);
    for (const w of constrained) {
      const c = w.constraint;
      if (c) w.val.assign(tf.tidy(() => c.apply(w.val)));
    }
  };
}

export function compileFromTrainingConfig(
  model: LayersModel,
  trainingConfig: Json | undefined,
  warn: (m: string) => void,
  customObjects?: CustomObjects,
): CompileResult {
  if (!isObject(trainingConfig)) {
    warn('No training configuration found in save file, so the model was *not* compiled. Compile it manually.');
    return { compiled: false };
  }
  const optimizer = makeOptimizer(trainingConfig['optimizer_config'] ?? null, warn);
  if (!optimizer) return { compiled: false };
  const lossCfg = trainingConfig['loss'] ?? null;
  let loss: LossSpec | LossSpec[] | undefined;
  if (Array.isArray(lossCfg)) {
    const specs = lossCfg.map((l) => lossSpec(l, warn, customObjects));
    if (specs.some((n) => !n)) return { compiled: false };
    loss = specs as LossSpec[];
  } else if (isObject(lossCfg) && !('class_name' in lossCfg)) {
    // per-output dict: tfjs takes a list in output order
    const specs = model.outputNames.map((o) => lossSpec(Object.hasOwn(lossCfg, o) ? lossCfg[o] : null, warn, customObjects));
    if (specs.some((n) => !n)) return { compiled: false };
    loss = specs as LossSpec[];
  } else {
    const n = lossSpec(lossCfg, warn, customObjects);
    if (!n) return { compiled: false };
    loss = n;
  }
  const customLoss = (Array.isArray(loss) ? loss : [loss]).some((l) => typeof l !== 'string');
  let metrics = metricSpecs(trainingConfig['metrics'] ?? null, warn, customObjects, customLoss);
  if ((Array.isArray(loss) ? loss : [loss]).some(takesSparseLabels)) {
    // The revived model one-hots sparse labels for such a loss (revived-model.ts): its metrics see one-hot rows.
    const dense = new Map([
      ['sparseCategoricalAccuracy', 'categoricalAccuracy'],
      ['sparseTopKCategoricalAccuracy', 'topKCategoricalAccuracy'],
      ['sparseCategoricalCrossentropy', 'categoricalCrossentropy'],
    ]);
    metrics = metrics.map((m) => (typeof m === 'string' ? dense.get(m) ?? m : m));
  }
  // tfjs takes names and functions mixed per output (its typing wants one or the other).
  model.compile({ optimizer, loss: loss as string | string[], metrics: metrics as string[] });
  applyConstraintsAfterUpdates(model, optimizer);
  // The optimizer was made for this model alone: model.dispose() frees its slots too (tfjs frees only optimizers it made from a name).
  (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
  return {
    compiled: true,
    optimizer: baseClassName(String((trainingConfig['optimizer_config'] as Record<string, Json>)['class_name'])),
    loss: Array.isArray(loss) ? loss.map(specName) : specName(loss),
    metrics: metrics.map(specName),
    optimizerInstance: optimizer,
  };
}
