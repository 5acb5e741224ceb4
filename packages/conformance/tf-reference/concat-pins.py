"""Appends TensorFlow's tf.concat for kernel-fixes.json: Concat is replaced on wasm for speed (each input's rows copied in one
WebAssembly call on the heap). float32 with specials (NaN, infinities, -0, a denormal), int32 beyond float32's exact range
and bool; the channel axis of images (a U-Net's skip connection), a middle axis with three inputs, one of them empty,
axis 0, negative axes, rank 1.
Run with TensorFlow 2.x: python concat-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(41)


def stored(a, dtype=None):
    a = np.asarray(a)
    if a.dtype == np.bool_ or dtype in ('int32', 'bool'):
        out = {'shape': list(a.shape), 'values': [int(v) for v in a.ravel()]}
    else:
        out = {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                                  for v in (float(str(x)) for x in np.asarray(a, np.float32).ravel())]}
    if dtype is not None:
        out['dtype'] = dtype
    return out


specials = np.array([0.0, -0.0, 1e-40, -1e30, np.inf, -np.inf, np.nan], np.float32)


def floats(shape):
    x = rng.standard_normal(shape).astype(np.float32)
    n = min(x.size, len(specials))
    x.ravel()[:n] = specials[:n]
    return x


cases = []


def case(op, xs, axis, dtype=None):
    y = tf.concat([tf.constant(x) for x in xs], axis).numpy()
    cases.append({'kernel': 'Concat', 'op': op, 'args': {'axis': axis},
                  'inputs': {f'x{i}': stored(x, dtype) for i, x in enumerate(xs)}, 'expected': stored(y, dtype)})


case('concat', [floats([2, 3, 4, 4]), floats([2, 3, 4, 8])], -1)            # channels of images
case('concat', [floats([2, 1, 3]), floats([2, 0, 3]), floats([2, 4, 3]), floats([2, 2, 3])], 1)  # one empty
case('concat', [floats([1, 5]), floats([3, 5])], 0)
case('concat', [floats([3, 2, 2]), floats([3, 1, 2])], -2)
case('concat', [floats([7]), floats([2])], 0)
ints = lambda shape: rng.integers(-2**31, 2**31, shape, dtype=np.int64).astype(np.int32)
case('concatInt', [ints([3, 2]), ints([3, 3]), ints([3, 1])], 1, 'int32')
case('concatBool', [rng.random([2, 3, 1]) < 0.5, rng.random([2, 3, 2]) < 0.5], 2, 'bool')

append_cases(cases, '; concat cases: concat-pins.py (default_rng(41))')
