"""Appends TensorFlow's answers for wasm kernels that break on bool tensors (kernel-fixes.json).

tfjs-backend-wasm 4.22 Reverse and StridedSlice read and write bool data as 4-byte elements: wrong
values and a corrupted wasm heap (a masked Bidirectional RNN's saved graph reverses its bool mask;
the next allocation looped forever). The tfjs side casts the stored 0/1 input to bool (compute() in
src/tf-pins.ts). Run with TensorFlow 2.x: python bool-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(17)


def stored(a):
    return {'shape': list(a.shape), 'values': [float(v) for v in np.asarray(a, np.float32).ravel()]}


cases = []
x = rng.integers(0, 2, [6, 2, 3]).astype(bool)
for axes in ([0], [1], [2], [0, 2]):
    out = tf.reverse(x, axes)
    cases.append({'kernel': 'Reverse', 'op': 'reverseBool', 'args': {'dims': axes},
                  'inputs': {'x': stored(x)}, 'expected': stored(out)})
for begin, end, strides in (([0, 0, 0], [6, 2, 3], [2, 1, 1]), ([5, 1, 0], [0, 0, 3], [-2, -1, 2]), ([1, 0, 1], [4, 2, 2], [1, 1, 1])):
    out = tf.strided_slice(x, begin, end, strides)
    cases.append({'kernel': 'StridedSlice', 'op': 'stridedSliceBool', 'args': {'begin': begin, 'end': end, 'strides': strides},
                  'inputs': {'x': stored(x)}, 'expected': stored(out)})

append_cases(cases, '; bool cases: bool-pins.py (default_rng(17))')
