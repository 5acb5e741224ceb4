"""Writes masking-rnn-*.keras / .h5 and masking-rnn.expected.json: Keras 3 models where a Masking layer feeds
recurrent layers. Keras 3 saves the mask as an explicit `mask=` argument computed by `any(x != mask_value, axis=-1)`
(NotEqual and Any operation nodes); the inputs have masked time steps in the middle and at the end.
Run with TF 2.21 / Keras 3.15:  /path/to/tf-venv/bin/python masking-rnn.py"""
import json, os
import numpy as np
import keras
import tensorflow as tf
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)


def feed(mask_value):
    x = rng.normal(size=(3, 7, 3)).astype('float32')
    x[0, 2] = mask_value
    x[0, 5:] = mask_value
    x[1, 0] = mask_value
    x[2, 1, 0] = mask_value  # one feature only: the step is not masked
    return {'x': x}


def gru_stack():
    x = keras.Input((7, 3), name='x')
    h = L.Masking(0.0)(x)
    h = L.LSTM(4, return_sequences=True)(h)
    return keras.Model(x, L.GRU(3)(h)), feed(0.0)


def bidirectional():
    x = keras.Input((7, 3), name='x')
    h = L.Masking(-1.0)(x)
    return keras.Model(x, L.Bidirectional(L.GRU(3, return_sequences=True))(h)), feed(-1.0)


def stored(v):
    v = np.asarray(v)
    return {'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.astype(float).reshape(-1).tolist()}


out = {'generator': f'Keras {keras.__version__}, TensorFlow {tf.__version__} (masking-rnn.py)', 'models': {}}
for slug, make in [('masking-rnn-stack', gru_stack), ('masking-rnn-bidirectional', bidirectional)]:
    m, inputs = make()
    for fmt in ('keras', 'h5'):
        m.save(os.path.join(HERE, f'{slug}.{fmt}'))
    y = m(inputs['x'], training=False)
    out['models'][slug] = {'inputs': {k: stored(v) for k, v in inputs.items()}, 'outputs': [stored(y)]}
with open(os.path.join(HERE, 'masking-rnn.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0)
    fh.write('\n')
