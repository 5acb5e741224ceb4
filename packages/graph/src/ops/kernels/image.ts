import * as tf from '@tensorflow/tfjs-core';
import { resizeArea, resizeBicubic } from '@savedkeras/kernels';
import type { Kernel } from '../../kernel.js';
import { bad, checkedSize, intsOf, scalarOf, tensorAt, unsupported } from './util.js';

function sizeOf(t: tf.Tensor, ctx: Parameters<Kernel>[2]): [number, number] {
  const s = intsOf(t);
  if (s.length !== 2 || s.some((d) => d <= 0)) throw bad(ctx, `size must be 2 positive values, got [${s}]`);
  return [s[0]!, s[1]!];
}

/** ResizeBilinear / ResizeNearestNeighbor: tfjs implements TF's align_corners / half_pixel_centers rules. */
const resize = (kind: 'bilinear' | 'nearest'): Kernel => (inputs, attrs, ctx) => {
  const images = tensorAt(inputs, 0, ctx);
  if (images.rank !== 4) throw bad(ctx, `images must be 4-D, got [${images.shape}]`);
  const size = sizeOf(tensorAt(inputs, 1, ctx), ctx);
  checkedSize([images.shape[0]!, size[0], size[1], images.shape[3]!], ctx);
  const align = attrs.bool('align_corners', false);
  const half = attrs.bool('half_pixel_centers', false);
  if (align && half) throw bad(ctx, 'align_corners and half_pixel_centers cannot both be true');
  const x = images as tf.Tensor4D;
  if (kind === 'bilinear') {
    const src = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    return [tf.image.resizeBilinear(src as tf.Tensor4D, size, align, half)];
  }
  return [tf.image.resizeNearestNeighbor(x, size, align, half)];
};

/** ResizeBicubic / ResizeArea: TF's CPU kernels in JS (@savedkeras/kernels resize.ts; tfjs has neither). */
const resizeJs = (kind: 'bicubic' | 'area'): Kernel => (inputs, attrs, ctx) => {
  const images = tensorAt(inputs, 0, ctx);
  if (images.rank !== 4) throw bad(ctx, `images must be 4-D, got [${images.shape}]`);
  if (images.dtype !== 'float32' && images.dtype !== 'int32') throw unsupported(ctx, `${kind} resize of ${images.dtype} images is not supported`);
  const [outH, outW] = sizeOf(tensorAt(inputs, 1, ctx), ctx);
  const [b, h, w, c] = images.shape as [number, number, number, number];
  if (h === 0 || w === 0) throw bad(ctx, `cannot resize an empty image [${images.shape}]`);
  const outShape = [b, outH, outW, c];
  checkedSize(outShape, ctx);
  const align = attrs.bool('align_corners', false);
  const half = kind === 'bicubic' && attrs.bool('half_pixel_centers', false);
  if (align && half) throw bad(ctx, 'align_corners and half_pixel_centers cannot both be true');
  const data = images.dataSync();
  const out = kind === 'bicubic' ? resizeBicubic(data, images.shape, outH, outW, { alignCorners: align, halfPixelCenters: half }) : resizeArea(data, images.shape, outH, outW, align);
  return [tf.tensor(out, outShape, 'float32')];
};

const FILL_MODES = { CONSTANT: 'constant', REFLECT: 'reflect', WRAP: 'wrap', NEAREST: 'nearest' } as const;

/**
 * ImageProjectiveTransformV2/V3 (Keras RandomRotation/RandomZoom/RandomTranslation): every output pixel
 * (x, y) samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1,
 * with NEAREST or BILINEAR interpolation and CONSTANT / REFLECT / WRAP / NEAREST fill. tfjs'
 * image.transform implements exactly this kernel (a port of TF's); we validate the arguments.
 */
const projective = (v3: boolean): Kernel => (inputs, attrs, ctx) => {
  const images = tensorAt(inputs, 0, ctx);
  const transforms = tensorAt(inputs, 1, ctx);
  if (images.rank !== 4) throw bad(ctx, `images must be 4-D, got [${images.shape}]`);
  if (transforms.rank !== 2 || transforms.shape[1] !== 8 || (transforms.shape[0] !== 1 && transforms.shape[0] !== images.shape[0])) {
    throw bad(ctx, `transforms must be [1 or batch, 8], got [${transforms.shape}]`);
  }
  const outShape = sizeOf(tensorAt(inputs, 2, ctx), ctx);
  checkedSize([images.shape[0]!, outShape[0], outShape[1], images.shape[3]!], ctx);
  const fillValue = v3 ? scalarOf(tensorAt(inputs, 3, ctx), ctx, 'fill_value') : 0;
  const interp = attrs.str('interpolation');
  if (interp !== 'NEAREST' && interp !== 'BILINEAR') throw unsupported(ctx, `interpolation ${interp}`);
  const mode = attrs.str('fill_mode', 'CONSTANT') as keyof typeof FILL_MODES;
  if (!(mode in FILL_MODES)) throw unsupported(ctx, `fill_mode ${mode}`);
  // tfjs wants one transform per image
  const tr = transforms.shape[0] === images.shape[0] ? transforms : tf.tile(transforms, [images.shape[0]!, 1]);
  const src = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
  const out = tf.image.transform(src as tf.Tensor4D, tr as tf.Tensor2D, interp === 'NEAREST' ? 'nearest' : 'bilinear', FILL_MODES[mode], fillValue, outShape);
  return [images.dtype === 'float32' ? out : tf.cast(out, images.dtype)];
};

/**
 * NonMaxSuppressionV3/V4/V5 (tf.image.non_max_suppression*, detection exports): greedy selection by
 * score, dropping boxes whose IoU with a kept box exceeds iou_threshold and boxes scoring <=
 * score_threshold; V5 with soft_nms_sigma > 0 decays scores instead (Soft-NMS). tfjs-core's
 * backend-neutral implementations are ports of TensorFlow's kernel; this checks the arguments as TF
 * does and adds V5's padding.
 */
const nonMaxSuppression = (version: 3 | 4 | 5): Kernel => (inputs, attrs, ctx) => {
  const boxes = tensorAt(inputs, 0, ctx);
  const scores = tensorAt(inputs, 1, ctx);
  if (boxes.rank !== 2 || boxes.shape[1] !== 4) throw bad(ctx, `boxes must be [num_boxes, 4], got [${boxes.shape}]`);
  if (scores.rank !== 1 || scores.shape[0] !== boxes.shape[0]) throw bad(ctx, `scores must be [${boxes.shape[0]}], got [${scores.shape}]`);
  const maxOut = scalarOf(tensorAt(inputs, 2, ctx), ctx, 'max_output_size');
  if (!(maxOut >= 0)) throw bad(ctx, `max_output_size must be non-negative, got ${maxOut}`);
  const iou = scalarOf(tensorAt(inputs, 3, ctx), ctx, 'iou_threshold');
  if (!(iou >= 0 && iou <= 1)) throw bad(ctx, `iou_threshold must be in [0, 1], got ${iou}`);
  const scoreThreshold = scalarOf(tensorAt(inputs, 4, ctx), ctx, 'score_threshold');
  const pad = version !== 3 && attrs.bool('pad_to_max_output_size', false);
  // the output is at most max_output_size long (and padded to it): checked before the selection runs
  checkedSize([pad ? maxOut : Math.min(maxOut, boxes.shape[0]!)], ctx);
  const b = boxes.dataSync() as Float32Array;
  const sc = scores.dataSync() as Float32Array;
  const impls = tf.kernel_impls;
  if (version === 3) return [tf.tensor1d(impls.nonMaxSuppressionV3Impl(b, sc, maxOut, iou, scoreThreshold).selectedIndices, 'int32')];
  if (version === 4) {
    const r = impls.nonMaxSuppressionV4Impl(b, sc, maxOut, iou, scoreThreshold, pad);
    return [tf.tensor1d(r.selectedIndices, 'int32'), tf.scalar(r.validOutputs!, 'int32')];
  }
  const sigma = scalarOf(tensorAt(inputs, 5, ctx), ctx, 'soft_nms_sigma');
  if (!(sigma >= 0)) throw bad(ctx, `soft_nms_sigma must be non-negative, got ${sigma}`);
  const r = impls.nonMaxSuppressionV5Impl(b, sc, maxOut, iou, scoreThreshold, sigma);
  const idx = r.selectedIndices;
  const kept = r.selectedScores!;
  const valid = idx.length;
  while (pad && idx.length < maxOut) {
    idx.push(0);
    kept.push(0);
  }
  return [tf.tensor1d(idx, 'int32'), tf.tensor1d(kept, 'float32'), tf.scalar(valid, 'int32')];
};

export const IMAGE_KERNELS: Record<string, Kernel> = {
  NonMaxSuppressionV3: nonMaxSuppression(3),
  NonMaxSuppressionV4: nonMaxSuppression(4),
  NonMaxSuppressionV5: nonMaxSuppression(5),
  ResizeBilinear: resize('bilinear'),
  ResizeNearestNeighbor: resize('nearest'),
  ResizeBicubic: resizeJs('bicubic'),
  ResizeArea: resizeJs('area'),
  ImageProjectiveTransformV2: projective(false),
  ImageProjectiveTransformV3: projective(true),
};
