"""Writes conv-fixes.json: Keras 3 Conv1D with data_format channels_first (tfjs-layers moves the channels last and
never back: the output came out [batch, steps, filters] in the [batch, filters, steps] slots, silently) and
Conv2DTranspose with dilation_rate > 1 (tfjs-layers ignores the dilation: a 7x7 output for Keras' 9x9), run by
TensorFlow with stored weights (found by tools/sweep: conv1d_cf, conv2dT_dil). Run: /path/to/tf-venv/bin/python conv-fixes.py"""
import json, os
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(43)
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ('Conv1D channels_first valid', 'Conv1D', dict(filters=4, kernel_size=3, data_format='channels_first'), (2, 3, 10)),
    ('Conv1D channels_first same, dilation 2, relu', 'Conv1D', dict(filters=3, kernel_size=3, padding='same', dilation_rate=2, activation='relu', data_format='channels_first'), (2, 2, 9)),
    ('Conv1D channels_first causal, stride 2', 'Conv1D', dict(filters=2, kernel_size=2, padding='causal', strides=2, data_format='channels_first'), (1, 3, 8)),
    ('Conv2DTranspose dilation 2 valid', 'Conv2DTranspose', dict(filters=2, kernel_size=3, dilation_rate=2), (2, 5, 5, 3)),
    ('Conv2DTranspose dilation (2, 3) same, no bias', 'Conv2DTranspose', dict(filters=3, kernel_size=(3, 2), dilation_rate=(2, 3), padding='same', use_bias=False), (1, 4, 6, 2)),
]
TS = {'kernel_size': 'kernelSize', 'dilation_rate': 'dilationRate', 'data_format': 'dataFormat', 'use_bias': 'useBias'}
TV = {'channels_first': 'channelsFirst'}
out = []
for name, cls, cfg, shape in CASES:
    layer = getattr(keras.layers, cls)(**cfg)
    x = rng.standard_normal(shape).astype(np.float32)
    layer(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    y = np.asarray(layer(x))
    out.append({'name': name, 'className': cls, 'config': {TS.get(k, k): TV.get(v, v) if isinstance(v, str) else v for k, v in cfg.items()},
                'x': {'shape': list(x.shape), 'values': x.reshape(-1).tolist()},
                'weights': [{'shape': list(w.shape), 'values': w.reshape(-1).tolist()} for w in weights],
                'y': {'shape': list(y.shape), 'values': y.reshape(-1).astype(float).tolist()}})
with open(os.path.join(HERE, 'conv-fixes.json'), 'w') as fh:
    json.dump({'generator': f'TensorFlow {tf.__version__} / Keras {keras.__version__} (conv-fixes.py)', 'cases': out}, fh, separators=(',', ':'))
    fh.write('\n')
