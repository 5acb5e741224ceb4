"""Appends TensorFlow's transposed convolutions for kernel-fixes.json: tfjs-backend-wasm's Conv2DBackpropInput is
replaced (for speed) by one convolution per output phase (2+ output channels, finite filters) or else a BatchMatMul of
the input with every filter tap plus a JS col2im; these pin both to TensorFlow's numbers over strides 1-3 (unequal too),
SAME/VALID/explicit padding, odd and even output sizes (TensorFlow accepts s-1 sizes per input size), kernels smaller
than, equal to and larger than the stride, one and several channels (16 in, 8 out: several XNNPACK tiles; 16 out), NaN and
infinities in the input, and an infinite filter tap (the phase route refuses it: zero padding times Infinity is NaN).
Run with TensorFlow 2.x: python conv2d-transpose-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(23)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


cases = []
# (batch, in h, in w, in channels, out channels, kernel h, kernel w, strides, padding, output h, output w)
for case in [
    (2, 3, 4, 3, 2, 3, 3, (2, 2), 'SAME', 6, 8),
    (1, 3, 3, 2, 3, 3, 3, (2, 2), 'VALID', 7, 7),
    (1, 4, 3, 2, 2, 4, 4, (2, 2), 'SAME', 8, 6),
    (2, 2, 3, 3, 1, 5, 5, (3, 3), 'SAME', 6, 9),
    (1, 3, 3, 2, 2, 1, 1, (1, 1), 'VALID', 3, 3),
    (1, 4, 4, 2, 3, 3, 2, (1, 2), 'SAME', 4, 8),
    (1, 3, 3, 4, 2, 2, 2, (2, 2), 'VALID', 6, 6),
    (1, 3, 3, 2, 2, 3, 3, (2, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], 4, 6),
    # the phase route's shapes: the cgan generator's 3x3 stride 2 SAME with more channels, odd SAME outputs, VALID with
    # the extra row TensorFlow allows, stride 3 with a 5x5 kernel, unequal strides and kernel sides, stride 1
    (2, 4, 4, 16, 8, 3, 3, (2, 2), 'SAME', 8, 8),
    (1, 4, 5, 3, 4, 3, 3, (2, 2), 'SAME', 7, 9),
    (1, 3, 3, 2, 2, 3, 3, (2, 2), 'VALID', 8, 8),
    (1, 3, 3, 2, 3, 5, 5, (3, 3), 'VALID', 11, 11),
    (1, 3, 3, 2, 3, 5, 5, (3, 3), 'SAME', 9, 9),
    (1, 3, 4, 3, 2, 3, 4, (2, 3), 'SAME', 6, 12),
    (2, 5, 5, 3, 4, 3, 3, (1, 1), 'SAME', 5, 5),
    (1, 3, 3, 3, 3, 3, 3, (2, 2), 'SAME', 6, 6, 'specials in x'),
    (1, 3, 3, 2, 2, 3, 3, (2, 2), 'SAME', 6, 6, 'infinite tap'),
    # 16+ channels per output pixel, and whole rows with a width stride of 1: the interleave copies runs with set()
    (1, 3, 3, 4, 16, 3, 3, (2, 2), 'SAME', 6, 6),
    (1, 3, 4, 3, 8, 3, 3, (2, 1), 'SAME', 6, 4),
]:
    n, h, w, d, c, kh, kw, s, pad, oh, ow = case[:11]
    x = rng.standard_normal([n, h, w, d]).astype(np.float32)
    f = rng.standard_normal([kh, kw, c, d]).astype(np.float32)
    if case[11:] == ('specials in x',):
        x[0, 0, 1, 0], x[0, 1, 1, 2], x[0, 2, 2, 1], x[0, 2, 0, 0] = np.nan, np.inf, -np.inf, 1e30
    if case[11:] == ('infinite tap',):
        f[2, 2, 0, 1] = np.inf  # tap (2, 2) meets the padding of its phase's convolution at output (0, 0)
    out = tf.nn.conv2d_transpose(x, f, [n, oh, ow, c], list(s), pad).numpy()
    cases.append({'kernel': 'Conv2DBackpropInput', 'op': 'conv2dTranspose2d',
                  'args': {'outShape': [n, oh, ow, c], 'strides': list(s), 'padding': pad if isinstance(pad, list) else pad.lower()},
                  'inputs': {'dy': stored(x), 'filter': stored(f)}, 'expected': stored(out)})

append_cases(cases, '; conv2d transpose cases: conv2d-transpose-pins.py (default_rng(23))')
