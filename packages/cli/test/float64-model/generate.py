"""Writes model/: a tf.Module whose signature takes float64 [None, 2] and int64 [None] and returns
float64 and int64 outputs, and expected.json with TensorFlow's outputs for one input (the dtype
tests of the CLI read both; CI never runs this). Run: python generate.py"""
import json
import os

import numpy as np
import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.5], [-0.25]], dtype=tf.float64)

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float64, name='x'), tf.TensorSpec([None], tf.int64, name='k')])
    def serve(self, x, k):
        return {'y': tf.matmul(x, self.w), 'k2': k * 2}


m = Scale()
tf.saved_model.save(m, os.path.join(here, 'model'), signatures=m.serve)
x = np.array([[1.0, 2.0], [3.0, -4.0]])
k = np.array([3, -5], dtype=np.int64)
out = m.serve(tf.constant(x), tf.constant(k))
expected = {
    'inputs': {'x': {'dtype': 'float64', 'shape': [2, 2], 'value': x.tolist()}, 'k': {'dtype': 'int64', 'shape': [2], 'value': k.tolist()}},
    'outputs': {n: {'dtype': t.dtype.name, 'shape': list(t.shape), 'value': t.numpy().tolist()} for n, t in out.items()},
}
with open(os.path.join(here, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
# The same inputs as .npy files, written by numpy (the CLI's input-file tests feed them with --input NAME=file.npy).
np.save(os.path.join(here, 'x.npy'), x)
np.save(os.path.join(here, 'k.npy'), k)
