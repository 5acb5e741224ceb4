"""Writes model/: a tf.Module whose serving signature takes inputs named `constructor` and
`toString` and returns outputs named `__proto__` and `hasOwnProperty` (names that a lookup on
a plain JavaScript object would find on Object.prototype), and expected.json with TensorFlow's
outputs for one input. The CLI's input-file tests read both; CI never runs this. Run: python generate.py"""
import json
import os

import numpy as np
import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))


class Names(tf.Module):
    # The TensorSpec names become the signature's input keys (TF refuses `__proto__` as one: not a valid op name).
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='constructor'), tf.TensorSpec([None, 2], tf.float32, name='toString')])
    def serve(self, a, b):
        return {"__proto__": a * 2.0 + b, "hasOwnProperty": tf.reduce_sum(a - b, axis=1)}


m = Names()
tf.saved_model.save(m, os.path.join(here, 'model'), signatures=m.serve)
conc = m.serve
a = np.array([[1.0, 2.0], [-3.0, 0.5]], dtype=np.float32)
b = np.array([[0.25, -1.0], [4.0, 8.0]], dtype=np.float32)
out = conc(tf.constant(a), tf.constant(b))
np.save(os.path.join(here, 'a.npy'), a)
np.save(os.path.join(here, 'b.npy'), b)
expected = {
    'inputs': {'constructor': {'dtype': 'float32', 'shape': [2, 2], 'value': a.tolist()}, 'toString': {'dtype': 'float32', 'shape': [2, 2], 'value': b.tolist()}},
    'outputs': {n: {'dtype': t.dtype.name, 'shape': list(t.shape), 'value': t.numpy().tolist()} for n, t in out.items()},
}
with open(os.path.join(here, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
