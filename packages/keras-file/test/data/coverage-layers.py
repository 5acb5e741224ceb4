"""Writes coverage-layers-*.keras / .h5 and coverage-layers.expected.json (session 6, coverage6): small Keras 3 models of
what real exports used and savedkeras refused: the Keras `Identity` layer (next to an `Identity` initializer),
GlobalAveragePooling1D over a mask (Embedding mask_zero, Masking) and keepdims / channels_first, GlobalMaxPooling1D
over a mask (Keras ignores it), StringLookup / IntegerLookup with num_oov_indices > 1 on strings (FarmHash64),
IntegerLookup oov_method='farmhash', salted lookups (SipHash), each model with several named outputs and Keras'
outputs on fixed inputs; Resizing with interpolation 'bicubic' and 'area'; the global poolings' keepdims (a
MobileNetV3-style squeeze-and-excite block) and GlobalMaxPooling1D's data_format; vocabularies and tokens with
underscores, which tfjs' camel-casing of string values changed ('my_token' -> 'myToken') (lead, session 6).
Run with TensorFlow 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python coverage-layers.py [slug ...]   (slugs: rewrite only those models' files and entries)"""
import json, os, sys
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(6)
rng = np.random.default_rng(6)


def identity_mask():
    ids = keras.Input((6,), name='ids', dtype='int32')
    x = keras.Input((5, 3), name='x')
    e = L.Embedding(12, 4, mask_zero=True, name='embedding')(ids)
    outs = [
        L.GlobalAveragePooling1D(name='gap_mask')(L.Identity(name='identity_masked')(e)),
        L.GlobalAveragePooling1D(keepdims=True, name='gap_keepdims_mask')(e),
        L.GlobalMaxPooling1D(name='gmp_mask_ignored')(e),
        L.GlobalAveragePooling1D(name='gap_masking')(L.Masking(0.0, name='masking')(x)),
        # Unmasked, after masked layers: tfjs' executor used to hand it the Masking layer's mask.
        L.GlobalAveragePooling1D(name='gap_unmasked')(x),
        L.GlobalAveragePooling1D(data_format='channels_first', name='gap_cf')(x),
        L.Dense(3, kernel_initializer='identity', name='dense_identity_init')(L.Identity(name='identity')(x)),
    ]
    return keras.Model([ids, x], outs)


def lookups():
    s = keras.Input((4,), name='s', dtype='string')
    i = keras.Input((4,), name='i', dtype='int64')
    outs = [
        L.StringLookup(vocabulary=['a', 'b', 'c'], num_oov_indices=3, name='str_oov3')(s),
        L.StringLookup(vocabulary=['a', 'b', 'c'], num_oov_indices=2, output_mode='count', name='str_oov2_count')(s),
        L.StringLookup(vocabulary=['a', 'b'], num_oov_indices=4, mask_token='', name='str_oov4_mask')(s),
        L.StringLookup(vocabulary=['a', 'b'], num_oov_indices=3, salt=[7, 11], name='str_oov3_salt')(s),
        L.IntegerLookup(vocabulary=[1, 2, 3], num_oov_indices=3, oov_method='farmhash', name='int_oov3_farmhash')(i),
        L.IntegerLookup(vocabulary=[1, 2, 3], num_oov_indices=5, oov_method='farmhash', salt=42, output_mode='multi_hot', name='int_oov5_salt')(i),
        L.IntegerLookup(vocabulary=[1, 2, 3], num_oov_indices=3, name='int_oov3_floormod')(i),
    ]
    return keras.Model([s, i], outs)


def resizing():
    x = keras.Input((6, 8, 3), name='img')
    outs = [
        L.Resizing(9, 11, interpolation='bicubic', name='bicubic_up')(x),
        L.Resizing(3, 5, interpolation='bicubic', name='bicubic_down')(x),
        L.Resizing(4, 3, interpolation='area', name='area_down')(x),
        L.Resizing(9, 11, interpolation='area', name='area_up')(x),
        L.Resizing(4, 4, interpolation='bicubic', crop_to_aspect_ratio=True, name='bicubic_crop')(x),
        L.Resizing(3, 2, interpolation='area', data_format='channels_first', name='area_channels_first')(x),
    ]
    return keras.Model(x, outs)


def global_pooling():
    keras.utils.set_random_seed(61)  # its own seed: the same weights whether or not the other models are made first
    img = keras.Input((5, 6, 4), name='img')
    seq = keras.Input((7, 3), name='seq')
    se = L.GlobalAveragePooling2D(keepdims=True, name='gap2d_keepdims')(img)
    se = L.Conv2D(4, 1, activation='hard_sigmoid', name='se_conv')(se)
    outs = [
        L.Multiply(name='se_scale')([img, se]),
        L.GlobalMaxPooling2D(keepdims=True, name='gmp2d_keepdims')(img),
        L.GlobalAveragePooling2D(data_format='channels_first', keepdims=True, name='gap2d_cf_keepdims')(img),
        L.GlobalMaxPooling2D(data_format='channels_first', name='gmp2d_cf')(img),
        L.GlobalAveragePooling2D(name='gap2d')(img),
        L.Dense(2, name='dense_after_keepdims')(L.GlobalAveragePooling2D(keepdims=True, name='gap2d_keepdims_2')(img)),
        L.GlobalMaxPooling1D(keepdims=True, name='gmp1d_keepdims')(seq),
        L.GlobalMaxPooling1D(data_format='channels_first', name='gmp1d_cf')(seq),
        L.GlobalMaxPooling3D(keepdims=True, name='gmp3d_keepdims')(L.Reshape((7, 3, 1, 1), name='to_3d')(seq)),
    ]
    return keras.Model([img, seq], outs)


def free_text():
    keras.utils.set_random_seed(62)
    s = keras.Input((3,), name='s', dtype='string')
    t = keras.Input((1,), name='t', dtype='string')
    outs = [
        L.StringLookup(vocabulary=['my_token', 'a_b_c', 'plain'], name='vocab_underscores')(s),
        L.StringLookup(vocabulary=['x_y', 'z'], mask_token='my_mask', oov_token='oov_tok', name='tokens_underscores')(s),
        L.TextVectorization(vocabulary=['new_york', 'san_francisco'], standardize=None, split=None, output_mode='int',
                            output_sequence_length=1, name='textvec_underscores')(t),
    ]
    return keras.Model([s, t], outs)


def f32(shape):
    return rng.standard_normal(shape).astype('float32')


def stored(v):
    v = np.asarray(v)
    if v.dtype.kind in 'SUO':
        return {'shape': list(v.shape), 'values': [s.decode() if isinstance(s, bytes) else str(s) for s in v.reshape(-1)], 'dtype': 'string'}
    return {'shape': list(v.shape), 'values': v.astype(float).reshape(-1).tolist()}


masked_x = f32((2, 5, 3))
masked_x[0, 1] = 0.0  # a masked step for Masking(0.0)
masked_x[1, 3:] = 0.0
words = np.array([['a', 'zebra', '', 'c'], ['long unknown word', 'b', 'q', 'zebra']])
only = set(sys.argv[1:])
out = {'generator': f'TensorFlow 2.21 / Keras {keras.__version__} (coverage-layers.py)', 'models': {}}
if only:
    with open(os.path.join(HERE, 'coverage-layers.expected.json')) as fh:
        out['models'] = json.load(fh)['models']
for slug, make, inputs in [
    ('coverage-layers-identity-mask', identity_mask, {'ids': np.array([[3, 0, 5, 0, 0, 7], [0, 11, 0, 2, 2, 0]], 'int32'), 'x': masked_x}),
    ('coverage-layers-lookups', lookups, {'s': words, 'i': np.array([[1, 7, -4, 3], [123456789, 2, 0, 2147483647]], 'int64')}),
    ('coverage-layers-resizing', resizing, {'img': f32((2, 6, 8, 3)) * 50 + 100}),
    ('coverage-layers-free-text', free_text, {'s': np.array([['my_token', 'a_b_c', 'myToken'], ['my_mask', 'x_y', 'oov_tok'], ['new_york', 'san_francisco', 'newYork']]),
                                                 't': np.array([['my_token'], ['san_francisco'], ['new_york']])}),
    ('coverage-layers-global-pooling', global_pooling, {'img': f32((2, 5, 6, 4)), 'seq': f32((2, 7, 3))}),
]:
    if only and slug not in only:
        continue
    m = make()
    m.save(os.path.join(HERE, slug + '.keras'))
    m.save(os.path.join(HERE, slug + '.h5'))
    ys = m([inputs[t.name] for t in m.inputs], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'inputs': {k: stored(v) for k, v in inputs.items()},
                           'outputs': {name: stored(y) for name, y in zip(m.output_names, ys)}}
with open(os.path.join(HERE, 'coverage-layers.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=0, allow_nan=False)
    fh.write('\n')
