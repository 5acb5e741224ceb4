"""Appends TensorFlow's inference batch norm for kernel-fixes.json: tfjs-backend-wasm's FusedBatchNorm is replaced (for
speed) by its own depthwise 1x1 convolution with the parameters folded per channel (scale / sqrt(variance + epsilon),
offset - mean * that). These pin it to TensorFlow's numbers: FusedBatchNormV3 at inference (NHWC) and
tf.nn.batch_normalization for ranks 2, 3 and 5 and without offset or scale; negative, zero and huge scales, a zero
variance, epsilons 1e-5 to 0.1, and x with signed zeros, tiny and huge values, infinities and NaN.
Run with TensorFlow 2.x: python batch-norm-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(31)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


def params(c):
    mean = (rng.standard_normal(c) * 2).astype(np.float32)
    variance = (rng.random(c) * 3).astype(np.float32)
    variance[0] = 0.0
    scale = rng.standard_normal(c).astype(np.float32)
    scale[-1] = 0.0
    offset = rng.standard_normal(c).astype(np.float32)
    return mean, variance, scale, offset


cases = []
specials = np.array([0.0, -0.0, 1e-30, -1e-30, 1e-7, -20.0, 30.0, 1e30, -1e30, np.inf, -np.inf, np.nan], np.float32)
# NHWC through TensorFlow's own FusedBatchNormV3 kernel (inference), as a Keras BatchNormalization layer runs it.
for shape, epsilon in [([2, 5, 4, 3], 1e-3), ([1, 3, 3, 8], 1e-5), ([2, 3, 2, 12], 0.1)]:
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    mean, variance, scale, offset = params(shape[-1])
    y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, scale, offset, mean, variance, epsilon=epsilon, is_training=False)
    cases.append({'kernel': 'FusedBatchNorm', 'op': 'batchNormChannels', 'args': {'epsilon': epsilon},
                  'inputs': {'x': stored(x), 'mean': stored(mean), 'variance': stored(variance), 'offset': stored(offset), 'scale': stored(scale)},
                  'expected': stored(y.numpy())})
# Special values, 12 channels of one pixel (each channel meets one special value), with huge scales too.
mean, variance, scale, offset = params(12)
scale[3] = 1e20
x = specials.reshape([1, 1, 1, 12])
y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, scale, offset, mean, variance, epsilon=1e-3, is_training=False)
cases.append({'kernel': 'FusedBatchNorm', 'op': 'batchNormChannels', 'args': {'epsilon': 1e-3},
              'inputs': {'x': stored(x), 'mean': stored(mean), 'variance': stored(variance), 'offset': stored(offset), 'scale': stored(scale)},
              'expected': stored(y.numpy())})
# Other ranks, and without offset / scale: tf.nn.batch_normalization (the same folded formula).
for shape, with_offset, with_scale in [([6, 5], True, True), ([2, 4, 3], True, False), ([2, 2, 3, 2, 4], False, True), ([7], False, False)]:
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    mean, variance, scale, offset = params(shape[-1])
    y = tf.nn.batch_normalization(x, mean, variance, offset if with_offset else None, scale if with_scale else None, 1e-3)
    inputs = {'x': stored(x), 'mean': stored(mean), 'variance': stored(variance)}
    if with_offset:
        inputs['offset'] = stored(offset)
    if with_scale:
        inputs['scale'] = stored(scale)
    cases.append({'kernel': 'FusedBatchNorm', 'op': 'batchNormChannels', 'args': {'epsilon': 1e-3}, 'inputs': inputs,
                  'expected': stored(y.numpy())})

# Many pixels of 32 and 64 channels (wasm's one-pass loop walks pixel by pixel, four channels per step), specials spread
# over pixels and channels, and a set without offset.
for shape, with_offset in [([2, 6, 5, 32], True), ([3, 7, 64], False)]:
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, specials.size, replace=False)] = specials
    mean, variance, scale, offset = params(shape[-1])
    y = tf.nn.batch_normalization(x, mean, variance, offset if with_offset else None, scale, 1e-3)
    inputs = {'x': stored(x), 'mean': stored(mean), 'variance': stored(variance), 'scale': stored(scale)}
    if with_offset:
        inputs['offset'] = stored(offset)
    cases.append({'kernel': 'FusedBatchNorm', 'op': 'batchNormChannels', 'args': {'epsilon': 1e-3}, 'inputs': inputs,
                  'expected': stored(y.numpy())})

append_cases(cases, '; channels-last batch norm cases: batch-norm-pins.py (default_rng(31))')
