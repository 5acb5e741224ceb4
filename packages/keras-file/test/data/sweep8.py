"""Writes sweep8-*.keras.gz / .h5.gz and sweep8.expected.json (session 8, sweep8): small Keras 3 models of the layers and
activations the session 8 sweep found real models use and savedkeras refused: RMSNormalization (one axis, two axes),
AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D (channels_last and channels_first, sizes that divide and that
do not, an output larger than the input), the Keras 3.8+ augmentation layers (identity at inference), the sparsemax and
sparse_sigmoid activations, and a masked Embedding -> Add -> GlobalAveragePooling1D text model. Each model has several
outputs (named here in the expected file) and Keras' outputs on fixed inputs. Model files are kept gzipped.
Run with TensorFlow 2.21 / Keras 3.15:
  /path/to/tf-venv/bin/python sweep8.py [slug ...]   (slugs: rewrite only those models' files and entries)"""
import base64, gzip, json, os, sys
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(8)


def rms_norm():
    keras.utils.set_random_seed(81)
    x = keras.Input((5, 8), name='x')
    a = L.RMSNormalization(epsilon=1e-5, name='rms_last')
    b = L.RMSNormalization(axis=[1, 2], name='rms_two_axes')
    ya, yb = a(x), b(x)
    for l in (a, b):  # scale starts at ones: draw it
        l.scale.assign(rng.uniform(0.5, 1.5, l.scale.shape).astype('float32'))
    return keras.Model(x, [ya, yb]), ['rms_last', 'rms_two_axes']


def reversible_embedding_lm():
    # keras_hub-style tied LM head: ReversibleEmbedding called forward on ids and with reverse=True on the hidden
    # states (tied, soft-capped), plus an untied one with its own reverse_embeddings; RMSNormalization between
    keras.utils.set_random_seed(85)
    ids = keras.Input((6,), dtype='int32', name='ids')
    tied = L.ReversibleEmbedding(30, 8, logit_soft_cap=5.0, name='tied')
    untied = L.ReversibleEmbedding(30, 8, tie_weights=False, name='untied')
    h = L.RMSNormalization(name='norm')(L.Dense(8, activation='silu', name='mlp')(tied(ids)))
    return keras.Model(ids, [tied(h, reverse=True), untied(untied(ids), reverse=True)]), ['tied_logits', 'untied_logits']


def adaptive_pooling():
    img = keras.Input((10, 9, 3), name='img')
    seq = keras.Input((11, 2), name='seq')
    vol = keras.Input((5, 7, 4, 2), name='vol')
    outs = {
        'avg2d_3x2': L.AdaptiveAveragePooling2D((3, 2))(img),
        'max2d_4': L.AdaptiveMaxPooling2D(4)(img),
        'avg2d_channels_first': L.AdaptiveAveragePooling2D((2, 4), data_format='channels_first')(img),
        'avg1d_4': L.AdaptiveAveragePooling1D(4)(seq),
        'max1d_3': L.AdaptiveMaxPooling1D(3)(seq),
        'avg1d_larger_than_input': L.AdaptiveAveragePooling1D(15)(seq),
        'avg3d': L.AdaptiveAveragePooling3D((2, 3, 3))(vol),
        'max3d': L.AdaptiveMaxPooling3D(2)(vol),
    }
    return keras.Model([img, seq, vol], list(outs.values())), list(outs)


def augment_identity():
    # each class Keras 3.15 runs as the identity at inference, in a chain before a Conv2D
    keras.utils.set_random_seed(82)
    x = keras.Input((12, 12, 3), name='image')
    h = x
    for l in [L.RandomGrayscale(), L.RandomHue(0.3), L.RandomSaturation(0.4), L.RandomSharpness(0.3), L.RandomShear(0.2),
              L.RandomColorJitter(brightness_factor=0.2), L.RandomColorDegeneration(0.3), L.RandomGaussianBlur(),
              L.RandomErasing(), L.RandomPerspective(), L.RandomElasticTransform(), L.RandomInvert(),
              L.RandomPosterization((1, 4)), L.Solarization(addition_factor=0.2), L.RandAugment(), L.AugMix()]:
        h = l(h)
    return keras.Model(x, [L.Conv2D(2, 3, name='conv')(h)]), ['conv']


def auto_contrast():
    # deterministic contrast stretch (applies at inference), default 0..255 and a 0..1 value_range
    keras.utils.set_random_seed(87)
    x = keras.Input((5, 6, 3), name='image')
    return keras.Model(x, [L.AutoContrast(name='contrast_255')(x), L.AutoContrast(value_range=(0, 1), name='contrast_unit')(L.Rescaling(1 / 255.0)(x))]), \
        ['contrast_255', 'contrast_unit']


def sparse_activations():
    keras.utils.set_random_seed(83)
    x = keras.Input((6,), name='x')
    h = L.Dense(7, name='logits')(x)
    return keras.Model(x, [L.Activation('sparsemax', name='sparsemax')(h), L.Dense(4, activation='sparse_sigmoid', name='sparse_sigmoid')(h)]), \
        ['sparsemax', 'sparse_sigmoid']


def masked_add_gap1d():
    # a masked Embedding, a residual Add (Keras 3 saves the merged mask as a LogicalOr operation node) and the
    # masked mean of GlobalAveragePooling1D; both the Add layer and the `+` operator
    keras.utils.set_random_seed(84)
    ids = keras.Input((7,), dtype='int32', name='ids')
    h = L.Embedding(20, 8, mask_zero=True, name='embed')(ids)
    a = L.Add(name='residual_add')([h, L.Dense(8, name='proj')(h)])
    b = h + L.Dense(8, activation='relu', name='ffn')(h)
    return keras.Model(ids, [L.GlobalAveragePooling1D(name='pool_add')(a), L.GlobalAveragePooling1D(name='pool_plus')(b)]), \
        ['pool_add', 'pool_plus']


def masked_time_distributed():
    # a sequence tagger: Masking -> LSTM(return_sequences) -> TimeDistributed(Dense); Keras passes the mask to the
    # TimeDistributed, whose Dense takes none
    keras.utils.set_random_seed(86)
    x = keras.Input((6, 3), name='series')
    h = L.LSTM(5, return_sequences=True, name='lstm')(L.Masking(0.0, name='masking')(x))
    return keras.Model(x, [L.TimeDistributed(L.Dense(2), name='tagger')(h)]), ['tagger']


def f32(shape):
    return rng.standard_normal(shape).astype('float32')


def stored(v):
    v = np.asarray(v)
    if v.size == 0 or np.all(np.mod(v, 1) == 0):
        return {'shape': list(v.shape), 'values': [int(x) for x in v.reshape(-1)]}
    return {'shape': list(v.shape), 'f32': base64.b64encode(v.astype('<f4').tobytes()).decode()}  # parseStoredJson


only = set(sys.argv[1:])
out = {'generator': f'TensorFlow 2.21 / Keras {keras.__version__} (sweep8.py)', 'models': {}}
if only:
    with open(os.path.join(HERE, 'sweep8.expected.json')) as fh:
        out['models'] = json.load(fh)['models']
contrast_images = rng.uniform(40, 200, (2, 5, 6, 3)).astype('float32')
contrast_images[1, :, :, 2] = 77  # a constant channel: Keras keeps it as it is
padded_series = f32((2, 6, 3))
padded_series[0, 4:] = 0
padded_series[1, 2] = 0
ids = np.array([[3, 7, 1, 12, 0, 0, 0], [5, 5, 19, 2, 8, 4, 0], [9, 0, 0, 0, 0, 0, 0]], dtype='int32')
# Keras 3.15 cannot write the augmentation chain as .h5 (its h5 writer deep-copies a config holding a module): .keras only.
for slug, make, inputs, formats in [
    ('sweep8-rms-norm', rms_norm, {'x': f32((2, 5, 8))}, ('keras', 'h5')),
    ('sweep8-reversible-embedding-lm', reversible_embedding_lm, {'ids': np.array([[1, 5, 29, 0, 7, 7], [3, 2, 1, 0, 11, 28]], dtype='int32')}, ('keras', 'h5')),
    ('sweep8-masked-time-distributed', masked_time_distributed, {'series': padded_series}, ('keras', 'h5')),
    ('sweep8-adaptive-pooling', adaptive_pooling, {'img': f32((2, 10, 9, 3)), 'seq': f32((2, 11, 2)), 'vol': f32((2, 5, 7, 4, 2))}, ('keras', 'h5')),
    ('sweep8-augment-identity', augment_identity, {'image': rng.uniform(0, 1, (2, 12, 12, 3)).astype('float32')}, ('keras',)),
    ('sweep8-auto-contrast', auto_contrast, {'image': contrast_images}, ('keras', 'h5')),
    ('sweep8-sparse-activations', sparse_activations, {'x': f32((4, 6)) * 2}, ('keras', 'h5')),
    ('sweep8-masked-add-gap1d', masked_add_gap1d, {'ids': ids}, ('keras', 'h5')),
]:
    if only and slug not in only:
        continue
    m, names = make()
    for fmt in formats:
        path = os.path.join(HERE, f'{slug}.{fmt}')
        m.save(path)
        with open(path, 'rb') as fh:
            data = fh.read()
        os.remove(path)
        with open(path + '.gz', 'wb') as fh:
            fh.write(gzip.compress(data, compresslevel=9, mtime=0))
    ys = m([inputs[t.name] for t in m.inputs], training=False)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    out['models'][slug] = {'formats': list(formats), 'inputs': {k: stored(v) for k, v in inputs.items()},
                           'outputs': {name: stored(y) for name, y in zip(names, ys)}}
with open(os.path.join(HERE, 'sweep8.expected.json'), 'w') as fh:
    json.dump(out, fh, indent=None, allow_nan=False)
    fh.write('\n')
