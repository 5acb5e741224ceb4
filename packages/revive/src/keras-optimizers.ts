import * as tf from '@tensorflow/tfjs-core';

/**
 * Adam, RMSprop and SGD with Keras' own update rules, so that training resumed in tfjs from a
 * Keras checkpoint (iterations, slot variables, hyper-parameters) takes the step Keras would take.
 * tfjs' built-in optimizers differ from Keras:
 *
 * - Adam: tfjs adds epsilon to the bias-corrected sqrt(v / (1 - β2^t)); Keras (TF's ApplyAdam and
 *   Keras >= 2.11 alike) adds it to sqrt(v) and folds the bias correction into the step size,
 *   `lr·sqrt(1-β2^t)/(1-β1^t)`. tfjs also keeps its slots by position, not by variable.
 * - RMSprop: tfjs always keeps a momentum accumulator and puts epsilon inside the square root;
 *   Keras OptimizerV2 (TF < 2.11) without momentum puts it outside (`g / (sqrt(rms) + ε)`), with
 *   momentum inside (TF's ApplyRMSProp); Keras >= 2.11 always inside.
 * - SGD with momentum: tfjs accumulates raw gradients (`a = μa + g; w -= lr·a`), Keras the scaled
 *   step (`a = μa - lr·g; w += a`): the slots differ by a factor -lr and by any change of lr.
 * - OptimizerV2's `decay` divides the learning rate by (1 + decay·iterations); tfjs has none.
 *
 * Slots are kept per variable name (the tfjs Variable name of the weight). Keras' gradient
 * clipping, weight decay, amsgrad and EMA options are not applied (the loader warns).
 */

/** A named tensor, as tfjs optimizers exchange them (tfjs-core does not export the type). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

type Grads = tf.NamedTensorMap | NamedTensor[];

function gradientEntries(g: Grads): [string, tf.Tensor][] {
  return Array.isArray(g) ? g.map((n) => [n.name, n.tensor] as [string, tf.Tensor]) : Object.entries(g);
}

export interface KerasOptimizerConfig {
  learningRate: number;
  /** OptimizerV2 `decay`: lr / (1 + decay·iterations). */
  decay?: number;
}

export abstract class KerasOptimizer extends tf.Optimizer {
  learningRate: number;
  decay: number;
  /** variable name -> slot name -> slot variable. */
  private readonly slots = new Map<string, Map<string, tf.Variable>>();

  constructor(config: KerasOptimizerConfig) {
    super();
    this.learningRate = config.learningRate;
    this.decay = config.decay ?? 0;
  }

  /** The slot names this optimizer keeps per variable, in a stable order (for getWeights). */
  abstract slotNames(): string[];

  /** One update of `variable` with `gradient`; `step` counts completed steps (Keras' `iterations` before this one). */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, name: string, step: number, lr: number): void;

  /** Sets the completed-step count (Keras' `iterations`). */
  setIterations(n: number): void {
    this.iterations_ = n;
  }

  /** Sets a slot of the weight whose tfjs Variable is named `variableName` (e.g. Adam's 'm'). */
  setSlot(variableName: string, slotName: string, value: tf.Tensor): void {
    const byName = this.slots.get(variableName) ?? new Map<string, tf.Variable>();
    this.slots.set(variableName, byName);
    const old = byName.get(slotName);
    // tidy: the cast copy is freed once assigned (a variable keeps its own reference to the data).
    if (old && old.shape.length === value.rank && old.shape.every((d, i) => d === value.shape[i])) {
      tf.tidy(() => old.assign(tf.cast(value, 'float32')));
      return;
    }
    old?.dispose();
    byName.set(slotName, tf.tidy(() => tf.variable(tf.cast(value, 'float32'), false)));
  }

  getSlot(variableName: string, slotName: string): tf.Variable | undefined {
    return this.slots.get(variableName)?.get(slotName);
  }

  protected slot(name: string, slotName: string, like: tf.Tensor): tf.Variable {
    const existing = this.getSlot(name, slotName);
    if (existing) return existing;
    this.setSlot(name, slotName, tf.zerosLike(like));
    return this.getSlot(name, slotName)!;
  }

  applyGradients(variableGradients: Grads): void {
    const step = this.iterations; // the getter: tfjs leaves iterations_ undefined until first read (NaN steps from a fresh optimizer)
    const lr = this.decay > 0 ? this.learningRate / (1 + this.decay * step) : this.learningRate;
    for (const [name, gradient] of gradientEntries(variableGradients)) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) continue;
      tf.tidy(() => this.update(variable, gradient, name, step, lr));
    }
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, byName] of this.slots) {
      for (const s of this.slotNames()) {
        const v = byName.get(s);
        if (v) out.push({ name: `${name}/${s}`, tensor: v });
      }
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const { name, tensor } of rest) {
      const i = name.lastIndexOf('/');
      if (i > 0) this.setSlot(name.slice(0, i), name.slice(i + 1), tensor);
    }
  }

  override dispose(): void {
    for (const byName of this.slots.values()) for (const v of byName.values()) v.dispose();
    this.slots.clear();
  }
}

export interface KerasAdamConfig extends KerasOptimizerConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Keras Adam: m, v; `w -= lr·sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)` with t = iterations + 1. */
export class KerasAdam extends KerasOptimizer {
  static className = 'KerasAdam';
  beta1: number;
  beta2: number;
  epsilon: number;

  constructor(config: KerasAdamConfig) {
    super(config);
    this.beta1 = config.beta1;
    this.beta2 = config.beta2;
    this.epsilon = config.epsilon;
  }

  slotNames(): string[] {
    return ['m', 'v'];
  }

  protected update(variable: tf.Variable, g: tf.Tensor, name: string, step: number, lr: number): void {
    const t = step + 1;
    const alpha = (lr * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    const m = this.slot(name, 'm', variable);
    const v = this.slot(name, 'v', variable);
    m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - this.beta1)));
    v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - this.beta2)));
    variable.assign(tf.sub(variable, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), this.epsilon))));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, decay: this.decay, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, c: tf.serialization.ConfigDict): T {
    return new cls(c);
  }
}

export interface KerasRMSpropConfig extends KerasOptimizerConfig {
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  /**
   * Where epsilon goes: 'outside' the square root (`g / (sqrt(rms) + ε)`, OptimizerV2 without
   * momentum) or 'inside' (`g / sqrt(rms + ε)`, OptimizerV2 with momentum and Keras >= 2.11).
   */
  epsilonPlacement: 'inside' | 'outside';
}

/** Keras RMSprop: rms (+ momentum, + mg when centered). */
export class KerasRMSprop extends KerasOptimizer {
  static className = 'KerasRMSprop';
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  epsilonPlacement: 'inside' | 'outside';

  constructor(config: KerasRMSpropConfig) {
    super(config);
    this.rho = config.rho;
    this.momentum = config.momentum;
    this.epsilon = config.epsilon;
    this.centered = config.centered;
    this.epsilonPlacement = config.epsilonPlacement;
  }

  slotNames(): string[] {
    return ['rms', 'momentum', 'mg'];
  }

  protected update(variable: tf.Variable, g: tf.Tensor, name: string, _step: number, lr: number): void {
    const rms = this.slot(name, 'rms', variable);
    rms.assign(tf.add(tf.mul(rms, this.rho), tf.mul(tf.square(g), 1 - this.rho)));
    let denom: tf.Tensor = rms;
    if (this.centered) {
      const mg = this.slot(name, 'mg', variable);
      mg.assign(tf.add(tf.mul(mg, this.rho), tf.mul(g, 1 - this.rho)));
      denom = tf.sub(rms, tf.square(mg));
    }
    const scaled =
      this.epsilonPlacement === 'inside'
        ? tf.div(tf.mul(g, lr), tf.sqrt(tf.add(denom, this.epsilon)))
        : tf.div(tf.mul(g, lr), tf.add(tf.sqrt(denom), this.epsilon));
    if (this.momentum > 0) {
      const mom = this.slot(name, 'momentum', variable);
      mom.assign(tf.add(tf.mul(mom, this.momentum), scaled));
      variable.assign(tf.sub(variable, mom));
    } else {
      variable.assign(tf.sub(variable, scaled));
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      decay: this.decay,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
      epsilonPlacement: this.epsilonPlacement,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, c: tf.serialization.ConfigDict): T {
    return new cls(c);
  }
}

export interface KerasSGDConfig extends KerasOptimizerConfig {
  momentum: number;
  nesterov: boolean;
}

/** Keras SGD: `a = μ·a - lr·g; w += a` (nesterov: `w += μ·a - lr·g`); without momentum `w -= lr·g`. */
export class KerasSGD extends KerasOptimizer {
  static className = 'KerasSGD';
  momentum: number;
  nesterov: boolean;

  constructor(config: KerasSGDConfig) {
    super(config);
    this.momentum = config.momentum;
    this.nesterov = config.nesterov;
  }

  slotNames(): string[] {
    return ['momentum'];
  }

  protected update(variable: tf.Variable, g: tf.Tensor, name: string, _step: number, lr: number): void {
    const step = tf.mul(g, lr);
    if (this.momentum <= 0) {
      variable.assign(tf.sub(variable, step));
      return;
    }
    const a = this.slot(name, 'momentum', variable);
    a.assign(tf.sub(tf.mul(a, this.momentum), step));
    variable.assign(this.nesterov ? tf.add(variable, tf.sub(tf.mul(a, this.momentum), step)) : tf.add(variable, a));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, decay: this.decay, momentum: this.momentum, nesterov: this.nesterov };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, c: tf.serialization.ConfigDict): T {
    return new cls(c);
  }
}

// tfjs' model.save() writes the optimizer's class name; tf.loadLayersModel() finds it here.
for (const cls of [KerasAdam, KerasRMSprop, KerasSGD]) tf.serialization.registerClass(cls, 'savedkeras');
