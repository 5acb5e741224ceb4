"""Appends TensorFlow's 3x3 stride-1 convolutions for kernel-fixes.json: tfjs-backend-wasm's Conv2D and FusedConv2D are
replaced there (for speed) by Winograd F(4x4, 3x3) (packages/kernels/src/winograd.ts). These pin it to TensorFlow's
direct convolution: SAME, VALID and explicit padding, images that are not multiples of the 4x4 tile, 4 to 64 channels,
bias with no activation, ReLU and ReLU6; an infinity and a NaN in the input and an infinity in a filter (those calls must
fall back to the direct convolution: Winograd would spread them over a whole tile).
Winograd rounds differently from a direct sum, so each case stores `magnitude` = conv(|x|, |w|) + |b| (the sum of the
absolute terms of each output, which bounds float32 summation error: Higham, Accuracy and Stability, 3.1) and the runner
allows |got - want| <= 1e-5 * (1 + magnitude) for these cases (measured worst: direct ~2e-7, F(4x4) ~2e-6 of it).
Run with TensorFlow 2.x: python winograd-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(37)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


def conv(x, f, pad):
    return tf.nn.conv2d(x, f, 1, pad).numpy()


def magnitude(x, f, b, pad):
    m = conv(np.abs(np.nan_to_num(x, nan=0, posinf=0, neginf=0)), np.abs(np.nan_to_num(f, nan=0, posinf=0, neginf=0)), pad)
    return m + (np.abs(b) if b is not None else 0)


ACT = {'linear': lambda y: y, 'relu': tf.nn.relu, 'relu6': tf.nn.relu6}
cases = []
# (batch, h, w, channels in, out, padding, activation)
for n, h, w, c, k, pad, act in [
    (2, 7, 9, 4, 8, 'SAME', 'relu'),
    (1, 6, 6, 8, 4, 'VALID', 'linear'),
    (2, 5, 11, 12, 16, [[0, 0], [1, 2], [0, 1], [0, 0]], 'linear'),
    (1, 9, 7, 8, 8, 'SAME', 'relu6'),
    (2, 4, 4, 64, 64, 'SAME', 'relu'),
    (1, 17, 13, 32, 16, 'SAME', 'relu'),
    (1, 3, 3, 4, 4, 'VALID', 'relu'),
]:
    x = (rng.standard_normal([n, h, w, c]) * 2).astype(np.float32)
    f = (rng.standard_normal([3, 3, c, k]) / np.sqrt(9 * c)).astype(np.float32)
    b = rng.standard_normal([k]).astype(np.float32)
    y = np.asarray(ACT[act](conv(x, f, pad) + b))
    cases.append({'kernel': 'FusedConv2D', 'op': 'fusedConv2d3x3', 'args': {'padding': pad if isinstance(pad, list) else pad.lower(), 'activation': act},
                  'inputs': {'x': stored(x), 'filter': stored(f), 'bias': stored(b)}, 'expected': stored(y),
                  'magnitude': stored(magnitude(x, f, b, pad)), 'rtol': 1e-5})
for n, h, w, c, k, pad in [(1, 8, 8, 4, 8, 'SAME'), (2, 6, 7, 8, 4, 'VALID')]:
    x = (rng.standard_normal([n, h, w, c]) * 2).astype(np.float32)
    f = (rng.standard_normal([3, 3, c, k]) / np.sqrt(9 * c)).astype(np.float32)
    cases.append({'kernel': 'Conv2D', 'op': 'conv2d3x3', 'args': {'padding': pad.lower()},
                  'inputs': {'x': stored(x), 'filter': stored(f)}, 'expected': stored(conv(x, f, pad)),
                  'magnitude': stored(magnitude(x, f, None, pad)), 'rtol': 1e-5})
# Non-finite values: an infinity and a NaN in the input (far apart), then an infinity in a filter.
x = rng.standard_normal([1, 12, 12, 4]).astype(np.float32)
x[0, 1, 2, 1] = np.inf
x[0, 9, 10, 3] = np.nan
f = (rng.standard_normal([3, 3, 4, 4]) / 6).astype(np.float32)
b = rng.standard_normal([4]).astype(np.float32)
cases.append({'kernel': 'FusedConv2D', 'op': 'fusedConv2d3x3', 'args': {'padding': 'same', 'activation': 'linear'},
              'inputs': {'x': stored(x), 'filter': stored(f), 'bias': stored(b)}, 'expected': stored(conv(x, f, 'SAME') + b),
              'magnitude': stored(magnitude(x, f, b, 'SAME')), 'rtol': 1e-5})
x = rng.standard_normal([1, 8, 8, 4]).astype(np.float32)
f = (rng.standard_normal([3, 3, 4, 4]) / 6).astype(np.float32)
f[1, 1, 2, 0] = -np.inf
cases.append({'kernel': 'FusedConv2D', 'op': 'fusedConv2d3x3', 'args': {'padding': 'same', 'activation': 'relu'},
              'inputs': {'x': stored(x), 'filter': stored(f), 'bias': stored(b)}, 'expected': stored(tf.nn.relu(conv(x, f, 'SAME') + b).numpy()),
              'magnitude': stored(magnitude(x, f, b, 'SAME')), 'rtol': 1e-5})

append_cases(cases, '; 3x3 stride-1 convolution cases (Winograd): winograd-pins.py (default_rng(37))')
