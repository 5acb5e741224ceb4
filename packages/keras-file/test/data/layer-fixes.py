"""Writes layer-fixes-*.keras / .h5 and layer-fixes.expected.json: Keras 3 models with the layers tfjs-layers
lacks or got wrong — grouped Conv1D/Conv2D, CenterCrop (crop and smart_resize), LayerNormalization(rms_scaling),
an RNN of stacked cells with return_state — and Sequential models without an Input (built by calling them on one
sample, and by build()). Run with TF 2.21 / Keras 3.15:  /path/to/tf-venv/bin/python layer-fixes.py
Model files are kept gzipped (<file>.gz), float32 numbers as the base64 of their bytes (`f32`), as new-layers.py does."""
import base64, gzip, json, os
import numpy as np
import keras
from keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)


def functional():
    img = keras.Input((6, 6, 4), name='img')
    y = L.Conv2D(4, 3, padding='same', groups=2, activation='relu')(img)
    crop = L.CenterCrop(4, 5)(y)
    big = L.CenterCrop(7, 9)(img)
    norm = L.LayerNormalization(rms_scaling=True, gamma_initializer='random_normal')(crop)
    seq = keras.Input((7, 6), name='seq')
    s = L.Conv1D(6, 3, padding='causal', groups=3)(seq)
    rnn = L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True, return_state=True)(s)
    return keras.Model([img, seq], [norm, big, *keras.tree.flatten(rnn)])


def seq_called():
    m = keras.Sequential([L.Dense(3, activation='tanh'), L.Dense(2)])
    m(np.zeros((1, 4), 'float32'))
    return m


def seq_built():
    m = keras.Sequential([L.Conv1D(4, 2, groups=2), L.GlobalAveragePooling1D(), L.Dense(2)])
    m.build((None, 5, 4))
    return m


out = {'generator': f'Keras {keras.__version__} (layer-fixes.py)', 'models': {}}
for slug, make, feed in [('layer-fixes-func', functional, {'img': (2, 6, 6, 4), 'seq': (2, 7, 6)}),
                         # built on a batch of 1: Keras still takes any batch size
                         ('layer-fixes-seq-called', seq_called, {None: (3, 4)}),
                         ('layer-fixes-seq-built', seq_built, {None: (2, 5, 4)})]:
    m = make()
    # The two Sequentials are kept in one format each (the repository keeps test files small).
    formats = {'layer-fixes-seq-called': ['.keras'], 'layer-fixes-seq-built': ['.h5']}.get(slug, ['.keras', '.h5'])
    for ext in formats:
        m.save(os.path.join(HERE, slug + ext))
    loaded = keras.saving.load_model(os.path.join(HERE, slug + formats[0]))
    for ext in formats:
        with open(os.path.join(HERE, slug + ext), 'rb') as fh:
            data = fh.read()
        with open(os.path.join(HERE, slug + ext + '.gz'), 'wb') as fh:
            fh.write(gzip.compress(data, compresslevel=9, mtime=0))
        os.remove(os.path.join(HERE, slug + ext))
    names = [l.name for l in loaded.layers if isinstance(l, keras.layers.InputLayer)] or [loaded.layers[0]._inbound_nodes[0].input_tensors[0]._keras_history[0].name]
    if None in feed:
        feed = {names[0]: feed[None]}
    arrays = {k: rng.standard_normal(s).astype('float32') for k, s in feed.items()}
    ys = keras.tree.flatten(m([arrays[k] for k in arrays] if len(arrays) > 1 else list(arrays.values())[0], training=False))
    f32 = lambda a: {'shape': list(np.shape(a)), 'f32': base64.b64encode(np.asarray(a, '<f4').tobytes()).decode()}
    out['models'][slug] = {'inputs': {k: f32(v) for k, v in arrays.items()}, 'outputs': [f32(y) for y in ys]}
with open(os.path.join(HERE, 'layer-fixes.expected.json'), 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
    fh.write('\n')
