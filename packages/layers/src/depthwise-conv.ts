import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Evaluated for its registrations: the class extended below is found there.
import '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

function tfjsLayerClass(name: string): typeof tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (!entry) throw new Error(`tfjs-layers did not register ${name}`);
  return entry[0] as unknown as typeof tfl.layers.Layer;
}

interface DepthwiseFields {
  dilationRate: number | number[];
  kernelSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
  useBias: boolean;
  depthwiseKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}

const rates = (d: number | number[]): [number, number] => (Array.isArray(d) ? [d[0] ?? 1, d[1] ?? d[0] ?? 1] : [d, d]);

/**
 * DepthwiseConv2D with dilation_rate > 1: tfjs-layers passes no dilation to the convolution and
 * sizes the output as if there were none (a 9x9 input with a dilated 3x3 kernel came out 7x7, and
 * with padding 'same' the numbers were silently those of an undilated kernel). Other configs run
 * tfjs' own code.
 */
export class DepthwiseConv2D extends tfjsLayerClass('DepthwiseConv2D') {
  static className = 'DepthwiseConv2D';

  private get fields(): DepthwiseFields {
    return this as unknown as DepthwiseFields;
  }

  private dilated(): boolean {
    return rates(this.fields.dilationRate).some((d) => d !== 1);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (!this.dilated()) return super.call(inputs, kwargs);
    const f = this.fields;
    return tf.tidy(() => {
      const x0 = Array.isArray(inputs) ? inputs[0]! : inputs;
      const first = f.dataFormat === 'channelsFirst';
      const x = (first ? tf.transpose(x0, [0, 2, 3, 1]) : x0) as tf.Tensor4D;
      let y: tf.Tensor = tf.depthwiseConv2d(x, f.depthwiseKernel.read() as tf.Tensor4D, f.strides as [number, number],
        f.padding === 'same' ? 'same' : 'valid', 'NHWC', rates(f.dilationRate));
      if (f.useBias && f.bias) y = tf.add(y, f.bias.read());
      if (first) y = tf.transpose(y, [0, 3, 1, 2]);
      return f.activation ? f.activation.apply(y) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    if (!this.dilated()) return super.computeOutputShape(inputShape);
    // A dilated kernel covers k + (k - 1)(d - 1) positions.
    const d = rates(this.fields.dilationRate);
    const k = this.fields.kernelSize;
    const effective = k.map((n, i) => n + (n - 1) * (d[i]! - 1));
    const target = this as unknown as Record<string, unknown>;
    const saved = target['kernelSize'];
    target['kernelSize'] = effective;
    try {
      return super.computeOutputShape(inputShape);
    } finally {
      target['kernelSize'] = saved;
    }
  }
}
