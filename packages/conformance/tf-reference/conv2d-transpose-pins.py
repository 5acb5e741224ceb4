"""Appends TensorFlow's transposed convolutions for kernel-fixes.json: tfjs-backend-wasm's Conv2DBackpropInput is
replaced (for speed) by a BatchMatMul of the input with every filter tap plus a JS col2im; these pin that to
TensorFlow's numbers over strides 1-3 (unequal too), SAME/VALID/explicit padding, kernels smaller than, equal to and
larger than the stride, one and several channels.
Run with TensorFlow 2.x: python conv2d-transpose-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(23)


def stored(a):
    return {'shape': list(a.shape), 'values': [float(str(v)) for v in np.asarray(a, np.float32).ravel()]}


cases = []
# (batch, in h, in w, in channels, out channels, kernel h, kernel w, strides, padding, output h, output w)
for n, h, w, d, c, kh, kw, s, pad, oh, ow in [
    (2, 3, 4, 3, 2, 3, 3, (2, 2), 'SAME', 6, 8),
    (1, 3, 3, 2, 3, 3, 3, (2, 2), 'VALID', 7, 7),
    (1, 4, 3, 2, 2, 4, 4, (2, 2), 'SAME', 8, 6),
    (2, 2, 3, 3, 1, 5, 5, (3, 3), 'SAME', 6, 9),
    (1, 3, 3, 2, 2, 1, 1, (1, 1), 'VALID', 3, 3),
    (1, 4, 4, 2, 3, 3, 2, (1, 2), 'SAME', 4, 8),
    (1, 3, 3, 4, 2, 2, 2, (2, 2), 'VALID', 6, 6),
    (1, 3, 3, 2, 2, 3, 3, (2, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], 4, 6),
]:
    x = rng.standard_normal([n, h, w, d]).astype(np.float32)
    f = rng.standard_normal([kh, kw, c, d]).astype(np.float32)
    out = tf.nn.conv2d_transpose(x, f, [n, oh, ow, c], list(s), pad).numpy()
    cases.append({'kernel': 'Conv2DBackpropInput', 'op': 'conv2dTranspose2d',
                  'args': {'outShape': [n, oh, ow, c], 'strides': list(s), 'padding': pad if isinstance(pad, list) else pad.lower()},
                  'inputs': {'dy': stored(x), 'filter': stored(f)}, 'expected': stored(out)})

append_cases(cases, '; conv2d transpose cases: conv2d-transpose-pins.py (default_rng(23))')
