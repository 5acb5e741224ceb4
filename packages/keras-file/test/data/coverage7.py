"""Writes coverage7-*.keras.gz / .h5.gz and coverage7.expected.json (session 7, coverage7): small Keras 3 models of what
real exports use and savedkeras refused until session 7: Keras 3's GetItem operation (`x[:, 0]`, `x[..., :3]`, strided
and reversed slices, newaxis, negative indices: tensor slicing in a Functional model); keras.applications ConvNeXt's
LayerScale and StochasticDepth (a small ConvNeXt made by keras.applications' own builder); ConvLSTM2D as
saveKerasFile writes it back; Conv3D with groups > 1, each model with several
outputs (named here in the expected file: operation outputs have generated names) and Keras' outputs on fixed inputs.
Model files are kept gzipped (<file>.gz, read back by @savedkeras/fixtures readTestBytes).
Run with TensorFlow 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python coverage7.py [slug ...]   (slugs: rewrite only those models' files and entries)"""
import base64, gzip, json, os, sys
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def getitem():
    keras.utils.set_random_seed(71)
    x = keras.Input((4, 5, 6), name='x')
    ids = keras.Input((7,), name='ids', dtype='int32')
    seq = L.Dense(8, name='proj')(L.Reshape((4, 30), name='flat')(x))
    outs = {
        'cls_token': L.Dense(3, name='cls_head')(seq[:, 0]),                  # a transformer's CLS token
        'last_step': seq[:, -1],
        'channels_head': x[..., :3],
        'strided': x[:, 1:3, ::2],
        'newaxis_negative': x[:, None, -1],
        'reversed': x[:, ::-1],
        'mixed': x[:, 2, :, -2],
        'ellipsis_step': x[..., 1:-1:2],
        'newaxis_middle': x[:, :, None, 2:],
        'negative_step_bounds': x[:, 3:0:-2, -1:-6:-2],
        'batch_index': x[0],
        'batch_slice': x[1:, 0, 0],
        'trailing_newaxis': x[..., 0, None],
        'empty': x[:, 2:2],
        'int_ids': ids[:, 1::3],
        'clamped': x[:, -10:10, 4:100],
    }
    return keras.Model([x, ids], list(outs.values())), list(outs)


def convnext_mini():
    # keras.applications' own ConvNeXt (LayerScale, StochasticDepth, grouped Conv2D, the residual Add operation),
    # small and with every weight drawn at random (LayerScale's 1e-6 start would hide it).
    keras.utils.set_random_seed(72)
    from keras.src.applications import convnext
    m = convnext.ConvNeXt(depths=[1, 2, 1, 1], projection_dims=[4, 8, 8, 12], drop_path_rate=0.2, layer_scale_init_value=0.5,
                          input_tensor=keras.Input((32, 32, 3), name='img'), classes=5, classifier_activation=None, name='convnext_mini')
    m.set_weights([rng.standard_normal(w.shape).astype('float32') * (0.3 if w.ndim > 1 else 0.5) + (1.0 if w.ndim == 1 else 0.0)
                   for w in m.get_weights()])
    return m, ['logits']


def convlstm2d():
    # saveKerasFile wrote ConvLSTM2D's weights outside `cell/` and its tfjs-only `implementation` argument: Keras 3.15
    # refused the file (checked with load_model); written back now as Keras writes it.
    keras.utils.set_random_seed(73)
    x = keras.Input((3, 6, 6, 2), name='frames')
    return keras.Model(x, [L.ConvLSTM2D(3, 3, padding='same', return_sequences=True, name='convlstm2d_seq')(x),
                           L.ConvLSTM2D(2, (2, 3), name='convlstm2d')(x)]), ['convlstm2d_seq', 'convlstm2d']


def conv3d_groups():
    keras.utils.set_random_seed(74)
    x = keras.Input((4, 5, 6, 4), name='volume')
    return keras.Model(x, [L.Conv3D(6, 3, padding='same', groups=2, name='conv3d_groups2')(x),
                           L.Conv3D(4, (2, 3, 2), strides=(1, 2, 1), dilation_rate=1, groups=4, activation='relu', name='conv3d_depthwise')(x),
                           L.Conv3D(2, 2, groups=1, name='conv3d_plain')(x)]), ['conv3d_groups2', 'conv3d_depthwise', 'conv3d_plain']


def f32(shape):
    return rng.standard_normal(shape).astype('float32')


def stored(v):
    v = np.asarray(v)
    if v.size == 0 or np.all(np.mod(v, 1) == 0):
        return {'shape': list(v.shape), 'values': [int(x) for x in v.reshape(-1)]}
    return {'shape': list(v.shape), 'f32': base64.b64encode(v.astype('<f4').tobytes()).decode()}  # parseStoredJson


only = set(sys.argv[1:])
out = {'generator': f'TensorFlow 2.21 / Keras {keras.__version__} (coverage7.py)', 'models': {}}
if only:
    with open(os.path.join(HERE, 'coverage7.expected.json')) as fh:
        out['models'] = json.load(fh)['models']
for slug, make, inputs in [
    ('coverage7-getitem', getitem, {'x': f32((3, 4, 5, 6)), 'ids': np.arange(21, dtype='int32').reshape(3, 7) * 3 - 20}),
    ('coverage7-convlstm2d', convlstm2d, {'frames': f32((2, 3, 6, 6, 2))}),
    ('coverage7-conv3d-groups', conv3d_groups, {'volume': f32((2, 4, 5, 6, 4))}),
    ('coverage7-convnext', convnext_mini, {'img': rng.integers(0, 256, (1, 32, 32, 3)).astype('float32')}),
]:
    if only and slug not in only:
        continue
    m, names = make()
    for fmt in ('keras', 'h5'):
        path = os.path.join(HERE, f'{slug}.{fmt}')
        m.save(path)
        with open(path, 'rb') as fh:
            data = fh.read()
        os.remove(path)
        with open(path + '.gz', 'wb') as fh:
            fh.write(gzip.compress(data, compresslevel=9, mtime=0))
    ys = m([inputs[t.name] for t in m.inputs], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'inputs': {k: stored(v) for k, v in inputs.items()},
                           'outputs': {name: stored(y) for name, y in zip(names, ys)}}
with open(os.path.join(HERE, 'coverage7.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=None, allow_nan=False)
    fh.write('\n')
