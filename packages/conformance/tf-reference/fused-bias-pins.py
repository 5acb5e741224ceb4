"""Appends TensorFlow's answers for the fused kernels whose bias is a reshape view (kernel-fixes.json).

tfjs-backend-wasm 4.22 refuses a 1-D bias whose data was first made 2-D; the tfjs side reshapes the
stored [1, n] bias to [n] before the fused call (see compute() in src/tf-pins.ts). Run with
TensorFlow 2.x: python fused-bias-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(13)


def tensor(shape):
    return rng.standard_normal(shape).astype(np.float32)


def stored(a):
    return {'shape': list(a.shape), 'values': [float(str(v)) for v in np.asarray(a, np.float32).ravel()]}


cases = []
a, b, bias = tensor([2, 3]), tensor([3, 4]), tensor([1, 4])
out = tf.nn.relu(tf.matmul(a, b) + bias.reshape([-1]))
cases.append({'kernel': '_FusedMatMul', 'op': 'fusedMatMulBiasView', 'args': {'activation': 'relu'},
              'inputs': {'a': stored(a), 'b': stored(b), 'bias': stored(bias)}, 'expected': stored(out)})
x, f, bias = tensor([1, 4, 4, 2]), tensor([2, 2, 2, 3]), tensor([1, 3])
out = tf.nn.conv2d(x, f, 1, 'VALID') + bias.reshape([-1])
cases.append({'kernel': 'FusedConv2D', 'op': 'fusedConv2dBiasView', 'args': {'strides': 1, 'padding': 'valid', 'activation': 'linear'},
              'inputs': {'x': stored(x), 'filter': stored(f), 'bias': stored(bias)}, 'expected': stored(out)})
x, f, bias = tensor([1, 4, 4, 2]), tensor([2, 2, 2, 1]), tensor([1, 2])
out = tf.nn.relu(tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], 'SAME') + bias.reshape([-1]))
cases.append({'kernel': 'FusedDepthwiseConv2D', 'op': 'fusedDepthwiseConv2dBiasView', 'args': {'strides': 1, 'padding': 'same', 'activation': 'relu'},
              'inputs': {'x': stored(x), 'filter': stored(f), 'bias': stored(bias)}, 'expected': stored(out)})

append_cases(cases, '; fused-bias view cases: fused-bias-pins.py (default_rng(13))')
