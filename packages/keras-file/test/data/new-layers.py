"""Writes new-layers-*.keras / .h5 and new-layers.expected.json: small Keras 3 models of the layer classes
@savedkeras/layers added in session 5 (GroupNormalization, UnitNormalization, SpatialDropout1D/2D/3D,
ActivityRegularization, Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, Cropping1D/3D, ZeroPadding1D/3D,
UpSampling1D/3D, ConvLSTM1D, Hashing with and without salt, HashedCrossing), each model with several named outputs, Keras' outputs on seeded
inputs, and for the weighted layers one SGD step (weights after the step and the loss). Run with TF 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python new-layers.py
The model files are kept gzipped (<file>.gz: a tenth of the size; tests gunzip them) and float32 numbers as the base64
of their bytes (`f32`; @savedkeras/fixtures parseStoredJson reads both forms)."""
import base64, gzip, json, os
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)


def seq1d():
    x = keras.Input((8, 4), name='x')
    outs = [
        L.GroupNormalization(groups=2, name='group_norm')(x),
        L.UnitNormalization(name='unit_norm')(x),
        L.UnitNormalization(axis=[1, 2], name='unit_norm_axes')(x),
        L.SpatialDropout1D(0.4, name='spatial_dropout1d')(x),
        L.ActivityRegularization(l1=0.01, l2=0.02, name='activity_reg')(x),
        L.Conv1DTranspose(3, 3, strides=2, padding='same', name='conv1d_t_same')(x),
        L.Conv1DTranspose(2, 3, strides=2, padding='valid', output_padding=1, activation='relu', name='conv1d_t_valid')(x),
        L.DepthwiseConv1D(3, depth_multiplier=2, padding='same', name='depthwise1d')(x),
        L.DepthwiseConv1D(3, strides=2, dilation_rate=1, padding='valid', name='depthwise1d_s2')(x),
        L.SeparableConv1D(5, 3, depth_multiplier=2, activation='relu', padding='same', name='sepconv1d')(x),
        L.SeparableConv1D(2, 2, dilation_rate=2, name='sepconv1d_dilated')(x),
        L.Cropping1D((1, 2), name='cropping1d')(x),
        L.ZeroPadding1D((2, 1), name='zero_padding1d')(x),
        L.UpSampling1D(3, name='upsampling1d')(x),
    ]
    return keras.Model(x, outs)


def img2d():
    x = keras.Input((5, 5, 6), name='x')
    outs = [
        L.SpatialDropout2D(0.3, name='spatial_dropout2d')(x),
        L.GroupNormalization(groups=3, epsilon=0.01, name='group_norm2d')(x),
        L.GroupNormalization(groups=-1, center=False, name='instance_norm')(x),
    ]
    return keras.Model(x, outs)


def vol3d():
    x = keras.Input((3, 4, 4, 2), name='x')
    outs = [
        L.SpatialDropout3D(0.3, name='spatial_dropout3d')(x),
        L.Cropping3D(((1, 0), (1, 2), (0, 1)), name='cropping3d')(x),
        L.ZeroPadding3D(((1, 0), (0, 2), (1, 1)), name='zero_padding3d')(x),
        L.UpSampling3D((2, 1, 2), name='upsampling3d')(x),
        L.Cropping3D(((0, 1), (1, 1), (1, 0)), data_format='channels_first', name='cropping3d_cf')(x),
        L.UpSampling3D(2, data_format='channels_first', name='upsampling3d_cf')(x),
    ]
    return keras.Model(x, outs)


def hashing():
    s = keras.Input((3,), name='s', dtype='string')
    i = keras.Input((3,), name='i', dtype='int64')
    a = keras.Input((1,), name='a', dtype='string')
    b = keras.Input((1,), name='b', dtype='int64')
    outs = [
        L.Hashing(num_bins=7, name='hash_str')(s),
        L.Hashing(num_bins=5, mask_value='', name='hash_mask')(s),
        L.Hashing(num_bins=6, output_mode='multi_hot', name='hash_multi_hot')(s),
        L.Hashing(num_bins=1000003, name='hash_int')(i),
        L.Hashing(num_bins=4, output_mode='count', name='hash_count')(i),
        L.Hashing(num_bins=5, output_mode='one_hot', name='hash_one_hot')(a),
        L.Hashing(num_bins=9, salt=42, name='hash_salt')(s),
        L.Hashing(num_bins=1000003, salt=[7, 123456789], mask_value=0, name='hash_salt_pair')(i),
        L.HashedCrossing(num_bins=11, name='crossing')((a, b)),
        L.HashedCrossing(num_bins=6, output_mode='one_hot', name='crossing_one_hot')((a, a)),
    ]
    return keras.Model([s, i, a, b], outs)


def convlstm():
    x = keras.Input((4, 7, 3), name='x')
    seq, h, c = L.ConvLSTM1D(2, 2, dilation_rate=2, return_sequences=True, return_state=True, go_backwards=True, name='convlstm1d_seq')(x)
    return keras.Model(x, [L.ConvLSTM1D(3, 3, padding='same', name='convlstm1d')(x), seq, h, c])


def train():
    # Every weighted layer in one chain; one SGD step on MSE is compared weight by weight.
    x = keras.Input((6, 4), name='x')
    y = L.Conv1DTranspose(4, 3, strides=2, padding='same', name='conv1d_t')(x)
    y = L.GroupNormalization(groups=2, name='group_norm')(y)
    y = L.DepthwiseConv1D(3, depth_multiplier=2, name='depthwise1d')(y)
    y = L.SeparableConv1D(3, 2, name='sepconv1d')(y)
    y = L.UnitNormalization(name='unit_norm')(y)
    y = L.Flatten()(y)
    return keras.Model(x, L.Dense(2, name='head')(y))


def randomize_norms(m):
    # gamma / beta start at 1 / 0; other values show that the stored ones are the ones applied.
    for layer in m.layers:
        if isinstance(layer, L.GroupNormalization):
            layer.set_weights([(rng.standard_normal(w.shape) * 0.5 + 1).astype('float32') for w in layer.get_weights()])


def train_convlstm():
    x = keras.Input((3, 5, 2), name='x')
    y = L.ConvLSTM1D(2, 2, padding='same', name='convlstm1d')(x)
    return keras.Model(x, L.Dense(2, name='head')(L.Flatten()(y)))


def f32(shape):
    return rng.standard_normal(shape).astype('float32')


def unique(names):
    # A layer with several outputs (return_state) is named once per output: number the repeats.
    return [n if names.index(n) == i else f'{n}#{names[:i].count(n)}' for i, n in enumerate(names)]


def stored(v):
    v = np.asarray(v)
    if v.dtype.kind in 'SUO':
        return {'shape': list(v.shape), 'values': [s.decode() if isinstance(s, bytes) else str(s) for s in v.reshape(-1)], 'dtype': 'string'}
    if np.all(np.mod(v, 1) == 0):
        return {'shape': list(v.shape), 'values': [int(x) for x in v.reshape(-1)]}
    return {'shape': list(v.shape), 'f32': base64.b64encode(v.astype('<f4').tobytes()).decode()}


def save(m, path):
    m.save(path)
    with open(path, 'rb') as fh:
        data = fh.read()
    with open(path + '.gz', 'wb') as fh:
        fh.write(gzip.compress(data, compresslevel=9, mtime=0))
    os.remove(path)


words = np.array([['cat', '', 'dog'], ['fish', 'cat', 'a long word with spaces']])
out = {'generator': f'Keras {keras.__version__} (new-layers.py)', 'models': {}}
for slug, make, feed in [
    ('new-layers-seq1d', seq1d, lambda: {'x': f32((2, 8, 4))}),
    ('new-layers-img2d', img2d, lambda: {'x': f32((2, 5, 5, 6)) * 3 + 1}),
    ('new-layers-vol3d', vol3d, lambda: {'x': f32((2, 3, 4, 4, 2))}),
    ('new-layers-convlstm', convlstm, lambda: {'x': f32((2, 4, 7, 3))}),
    ('new-layers-hashing', hashing, lambda: {'s': words, 'i': np.array([[0, -7, 123456], [2147483647, 42, 0]], 'int64'),
                                             'a': np.array([['cat'], ['dog']]), 'b': np.array([[3], [-5]], 'int64')}),
]:
    m = make()
    randomize_norms(m)
    save(m, os.path.join(HERE, slug + '.keras'))
    save(m, os.path.join(HERE, slug + '.h5'))
    inputs = feed()
    ys = m([inputs[t.name] for t in m.inputs] if len(m.inputs) > 1 else inputs['x'], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'inputs': {k: stored(v) for k, v in inputs.items()},
                           'outputs': {name: stored(y) for name, y in zip(unique(m.output_names), ys)}}

out['train'] = []
for slug, make, x_shape in [('new-layers-train', train, (3, 6, 4)), ('new-layers-train-convlstm', train_convlstm, (3, 3, 5, 2))]:
    m = make()
    randomize_norms(m)
    save(m, os.path.join(HERE, slug + '.keras'))
    save(m, os.path.join(HERE, slug + '.h5'))
    x = f32(x_shape)
    target = f32((x_shape[0], 2))
    before = m.predict(x, verbose=0)
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss='mse')
    loss = m.train_on_batch(x, target)
    out['train'].append({'file': slug, 'x': stored(x), 'y': stored(target), 'before': stored(before), 'loss': float(loss),
                         'learningRate': 0.1, 'weightsAfter': {w.path: stored(w.numpy()) for w in m.weights}})
with open(os.path.join(HERE, 'new-layers.expected.json'), 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
    fh.write('\n')
