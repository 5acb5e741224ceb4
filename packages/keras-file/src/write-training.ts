import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { KerasAdam, KerasOptimizer, KerasRMSprop, KerasSGD, type Json, type JsonObject } from '@savedkeras/revive';

/**
 * What a written `.keras` needs for Keras 3 to resume training: config.json's `compile_config`
 * (optimizer, loss, metrics) and the optimizer's variables, `optimizer/vars/<i>` of
 * model.weights.h5 in Keras 3's order: iteration (int64), learning_rate, then the slots over the
 * model's trainable variables (Adam: momentum and velocity interleaved per variable; RMSprop: all
 * velocities, then all momentums, then all average gradients; SGD: all momentums).
 */

/** Loss, metrics and weights of the compile config a model was loaded with (kept so that a load-save round trip keeps them). */
export const keptCompileConfigs = new WeakMap<tfl.LayersModel, JsonObject>();

export interface OptimizerState {
  /** The dataset values of optimizer/vars/0, 1, ... */
  iterations: number;
  learningRate: number;
  slots: tf.Tensor[];
  /** Keras' name of the optimizer (the optimizer/vars group's `name` attribute). */
  name: string;
}

export interface TrainingConfig {
  compileConfig: JsonObject;
  /** Undefined when the optimizer's state has no Keras counterpart (a warning says so). */
  state?: OptimizerState;
}

/** Keras 3 optimizer arguments every optimizer takes, at Keras' defaults. */
const BASE_ARGS: JsonObject = {
  weight_decay: null,
  clipnorm: null,
  global_clipnorm: null,
  clipvalue: null,
  use_ema: false,
  ema_momentum: 0.99,
  ema_overwrite_frequency: null,
  loss_scale_factor: null,
  gradient_accumulation_steps: null,
};

/** tfjs loss names (as compile takes them) in Keras' spelling. */
const LOSS_TO_KERAS: Record<string, string> = {
  meanSquaredError: 'mean_squared_error',
  meanAbsoluteError: 'mean_absolute_error',
  meanAbsolutePercentageError: 'mean_absolute_percentage_error',
  meanSquaredLogarithmicError: 'mean_squared_logarithmic_error',
  categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  binaryCrossentropy: 'binary_crossentropy',
  kullbackLeiblerDivergence: 'kl_divergence',
  poisson: 'poisson',
  cosineProximity: 'cosine_similarity',
  hinge: 'hinge',
  squaredHinge: 'squared_hinge',
  categoricalHinge: 'categorical_hinge',
  logcosh: 'log_cosh',
};

interface TfjsOptimizerFields {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  momentum?: number;
  useNesterov?: boolean;
  decay?: number;
  centered?: boolean;
  iterations?: number;
  getClassName(): string;
  getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]>;
}

/**
 * The compile config and optimizer state of a compiled model, or undefined when it is not
 * compiled. Optimizers: savedkeras' Keras-exact Adam / RMSprop / SGD (what loading a Keras file
 * compiles with) with their state; tfjs' Adam with its state (its slots mean what Keras' do); tfjs'
 * SGD, Momentum and RMSProp with their config only (their slots follow other update rules).
 */
export async function trainingConfigOf(model: tfl.LayersModel, warn: (m: string) => void): Promise<TrainingConfig | undefined> {
  const optimizer = (model as unknown as { optimizer?: tf.Optimizer }).optimizer;
  if (!optimizer) return undefined;
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kept = keptCompileConfigs.get(model);
  const loss = kept ? kept['loss'] ?? null : lossOf(model, warn);
  let opt: { className: string; name: string; config: JsonObject } | undefined;
  let state: OptimizerState | undefined;
  const o = optimizer as unknown as TfjsOptimizerFields;
  const lr = Number(o.learningRate);
  // By class name: tfjs' Optimizer answers `instanceof` by duck typing, so every optimizer is an instance of every optimizer class.
  const cls = o.getClassName();
  if (optimizer instanceof KerasOptimizer && /^Keras(Adam|RMSprop|SGD)$/.test(cls)) {
    if (optimizer.decay > 0) warn(`the optimizer's decay (${optimizer.decay}) has no Keras 3 counterpart and is not written`);
    const zeros = (v: tf.Variable) => tf.zeros(v.shape, 'float32');
    const slot = (v: tf.Variable, s: string) => {
      const found = optimizer.getSlot(v.name, s);
      return found ? found.clone() : zeros(v);
    };
    const slots: tf.Tensor[] = [];
    if (cls === 'KerasAdam' && optimizer instanceof KerasAdam) {
      opt = { className: 'Adam', name: 'adam', config: { beta_1: optimizer.beta1, beta_2: optimizer.beta2, epsilon: optimizer.epsilon, amsgrad: false } };
      // A loaded AdamW trains as Adam in tfjs (no weight decay); written back as the AdamW it was (the same variables).
      const saved = kept?.['optimizer'];
      const savedConfig = saved && typeof saved === 'object' && !Array.isArray(saved) ? (saved as JsonObject)['config'] : undefined;
      if (saved && typeof saved === 'object' && !Array.isArray(saved) && String((saved as JsonObject)['class_name']).replace(/^.*[>.]/, '') === 'AdamW') {
        const wd = savedConfig && typeof savedConfig === 'object' && !Array.isArray(savedConfig) ? (savedConfig as JsonObject)['weight_decay'] : undefined;
        opt = { className: 'AdamW', name: 'adamw', config: { ...opt.config, weight_decay: typeof wd === 'number' ? wd : 0.004 } };
      }
      for (const v of trainable) slots.push(slot(v, 'm'), slot(v, 'v'));
    } else if (cls === 'KerasRMSprop' && optimizer instanceof KerasRMSprop) {
      opt = { className: 'RMSprop', name: 'rmsprop', config: { rho: optimizer.rho, momentum: optimizer.momentum, epsilon: optimizer.epsilon, centered: optimizer.centered } };
      for (const v of trainable) slots.push(slot(v, 'rms'));
      if (optimizer.momentum > 0) for (const v of trainable) slots.push(slot(v, 'momentum'));
      if (optimizer.centered) for (const v of trainable) slots.push(slot(v, 'mg'));
    } else if (cls === 'KerasSGD' && optimizer instanceof KerasSGD) {
      opt = { className: 'SGD', name: 'SGD', config: { momentum: optimizer.momentum, nesterov: optimizer.nesterov } };
      if (optimizer.momentum !== 0) for (const v of trainable) slots.push(slot(v, 'momentum'));
    }
    if (opt) state = { iterations: optimizer.iterations, learningRate: lr, slots, name: opt.name };
  } else {
    if (cls === 'Adam') {
      opt = { className: 'Adam', name: 'adam', config: { beta_1: o.beta1 ?? 0.9, beta_2: o.beta2 ?? 0.999, epsilon: o.epsilon ?? 1e-7, amsgrad: false } };
      // tfjs' Adam keeps m and v as Keras does (it differs in where epsilon goes): its slots carry over, found by `<variable>/m`, `/v`.
      const named = new Map((await o.getWeights()).map((w) => [w.name, w.tensor] as const));
      const slots: tf.Tensor[] = [];
      for (const v of trainable) for (const s of ['m', 'v']) slots.push(named.get(`${v.name}/${s}`)?.clone() ?? tf.zeros(v.shape, 'float32'));
      state = { iterations: o.iterations ?? 0, learningRate: lr, slots, name: 'adam' };
    } else if (cls === 'SGD' || cls === 'Momentum') {
      opt = { className: 'SGD', name: 'SGD', config: { momentum: o.momentum ?? 0, nesterov: o.useNesterov ?? false } };
    } else if (cls === 'RMSProp') {
      opt = { className: 'RMSprop', name: 'rmsprop', config: { rho: o.decay ?? 0.9, momentum: o.momentum ?? 0, epsilon: o.epsilon ?? 1e-7, centered: o.centered ?? false } };
    }
    if (opt && !state && (o.iterations ?? 0) > 0) {
      warn(`tfjs' ${cls} optimizer keeps its slots under another update rule than Keras' ${opt.className}: its config is written, its state is not (Keras resumes with fresh slots)`);
    }
  }
  if (!opt) {
    warn(`the model's optimizer (${o.getClassName()}) has no Keras 3 counterpart the writer knows: the file is written uncompiled`);
    return undefined;
  }
  const compileConfig: JsonObject = {
    optimizer: {
      module: 'keras.optimizers',
      class_name: opt.className,
      config: { name: opt.name, learning_rate: lr, ...BASE_ARGS, ...opt.config },
      registered_name: null,
    },
    loss: loss as Json,
    loss_weights: (kept?.['loss_weights'] ?? null) as Json,
    metrics: (kept?.['metrics'] ?? null) as Json,
    weighted_metrics: (kept?.['weighted_metrics'] ?? null) as Json,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
  return { compileConfig, ...(state ? { state } : {}) };
}

function lossOf(model: tfl.LayersModel, warn: (m: string) => void): Json {
  const loss = (model as unknown as { loss?: unknown }).loss;
  const one = (l: unknown): Json => {
    if (typeof l === 'string') return LOSS_TO_KERAS[l] ?? l;
    warn('the model compiles with a loss given as a function: Keras cannot rebuild it, the file names no loss (compile again in Keras before fit)');
    return null;
  };
  if (Array.isArray(loss)) return loss.map(one);
  if (loss && typeof loss === 'object') return Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, one(v)]));
  return loss === undefined ? null : one(loss);
}
