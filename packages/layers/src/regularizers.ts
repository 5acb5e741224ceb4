import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerPluginObject, type SerializableClass } from './keras-registry.js';

/**
 * Keras `L1` and `L2` regularizers (config `{l1}` / `{l2}`), which tfjs-layers only knows as
 * `L1L2`. Both are L1L2 subclasses (so tfjs' `instanceof Regularizer` checks hold), registered
 * under their Keras class names and the lower-case string identifiers `l1` / `l2` / `l1_l2`.
 * Keras' defaults: 0.01.
 */

interface L1L2Instance {
  apply(x: tf.Tensor): tf.Scalar;
  getConfig(): tf.serialization.ConfigDict;
  getClassName(): string;
}
type L1L2Ctor = new (args?: { l1?: number; l2?: number }) => L1L2Instance;

// tfjs does not export the class itself; its factory's instances carry it.
const L1L2Base = tfl.regularizers.l1l2({ l1: 0, l2: 0 }).constructor as unknown as L1L2Ctor;

export class L1 extends L1L2Base {
  static className = 'L1';
  readonly factor: number;

  constructor(args: { l1?: number | null } = {}) {
    const l1 = args.l1 ?? 0.01;
    super({ l1, l2: 0 });
    this.factor = l1;
  }

  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls({ l1: (config['l1'] as number | undefined) ?? undefined });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { l1: this.factor };
  }

  override getClassName(): string {
    return 'L1';
  }
}

export class L2 extends L1L2Base {
  static className = 'L2';
  readonly factor: number;

  constructor(args: { l2?: number | null } = {}) {
    const l2 = args.l2 ?? 0.01;
    super({ l1: 0, l2 });
    this.factor = l2;
  }

  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls({ l2: (config['l2'] as number | undefined) ?? undefined });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { l2: this.factor };
  }

  override getClassName(): string {
    return 'L2';
  }
}

let done = false;
export function registerRegularizers(): void {
  if (done) return;
  done = true;
  for (const name of ['L1', 'l1']) registerPluginObject('regularizer', name, L1);
  for (const name of ['L2', 'l2']) registerPluginObject('regularizer', name, L2);
  // Keras' string identifier 'l1_l2' is L1L2(l1=0.01, l2=0.01), as tfjs' default.
  const l1l2 = L1L2Base as unknown as SerializableClass;
  for (const name of ['l1_l2', 'l1L2']) registerPluginObject('regularizer', name, l1l2);
}
