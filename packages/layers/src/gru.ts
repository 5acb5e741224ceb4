import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  getActivation,
  getConstraint,
  getInitializer,
  getRegularizer,
  layerBaseArgs,
  serializeActivation,
  serializeObject,
  type ActivationFn,
  type ConstraintLike,
  type InitializerLike,
  type RegularizerLike,
} from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type RNNArgs = ConstructorParameters<typeof tfl.layers.RNN>[0];

export interface GRUCellArgs extends LayerArgs {
  units: number;
  activation?: unknown;
  recurrentActivation?: unknown;
  useBias?: boolean;
  kernelInitializer?: unknown;
  recurrentInitializer?: unknown;
  biasInitializer?: unknown;
  kernelRegularizer?: unknown;
  recurrentRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  recurrentConstraint?: unknown;
  biasConstraint?: unknown;
  dropout?: number;
  recurrentDropout?: number;
  implementation?: number;
  /** Keras 2 default true (CuDNN-compatible): separate input and recurrent biases, reset gate after the matmul. */
  resetAfter?: boolean;
}

/**
 * Keras `GRUCell` with both `reset_after` variants (tfjs-layers implements only false). Gate
 * order z, r, h as Keras; weights `kernel` [in, 3u], `recurrent_kernel` [u, 3u], `bias` [2, 3u]
 * (input bias, recurrent bias) with reset_after or [3u] without.
 *
 *   reset_after:  hh = act(x·Wh + bx_h + r ⊙ (h·Uh + bh_h))
 *   otherwise:    hh = act(x·Wh + b_h + (r ⊙ h)·Uh)
 *   h' = z ⊙ h + (1 - z) ⊙ hh,  z/r = recurrent_activation(x·W + h·U + biases)
 *
 * Dropout and recurrent dropout are not applied (inference); training runs without them.
 */
export class GRUCell extends tfl.layers.RNNCell {
  static className = 'GRUCell';
  readonly units: number;
  readonly resetAfter: boolean;
  readonly useBias: boolean;
  readonly activation: ActivationFn;
  readonly recurrentActivation: ActivationFn;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly implementation: number;
  stateSize: number;
  kernel: tfl.LayerVariable | null = null;
  recurrentKernel: tfl.LayerVariable | null = null;
  bias: tfl.LayerVariable | null = null;
  private readonly inits: { kernel: InitializerLike; recurrent: InitializerLike; bias: InitializerLike };
  private readonly regs: { kernel: RegularizerLike | null; recurrent: RegularizerLike | null; bias: RegularizerLike | null };
  private readonly cons: { kernel: ConstraintLike | null; recurrent: ConstraintLike | null; bias: ConstraintLike | null };

  constructor(args: GRUCellArgs) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new RangeError(`GRUCell: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.stateSize = args.units;
    this.resetAfter = args.resetAfter ?? true;
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation ?? 'tanh');
    this.recurrentActivation = getActivation(args.recurrentActivation ?? 'sigmoid');
    this.dropout = Math.min(1, Math.max(0, args.dropout ?? 0));
    this.recurrentDropout = Math.min(1, Math.max(0, args.recurrentDropout ?? 0));
    this.implementation = args.implementation ?? 2;
    this.inits = {
      kernel: getInitializer(args.kernelInitializer, 'glorotUniform'),
      recurrent: getInitializer(args.recurrentInitializer, 'orthogonal'),
      bias: getInitializer(args.biasInitializer, 'zeros'),
    };
    this.regs = { kernel: getRegularizer(args.kernelRegularizer), recurrent: getRegularizer(args.recurrentRegularizer), bias: getRegularizer(args.biasRegularizer) };
    this.cons = { kernel: getConstraint(args.kernelConstraint), recurrent: getConstraint(args.recurrentConstraint), bias: getConstraint(args.biasConstraint) };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) throw new RangeError(`${this.name}: GRUCell needs a known input feature size`);
    const u = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 3 * u], 'float32', this.inits.kernel as never, this.regs.kernel as never, true, this.cons.kernel as never);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', this.inits.recurrent as never, this.regs.recurrent as never, true, this.cons.recurrent as never);
    this.bias = this.useBias
      ? this.addWeight('bias', this.resetAfter ? [2, 3 * u] : [3 * u], 'float32', this.inits.bias as never, this.regs.bias as never, true, this.cons.bias as never)
      : null;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, h] = inputs as tf.Tensor[];
      const u = this.units;
      const k = this.kernel!.read();
      const rk = this.recurrentKernel!.read();
      let inputBias: tf.Tensor | null = null;
      let recurrentBias: tf.Tensor | null = null;
      if (this.bias) {
        const b = this.bias.read();
        if (this.resetAfter) [inputBias, recurrentBias] = tf.unstack(b, 0);
        else inputBias = b;
      }
      let mx = tf.matMul(x, k);
      if (inputBias) mx = tf.add(mx, inputBias);
      const [xz, xr, xh] = tf.split(mx, 3, -1);
      let hh: tf.Tensor;
      let z: tf.Tensor;
      if (this.resetAfter) {
        let inner = tf.matMul(h, rk);
        if (recurrentBias) inner = tf.add(inner, recurrentBias);
        const [hz, hr, hhRec] = tf.split(inner, 3, -1);
        z = this.recurrentActivation.apply(tf.add(xz, hz));
        const r = this.recurrentActivation.apply(tf.add(xr, hr));
        hh = this.activation.apply(tf.add(xh, tf.mul(r, hhRec)));
      } else {
        const [rkZR, rkH] = tf.split(rk, [2 * u, u], -1);
        const [hz, hr] = tf.split(tf.matMul(h, rkZR), 2, -1);
        z = this.recurrentActivation.apply(tf.add(xz, hz));
        const r = this.recurrentActivation.apply(tf.add(xr, hr));
        hh = this.activation.apply(tf.add(xh, tf.matMul(tf.mul(r, h), rkH)));
      }
      const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      return [next, next];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      useBias: this.useBias,
      kernelInitializer: serializeObject(this.inits.kernel),
      recurrentInitializer: serializeObject(this.inits.recurrent),
      biasInitializer: serializeObject(this.inits.bias),
      kernelRegularizer: serializeObject(this.regs.kernel),
      recurrentRegularizer: serializeObject(this.regs.recurrent),
      biasRegularizer: serializeObject(this.regs.bias),
      kernelConstraint: serializeObject(this.cons.kernel),
      recurrentConstraint: serializeObject(this.cons.recurrent),
      biasConstraint: serializeObject(this.cons.bias),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      implementation: this.implementation,
      resetAfter: this.resetAfter,
    };
  }
}

export interface GRUArgs extends GRUCellArgs {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  timeMajor?: boolean;
}

/** Keras `GRU` over the GRUCell above (so `reset_after: true` configs load). */
export class GRU extends tfl.layers.RNN {
  static override className = 'GRU';

  constructor(args: GRUArgs) {
    if (args.timeMajor) throw new RangeError('GRU with time_major=True is not supported');
    const base = layerBaseArgs(args as unknown as Record<string, unknown>);
    super({ ...base, cell: new GRUCell(args) } as unknown as RNNArgs);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const k = kwargs ?? {};
    return super.call(inputs, { mask: k['mask'], training: k['training'], initialState: k['initialState'] } as never);
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}
