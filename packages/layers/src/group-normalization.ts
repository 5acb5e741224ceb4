import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '@savedkeras/common';
import {
  getConstraint,
  getInitializer,
  getRegularizer,
  layerBaseArgs,
  serializeObject,
  type ConstraintLike,
  type InitializerLike,
  type RegularizerLike,
} from './keras-objects.js';
import { normAxis } from './shape-utils.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

interface GroupNormalizationArgs extends LayerArgs {
  /** Number of channel groups; -1 = one group per channel (instance normalization). */
  groups?: number;
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: unknown;
  gammaInitializer?: unknown;
  betaRegularizer?: unknown;
  gammaRegularizer?: unknown;
  betaConstraint?: unknown;
  gammaConstraint?: unknown;
}

/**
 * Keras `GroupNormalization`: the channels (`axis`) split into `groups` groups; each sample is
 * normalized by the mean and (population) variance over its group's channels and every other
 * non-batch axis, then scaled by `gamma` and shifted by `beta` per channel. Keras' formula, in
 * its order: inv = rsqrt(var + eps)·gamma; y = x·inv + (beta − mean·inv).
 */
export class GroupNormalization extends tfl.layers.Layer {
  static className = 'GroupNormalization';
  readonly groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly betaInitializer: InitializerLike;
  private readonly gammaInitializer: InitializerLike;
  private readonly betaRegularizer: RegularizerLike | null;
  private readonly gammaRegularizer: RegularizerLike | null;
  private readonly betaConstraint: ConstraintLike | null;
  private readonly gammaConstraint: ConstraintLike | null;
  gamma: tfl.LayerVariable | null = null;
  beta: tfl.LayerVariable | null = null;
  private channelGroups = 0;

  constructor(args: GroupNormalizationArgs = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.groups = args.groups ?? 32;
    this.axis = args.axis ?? -1;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer, 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer, 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
    this.betaConstraint = getConstraint(args.betaConstraint);
    this.gammaConstraint = getConstraint(args.gammaConstraint);
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const axis = normAxis(this.axis, shape.length);
    const channels = shape[axis];
    if (channels == null) throw new UnsupportedLayerError(`${this.name}: GroupNormalization needs a known size on axis ${this.axis}`);
    const groups = this.groups === -1 ? channels : this.groups;
    if (groups <= 0 || channels % groups !== 0) {
      throw new UnsupportedLayerError(`${this.name}: ${channels} channels do not split into ${this.groups} groups`);
    }
    this.channelGroups = groups;
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], 'float32', this.gammaInitializer as never, this.gammaRegularizer as never, true, this.gammaConstraint as never);
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', this.betaInitializer as never, this.betaRegularizer as never, true, this.betaConstraint as never);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axis = normAxis(this.axis, x.rank);
      const channels = x.shape[axis]!;
      const g = this.channelGroups;
      // [..., groups, channels/groups, ...]: moments over every axis but the batch and the group axis.
      const grouped = [...x.shape.slice(0, axis), g, channels / g, ...x.shape.slice(axis + 1)];
      const reshaped = tf.reshape(x, grouped);
      const reduce = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== axis);
      const { mean, variance } = tf.moments(reshaped, reduce, true);
      const broadcast = grouped.map((_, i) => (i === axis ? g : i === axis + 1 ? channels / g : 1));
      let inv = tf.rsqrt(tf.add(variance, this.epsilon));
      if (this.gamma) inv = tf.mul(inv, tf.reshape(this.gamma.read(), broadcast));
      let shift = tf.neg(tf.mul(mean, inv));
      if (this.beta) shift = tf.add(shift, tf.reshape(this.beta.read(), broadcast));
      return tf.reshape(tf.add(tf.mul(reshaped, inv), shift), x.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      groups: this.groups,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeObject(this.betaInitializer),
      gammaInitializer: serializeObject(this.gammaInitializer),
      betaRegularizer: serializeObject(this.betaRegularizer),
      gammaRegularizer: serializeObject(this.gammaRegularizer),
      betaConstraint: serializeObject(this.betaConstraint),
      gammaConstraint: serializeObject(this.gammaConstraint),
    };
  }
}

/** Keras `UnitNormalization`: x·min(rsqrt(Σx² over `axis`), 1e12) (Keras' L2 normalize with epsilon 1e-12). */
export class UnitNormalization extends tfl.layers.Layer {
  static className = 'UnitNormalization';
  readonly axis: number | number[];

  constructor(args: LayerArgs & { axis?: number | number[] } = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.axis = args.axis ?? -1;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => normAxis(a, x.rank));
      const inv = tf.minimum(tf.rsqrt(tf.sum(tf.square(x), axes, true)), 1e12);
      return tf.mul(x, inv);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}
