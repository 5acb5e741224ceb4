"""Appends TensorFlow's UpSampling2D + Conv2D and tf.slice for kernel-fixes.json (both replaced on wasm for speed).
Conv2D / FusedConv2D: a 3x3 stride-1 SAME convolution of a 2x nearest-upsampled image runs as four 2x2 convolutions of the
small image (one 3x3 convolution with the phases as channels for 1-2 filters); these pin it to Keras' UpSampling2D followed
by tf.nn.conv2d (+ bias, activation): 1, 2, 3, 8 and 16 filters, odd and even small sizes, NaN or Infinity in the image and taps whose sums
overflow (all three go the direct way), and an image that is not upsampled.
Slice: whole tensors (the data is shared), continuous runs (copied within the heap) and a strided one (the backend's own).
Run with TensorFlow 2.x: python upsampled-conv-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(37)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


ACT = {'linear': lambda y: y, 'relu': tf.nn.relu, 'sigmoid': tf.sigmoid}
cases = []


def conv_case(s, f, bias=True, activation='linear', upsample=True, filt=None):
    w = filt if filt is not None else rng.standard_normal([3, 3, s.shape[-1], f]).astype(np.float32)
    b = rng.standard_normal([f]).astype(np.float32)
    u = tf.keras.layers.UpSampling2D(2)(s) if upsample else s
    y = tf.nn.conv2d(u, w, 1, 'SAME')
    if bias:
        y = ACT[activation](tf.nn.bias_add(y, b))
    inputs = {'x': stored(s), 'filter': stored(w)}
    if bias:
        inputs['bias'] = stored(b)
    cases.append({'kernel': 'FusedConv2D' if bias else 'Conv2D', 'op': 'upsampledConv2d', 'args': {'activation': activation, 'upsample': upsample},
                  'inputs': inputs, 'expected': stored(y.numpy())})


normal = lambda shape: rng.standard_normal(shape).astype(np.float32)
conv_case(normal([2, 3, 4, 5]), 8, activation='relu')   # four phases
conv_case(normal([2, 7, 7, 15]), 16, activation='relu')  # 15 channels: not Winograd's (multiples of 4), this fix's
conv_case(normal([1, 4, 3, 3]), 1, activation='sigmoid')  # phases as channels
conv_case(normal([2, 2, 2, 4]), 2, bias=False)
conv_case(normal([1, 3, 3, 6]), 3, bias=False)
with_nan = normal([1, 4, 4, 2])
with_nan[0, 1, 2, 1] = np.nan
conv_case(with_nan, 4)
conv_case(with_nan, 1)
with_inf = normal([1, 3, 3, 2])
with_inf[0, 1, 1, 0] = np.inf
with_inf[0, 2, 0, 1] = -np.inf
conv_case(with_inf, 4)
huge = normal([3, 3, 2, 4])
huge[1, 1, 0, 0] = huge[1, 2, 0, 0] = huge[2, 1, 0, 0] = 3e38  # summed taps overflow; the direct products do not
conv_case((normal([1, 2, 3, 2]) * 0.1).astype(np.float32), 4, filt=huge)
conv_case(normal([1, 4, 6, 3]), 8, upsample=False)      # not upsampled: the direct way

specials = np.array([0.0, -0.0, 1e-30, -1e30, np.inf, -np.inf, np.nan], np.float32)
for shape, begin, size in [([2, 3, 4, 2, 3], [0, 0, 0, 0, 0], [2, 3, 4, 2, 3]), ([2, 3, 4, 2, 3], [0, 0, 0, 0, 0], [-1, -1, -1, -1, -1]),
                           ([4, 3, 5], [1, 0, 0], [2, 3, 5]), ([1, 1, 9], [0, 0, 2], [1, 1, 7]), ([3, 4, 5], [0, 1, 1], [2, 2, 3])]:
    x = normal(shape)
    x.ravel()[:len(specials)] = specials
    cases.append({'kernel': 'Slice', 'op': 'slice', 'args': {'begin': begin, 'size': size}, 'inputs': {'x': stored(x)},
                  'expected': stored(tf.slice(x, begin, size).numpy())})

# Channels a multiple of 4 (wasm tests the 2x2 blocks four channels at a time): upsampled images with 1 and 3 filters,
# and images whose pixels repeat along one axis only or in every block but the last value (all go the direct way).
conv_case(normal([2, 5, 3, 8]), 1, activation='sigmoid')
conv_case(normal([1, 3, 2, 4]), 3, activation='relu')
conv_case(np.repeat(normal([1, 4, 4, 8]), 2, axis=2), 3, upsample=False)
conv_case(np.repeat(normal([1, 4, 4, 8]), 2, axis=1), 1, upsample=False)
almost = np.repeat(np.repeat(normal([2, 3, 3, 4]), 2, axis=1), 2, axis=2)
almost[-1, -1, -1, -1] += 1
conv_case(almost, 2, upsample=False)

append_cases(cases, '; upsampled conv and slice cases: upsampled-conv-pins.py (default_rng(37))')
