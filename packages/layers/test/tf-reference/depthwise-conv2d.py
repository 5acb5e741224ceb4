"""Writes depthwise-conv2d.json: Keras 3 DepthwiseConv2D with dilation_rate > 1 (tfjs-layers ignores the
dilation) and bilinear UpSampling2D (tfjs-layers resizes without half-pixel centers) run by TensorFlow with stored weights. Run: /path/to/tf-venv/bin/python depthwise-conv2d.py"""
import json, os
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(41)
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ('dilation 2 valid', dict(kernel_size=3, dilation_rate=2), (2, 9, 9, 2)),
    ('dilation 2 same, bias, relu', dict(kernel_size=3, dilation_rate=2, padding='same', activation='relu'), (2, 8, 7, 3)),
    ('dilation (2, 3) same, depth_multiplier 2, no bias', dict(kernel_size=(3, 2), dilation_rate=(2, 3), padding='same', depth_multiplier=2, use_bias=False), (1, 9, 10, 2)),
    ('UpSampling2D bilinear 2x3', dict(cls='UpSampling2D', size=(2, 3), interpolation='bilinear'), (2, 3, 4, 2)),
]
TS = {'kernel_size': 'kernelSize', 'dilation_rate': 'dilationRate', 'depth_multiplier': 'depthMultiplier', 'use_bias': 'useBias'}
out = []
for name, cfg, shape in CASES:
    cfg = dict(cfg)
    cls = cfg.pop('cls', 'DepthwiseConv2D')
    layer = getattr(keras.layers, cls)(**cfg)
    x = rng.standard_normal(shape).astype(np.float32)
    layer(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    y = np.asarray(layer(x))
    out.append({'name': name, 'className': cls, 'config': {TS.get(k, k): v for k, v in cfg.items()},
                'x': {'shape': list(x.shape), 'values': x.reshape(-1).tolist()},
                'weights': [{'shape': list(w.shape), 'values': w.reshape(-1).tolist()} for w in weights],
                'y': {'shape': list(y.shape), 'values': y.reshape(-1).astype(float).tolist()}})
with open(os.path.join(HERE, 'depthwise-conv2d.json'), 'w') as fh:
    json.dump({'generator': f'TensorFlow {tf.__version__} / Keras {keras.__version__} (depthwise-conv2d.py)', 'cases': out}, fh, separators=(',', ':'))
    fh.write('\n')
