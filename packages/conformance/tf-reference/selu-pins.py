"""Appends TensorFlow's Selu for kernel-fixes.json: tfjs-backend-wasm's Selu is replaced (for speed) by
scale * Prelu(Elu(x), alpha) on its own kernels; these pin that to TensorFlow's numbers, across the
negative range where the two formulas differ most, large values, signed zeros and infinities.
Run with TensorFlow 2.x: python selu-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(19)


def stored(a):
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN').replace('-Infinity', '-Infinity')
                                               for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}


cases = []
for x in [(rng.standard_normal([2, 5, 5, 3]) * 3).astype(np.float32),
          np.array([0.0, -0.0, 1e-30, -1e-30, -1e-7, 1e-7, -20.0, -88.0, 30.0, 1e30, -1e30, np.inf, -np.inf, np.nan], np.float32),
          # sizes a multiple of 4 (wasm's one pass over Elu's output takes four at a time; other sizes end in a JS tail)
          np.array([-np.nan, np.nan, -0.0, 0.0, -1e-38, 1e-38, -3.0, 3.0, -1e38, 1e38, -np.inf, np.inf, -0.5, 0.5, -104.0, 88.0], np.float32),
          (rng.standard_normal([2, 7, 7, 32]) * 3).astype(np.float32)]:
    cases.append({'kernel': 'Selu', 'op': 'selu', 'args': {}, 'inputs': {'x': stored(x)}, 'expected': stored(tf.nn.selu(x).numpy())})

append_cases(cases, '; selu cases: selu-pins.py (default_rng(19))')
