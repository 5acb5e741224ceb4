import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

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

  static fromConfig(cls: new (a: { l1?: number }) => L1, config: tf.serialization.ConfigDict): L1 {
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

  static fromConfig(cls: new (a: { l2?: number }) => L2, config: tf.serialization.ConfigDict): L2 {
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
  const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
  map['L1'] = [L1, L1.fromConfig];
  map['L2'] = [L2, L2.fromConfig];
  map['l1'] = [L1, L1.fromConfig];
  map['l2'] = [L2, L2.fromConfig];
  // Keras' string identifier 'l1_l2' is L1L2(l1=0.01, l2=0.01), as tfjs' default.
  if (!map['l1_l2'] && map['L1L2']) map['l1_l2'] = map['L1L2'];
  if (!map['l1L2'] && map['L1L2']) map['l1L2'] = map['L1L2'];
}
