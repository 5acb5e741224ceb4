"""Writes layer-fixes.json: Keras 3 layers tfjs-layers lacks or gets wrong — grouped Conv1D/Conv2D (with
the gradients of one loss), LayerNormalization(rms_scaling), CenterCrop of every size relation, RNN of
stacked cells with return_state — run by TensorFlow with the stored weights.
Run: /path/to/tf-venv/bin/python layer-fixes.py"""
import base64, json, os
import numpy as np
import tensorflow as tf
import keras
from keras import layers as L

rng = np.random.default_rng(61)
HERE = os.path.dirname(os.path.abspath(__file__))


def stored(a):
    # float32 values as the base64 of their bytes (@savedkeras/fixtures parseStoredJson reads them)
    a = np.asarray(a, '<f4')
    return {'shape': list(a.shape), 'f32': base64.b64encode(a.tobytes()).decode()}


def randomize(layer):
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in layer.get_weights()])


out = []


def add(name, cls, config, layer, xshape, grads=False):
    x = rng.standard_normal(xshape).astype(np.float32)
    layer(x)
    randomize(layer)
    y = layer(x)
    ys = [np.asarray(t) for t in keras.tree.flatten(y)]
    c = {'name': name, 'className': cls, 'config': config, 'x': stored(x), 'weights': [stored(w) for w in layer.get_weights()]}
    if len(ys) == 1:
        c['y'] = stored(ys[0])
    else:
        c['y'] = stored(ys[0])
        c['ys'] = [stored(v) for v in ys]
    if grads:
        # d/dx and d/dweights of sum(y * r): what one training step of the layer needs.
        r = rng.standard_normal(ys[0].shape).astype(np.float32)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt) * r)
        g = tape.gradient(loss, [xt] + [v.value for v in layer.trainable_variables])
        c['gradient'] = {'r': stored(r), 'x': stored(g[0]), 'weights': [stored(v) for v in g[1:]]}
    out.append(c)


conv = lambda **k: {'activation': 'linear', 'useBias': True, 'dataFormat': 'channelsLast', **k}
add('Conv2D groups 2 same', 'Conv2D', conv(filters=4, kernelSize=[3, 3], strides=[1, 1], padding='same', groups=2),
    L.Conv2D(4, 3, padding='same', groups=2), (2, 5, 5, 4), grads=True)
add('Conv2D groups 4 strides 2 relu', 'Conv2D', conv(filters=8, kernelSize=[3, 3], strides=[2, 2], padding='valid', groups=4, activation='relu'),
    L.Conv2D(8, 3, strides=2, groups=4, activation='relu'), (1, 7, 7, 8))
add('Conv2D groups 3 dilated no bias', 'Conv2D', conv(filters=3, kernelSize=[2, 2], strides=[1, 1], padding='valid', groups=3, dilationRate=[2, 2], useBias=False),
    L.Conv2D(3, 2, dilation_rate=2, groups=3, use_bias=False), (1, 6, 6, 3))
add('Conv1D groups 2', 'Conv1D', conv(filters=6, kernelSize=[3], strides=[1], padding='valid', groups=2),
    L.Conv1D(6, 3, groups=2), (2, 8, 4), grads=True)
add('Conv1D groups 3 causal dilated', 'Conv1D', conv(filters=6, kernelSize=[3], strides=[1], padding='causal', groups=3, dilationRate=[2]),
    L.Conv1D(6, 3, padding='causal', dilation_rate=2, groups=3), (1, 7, 6))
add('Conv1D groups 4 strides 2 same', 'Conv1D', conv(filters=4, kernelSize=[2], strides=[2], padding='same', groups=4),
    L.Conv1D(4, 2, strides=2, padding='same', groups=4), (1, 7, 4))

add('LayerNormalization rms_scaling', 'LayerNormalization', {'axis': -1, 'epsilon': 0.001, 'rmsScaling': True},
    L.LayerNormalization(rms_scaling=True), (3, 6))
add('LayerNormalization rms_scaling axes [1, 3] epsilon 0.1', 'LayerNormalization', {'axis': [1, 3], 'epsilon': 0.1, 'rmsScaling': True},
    L.LayerNormalization(axis=[1, 3], epsilon=0.1, rms_scaling=True), (2, 3, 2, 4))
add('LayerNormalization rms_scaling scale/center false', 'LayerNormalization', {'axis': -1, 'epsilon': 0.001, 'rmsScaling': True, 'scale': False, 'center': False},
    L.LayerNormalization(rms_scaling=True, scale=False, center=False), (2, 5))

for name, (h, w), shape, fmt in [('smaller', (3, 4), (2, 6, 7, 2), 'channels_last'), ('larger: smart_resize', (7, 9), (1, 4, 5, 2), 'channels_last'),
                                 ('taller, narrower: smart_resize', (3, 6), (1, 6, 4, 1), 'channels_last'), ('same size', (4, 5), (1, 4, 5, 3), 'channels_last'),
                                 ('one image (rank 3)', (2, 3), (5, 5, 2), 'channels_last'), ('channels_first', (3, 2), (1, 2, 5, 5), 'channels_first'),
                                 ('channels_first larger', (6, 6), (1, 2, 3, 5), 'channels_first')]:
    add(f'CenterCrop {name}', 'CenterCrop', {'height': h, 'width': w, 'dataFormat': 'channelsFirst' if fmt == 'channels_first' else 'channelsLast'},
        L.CenterCrop(h, w, data_format=fmt), shape)

# Keras' recurrent_activation is sigmoid; tfjs' default is hard_sigmoid (saved configs always name it).
cell = lambda cls, units: {'className': cls, 'config': {'units': units, **({'resetAfter': True} if cls == 'GRUCell' else {}),
                                                         **({} if cls == 'SimpleRNNCell' else {'recurrentActivation': 'sigmoid'})}}
stacked = lambda *cells: {'className': 'StackedRNNCells', 'config': {'cells': list(cells)}}
add('StackedRNNCells LSTM+GRU return_state', 'RNN', {'cell': stacked(cell('LSTMCell', 3), cell('GRUCell', 2)), 'returnState': True},
    L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_state=True), (2, 5, 3))
add('StackedRNNCells GRU+SimpleRNN+LSTM sequences, state, backwards', 'RNN',
    {'cell': stacked(cell('GRUCell', 3), cell('SimpleRNNCell', 2), cell('LSTMCell', 2)), 'returnSequences': True, 'returnState': True, 'goBackwards': True},
    L.RNN([L.GRUCell(3), L.SimpleRNNCell(2), L.LSTMCell(2)], return_sequences=True, return_state=True, go_backwards=True), (2, 4, 2))

with open(os.path.join(HERE, 'layer-fixes.json'), 'w') as fh:
    json.dump({'generator': f'TensorFlow {tf.__version__} / Keras {keras.__version__} (layer-fixes.py)', 'cases': out}, fh, separators=(',', ':'))
    fh.write('\n')
print(len(out), 'cases')
