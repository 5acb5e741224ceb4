"""Appends TensorFlow's MaxPoolWithArgmax for kernel-fixes.json: tfjs-backend-wasm's kernel starts each window at
FLT_MIN (a window of negative values gives ~0 and a wrong index), so savedkeras runs the cpu kernel there; these pin
values and flat indices (with and without the batch term) to TensorFlow's, on negative-heavy inputs.
Run with TensorFlow 2.x: python max-pool-argmax-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(23)


def stored(a):
    return {'shape': list(a.shape), 'values': [float(str(x)) for x in np.asarray(a, np.float32).ravel()]}


cases = []
for shape, k, s, pad, batch in [([2, 5, 6, 3], 3, 2, 'SAME', True), ([1, 4, 5, 2], 2, 2, 'VALID', False), ([2, 4, 4, 1], 2, 1, 'VALID', True)]:
    x = (rng.standard_normal(shape) - 1.0).astype(np.float32)
    y, idx = tf.nn.max_pool_with_argmax(x, k, s, pad, include_batch_in_index=batch)
    args = {'ksize': [k, k], 'strides': [s, s], 'padding': pad.lower(), 'includeBatchInIndex': batch}
    cases.append({'kernel': 'MaxPoolWithArgmax', 'op': 'maxPoolWithArgmax', 'args': args, 'inputs': {'x': stored(x)}, 'expected': stored(y.numpy())})
    cases.append({'kernel': 'MaxPoolWithArgmax', 'op': 'maxPoolWithArgmaxIndexes', 'args': args, 'inputs': {'x': stored(x)},
                  'expected': {'shape': list(idx.shape), 'values': [int(v) for v in idx.numpy().ravel()]}})

append_cases(cases, '; MaxPoolWithArgmax cases: max-pool-argmax-pins.py (default_rng(23))')
