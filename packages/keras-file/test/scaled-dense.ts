import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The JavaScript twin of the fixture's custom Keras layer `demo>ScaledDense` (registered in
 * Python with `@keras.saving.register_keras_serializable(package='demo')`): a Dense layer whose pre-activation
 * output is scaled by a trainable scalar `gain`: activation((x·kernel + bias)·gain). What a user writes to load a
 * model with a custom layer.
 */
export class ScaledDense extends tfl.layers.Layer {
  static className = 'ScaledDense';
  readonly units: number;
  readonly activationName: string;
  readonly gainInit: number;
  private kernel!: tfl.LayerVariable;
  private bias!: tfl.LayerVariable;
  private gain!: tfl.LayerVariable;

  constructor(args: { units: number; activation?: string; gainInit?: number; name?: string; trainable?: boolean }) {
    super(args);
    this.units = args.units;
    this.activationName = args.activation ?? 'linear';
    this.gainInit = args.gainInit ?? 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const inDim = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', tfl.initializers.glorotUniform({}));
    this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    this.gain = this.addWeight('gain', [], 'float32', tfl.initializers.constant({ value: this.gainInit }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape): tfl.Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      let y = tf.mul(tf.add(tf.matMul(x, this.kernel.read()), this.bias.read()), this.gain.read());
      if (this.activationName === 'tanh') y = tf.tanh(y);
      else if (this.activationName === 'relu') y = tf.relu(y);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activationName, gain_init: this.gainInit };
  }
}
