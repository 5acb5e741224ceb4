"""Writes relu.json: Keras 3 ReLU with negative_slope / threshold / max_value (tfjs-layers' ReLU reads
max_value only) run by TensorFlow. Run: /path/to/tf-venv/bin/python relu.py"""
import json, os
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(43)
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ('ReLU negative_slope 0.1', dict(negative_slope=0.1)),
    ('ReLU negative_slope 0.2 threshold 0.5', dict(negative_slope=0.2, threshold=0.5)),
    ('ReLU threshold 1', dict(threshold=1.0)),
    ('ReLU max_value 6 negative_slope 0.1', dict(max_value=6.0, negative_slope=0.1)),
    ('ReLU max_value 2.5 threshold 0.5 negative_slope 0.3', dict(max_value=2.5, threshold=0.5, negative_slope=0.3)),
    ('ReLU max_value 6', dict(max_value=6.0)),
    ('ReLU max_value 1.5 threshold 0.25', dict(max_value=1.5, threshold=0.25)),
]
TS = {'negative_slope': 'negativeSlope', 'max_value': 'maxValue'}
out = []
for name, cfg in CASES:
    layer = keras.layers.ReLU(**cfg)
    x = (rng.standard_normal((3, 17)) * 4).astype(np.float32)
    y = np.asarray(layer(x))
    out.append({'name': name, 'className': 'ReLU', 'config': {TS.get(k, k): v for k, v in cfg.items()},
                'x': {'shape': list(x.shape), 'values': x.reshape(-1).tolist()},
                'weights': [],
                'y': {'shape': list(y.shape), 'values': y.reshape(-1).astype(float).tolist()}})
with open(os.path.join(HERE, 'relu.json'), 'w') as fh:
    json.dump({'generator': f'TensorFlow {tf.__version__} / Keras {keras.__version__} (relu.py)', 'cases': out}, fh, separators=(',', ':'))
    fh.write('\n')
