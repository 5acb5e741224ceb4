"""Writes sweep-fixes-*.keras / .h5 and sweep-fixes.expected.json: the Keras 3 models behind the session-5 sweep fixes
(tools/sweep): Resizing with pad_to_aspect_ratio / crop_to_aspect_ratio / both interpolations, String/IntegerLookup in
every output mode with idf_weights, mask and OOV settings, an adapted TextVectorization in tf_idf mode (.keras only: a
.h5 file does not keep an adapted vocabulary, see the test), and a transformer block (MultiHeadAttention(h, h) with a
residual, a positional embedding folded into a `__tensor__` constant of an Add node). Run with TF 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python sweep-fixes.py"""
import json, os
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)


def resizing():
    a = keras.Input((6, 8, 3), name='a')
    b = keras.Input((5, 8, 3), name='b')
    outs = [
        L.Resizing(4, 4, pad_to_aspect_ratio=True)(a),
        L.Resizing(3, 5, pad_to_aspect_ratio=True)(a),
        L.Resizing(5, 3, pad_to_aspect_ratio=True, fill_value=0.5, interpolation='nearest')(a),
        L.Resizing(7, 7, pad_to_aspect_ratio=True, interpolation='nearest')(b),  # odd difference: one row lost
        L.Resizing(4, 4, pad_to_aspect_ratio=True)(b),
        L.Resizing(4, 4, crop_to_aspect_ratio=True)(a),
        L.Resizing(3, 7, crop_to_aspect_ratio=True, interpolation='nearest')(b),
        L.Resizing(9, 5)(a),
        L.Resizing(4, 11, interpolation='nearest')(b),
    ]
    return keras.Model([a, b], outs), {'a': rng.standard_normal((2, 6, 8, 3)).astype('float32'), 'b': rng.standard_normal((2, 5, 8, 3)).astype('float32')}


VOCAB = ['a', 'b', 'c', 'd']
IDF = [0.5, 1.0, 2.0, 4.0]


def lookups():
    s = keras.Input((3,), name='s', dtype='string')
    s1 = keras.Input((1,), name='s1', dtype='string')
    i = keras.Input((3,), name='i', dtype='int64')
    outs = [
        L.StringLookup(vocabulary=VOCAB, idf_weights=IDF, output_mode='tf_idf')(s),
        L.StringLookup(vocabulary=VOCAB, idf_weights=IDF, output_mode='tf_idf', mask_token='')(s),
        L.StringLookup(vocabulary=VOCAB, idf_weights=IDF, output_mode='tf_idf', pad_to_max_tokens=True, max_tokens=8)(s),
        L.StringLookup(vocabulary=['[UNK]'] + VOCAB, idf_weights=[3.0] + IDF, output_mode='tf_idf')(s),  # special token given: no padding
        L.StringLookup(vocabulary=VOCAB, output_mode='count')(s),
        L.StringLookup(vocabulary=VOCAB, output_mode='multi_hot', mask_token='')(s),
        L.StringLookup(vocabulary=VOCAB, output_mode='one_hot')(s1),
        L.StringLookup(vocabulary=VOCAB, mask_token='')(s),
        L.IntegerLookup(vocabulary=[10, 20, 30], idf_weights=[1.5, 0.25, 3.0], output_mode='tf_idf')(i),
        L.IntegerLookup(vocabulary=[10, 20, 30], output_mode='count', num_oov_indices=2)(i),
        L.IntegerLookup(vocabulary=[10, 20, 30], output_mode='multi_hot', mask_token=0)(i),
        L.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=2, mask_token=0)(i),
    ]
    feed = {'s': np.array([['a', 'd', 'a'], ['zz', 'c', '']]), 's1': np.array([['b'], ['q']]), 'i': np.array([[10, 30, 30], [7, 20, 0]], 'int64')}
    return keras.Model([s, s1, i], outs), feed


WORDS = ['The movie was great', 'a bad bad movie', 'hello world', 'the world was great and the movie too']


def adapted_tfidf():
    t = keras.Input((), name='t', dtype='string')
    tv = L.TextVectorization(max_tokens=12, output_mode='tf_idf')
    tv.adapt(np.array(WORDS))
    sl = L.StringLookup(output_mode='tf_idf')
    sl.adapt(np.array([['x', 'y', 'x'], ['z', 'x', 'w']]))
    w = keras.Input((3,), name='w', dtype='string')
    return keras.Model([t, w], [tv(t), sl(w)]), {'t': np.array(['the great movie', 'bad world unknown']), 'w': np.array([['x', 'z', 'q'], ['w', 'w', 'y']])}


def transformer():
    x = keras.Input((6,), name='ids', dtype='int32')
    e = L.Embedding(30, 8)(x)
    pos = L.Embedding(6, 8)(keras.ops.arange(6))
    h = e + pos
    a = L.MultiHeadAttention(2, 4)(h, h)
    h = L.LayerNormalization(epsilon=1e-6)(h + a)
    f = L.Dense(8, activation='gelu')(h)
    h = L.LayerNormalization(epsilon=1e-6)(h + f)
    return keras.Model(x, L.Dense(3, activation='softmax')(L.GlobalAveragePooling1D()(h))), {'ids': rng.integers(0, 30, (2, 6)).astype('int32')}


def stored(v):
    v = np.asarray(v)
    if v.dtype.kind in 'SUO':
        return {'shape': list(v.shape), 'dtype': 'string', 'values': [str(x) for x in v.reshape(-1)]}
    return {'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.astype(float).reshape(-1).tolist()}


out = {'generator': f'Keras {keras.__version__} (sweep-fixes.py)', 'models': {}}
for slug, make, formats in [('sweep-fixes-resizing', resizing, ('keras', 'h5')), ('sweep-fixes-lookups', lookups, ('keras', 'h5')),
                            ('sweep-fixes-adapted-tfidf', adapted_tfidf, ('keras', 'h5')), ('sweep-fixes-transformer', transformer, ('keras', 'h5'))]:
    m, feed = make()
    for fmt in formats:
        m.save(os.path.join(HERE, f'{slug}.{fmt}'))
    ys = m([feed[t.name] for t in m.inputs] if len(m.inputs) > 1 else feed[m.inputs[0].name], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'inputs': {k: stored(v) for k, v in feed.items()}, 'outputs': [stored(y) for y in ys]}
with open(os.path.join(HERE, 'sweep-fixes.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0)
    fh.write('\n')
