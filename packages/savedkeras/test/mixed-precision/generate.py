"""Writes the models of mixed-precision.test.ts and the outputs TensorFlow gives (expected.json).
Run with TensorFlow 2.x + Keras 3 (made with TF 2.21 / Keras 3.15, CPU):
    python packages/savedkeras/test/mixed-precision/generate.py

A small sequence model built under Keras' "mixed_float16" dtype policy (the LSTM computes in float16, its
variables are float32; the last Dense is float32, as Keras' guide advises), saved as .keras, .h5 and by
model.export() (a SavedModel whose graph holds float16 ops). expected.json holds Keras' outputs (float16
compute) and the outputs of the same architecture and weights built under the float32 policy: what a float32
computation gives, which is what savedkeras computes.
"""
import gzip, json, os, shutil
import numpy as np
import tensorflow as tf
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(23)
keras.utils.set_random_seed(23)


def build():
    x = keras.Input((6, 4), name='series')
    h = L.LSTM(8, name='lstm')(x)
    h = L.Dense(8, activation='tanh', name='hidden')(h)
    return keras.Model(x, L.Dense(2, dtype='float32', name='head')(h), name='mixed_lstm')


keras.mixed_precision.set_global_policy('mixed_float16')
mixed = build()
keras.mixed_precision.set_global_policy('float32')
plain = build()
plain.set_weights(mixed.get_weights())
assert mixed.get_layer('lstm').compute_dtype == 'float16' and plain.get_layer('lstm').compute_dtype == 'float32'

x = rng.normal(size=(3, 6, 4)).astype(np.float32)
want = np.asarray(mixed(x)).astype(np.float32)
f32 = np.asarray(plain(x)).astype(np.float32)

for ext in ('keras', 'h5'):
    path = os.path.join(HERE, f'mixed-lstm.{ext}')
    mixed.save(path)
    again = keras.models.load_model(path)
    assert np.array_equal(np.asarray(again(x)), want), ext
    with open(path, 'rb') as f, open(path + '.gz', 'wb') as g:
        g.write(gzip.compress(f.read(), mtime=0))
    os.remove(path)

export = os.path.join(HERE, 'export')
shutil.rmtree(export, ignore_errors=True)
mixed.export(export, verbose=False)
served = tf.saved_model.load(export).signatures['serving_default'](series=tf.constant(x))
exported = next(iter(served.values())).numpy()
# The exported graph runs other float16 kernels than eager Keras (its numbers differ in the last float16 bits).
assert np.max(np.abs(exported - want)) < 5e-3


def stored(a):
    return {'dtype': 'float32', 'shape': list(a.shape), 'values': [float(v) for v in a.reshape(-1)]}


with open(os.path.join(HERE, 'expected.json'), 'w') as f:
    json.dump({
        'tensorflow': tf.__version__, 'keras': keras.__version__,
        'inputs': {'series': stored(x)},
        'mixed_float16': stored(want),
        'mixed_float16_export': stored(exported),
        'float32': stored(f32),
        'serving_output': next(iter(served.keys())),
    }, f)
print('max |mixed - float32|', float(np.max(np.abs(want - f32))), 'export', float(np.max(np.abs(exported - f32))), 'max |output|', float(np.max(np.abs(want))))
