import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, Value, VariableResource } from '../../kernel.js';
import { bad, tensorAt, variableAt } from './util.js';

/**
 * ResourceApply* / ResourceSparseApply* optimizer updates (tensorflow/core/kernels/training_ops.cc), as Keras 2 optimizers and
 * tf.compat.v1.train optimizers save them in a training step. Each reads its variables (the weight and
 * its slots), computes the update with tfjs ops and assigns every changed variable; scalars (lr, beta,
 * ...) are inputs. The formulas are TF's, in TF's order of operations.
 */
type T = tf.Tensor;

function scalar(inputs: Value[], i: number, ctx: KernelContext, name: string): T {
  const t = tensorAt(inputs, i, ctx);
  if (t.size !== 1) throw bad(ctx, `${name} must be a scalar, got shape [${t.shape}]`);
  return tf.reshape(t, []);
}

function write(res: VariableResource, value: T, ctx: KernelContext): void {
  const v = value.dtype === res.variable.dtype ? value : tf.cast(value, res.variable.dtype);
  if (v.shape.length !== res.variable.shape.length || v.shape.some((d, i) => d !== res.variable.shape[i])) {
    throw bad(ctx, `update of shape [${v.shape}] does not fit variable ${res.name} of shape [${res.variable.shape}]`);
  }
  res.variable.assign(v);
}

/**
 * An optimizer op: `vars` resource inputs first (weight, then slots), then tensor inputs; `step` returns
 * the new values of the resources it changes (by position), or undefined for unchanged ones.
 */
type Step = (v: T[], t: (name: string) => T, attrs: Parameters<Kernel>[1]) => (T | undefined)[];

function optimizer(vars: number, step: Step, names: string[]): Kernel {
  return (inputs, attrs, ctx) => {
    const res = Array.from({ length: vars }, (_, i) => variableAt(inputs, i, ctx));
    const values = res.map((r) => r.variable as T);
    const t = (name: string): T => {
      const i = names.indexOf(name);
      if (i < 0) throw new Error(`internal: no input ${name}`);
      return name === 'grad' || name === 'delta' ? tensorAt(inputs, vars + i, ctx) : scalar(inputs, vars + i, ctx, name);
    };
    const grad = t(names.includes('grad') ? 'grad' : 'delta');
    if (grad.shape.length !== values[0]!.shape.length || grad.shape.some((d, i) => d !== values[0]!.shape[i])) {
      throw bad(ctx, `gradient of shape [${grad.shape}] does not fit variable ${res[0]!.name} of shape [${values[0]!.shape}]`);
    }
    const next = step(values, t, attrs);
    next.forEach((v, i) => { if (v) write(res[i]!, v, ctx); });
    return [];
  };
}

/**
 * ResourceSparseApply*: the dense rule applied to the rows `indices` names (grad has one row per index).
 * TF's CPU kernels walk the indices in order, so a repeated row is updated twice, the second time from
 * the first update's result; rows are independent, so each round updates every row's next occurrence at
 * once (rounds = the largest repeat count).
 */
function sparseOptimizer(vars: number, step: Step, names: string[]): Kernel {
  return (inputs, attrs, ctx) => {
    tf.tidy(() => sparseStep(vars, step, names, inputs, attrs, ctx));
    return [];
  };
}

function sparseStep(vars: number, step: Step, names: string[], inputs: Value[], attrs: Parameters<Kernel>[1], ctx: KernelContext): void {
  {
    const res = Array.from({ length: vars }, (_, i) => variableAt(inputs, i, ctx));
    const rows = res[0]!.variable.shape[0];
    if (rows === undefined) throw bad(ctx, `variable ${res[0]!.name} is a scalar; sparse updates need rows`);
    res.forEach((r) => {
      if (r.variable.shape.length !== res[0]!.variable.shape.length || r.variable.shape.some((d, i) => d !== res[0]!.variable.shape[i])) {
        throw bad(ctx, `slot ${r.name} of shape [${r.variable.shape}] does not match variable ${res[0]!.name} [${res[0]!.variable.shape}]`);
      }
    });
    const input = (name: string): T => {
      const i = names.indexOf(name);
      if (i < 0) throw new Error(`internal: no input ${name}`);
      return name === 'grad' || name === 'indices' ? tensorAt(inputs, vars + i, ctx) : scalar(inputs, vars + i, ctx, name);
    };
    const indices = input('indices');
    const grad = input('grad');
    if (indices.rank !== 1) throw bad(ctx, `indices must be 1-D, got shape [${indices.shape}]`);
    const n = indices.shape[0]!;
    const rowShape = res[0]!.variable.shape.slice(1);
    if (grad.rank !== rowShape.length + 1 || grad.shape[0] !== n || rowShape.some((d, i) => d !== grad.shape[i + 1])) {
      throw bad(ctx, `grad of shape [${grad.shape}] does not fit ${n} rows of variable ${res[0]!.name} [${res[0]!.variable.shape}]`);
    }
    const idx = Array.from(indices.dataSync(), Number);
    const badIndex = idx.find((i) => i < 0 || i >= rows);
    if (badIndex !== undefined) throw bad(ctx, `index ${badIndex} is out of range [0, ${rows}) of variable ${res[0]!.name}`);
    // rounds: positions of each row's 1st occurrence, then its 2nd, ...
    const seen = new Map<number, number>();
    const rounds: number[][] = [];
    idx.forEach((row, k) => {
      const r = seen.get(row) ?? 0;
      seen.set(row, r + 1);
      (rounds[r] ??= []).push(k);
    });
    let values = res.map((r) => r.variable as T);
    for (const positions of rounds) {
      const pos = tf.tensor1d(positions, 'int32');
      const at = tf.tensor1d(positions.map((k) => idx[k]!), 'int32');
      const g = tf.gather(grad, pos);
      const current = values.map((v) => tf.gather(v, at));
      const t = (name: string): T => (name === 'grad' ? g : input(name));
      const next = step(current, t, attrs);
      const where = tf.expandDims(at, 1);
      values = values.map((v, i) => (next[i] ? tf.tensorScatterUpdate(v, where, next[i]!) : v));
    }
    values.forEach((v, i) => { if (v !== res[i]!.variable) write(res[i]!, v, ctx); });
  }
}

const sqrt = tf.sqrt;
const { add, sub, mul, div, square } = tf;


// Update rules shared by the dense ResourceApply* ops and their ResourceSparseApply* row-wise twins.
const momentum: Step = ([v, accum], t, attrs) => {
    const g = t('grad');
    const lr = t('lr');
    const m = t('momentum');
    const a = add(mul(accum!, m), g);
    const nv = attrs.bool('use_nesterov', false) ? sub(v!, add(mul(g, lr), mul(mul(a, m), lr))) : sub(v!, mul(lr, a));
    return [nv, a];
  };

const kerasMomentum: Step = ([v, accum], t, attrs) => {
    const g = t('grad');
    const lr = t('lr');
    const m = t('momentum');
    const a = sub(mul(accum!, m), mul(lr, g));
    const nv = attrs.bool('use_nesterov', false) ? add(v!, sub(mul(a, m), mul(lr, g))) : add(v!, a);
    return [nv, a];
  };

const rmsProp: Step = ([v, ms, mom], t) => {
    const g = t('grad');
    const nms = add(ms!, mul(sub(square(g), ms!), sub(1, t('rho'))));
    const nmom = add(mul(mom!, t('momentum')), div(mul(t('lr'), g), sqrt(add(nms, t('epsilon')))));
    return [sub(v!, nmom), nms, nmom];
  };

const centeredRmsProp: Step = ([v, mg, ms, mom], t) => {
    const g = t('grad');
    const rho = t('rho');
    const nms = add(ms!, mul(sub(square(g), ms!), sub(1, rho)));
    const nmg = add(mg!, mul(sub(g, mg!), sub(1, rho)));
    const denom = add(sub(nms, square(nmg)), t('epsilon'));
    const nmom = add(mul(mom!, t('momentum')), mul(mul(t('lr'), g), tf.rsqrt(denom)));
    return [sub(v!, nmom), nmg, nms, nmom];
  };

const adagrad: Step = ([v, accum], t, attrs) => {
    const g = t('grad');
    const na = attrs.bool('update_slots', true) ? add(accum!, square(g)) : accum!;
    return [sub(v!, mul(mul(t('lr'), g), tf.rsqrt(na))), na];
  };

const adagradV2: Step = ([v, accum], t, attrs) => {
    const g = t('grad');
    const na = attrs.bool('update_slots', true) ? add(accum!, square(g)) : accum!;
    return [sub(v!, div(mul(t('lr'), g), add(sqrt(na), t('epsilon')))), na];
  };

const adadelta: Step = ([v, accum, accumUpdate], t) => {
    const g = t('grad');
    const rho = t('rho');
    const eps = t('epsilon');
    const na = add(mul(accum!, rho), mul(square(g), sub(1, rho)));
    const update = mul(mul(sqrt(add(accumUpdate!, eps)), tf.rsqrt(add(na, eps))), g);
    const nu = add(mul(accumUpdate!, rho), mul(square(update), sub(1, rho)));
    return [sub(v!, mul(update, t('lr'))), na, nu];
  };

export const TRAINING_KERNELS: Record<string, Kernel> = {
  ResourceApplyGradientDescent: optimizer(1, ([v], t) => [sub(v!, mul(t('alpha'), t('delta')))], ['alpha', 'delta']),

  ResourceApplyMomentum: optimizer(2, momentum, ['lr', 'grad', 'momentum']),

  ResourceApplyKerasMomentum: optimizer(2, kerasMomentum, ['lr', 'grad', 'momentum']),

  ResourceApplyAdam: optimizer(3, ([v, m, s], t, attrs) => {
    const g = t('grad');
    const b1 = t('beta1');
    const b2 = t('beta2');
    const alpha = div(mul(t('lr'), sqrt(sub(1, t('beta2_power')))), sub(1, t('beta1_power')));
    const nm = add(m!, mul(sub(g, m!), sub(1, b1)));
    const ns = add(s!, mul(sub(square(g), s!), sub(1, b2)));
    const denom = add(sqrt(ns), t('epsilon'));
    const nv = attrs.bool('use_nesterov', false)
      ? sub(v!, div(mul(add(mul(g, sub(1, b1)), mul(b1, nm)), alpha), denom))
      : sub(v!, div(mul(nm, alpha), denom));
    return [nv, nm, ns];
  }, ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad']),

  ResourceApplyAdamWithAmsgrad: optimizer(4, ([v, m, s, vhat], t) => {
    const g = t('grad');
    const alpha = div(mul(t('lr'), sqrt(sub(1, t('beta2_power')))), sub(1, t('beta1_power')));
    const nm = add(m!, mul(sub(g, m!), sub(1, t('beta1'))));
    const ns = add(s!, mul(sub(square(g), s!), sub(1, t('beta2'))));
    const nh = tf.maximum(vhat!, ns);
    return [sub(v!, div(mul(nm, alpha), add(sqrt(nh), t('epsilon')))), nm, ns, nh];
  }, ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad']),

  ResourceApplyAdaMax: optimizer(3, ([v, m, s], t) => {
    const g = t('grad');
    const nm = add(m!, mul(sub(g, m!), sub(1, t('beta1'))));
    const ns = tf.maximum(mul(t('beta2'), s!), tf.abs(g));
    return [sub(v!, mul(div(t('lr'), sub(1, t('beta1_power'))), div(nm, add(ns, t('epsilon'))))), nm, ns];
  }, ['beta1_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad']),

  ResourceApplyRMSProp: optimizer(3, rmsProp, ['lr', 'rho', 'momentum', 'epsilon', 'grad']),

  ResourceApplyCenteredRMSProp: optimizer(4, centeredRmsProp, ['lr', 'rho', 'momentum', 'epsilon', 'grad']),

  ResourceApplyAdagrad: optimizer(2, adagrad, ['lr', 'grad']),

  ResourceApplyAdagradV2: optimizer(2, adagradV2, ['lr', 'epsilon', 'grad']),

  ResourceApplyAdadelta: optimizer(3, adadelta, ['lr', 'rho', 'epsilon', 'grad']),

  ResourceSparseApplyMomentum: sparseOptimizer(2, momentum, ['lr', 'grad', 'indices', 'momentum']),
  ResourceSparseApplyKerasMomentum: sparseOptimizer(2, kerasMomentum, ['lr', 'grad', 'indices', 'momentum']),
  ResourceSparseApplyRMSProp: sparseOptimizer(3, rmsProp, ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices']),
  ResourceSparseApplyCenteredRMSProp: sparseOptimizer(4, centeredRmsProp, ['lr', 'rho', 'momentum', 'epsilon', 'grad', 'indices']),
  ResourceSparseApplyAdagrad: sparseOptimizer(2, adagrad, ['lr', 'grad', 'indices']),
  ResourceSparseApplyAdagradV2: sparseOptimizer(2, adagradV2, ['lr', 'epsilon', 'grad', 'indices']),
  ResourceSparseApplyAdadelta: sparseOptimizer(3, adadelta, ['lr', 'rho', 'epsilon', 'grad', 'indices']),
};
