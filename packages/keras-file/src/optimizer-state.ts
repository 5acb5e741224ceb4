import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { baseClassName, isObject, KerasOptimizer, type Json } from '@savedkeras/revive';
import type { H5Array, H5File } from './hdf5.js';

export interface OptimizerStateResult {
  restored: boolean;
  /** Why not, when not restored. */
  reason?: string;
  /** The saved iteration count, when restored. */
  iterations?: number;
  /** How many slot variables were set. */
  slots?: number;
}

export type OptimizerSource = { kind: 'keras-3'; h5: H5File } | { kind: 'legacy'; h5: H5File };

/**
 * Slot variables per trainable variable, in the order Keras 3 creates them, and whether Keras
 * interleaves them (`add_optimizer_variables` with several names: m1 v1 m2 v2 ...) or adds each
 * kind for all variables in turn (RMSprop: velocities, then momentums, then average gradients).
 */
function keras3Slots(name: string, cfg: Record<string, Json>): { slots: string[]; interleaved: boolean } | undefined {
  switch (name) {
    case 'Adam':
    case 'AdamW':
      return cfg['amsgrad'] === true ? undefined : { slots: ['momentum', 'velocity'], interleaved: true };
    case 'SGD':
      return { slots: Number(cfg['momentum'] ?? 0) !== 0 ? ['momentum'] : [], interleaved: true };
    case 'RMSprop':
      return {
        slots: ['velocity', ...(Number(cfg['momentum'] ?? 0) > 0 ? ['momentum'] : []), ...(cfg['centered'] === true ? ['average_gradient'] : [])],
        interleaved: false,
      };
    default:
      return undefined;
  }
}

/** Keras 2 (tf.keras) slot names per optimizer, as its h5 `weight_names` end (`.../m:0`). */
const KERAS2_SLOTS: Record<string, string[]> = { Adam: ['m', 'v'], SGD: ['momentum'], RMSprop: ['rms', 'momentum', 'mg'] };

/**
 * Sets the tfjs optimizer's slots from the optimizer variables Keras saved, so that training
 * resumes where Keras stopped: `optimizer/vars/<i>` of model.weights.h5 (iteration,
 * learning_rate, then the slots) or `optimizer_weights` of a legacy .h5 (named), set through the
 * API of revive's Keras-exact optimizers (setIterations, setSlot), as SavedModel loading does.
 */
export async function restoreOptimizerState(model: tfl.LayersModel, source: OptimizerSource, trainingConfig: Json | undefined): Promise<OptimizerStateResult> {
  const optimizer = (model as unknown as { optimizer?: tf.Optimizer }).optimizer;
  if (!optimizer) return { restored: false, reason: 'the model has no optimizer' };
  const tc = isObject(trainingConfig ?? null) ? (trainingConfig as Record<string, Json>) : {};
  const optCfg = tc['optimizer_config'];
  if (!isObject(optCfg ?? null)) return { restored: false, reason: 'no optimizer config' };
  const name = baseClassName(String((optCfg as Record<string, Json>)['class_name']));
  const cfg = (isObject((optCfg as Record<string, Json>)['config'] ?? null) ? (optCfg as Record<string, Json>)['config'] : {}) as Record<string, Json>;
  const trainable = model.trainableWeights;
  const n = trainable.length;
  const h5 = source.h5;

  let iterations: number;
  let learningRate: number | undefined;
  let bySlot: Map<string, H5Array[]>;
  if (source.kind === 'keras-3' || (source.kind === 'legacy' && isKeras3LegacyOptimizer(h5))) {
    const layout = keras3Slots(name, cfg);
    if (!layout) return { restored: false, reason: `restoring ${name} state is not supported` };
    const arrays = source.kind === 'keras-3' ? numbered(h5, 'optimizer/vars') : named(h5).map((x) => x.array);
    if (arrays.length === 0) return { restored: false, reason: 'the file holds no optimizer variables (the model was never trained)' };
    const k = layout.slots.length;
    if (arrays.length !== 2 + k * n) {
      return { restored: false, reason: `the file holds ${arrays.length} optimizer variables, ${name} over ${n} trainable weights needs ${2 + k * n}` };
    }
    iterations = Number(arrays[0]!.values[0] ?? 0);
    learningRate = Number(arrays[1]!.values[0]);
    bySlot = new Map(layout.slots.map((s) => [s, [] as H5Array[]]));
    for (let si = 0; si < k; si++) {
      for (let vi = 0; vi < n; vi++) bySlot.get(layout.slots[si]!)!.push(arrays[2 + (layout.interleaved ? vi * k + si : si * n + vi)]!);
    }
  } else {
    const slots = KERAS2_SLOTS[name];
    if (!slots) return { restored: false, reason: `restoring ${name} state from a Keras 2 file is not supported` };
    const entries = named(h5);
    if (entries.length === 0) return { restored: false, reason: 'the file holds no optimizer weights' };
    const iter = entries.find((e) => /(^|\/)iter(ations)?(:0)?$/.test(e.name));
    iterations = iter ? Number(iter.array.values[0] ?? 0) : 0;
    const lr = entries.find((e) => /(^|\/)(learning_rate|lr)(:0)?$/.test(e.name));
    learningRate = lr ? Number(lr.array.values[0]) : undefined;
    bySlot = new Map();
    for (const s of slots) {
      const list = entries.filter((e) => e.name.replace(/:0$/, '').endsWith(`/${s}`)).map((e) => e.array);
      if (list.length > 0) bySlot.set(s, list);
    }
  }
  for (const [slot, list] of bySlot) {
    if (list.length !== n) return { restored: false, reason: `${list.length} ${slot} slots for ${n} trainable weights` };
    for (let i = 0; i < n; i++) {
      const want = trainable[i]!.shape;
      const got = list[i]!.shape;
      if (want.length !== got.length || want.some((d, j) => d !== got[j])) {
        return { restored: false, reason: `the ${slot} slot ${list[i]!.path} is [${got.join(', ')}], its weight ${trainable[i]!.name} is [${want.join(', ')}]` };
      }
    }
  }
  // The Keras-exact optimizers of @savedkeras/revive keep Keras' own slots (same values, same
  // update rule): each saved slot goes to the weight it belongs to under revive's slot name.
  if (!(optimizer instanceof KerasOptimizer)) {
    return { restored: false, reason: `the model was compiled with ${optimizer.getClassName()}, whose state has no Keras counterpart` };
  }
  const REVIVE_SLOT: Record<string, string> = { momentum: name === 'RMSprop' || name === 'SGD' ? 'momentum' : 'm', velocity: name === 'RMSprop' ? 'rms' : 'v', average_gradient: 'mg', m: 'm', v: 'v', rms: 'rms', mg: 'mg' };
  optimizer.setIterations(iterations);
  if (learningRate !== undefined && Number.isFinite(learningRate)) optimizer.learningRate = learningRate;
  let slots = 0;
  for (const [slot, list] of bySlot) {
    const reviveName = REVIVE_SLOT[slot];
    if (!reviveName) return { restored: false, reason: `optimizer slot ${slot} has no counterpart in ${name}` };
    for (let i = 0; i < n; i++) {
      const value = tf.tensor(list[i]!.values, list[i]!.shape, 'float32');
      try {
        optimizer.setSlot((trainable[i]!.read() as tf.Variable).name, reviveName, value);
        slots++;
      } finally {
        value.dispose();
      }
    }
  }
  return { restored: true, iterations, slots };
}

function numbered(h5: H5File, group: string): H5Array[] {
  const keys = (h5.keys(group) ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  return keys.map((k) => h5.read(`${group}/${k}`));
}

/** Legacy .h5 optimizer weights by name, in saved order. */
function named(h5: H5File): { name: string; array: H5Array }[] {
  if (!h5.isGroup('optimizer_weights')) return [];
  return h5.stringListAttr('optimizer_weights', 'weight_names').map((name) => ({ name, array: h5.read(`optimizer_weights/${name}`) }));
}

/** Keras 3 writes `<opt>/iteration`, `<opt>/learning_rate`, then `<opt>/<var>_<slot>`; tf.keras 2 writes `<Opt>/iter:0` and `<Opt>/<var>/<slot>:0`. */
function isKeras3LegacyOptimizer(h5: H5File): boolean {
  const names = h5.isGroup('optimizer_weights') ? h5.stringListAttr('optimizer_weights', 'weight_names') : [];
  return names.length >= 2 && /\/iteration$/.test(names[0]!) && /\/learning_rate$/.test(names[1]!);
}
