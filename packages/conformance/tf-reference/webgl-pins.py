"""Appends TensorFlow's answers for savedkeras' webgl kernel fixes (kernel-fixes.json; the Chromium e2e run checks them).

tfjs-backend-webgl 4.22: Elu, Selu and Softplus of NaN are Infinity in Chromium's software WebGL (Selu is pinned by
selu-pins.py), the packed LeakyRelu / Prelu shaders make NaN of +-Infinity, and Cumsum / Cumprod refuse rank 5. (The fused activations and the convolutions with a non-finite filter
are pinned by non-finite-pins.py's cases, which the webgl fixes of those kernels run too.) Inputs mix random values with
NaN, a NaN whose sign bit is set ("-NaN"), +Infinity, -Infinity, signed zeros and tiny values.
Run with TensorFlow 2.x: python webgl-pins.py (idempotent: replaces its own cases).
"""
import keras
import numpy as np
import tensorflow as tf
from pins_file import append_cases, stored_signed as stored

rng = np.random.default_rng(41)
NEG_NAN = np.array([0xFFC00000], np.uint32).view(np.float32)[0]
SPECIALS = np.array([1.5, np.nan, NEG_NAN, np.inf, -np.inf, -2, 0, -0.0, 7, -1e-7, 1e-30, -30], np.float32)


cases = []


def case(kernel, op, args, inputs, out):
    cases.append({'kernel': kernel, 'op': op, 'args': args, 'inputs': {k: stored(v) for k, v in inputs.items()}, 'expected': stored(out)})


case('Elu', 'elu', {}, {'x': SPECIALS}, tf.nn.elu(SPECIALS))
x = rng.standard_normal([3, 5, 4]).astype(np.float32) * 3
case('Elu', 'elu', {}, {'x': x}, tf.nn.elu(x))
case('Softplus', 'softplus', {}, {'x': SPECIALS}, tf.nn.softplus(SPECIALS))
x = rng.standard_normal([2, 3, 2, 3, 2]).astype(np.float32) * 8
case('Softplus', 'softplus', {}, {'x': x}, tf.nn.softplus(x))

# Keras PReLU (what the Prelu kernel computes for savedkeras): a slope per channel, negative slopes too.
for shape, alpha in [([1, 12], np.array([0.25] * 12, np.float32)), ([2, 3, 2], np.array([0.1, -0.5], np.float32))]:
    x = (np.resize(SPECIALS, shape) * np.where(rng.random(shape) < 0.5, 1, -1)).astype(np.float32)
    layer = keras.layers.PReLU()
    layer.build((None, *shape[1:]))
    layer.set_weights([np.broadcast_to(alpha, shape[1:]).astype(np.float32)])
    case('Prelu', 'prelu', {}, {'x': x, 'alpha': alpha}, np.asarray(layer(x)))

# Cumulative sums and products of rank 5 along every kind of axis, exclusive and reversed.
for kernel, op, fn, scale in [('Cumsum', 'cumsum', tf.math.cumsum, 2.5), ('Cumprod', 'cumprod', tf.math.cumprod, 0.9)]:
    for axis, exclusive, reverse in [(-1, False, False), (2, True, True), (0, False, True), (1, True, False)]:
        x = ((rng.random([2, 3, 2, 3, 4]) * 2 - 1) * scale).astype(np.float32)
        case(kernel, op, {'axis': axis, 'exclusive': exclusive, 'reverse': reverse}, {'x': x},
             fn(x, axis=axis, exclusive=exclusive, reverse=reverse))

append_cases(cases, '; webgl fix cases: webgl-pins.py (default_rng(41))')
