import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FormatError } from '@savedkeras/common';

/** The tfjs-layers Conv fields a grouped convolution reads (tfjs-layers has no `groups`). */
interface ConvFields {
  rank: number;
  filters: number;
  kernelSize: number[];
  strides: number[];
  dilationRate: number | number[];
  dataFormat: string;
  useBias: boolean;
  kernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
  inputSpec: { ndim?: number; axes?: Record<number, number> }[];
  groups?: number;
}

const fields = (layer: object): ConvFields => layer as unknown as ConvFields;

/** Keras' `groups` of a Conv1D/Conv2D/Conv3D (1 unless the config set more). */
export function convGroups(layer: object): number {
  const g = fields(layer).groups;
  return typeof g === 'number' && Number.isInteger(g) && g > 1 ? g : 1;
}

/** Reads `groups` from constructor args into the layer (tfjs-layers' Conv constructor ignores it). */
export function setConvGroups(layer: object, args: unknown): void {
  const g = (args as { groups?: unknown } | undefined)?.groups;
  if (g === undefined || g === null) return;
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1) {
    throw new FormatError(`${(layer as { name?: string }).name ?? 'a convolution'}: groups ${JSON.stringify(g)} is not a positive integer`);
  }
  if (g > 1 && (args as { filters?: number }).filters !== undefined && (args as { filters: number }).filters % g !== 0) {
    throw new FormatError(`${(layer as { name?: string }).name ?? 'a convolution'}: filters ${(args as { filters: number }).filters} is not a multiple of groups ${g}`);
  }
  fields(layer).groups = g;
}

/**
 * Builds a grouped convolution: Keras keeps one kernel of shape [...kernel_size, in_channels / groups,
 * filters] (group g's filters are the g-th block of the last axis). tfjs' build is run on an input
 * of in_channels / groups channels, which makes exactly that kernel; the input spec is then put back
 * to the real channel count.
 */
export function buildGrouped(layer: object, inputShape: tfl.Shape, superBuild: (shape: tfl.Shape) => void): void {
  const f = fields(layer);
  const groups = convGroups(layer);
  const axis = f.dataFormat === 'channelsFirst' ? 1 : inputShape.length - 1;
  const channels = inputShape[axis];
  if (typeof channels !== 'number' || channels % groups !== 0) {
    throw new FormatError(`${(layer as { name?: string }).name}: input channels ${String(channels)} are not a multiple of groups ${groups}`);
  }
  const shape = [...inputShape];
  shape[axis] = channels / groups;
  superBuild(shape);
  f.inputSpec = [{ ndim: f.rank + 2, axes: { [axis]: channels } }];
}

/**
 * A grouped convolution as TensorFlow computes it: the channels are split into `groups` equal
 * blocks, block g is convolved with the g-th block of filters, and the results are concatenated
 * (the same sums as TF's grouped Conv2D, so the same numbers up to float rounding). Differentiable:
 * split, conv and concat all have gradients, so training works.
 */
export function groupedConv(layer: object, input: tf.Tensor, padding: 'valid' | 'same'): tf.Tensor {
  const f = fields(layer);
  const groups = convGroups(layer);
  return tf.tidy(() => {
    const first = f.dataFormat === 'channelsFirst';
    const toLast = [0, ...Array.from({ length: f.rank }, (_, i) => i + 2), 1];
    const toFirst = [0, f.rank + 1, ...Array.from({ length: f.rank }, (_, i) => i + 1)];
    const x = first ? tf.transpose(input, toLast) : input;
    const d = Array.isArray(f.dilationRate) ? f.dilationRate : [f.dilationRate];
    const dil = (i: number) => d[i] ?? d[0] ?? 1;
    const xs = tf.split(x, groups, -1);
    const ks = tf.split(f.kernel!.read(), groups, -1);
    const ys = xs.map((xi, i) =>
      f.rank === 1
        ? tf.conv1d(xi as tf.Tensor3D, ks[i] as tf.Tensor3D, f.strides[0]!, padding, 'NWC', dil(0))
        : f.rank === 2
          ? tf.conv2d(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, f.strides as [number, number], padding, 'NHWC', [dil(0), dil(1)])
          : tf.conv3d(xi as tf.Tensor5D, ks[i] as tf.Tensor5D, f.strides as [number, number, number], padding, 'NDHWC', [dil(0), dil(1), dil(2)]),
    );
    let y = tf.concat(ys, -1);
    if (f.useBias && f.bias) y = tf.add(y, f.bias.read());
    if (first) y = tf.transpose(y, toFirst);
    return f.activation ? f.activation.apply(y) : y;
  });
}
