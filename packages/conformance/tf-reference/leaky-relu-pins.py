"""Appends TensorFlow's LeakyRelu for kernel-fixes.json: tfjs-backend-wasm's LeakyRelu is replaced (for speed) by its
own Prelu with alpha as every channel's slope; these pin that to TensorFlow's numbers for alphas below, at and above
1 and negative, with signed zeros, tiny and huge values, infinities and NaN.
Run with TensorFlow 2.x: python leaky-relu-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(29)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


cases = []
specials = np.array([0.0, -0.0, 1e-30, -1e-30, -1e-7, 1e-7, -20.0, 30.0, 1e30, -1e30, np.inf, -np.inf, np.nan], np.float32)
for x, alpha in [((rng.standard_normal([2, 5, 5, 3]) * 3).astype(np.float32), 0.2),
                 ((rng.standard_normal([4, 6]) * 3).astype(np.float32), 0.01),
                 (specials, 0.3), (specials, 1.0), (specials, 1.5), (specials, -0.5)]:
    cases.append({'kernel': 'LeakyRelu', 'op': 'leakyRelu', 'args': {'alpha': alpha}, 'inputs': {'x': stored(x)},
                  'expected': stored(tf.nn.leaky_relu(x, alpha).numpy())})

append_cases(cases, '; leaky relu cases: leaky-relu-pins.py (default_rng(29))')
