"""Appends TensorFlow's answers for the depthwise convolution gradients (kernel-fixes.json).

tfjs-backend-wasm 4.22 has no DepthwiseConv2dNativeBackpropInput / BackpropFilter, so DepthwiseConv2D,
SeparableConv2D, DepthwiseConv1D and SeparableConv1D did not train on wasm; the cpu kernels run there
instead. Cases in the height-1 layout the 1-D layers use, and a 2-D one. Run with TensorFlow 2.x:
python depthwise-grad-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases

rng = np.random.default_rng(19)


def tensor(shape):
    return rng.standard_normal(shape).astype(np.float32)


def stored(a):
    return {'shape': list(a.shape), 'values': [float(str(v)) for v in np.asarray(a, np.float32).ravel()]}


cases = []
for x_shape, f_shape, strides, padding in [([2, 1, 7, 3], [1, 3, 3, 2], [1, 2, 2, 1], 'SAME'), ([1, 5, 5, 2], [2, 2, 2, 1], [1, 1, 1, 1], 'VALID')]:
    x, f = tensor(x_shape), tensor(f_shape)
    y = tf.nn.depthwise_conv2d(x, f, strides, padding)
    dy = tensor(y.shape)
    args = {'strides': strides[1:3], 'padding': padding.lower()}
    dx = tf.raw_ops.DepthwiseConv2dNativeBackpropInput(input_sizes=x_shape, filter=f, out_backprop=dy, strides=strides, padding=padding)
    cases.append({'kernel': 'DepthwiseConv2dNativeBackpropInput', 'op': 'depthwiseConv2dBackpropInput', 'args': {**args, 'inputShape': x_shape},
                  'inputs': {'dy': stored(dy), 'filter': stored(f)}, 'expected': stored(dx)})
    df = tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(input=x, filter_sizes=f_shape, out_backprop=dy, strides=strides, padding=padding)
    cases.append({'kernel': 'DepthwiseConv2dNativeBackpropFilter', 'op': 'depthwiseConv2dBackpropFilter', 'args': {**args, 'filterShape': f_shape},
                  'inputs': {'x': stored(x), 'dy': stored(dy)}, 'expected': stored(df)})

append_cases(cases, '; depthwise gradient cases: depthwise-grad-pins.py (default_rng(19))')
