"""Appends TensorFlow's answers for kernels given NaN and infinities (kernel-fixes.json).

tfjs-backend-wasm 4.22's XNNPACK kernels clamp their outputs (NaN becomes -Infinity or 0) and multiply padding in as
zeros (0 * Infinity makes NaN); savedkeras runs such calls on the cpu kernel. Inputs mix random values with NaN, a NaN
whose sign bit is set (stored as "-NaN": what 0 * Infinity makes on x86), +Infinity and -Infinity. No window of only
NaN (TensorFlow's MaxPool answers the lowest float there, tfjs -Infinity). Run with TensorFlow 2.x:
python non-finite-pins.py (idempotent: replaces its own cases).
"""
import numpy as np
import tensorflow as tf
from pins_file import append_cases, stored_signed as stored

rng = np.random.default_rng(37)
NEG_NAN = np.array([0xFFC00000], np.uint32).view(np.float32)[0]
SPECIALS = [np.nan, NEG_NAN, np.inf, -np.inf]


def tensor(shape, specials=()):
    """Random values with the given (flat index, value) pairs set."""
    a = rng.standard_normal(shape).astype(np.float32)
    flat = a.reshape(-1)
    for i, v in specials:
        flat[i] = v
    return a


def salted(shape):
    """The four specials at spread-out places (most outputs stay finite, each special reaches some)."""
    n = int(np.prod(shape))
    return tensor(shape, [(n * (2 * k + 1) // 9, v) for k, v in enumerate(SPECIALS)])


ACT = {'linear': lambda t: t, 'relu': tf.nn.relu, 'relu6': tf.nn.relu6, 'elu': tf.nn.elu, 'sigmoid': tf.sigmoid,
       'leakyrelu': lambda t: tf.nn.leaky_relu(t, 0.2)}
cases = []


def case(kernel, op, args, inputs, out):
    cases.append({'kernel': kernel, 'op': op, 'args': args, 'inputs': {k: stored(v) for k, v in inputs.items()}, 'expected': stored(out)})


# Depthwise convolution: NaN/inf in the image; an infinite weight next to SAME padding (TensorFlow skips padding).
for padding, stride, mult in [('SAME', 1, 1), ('VALID', 2, 1), ('SAME', 1, 2)]:
    x, f = salted([2, 6, 6, 3]), tensor([3, 3, 3, mult])
    case('DepthwiseConv2dNative', 'depthwiseConv2dNonFinite', {'strides': stride, 'padding': padding.lower()}, {'x': x, 'filter': f},
         tf.nn.depthwise_conv2d(x, f, [1, stride, stride, 1], padding))
x, f = tensor([1, 4, 4, 2]), tensor([3, 3, 2, 1], [(0, np.inf), (17, -np.inf)])
case('DepthwiseConv2dNative', 'depthwiseConv2dNonFinite', {'strides': 1, 'padding': 'same'}, {'x': x, 'filter': f},
     tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], 'SAME'))
for act in ACT:
    x, f, b = salted([1, 6, 6, 2]), tensor([3, 3, 2, 1]), tensor([2])
    case('FusedDepthwiseConv2D', 'fusedDepthwiseConv2d', {'strides': 1, 'padding': 'same', 'activation': act, 'alpha': 0.2},
         {'x': x, 'filter': f, 'bias': b}, ACT[act](tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], 'SAME') + b))

# Convolution: one output channel (the -NaN case), an infinite weight next to SAME padding.
x, f = salted([1, 6, 6, 2]), tensor([1, 1, 2, 1])
case('Conv2D', 'conv2dNonFinite', {'strides': 1, 'padding': 'valid'}, {'x': x, 'filter': f}, tf.nn.conv2d(x, f, 1, 'VALID'))
x, f = tensor([1, 4, 4, 2]), tensor([3, 3, 2, 3], [(0, np.inf)])
case('Conv2D', 'conv2dNonFinite', {'strides': 1, 'padding': 'same'}, {'x': x, 'filter': f}, tf.nn.conv2d(x, f, 1, 'SAME'))
for act in ACT:
    x, f, b = salted([1, 6, 6, 2]), tensor([2, 2, 2, 1]), tensor([1])
    case('FusedConv2D', 'fusedConv2d', {'strides': 1, 'padding': 'same', 'activation': act, 'alpha': 0.2},
         {'x': x, 'filter': f, 'bias': b}, ACT[act](tf.nn.conv2d(x, f, 1, 'SAME') + b))
for act in ['linear', 'relu', 'relu6']:
    a, w, b = salted([6, 3]), tensor([3, 5]), tensor([5])
    case('_FusedMatMul', 'fusedMatMul', {'activation': act, 'alpha': 0.2}, {'a': a, 'b': w, 'bias': b}, ACT[act](tf.matmul(a, w) + b))

# Pooling: NaN first, inside and last in windows (never a window of only NaN), infinities, SAME padding.
for ksize, stride, padding in [(2, 2, 'VALID'), (3, 1, 'SAME'), (3, 2, 'SAME')]:
    x = salted([1, 6, 6, 2])
    case('MaxPool', 'maxPoolNonFinite', {'ksize': ksize, 'strides': stride, 'padding': padding.lower()}, {'x': x},
         tf.nn.max_pool2d(x, ksize, stride, padding))
    case('AvgPool', 'avgPoolNonFinite', {'ksize': ksize, 'strides': stride, 'padding': padding.lower()}, {'x': x},
         tf.nn.avg_pool2d(x, ksize, stride, padding))

# Elementwise clamps.
x = np.array([1.5, np.nan, NEG_NAN, np.inf, -np.inf, -2, 0, 7], np.float32)
case('Relu', 'reluNonFinite', {}, {'x': x}, tf.nn.relu(x))
case('Relu6', 'relu6NonFinite', {}, {'x': x}, tf.nn.relu6(x))
case('ClipByValue', 'clipByValue', {'min': -1, 'max': 2}, {'x': x}, tf.clip_by_value(x, -1.0, 2.0))

append_cases(cases, '; NaN/infinity cases: non-finite-pins.py (default_rng(37))')
