"""Appends TensorFlow's ResizeNearestNeighbor for kernel-fixes.json: on wasm, float32 resizes that repeat every source pixel a
whole number of times along each axis (Keras UpSampling2D) are copied on the heap (a speed fix), the rest keep the backend's
kernel. Upsamplings by 2x2 (channels a multiple of 4: the SIMD copy), 3x2 and 1x3 (1 and 3 channels: the 4-byte copy), with
half-pixel centres, a 64-channel image; NaN, infinities, -0 and a denormal copied as they are; and resizes that are not whole
repeats as TensorFlow maps them (5x7 from 3x4, align corners, a downsizing), which must keep the backend's own kernel.
Run with TensorFlow 2.x: python resize-nearest-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases, stored_float32 as stored

rng = np.random.default_rng(47)


specials = np.array([0.0, -0.0, 1e-40, -1e30, np.inf, -np.inf, np.nan], np.float32)


def floats(shape):
    x = rng.standard_normal(shape).astype(np.float32)
    n = min(x.size, len(specials))
    x.ravel()[-n:] = specials[:n]
    return x


cases = []


def case(shape, size, align_corners=False, half_pixel_centers=False):
    x = floats(shape)
    y = tf.raw_ops.ResizeNearestNeighbor(images=x, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers).numpy()
    cases.append({'kernel': 'ResizeNearestNeighbor', 'op': 'resizeNearest',
                  'args': {'size': size, 'alignCorners': align_corners, 'halfPixelCenters': half_pixel_centers},
                  'inputs': {'x': stored(x)}, 'expected': stored(y)})


case([2, 3, 4, 8], [6, 8])                             # 2x2, 8 channels: 16-byte copies
case([1, 2, 3, 3], [6, 6])                             # 3x2, 3 channels: 4-byte copies
case([2, 3, 2, 1], [3, 6])                             # 1x3, 1 channel
case([1, 3, 3, 4], [6, 6], half_pixel_centers=True)    # what TF 2's Keras UpSampling2D runs
case([1, 3, 3, 64], [6, 6])                            # a decoder's channel count
case([1, 3, 4, 4], [5, 7])                             # not whole repeats: the backend's kernel
case([1, 3, 3, 4], [9, 9], align_corners=True)         # a whole factor, but align corners maps other pixels (2 -> 1)
case([1, 4, 6, 4], [2, 3])                             # a downsizing

append_cases(cases, '; float32 nearest resizes: resize-nearest-pins.py (default_rng(47))')
