"""Writes sweep7-*.keras / .h5 (gzipped) and sweep7-fixes.expected.json: the Keras 3 models behind the session-7 sweep
fixes (tools/sweep, realistic category). MultiHeadAttention after Embedding(mask_zero): Keras 3 takes the query's
and the value's (and an explicit key's) Keras masks into the attention mask and sets the query's mask on its output;
savedkeras ignored both (silently other numbers). Keras 3 quirks kept: the attention deletes its inputs' masks (an Add
layer after it sees one input unmasked, and Keras 3 merges give no mask then), and only its masked-softmax path
(dropout > 0, scores returned, rank > 3) zeroes a fully masked row (3.10+); ops.dot_product_attention keeps it
uniform. One model of self-attention (residual as a keras.ops `+` and as an Add layer, the output pooled with its
mask), one encoder-decoder (causal self-attention with dropout, cross-attention on the encoder's output). Run with TF 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python sweep7-fixes.py"""
import gzip, json, os
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)


def ids(shape, hi, pad):
    a = rng.integers(1, hi, size=shape).astype('int32')
    for row, n in enumerate(pad):
        if n: a[row, -n:] = 0
    return a


def mha_self_mask():
    x = keras.Input((6,), dtype='int32', name='ids')
    h = L.Embedding(12, 8, mask_zero=True)(x)
    a = L.MultiHeadAttention(2, 4)(h, h)
    op = L.GlobalAveragePooling1D()(L.LayerNormalization()(h + a))  # keras.ops add: no mask after it
    pooled = L.GlobalAveragePooling1D()(a)  # the attention output carries the query's mask: masked mean
    # An Add layer after the attention: Keras 3's MultiHeadAttention deleted h's mask, so the sum is unmasked
    # and so is the second attention.
    b = L.LayerNormalization()(L.Add()([h, a]))
    return keras.Model(x, [L.Dense(2)(op), L.Dense(2)(pooled), L.Dense(2)(L.MultiHeadAttention(2, 4)(b, b))]), {'ids': ids((2, 6), 12, [2, 3])}


def mha_cross_mask():
    # The decoder's causal self-attention has dropout (Keras' masked-softmax path: fully masked rows are zeros
    # from Keras 3.10); the others take ops.dot_product_attention (uniform rows).
    src = keras.Input((5,), dtype='int32', name='src'); tgt = keras.Input((4,), dtype='int32', name='tgt')
    e = L.Embedding(10, 8, mask_zero=True)(src)
    e = L.LayerNormalization()(L.Add()([e, L.MultiHeadAttention(2, 4)(e, e)]))
    d = L.Embedding(10, 8, mask_zero=True)(tgt)
    d = L.LayerNormalization()(L.Add()([d, L.Dropout(0.1)(L.MultiHeadAttention(2, 4, dropout=0.1)(d, d, use_causal_mask=True))]))
    d = L.LayerNormalization()(L.Add()([d, L.MultiHeadAttention(2, 4)(d, e)]))
    return keras.Model([src, tgt], L.Dense(3)(d)), {'src': ids((2, 5), 10, [1, 3]), 'tgt': ids((2, 4), 10, [2, 0])}


def stored(v):
    v = np.asarray(v)
    return {'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.astype(float).reshape(-1).tolist()}


out = {'generator': f'Keras {keras.__version__} (sweep7-fixes.py)', 'models': {}}
for slug, make in [('sweep7-mha-self-mask', mha_self_mask), ('sweep7-mha-cross-mask', mha_cross_mask)]:
    m, feed = make()
    formats = ('keras', 'h5')
    call = lambda model: model([feed[t.name] for t in model.inputs] if len(model.inputs) > 1 else feed[model.inputs[0].name], training=False)
    ys = call(m)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    kept = []
    for fmt in formats:
        path = os.path.join(HERE, f'{slug}.{fmt}')
        m.save(path)
        # Keras reloads its own files to the same numbers (the files are what the test reads). A mask that reaches a
        # layer as a NotEqual operation node makes an .h5 Keras 3.15 cannot read back ("Unknown layer: 'NotEqual'").
        try:
            back = keras.models.load_model(path)
        except ValueError as e:
            assert fmt == 'h5' and 'NotEqual' in str(e), e
            os.remove(path)
            continue
        kept.append(fmt)
        again = call(back)
        again = again if isinstance(again, (list, tuple)) else [again]
        assert all(np.allclose(np.asarray(a), np.asarray(b), atol=1e-6) for a, b in zip(again, ys)), (slug, fmt)
        with open(path, 'rb') as fh:
            data = fh.read()
        with open(path + '.gz', 'wb') as fh:
            fh.write(gzip.compress(data, compresslevel=9, mtime=0))
        os.remove(path)
    out['models'][slug] = {'formats': kept, 'inputs': {k: stored(v) for k, v in feed.items()}, 'outputs': [stored(y) for y in ys]}
with open(os.path.join(HERE, 'sweep7-fixes.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0)
    fh.write('\n')
