"""Appends TensorFlow's answers for wasm kernels that break on bool or int32 tensors (kernel-fixes.json).

Found by the bool/int32 conformance cases (session 5): tfjs-backend-wasm 4.22 Select copies bool values as
4-byte elements, Cast to bool truncates instead of testing != 0, StridedSlice's general path makes a
float32 output for int32 data, ResizeNearestNeighbor returns float32 for int32 images. The tfjs side
casts the stored values to the case's dtype (compute() in src/tf-pins.ts); `dtype` in `expected` is
checked too. Run with TensorFlow 2.x: python int-bool-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(19)


def stored(a, dtype=None):
    a = np.asarray(a)
    out = {'shape': list(a.shape), 'values': [float(v) if np.isfinite(v) else str(v).replace('nan', 'NaN') for v in a.astype(np.float64).ravel()]}
    if dtype:
        out['dtype'] = dtype
    return out


cases = []
# Select with bool values: same-shape and broadcast conditions (band_part of a bool mask runs the latter)
cond = rng.integers(0, 2, [2, 3, 4]).astype(bool)
t, e = rng.integers(0, 2, [2, 3, 4]).astype(bool), rng.integers(0, 2, [2, 3, 4]).astype(bool)
cases.append({'kernel': 'Select', 'op': 'selectBool', 'args': {}, 'inputs': {'cond': stored(cond), 't': stored(t), 'e': stored(e)},
              'expected': stored(tf.where(cond, t, e), 'bool')})
c4 = np.array([True, False, True, False])
cases.append({'kernel': 'Select', 'op': 'selectBool', 'args': {}, 'inputs': {'cond': stored(c4), 't': stored(t), 'e': stored(e)},
              'expected': stored(tf.where(c4, t, e), 'bool')})
band = tf.linalg.band_part(tf.ones([4, 4], tf.bool), -1, 0)
cases.append({'kernel': 'Select', 'op': 'bandPartBool', 'args': {'lower': -1, 'upper': 0}, 'inputs': {'x': stored(np.ones([4, 4]))},
              'expected': stored(band, 'bool')})
# Cast to bool: fractions, NaN, values whose low byte is 0, negatives
xf = np.array([0, 0.5, -0.25, 256, 2, np.nan, -0.0, 1e-30], np.float32)
cases.append({'kernel': 'Cast', 'op': 'castBoolFromFloat', 'args': {}, 'inputs': {'x': stored(xf)}, 'expected': stored(tf.cast(xf, tf.bool), 'bool')})
xi = np.array([0, 1, -1, 256, 512, 3, -256, 2**30], np.int32)
cases.append({'kernel': 'Cast', 'op': 'castBoolFromInt', 'args': {}, 'inputs': {'x': stored(xi)}, 'expected': stored(tf.cast(xi, tf.bool), 'bool')})
# StridedSlice of int32 data on the general path (negative / inner strides)
x = rng.integers(-2**20, 2**20, [2, 3, 4]).astype(np.int32)
for begin, end, strides in (([0, 0, 0], [2, 3, 4], [1, 1, 2]), ([1, 2, 3], [0, 0, 0], [-1, -1, -2]), ([0, 2, 0], [2, 0, 4], [1, -1, 2])):
    cases.append({'kernel': 'StridedSlice', 'op': 'stridedSliceInt', 'args': {'begin': begin, 'end': end, 'strides': strides}, 'inputs': {'x': stored(x)},
                  'expected': stored(tf.strided_slice(x, begin, end, strides), 'int32')})
v = np.array([5, 7, 11, 13], np.int32)
cases.append({'kernel': 'StridedSlice', 'op': 'stridedSliceInt', 'args': {'begin': [3], 'end': [-5], 'strides': [-1]}, 'inputs': {'x': stored(v)},
              'expected': stored(tf.strided_slice(v, [3], [-5], [-1]), 'int32')})
# ResizeNearestNeighbor of int32 images keeps the dtype
img = rng.integers(0, 256, [1, 2, 3, 2]).astype(np.int32)
cases.append({'kernel': 'ResizeNearestNeighbor', 'op': 'resizeNearestInt', 'args': {'size': [3, 5]}, 'inputs': {'x': stored(img)},
              'expected': stored(tf.raw_ops.ResizeNearestNeighbor(images=img, size=[3, 5]), 'int32')})

append_cases(cases, '; bool/int32 cases: int-bool-pins.py (default_rng(19))')
