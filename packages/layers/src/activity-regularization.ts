import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerBaseArgs } from './keras-objects.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Keras `ActivityRegularization`: the identity, plus in training the loss term
 * (l1·Σ|y| + l2·Σy²) / batch size on its output (Keras 3 divides by the batch size).
 * tfjs evaluates layer losses inside the training step's gradient tape after the forward pass,
 * so the loss closure reads the output of the current step's call.
 */
export class ActivityRegularization extends tfl.layers.Layer {
  static className = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;
  private trainingOutput: tf.Tensor | null = null;

  constructor(args: LayerArgs & { l1?: number; l2?: number } = {}) {
    super(layerBaseArgs(args as unknown as Record<string, unknown>) as LayerArgs);
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
    this.supportsMasking = true;
    this.addLoss(() => this.activityLoss());
  }

  private activityLoss(): tf.Scalar {
    const y = this.trainingOutput;
    if (!y || y.isDisposed || (this.l1 === 0 && this.l2 === 0)) return tf.scalar(0);
    return tf.tidy(() => {
      let loss: tf.Tensor = tf.scalar(0);
      if (this.l1 !== 0) loss = tf.add(loss, tf.mul(this.l1, tf.sum(tf.abs(y))));
      if (this.l2 !== 0) loss = tf.add(loss, tf.mul(this.l2, tf.sum(tf.square(y))));
      return (y.rank > 0 ? tf.div(loss, y.shape[0]!) : loss) as tf.Scalar;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    // Only a training call feeds the loss; a later predict leaves the (then disposed) tensor unused.
    this.trainingOutput = kwargs['training'] === true ? x : null;
    return x;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), l1: this.l1, l2: this.l2 };
  }
}
