import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Kernel, KernelContext } from '../../kernel.js';
import { bad, tensorAt, unsupported } from './util.js';

/**
 * DepthToSpace / SpaceToDepth (tensorflow/core/kernels/depthtospace_op.cc, spacetodepth_op.cc).
 * NHWC: output[b, h*bs + i, w*bs + j, c] = input[b, h, w, (i*bs + j)*C_out + c] for DepthToSpace,
 * and its inverse for SpaceToDepth. NCHW is the same rearrangement with the channels first (what TF's
 * GPU kernels compute); NCHW_VECT_C (int8 quantized layout) is not supported.
 */
function layout(attrs: Attrs, ctx: KernelContext): 'NHWC' | 'NCHW' {
  const f = attrs.str('data_format', 'NHWC');
  if (f === 'NHWC' || f === 'NCHW') return f;
  throw unsupported(ctx, `data_format ${f} is not supported`);
}

function blockAndInput(inputs: Parameters<Kernel>[0], attrs: Attrs, ctx: KernelContext): { x: tf.Tensor4D; b: number; format: 'NHWC' | 'NCHW' } {
  const x = tensorAt(inputs, 0, ctx);
  const b = attrs.int('block_size');
  if (!Number.isInteger(b) || b < 2) throw bad(ctx, `block_size must be at least 2, got ${b}`);
  if (x.rank !== 4) throw bad(ctx, `input must be 4-D, got shape [${x.shape}]`);
  const format = layout(attrs, ctx);
  const nhwc = (format === 'NHWC' ? x : tf.transpose(x, [0, 2, 3, 1])) as tf.Tensor4D;
  return { x: nhwc, b, format };
}

const back = (y: tf.Tensor, format: 'NHWC' | 'NCHW'): tf.Tensor => (format === 'NHWC' ? y : tf.transpose(y, [0, 3, 1, 2]));

const depthToSpace: Kernel = (inputs, attrs, ctx) => {
  const { x, b, format } = blockAndInput(inputs, attrs, ctx);
  const [n, h, w, c] = x.shape;
  if (c % (b * b) !== 0) throw bad(ctx, `input depth ${c} is not divisible by block_size * block_size (${b * b})`);
  const oc = c / (b * b);
  const y = tf.reshape(tf.transpose(tf.reshape(x, [n, h, w, b, b, oc]), [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, oc]);
  return [back(y, format)];
};

const spaceToDepth: Kernel = (inputs, attrs, ctx) => {
  const { x, b, format } = blockAndInput(inputs, attrs, ctx);
  const [n, h, w, c] = x.shape;
  if (h % b !== 0 || w % b !== 0) throw bad(ctx, `height ${h} and width ${w} must be divisible by block_size ${b}`);
  const y = tf.reshape(tf.transpose(tf.reshape(x, [n, h / b, b, w / b, b, c]), [0, 1, 3, 2, 4, 5]), [n, h / b, w / b, b * b * c]);
  return [back(y, format)];
};

export const SPACE_DEPTH_KERNELS: Record<string, Kernel> = { DepthToSpace: depthToSpace, SpaceToDepth: spaceToDepth };
