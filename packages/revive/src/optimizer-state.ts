import type * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import { KerasAdam, KerasOptimizer, KerasRMSprop, KerasSGD } from './keras-optimizers.js';
import type { Checkpoint } from '@savedkeras/proto';
import { checkpointTensorToTf } from './weights.js';

/**
 * Restores a Keras optimizer's saved state (iterations, hyper-parameters, slot variables) into the
 * tfjs optimizer the model was compiled with, so that training resumes where Keras stopped.
 *
 * Two layouts exist (docs: savedmodel-format.md, slot_variables):
 * - OptimizerV2 (TF < 2.11): `root.optimizer` holds `iter` and one variable per hyper-parameter
 *   (`learning_rate`, `beta_1`, `rho`, `momentum`, `decay`...); its `slot_variables` pair each
 *   model variable with its slots (`m`, `v`, `rms`, `momentum`, `mg`).
 * - Keras >= 2.11: `root.optimizer` holds `_iterations`, `_learning_rate` and per-slot lists
 *   (`_momentums`, `_velocities`, `_average_gradients`) in the order of the model's trainable
 *   variables; each slot is named `<Optimizer>/<slot>/<variable name>`.
 */

export interface RestoredOptimizerState {
  iterations: number;
  slots: number;
}

/** Keras >= 2.11 slot lists -> this project's slot names, per optimizer. */
const MODERN_SLOT_LISTS: [new (...a: never[]) => KerasOptimizer, Record<string, string>][] = [
  [KerasAdam, { _momentums: 'm', _velocities: 'v' }],
  [KerasRMSprop, { _velocities: 'rms', _momentums: 'momentum', _average_gradients: 'mg' }],
  [KerasSGD, { _momentums: 'momentum' }],
];

async function scalar(ckpt: Checkpoint, node: ObjectNode | undefined): Promise<number | undefined> {
  const key = node?.variable?.checkpointKey;
  if (!key) return undefined;
  const t = await ckpt.readTensor(key);
  const v = t.values[0];
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n)) throw new FormatError(`optimizer variable ${node!.path} holds no finite number`, { node: node!.path });
  return n;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export async function restoreOptimizerState(
  graph: SavedModelGraph,
  ckpt: Checkpoint,
  optimizer: tf.Optimizer,
  /** Object-graph variable node id -> the tfjs weight restored from it. */
  weightsByNode: Map<number, LayerVariable>,
  /** The model's trainable weights in Keras' order (for the Keras >= 2.11 slot lists). */
  trainable: LayerVariable[],
  warn: (m: string) => void,
): Promise<RestoredOptimizerState | undefined> {
  // Slot variables are named by saved_model.pb's variable names.
  graph.requireSavedModel('optimizer slots');
  const root = graph.root;
  const optNode = root ? graph.child(root.id, 'optimizer') : undefined;
  if (!optNode) return undefined; // compiled but never trained: Keras saved no optimizer state
  if (!(optimizer instanceof KerasOptimizer)) {
    warn(`the saved state of optimizer ${optimizer.getClassName()} is not restored (only Adam, RMSprop and SGD); training starts with fresh slots`);
    return undefined;
  }
  const child = (name: string) => graph.child(optNode.id, name);
  const modern = child('_iterations') !== undefined || child('_variables') !== undefined;
  const iterations = (await scalar(ckpt, modern ? child('_iterations') : child('iter'))) ?? 0;
  if (iterations < 0 || !Number.isSafeInteger(iterations)) {
    throw new FormatError(`optimizer iterations ${iterations} is not a step count`, { node: optNode.path });
  }
  optimizer.setIterations(iterations);

  // Hyper-parameters as last used (callbacks such as ReduceLROnPlateau change the variables, not the config).
  const hyper = async (name: string, set: (v: number) => void) => {
    const v = await scalar(ckpt, child(name));
    if (v !== undefined) set(v);
  };
  await hyper(modern ? '_learning_rate' : 'learning_rate', (v) => (optimizer.learningRate = v));
  if (!modern) {
    await hyper('decay', (v) => (optimizer.decay = v));
    if (optimizer instanceof KerasAdam) {
      await hyper('beta_1', (v) => (optimizer.beta1 = v));
      await hyper('beta_2', (v) => (optimizer.beta2 = v));
    } else if (optimizer instanceof KerasRMSprop) {
      await hyper('rho', (v) => (optimizer.rho = v));
      await hyper('momentum', (v) => (optimizer.momentum = v));
    } else if (optimizer instanceof KerasSGD) {
      await hyper('momentum', (v) => (optimizer.momentum = v));
    }
  }

  // Slot variable node -> (tfjs weight, slot name).
  const pairs: { slot: ObjectNode; weight: LayerVariable; slotName: string }[] = [];
  if (!modern) {
    for (const ref of optNode.proto.slotVariables) {
      const weight = weightsByNode.get(ref.originalVariableNodeId);
      if (!weight) {
        warn(`optimizer slot ${ref.slotName} of ${graph.node(ref.originalVariableNodeId).path} belongs to no restored weight; not restored`);
        continue;
      }
      pairs.push({ slot: graph.node(ref.slotVariableNodeId), weight, slotName: ref.slotName });
    }
  } else {
    const lists = MODERN_SLOT_LISTS.find(([cls]) => optimizer instanceof cls)?.[1] ?? {};
    const byKerasName = new Map<string, LayerVariable>();
    for (const [id, w] of weightsByNode) {
      const name = graph.node(id).variable?.name;
      if (name) byKerasName.set(name.replace(/:\d+$/, ''), w);
    }
    for (const [list, slotName] of Object.entries(lists)) {
      const listNode = child(list);
      if (!listNode) continue;
      const entries = [...listNode.children].sort((a, b) => Number(a.name) - Number(b.name)).map((c) => graph.node(c.id));
      entries.forEach((slot, i) => {
        // `Adam/m/dense/kernel` names the variable `dense/kernel`; else the i-th trainable weight.
        const slotVarName = slot.variable?.name ?? '';
        const named = [...byKerasName].find(([n]) => slotVarName.endsWith(`/${n}`))?.[1];
        const weight = named ?? trainable[i];
        if (weight) pairs.push({ slot, weight, slotName });
      });
    }
  }

  let slots = 0;
  for (const { slot, weight, slotName } of pairs) {
    const key = slot.variable?.checkpointKey;
    if (!key) continue;
    const stored = await ckpt.readTensor(key);
    if (!sameShape(weight.shape, stored.shape)) {
      throw new FormatError(
        `optimizer slot ${slotName} for ${weight.name} is [${stored.shape.join(', ')}], the weight is [${weight.shape.join(', ')}]`,
        { file: 'variables/variables.index', node: slot.path },
      );
    }
    const value = checkpointTensorToTf(stored, 'float32');
    try {
      optimizer.setSlot((weight.read() as tf.Variable).name, slotName, value);
      slots++;
    } finally {
      value.dispose();
    }
  }
  return { iterations, slots };
}
