"""Writes keras3-ops-*.keras / .h5 and keras3-ops.expected.json: Keras 3 Functional models whose config holds
operation nodes (module keras.src.ops.*): an Embedding(mask_zero) mask passed to recurrent layers as `mask=`
(a NotEqual node) and keras.ops calls between layers. Run with TF 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python keras3-ops.py"""
import json, os
import numpy as np
import keras
from keras import layers as L, ops

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(3)
rng = np.random.default_rng(3)


def masked_rnn():
    ids = keras.Input((6,), name='ids', dtype='int32')
    e = L.Embedding(12, 4, mask_zero=True)(ids)
    a = L.LSTM(3)(e)
    b = L.Bidirectional(L.GRU(2))(e)
    return keras.Model(ids, L.Concatenate()([a, b]))


def ops_mix():
    x = keras.Input((4, 3), name='x')
    y = ops.cumsum(x, axis=1) * 0.5
    y = ops.transpose(y, (0, 2, 1))
    y = ops.sqrt(ops.abs(y) + 1.0)
    y = ops.max(y, axis=-1) - ops.logsumexp(y, axis=-1)
    z = ops.where(y > 0, y, ops.zeros_like(y)) + ops.clip(y, -0.5, 0.5) + ops.erf(y)
    return keras.Model(x, [z, ops.argmax(y, axis=-1), ops.norm(y, axis=-1)])


out = {'generator': f'Keras {keras.__version__} (keras3-ops.py)', 'models': {}}
for slug, make, inputs in [('keras3-ops-masked-rnn', masked_rnn, lambda: {'ids': np.array([[3, 7, 1, 0, 0, 0], [5, 2, 9, 11, 4, 0]], 'int32')}),
                           ('keras3-ops-mix', ops_mix, lambda: {'x': rng.standard_normal((2, 4, 3)).astype('float32')})]:
    m = make()
    m.save(os.path.join(HERE, slug + '.keras'))
    m.save(os.path.join(HERE, slug + '.h5'))
    feed = inputs()
    ys = m(list(feed.values())[0], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'inputs': {k: {'shape': list(v.shape), 'values': v.reshape(-1).tolist()} for k, v in feed.items()},
                           'outputs': [{'shape': list(np.shape(y)), 'values': np.asarray(y).astype(float).reshape(-1).tolist()} for y in ys]}
with open(os.path.join(HERE, 'keras3-ops.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0)
    fh.write('\n')
