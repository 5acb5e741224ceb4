"""Appends TensorFlow's tf.add of a bias along the last axis for kernel-fixes.json: on wasm such float32 adds run one
WebAssembly SIMD pass on the heap (channels a multiple of 4) or a JS loop on the heap (small tensors of other channel counts)
instead of XNNPACK's broadcasting add (a speed fix). Bias after or before the tensor, [C] and [1,1,1,C] biases, NaN, infinities
(Infinity + -Infinity = NaN), -0 and a denormal; and adds that are not a bias along the last axis (same shapes, an outer
broadcast, a large tensor of 70 channels), which keep the backend's kernel.
Run with TensorFlow 2.x: python bias-add-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases, stored_float32 as stored

rng = np.random.default_rng(53)


specials = np.array([0.0, -0.0, 1e-40, -1e30, np.inf, -np.inf, np.nan, np.inf], np.float32)


def floats(shape, with_specials=True):
    x = rng.standard_normal(shape).astype(np.float32)
    if with_specials:
        n = min(x.size, len(specials))
        x.ravel()[:n] = specials[:n]
    return x


cases = []


def case(a, b):
    y = tf.add(tf.constant(a), tf.constant(b)).numpy()
    cases.append({'kernel': 'Add', 'op': 'addFloat', 'args': {}, 'inputs': {'a': stored(a), 'b': stored(b)}, 'expected': stored(y)})


bias8 = floats([8], False)
bias8[[1, 3, 4]] = [-0.0, 1e30, -np.inf]            # meets the first pixel's -0, -1e30 and +Infinity (NaN)
case(floats([2, 3, 4, 8]), bias8)                   # SIMD pass
case(floats([1, 1, 1, 12]), floats([3, 2, 2, 12]))  # [1,1,1,C] bias first (Keras' bias_add reshapes it so)
case(floats([8, 10]), floats([10]))                 # Dense before a softmax: JS loop
case(floats([2, 3, 5]), floats([1, 1, 5]))          # JS loop, rank 3
case(floats([3, 4]), floats([3, 4]))                # same shapes: the backend's add
case(floats([4, 1]), floats([1, 4]))                # an outer broadcast: the backend's add
case(floats([64, 70], False), floats([70]))         # 4,480 values of 70 channels: the backend's add

append_cases(cases, '; float32 bias adds: bias-add-pins.py (default_rng(53))')
