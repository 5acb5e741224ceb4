"""Writes sweep6-*.keras / .h5 and sweep6-fixes.expected.json: the Keras 3 models behind the session-6 sweep fixes
(tools/sweep, realistic category): a seq2seq LSTM whose decoder starts from the encoder's [h, c] (Keras 3 passes
`initial_state` as a keyword argument holding a list of tensors) beside a GRU started from one state; an autoencoder
whose output is a nested Functional's call (Keras 3 numbers that call from 1 in `output_layers`) and a nested
Functional called twice; a TextVectorization -> transformer classifier taking rank-1 strings (MultiHeadAttention(h, h)
plus a residual of h, run through apply()). .keras only for the adapted vocabulary (.h5 keeps none). Run with
TF 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python sweep6-fixes.py
Model files are kept gzipped (<file>.gz)."""
import gzip, json, os
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(6)
rng = np.random.default_rng(6)


def seq2seq():
    ei = keras.Input((None, 3), name='enc'); di = keras.Input((None, 4), name='dec')
    _, h, c = L.LSTM(5, return_state=True)(ei)
    y = L.LSTM(5, return_sequences=True)(di, initial_state=[h, c])
    _, g = L.GRU(4, return_state=True)(ei)
    z = L.GRU(4)(di, initial_state=g)
    return keras.Model([ei, di], [L.Dense(2)(y), z]), {'enc': rng.standard_normal((2, 4, 3)).astype('float32'), 'dec': rng.standard_normal((2, 3, 4)).astype('float32')}


def nested_output():
    enc = keras.Sequential([keras.Input((6,)), L.Dense(4, activation='relu'), L.Dense(2)], name='encoder')
    ci = keras.Input((2,), name='code')
    dec = keras.Model(ci, L.Dense(6, activation='sigmoid')(L.Dense(4, activation='relu')(ci)), name='decoder')
    x = keras.Input((6,), name='x')
    code = enc(x)
    # The decoder's first call feeds a layer, its second call is a model output.
    side = L.Dense(1, name='side')(dec(code))
    return keras.Model(x, [dec(L.Dense(2)(code)), side]), {'x': rng.standard_normal((2, 6)).astype('float32')}


TEXTS = ['the movie was great fun', 'a bad and boring movie', 'hello world again', 'what a boring plot']


def text_transformer():
    tv = L.TextVectorization(max_tokens=20, output_sequence_length=6)
    tv.adapt(np.array(TEXTS))
    x = keras.Input((), dtype='string', name='text')
    h = L.Embedding(20, 8)(tv(x))
    a = L.MultiHeadAttention(2, 4)(h, h)
    h = L.LayerNormalization(epsilon=1e-6)(L.Add()([h, a]))
    return keras.Model(x, L.Dense(3, activation='softmax')(L.GlobalAveragePooling1D()(h))), {'text': np.array(['a great movie', 'boring world unknownword'])}


def stored(v):
    v = np.asarray(v)
    if v.dtype.kind in 'SUO':
        return {'shape': list(v.shape), 'dtype': 'string', 'values': [str(x) for x in v.reshape(-1)]}
    return {'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.astype(float).reshape(-1).tolist()}


out = {'generator': f'Keras {keras.__version__} (sweep6-fixes.py)', 'models': {}}
for slug, make, formats in [('sweep6-seq2seq', seq2seq, ('keras', 'h5')), ('sweep6-nested-output', nested_output, ('keras', 'h5')),
                            ('sweep6-text-transformer', text_transformer, ('keras',))]:
    m, feed = make()
    for fmt in formats:
        m.save(os.path.join(HERE, f'{slug}.{fmt}'))
    ys = m([feed[t.name] for t in m.inputs] if len(m.inputs) > 1 else feed[m.inputs[0].name], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'formats': list(formats), 'inputs': {k: stored(v) for k, v in feed.items()}, 'outputs': [stored(y) for y in ys]}
    # Keras reloads its own files to the same numbers (the files are what the test reads).
    for fmt in formats:
        back = keras.models.load_model(os.path.join(HERE, f'{slug}.{fmt}'))
        again = back([feed[t.name] for t in back.inputs] if len(back.inputs) > 1 else feed[back.inputs[0].name], training=False)
        again = again if isinstance(again, (list, tuple)) else [again]
        assert all(np.allclose(np.asarray(a), np.asarray(b), atol=1e-6) for a, b in zip(again, ys)), (slug, fmt)
        # Kept gzipped (<file>.gz, read back by @savedkeras/fixtures readTestBytes): Keras' bytes, a tenth of the size.
        with open(os.path.join(HERE, f'{slug}.{fmt}'), 'rb') as fh:
            data = fh.read()
        with open(os.path.join(HERE, f'{slug}.{fmt}.gz'), 'wb') as fh:
            fh.write(gzip.compress(data, compresslevel=9, mtime=0))
        os.remove(os.path.join(HERE, f'{slug}.{fmt}'))
with open(os.path.join(HERE, 'sweep6-fixes.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0)
    fh.write('\n')
