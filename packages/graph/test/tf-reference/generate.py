"""Writes the TensorFlow reference cases of ops-tf-reference.test.ts (one JSON per op family).

Run with TensorFlow 2.x (the files in this folder were made with TF 2.21 CPU):
    python packages/graph/test/tf-reference/generate.py
Each case holds the node's attrs as TensorFlow builds them (all attrs, from the NodeDef), its inputs in
OpDef order, and the outputs TensorFlow computed. Ops TF's CPU build cannot run (NCHW depth/space,
cuDNN RNNs) are computed from the equivalent ops TF does run; the case says how in `via`.
"""
import json, os, sys
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.python.framework import op_def_registry

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)


def enc_tensor(t):
    t = tf.convert_to_tensor(t)
    a = np.asarray(t.numpy())
    dt = t.dtype.name
    if dt == 'string':
        vals = [v.decode('utf-8') for v in a.reshape(-1)]
    elif dt == 'bool':
        vals = [bool(v) for v in a.reshape(-1)]
    elif t.dtype.is_integer:
        vals = [int(v) for v in a.reshape(-1)]
    else:
        # float32 values in their shortest form (Math.fround recovers them); non-finite ones as strings
        vals = [str(v) if not np.isfinite(v) else float(str(np.float32(v))) if a.dtype == np.float32 else float(v) for v in a.reshape(-1)]
    return {'dtype': dt, 'shape': list(a.shape), 'values': vals}


def node_attrs(op, inputs, attrs):
    """All attrs of the node TF builds for this call (type attrs inferred, defaults filled in)."""
    g = tf.Graph()
    with g.as_default():
        fed = {}
        for k, v in inputs.items():
            if isinstance(v, list) and not v:
                fed[k] = []  # an empty list input (SparseCross without sparse columns)
                continue
            fed[k] = [tf.constant(x) for x in v] if isinstance(v, list) and v and not np.isscalar(v[0]) and isinstance(v[0], (np.ndarray, tf.Tensor)) else tf.constant(v)
        getattr(tf.raw_ops, op)(**fed, **attrs)
        node = [n for n in g.as_graph_def().node if n.op == op][0]
    return {k: json_format.MessageToDict(v) for k, v in node.attr.items()}


# OpDef input names that the Python raw_ops wrappers spell differently.
PY_NAMES = {('Select', 't'): 'x', ('Select', 'e'): 'y', ('Split', 'split_dim'): 'axis', ('SplitV', 'split_dim'): 'axis', ('ExpandDims', 'dim'): 'axis', ('Where', 'input'): 'condition', ('Squeeze', 'squeeze_dims'): 'axis'}


def case(op, inputs, attrs=None, name='', via=None, compute=None, tol=0):
    attrs = attrs or {}
    od = op_def_registry.get(op)
    py_inputs = {PY_NAMES.get((op, k), k): v for k, v in inputs.items()}
    flat = []
    for arg in od.input_arg:
        v = inputs[arg.name]
        if arg.number_attr or arg.type_list_attr:
            flat += [enc_tensor(x) for x in v]
        else:
            flat.append(enc_tensor(v))
    out = compute() if compute else getattr(tf.raw_ops, op)(**py_inputs, **attrs)
    if isinstance(out, tf.Operation) or out is None:
        outs = []
    elif isinstance(out, (list, tuple)):
        outs = []
        for o in out:
            if isinstance(o, (list, tuple)):
                outs += [enc_tensor(x) for x in o]
            else:
                outs.append(enc_tensor(o))
    else:
        outs = [enc_tensor(out)]
    c = {'name': name, 'op': op, 'attrs': node_attrs(op, py_inputs, attrs), 'inputs': flat, 'outputs': outs}
    if via:
        c['via'] = via
    if tol:
        c['tolerance'] = tol
    return c


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def write(name, cases):
    path = os.path.join(HERE, f'{name}.json')
    with open(path, 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': cases}, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'{path}: {len(cases)} cases')


def nchw(x):
    return np.transpose(x, [0, 3, 1, 2])


def nhwc(x):
    return np.transpose(x, [0, 2, 3, 1])


def space_depth():
    cases = []
    for op in ['DepthToSpace', 'SpaceToDepth']:
        for (shape, b) in ([[2, 2, 3, 8], 2], [[1, 3, 2, 18], 3], [[1, 1, 1, 4], 2]) if op == 'DepthToSpace' else ([[2, 4, 6, 3], 2], [[1, 6, 3, 2], 3], [[1, 2, 2, 1], 2]):
            x = f32(*shape)
            cases.append(case(op, {'input': x}, {'block_size': b}, name=f'NHWC {shape} block {b}'))
            # TF's CPU build only has NHWC kernels: NCHW is the same op with the layout transposed.
            xc = nchw(x)
            ref = lambda x=x, b=b, op=op: nchw(getattr(tf.raw_ops, op)(input=x, block_size=b).numpy())
            c = {'name': f'NCHW {list(xc.shape)} block {b}', 'op': op, 'via': 'TF NHWC kernel on the transposed input',
                 'attrs': {**node_attrs(op, {'input': x}, {'block_size': b}), 'data_format': {'s': 'TkNIVw=='}},
                 'inputs': [enc_tensor(xc)], 'outputs': [enc_tensor(ref())]}
            cases.append(c)
        s = np.array([f'v{i}' for i in range(16)]).reshape([1, 2, 2, 4]) if op == 'DepthToSpace' else np.array([f'v{i}' for i in range(16)]).reshape([1, 4, 4, 1])
        cases.append(case(op, {'input': s}, {'block_size': 2}, name='strings'))
        cases.append(case(op, {'input': np.arange(16, dtype=np.int32).reshape(s.shape)}, {'block_size': 2}, name='int32'))
    write('space-depth', cases)


def fake_quant():
    cases = []
    x = np.concatenate([np.linspace(-8, 8, 33), rng.uniform(-7, 7, 24), [-100, 100, 0, 1e-7, -1e-7]]).astype(np.float32)
    for (mn, mx) in [(-6.0, 6.0), (0.0, 6.0), (-0.1, 0.3), (-1.2, 7.0), (0.5, 2.0), (-3.0, -1.0), (-0.0001, 0.01)]:
        for nb, nr in [(8, False), (8, True), (4, False), (2, True), (16, False)]:
            cases.append(case('FakeQuantWithMinMaxArgs', {'inputs': x}, {'min': mn, 'max': mx, 'num_bits': nb, 'narrow_range': nr},
                              name=f'args min {mn} max {mx} bits {nb} narrow {nr}'))
            cases.append(case('FakeQuantWithMinMaxVars', {'inputs': x, 'min': np.float32(mn), 'max': np.float32(mx)},
                              {'num_bits': nb, 'narrow_range': nr}, name=f'vars min {mn} max {mx} bits {nb} narrow {nr}'))
    cases.append(case('FakeQuantWithMinMaxVars', {'inputs': x, 'min': np.float32(0), 'max': np.float32(0)}, {}, name='vars min == max == 0'))
    cases.append(case('FakeQuantWithMinMaxVars', {'inputs': x, 'min': np.float32(1), 'max': np.float32(1)}, {}, name='vars min == max == 1'))
    for shape in ([7], [3, 7], [2, 2, 3, 7], [2, 2, 2, 3, 7]):
        xi = f32(*shape, scale=3)
        mn = np.array([-6, 0, -0.1, -1.2, 0.5, -3, 0], np.float32)
        mx = np.array([6, 6, 0.3, 7, 2, -1, 0], np.float32)
        for nb, nr in [(8, False), (8, True), (3, False)]:
            cases.append(case('FakeQuantWithMinMaxVarsPerChannel', {'inputs': xi, 'min': mn, 'max': mx}, {'num_bits': nb, 'narrow_range': nr},
                              name=f'per channel {shape} bits {nb} narrow {nr}'))
    write('fake-quant', cases)


def scatter():
    cases = []
    cases.append(case('SparseToDense', {'sparse_indices': np.array([[0, 1], [1, 3], [2, 0]], np.int64), 'output_shape': np.array([3, 4], np.int64),
                                        'sparse_values': np.array([1.5, -2, 3], np.float32), 'default_value': np.float32(0.25)}, name='2-D indices'))
    cases.append(case('SparseToDense', {'sparse_indices': np.array([0, 2, 4], np.int32), 'output_shape': np.array([6], np.int32),
                                        'sparse_values': np.int32(7), 'default_value': np.int32(-1)}, name='1-D indices, scalar value'))
    cases.append(case('SparseToDense', {'sparse_indices': np.int32(2), 'output_shape': np.array([5], np.int32),
                                        'sparse_values': np.float32(9), 'default_value': np.float32(0)}, name='scalar index'))
    cases.append(case('SparseToDense', {'sparse_indices': np.array([[1, 0, 1], [0, 1, 0]], np.int64), 'output_shape': np.array([2, 2, 2], np.int64),
                                        'sparse_values': np.array(['x', 'y']), 'default_value': 'd'}, {'validate_indices': False}, name='strings, unsorted, no validation'))
    cases.append(case('SparseToDense', {'sparse_indices': np.zeros([0, 2], np.int64), 'output_shape': np.array([2, 3], np.int64),
                                        'sparse_values': np.zeros([0], np.float32), 'default_value': np.float32(4)}, name='no values'))
    cases.append(case('ScatterNd', {'indices': np.array([[4], [3], [1], [7]], np.int32), 'updates': np.array([9, 10, 11, 12], np.float32),
                                    'shape': np.array([8], np.int32)}, name='1-D'))
    cases.append(case('ScatterNd', {'indices': np.array([[0], [2], [0]], np.int64), 'updates': f32(3, 2, 3), 'shape': np.array([4, 2, 3], np.int64)},
                      name='slices, repeated index adds'))
    cases.append(case('ScatterNd', {'indices': np.array([[1, 1], [0, 2]], np.int32), 'updates': np.array(['a', 'b']), 'shape': np.array([2, 3], np.int32)},
                      name='strings'))
    t = f32(4, 3)
    for op in ['TensorScatterUpdate', 'TensorScatterAdd', 'TensorScatterSub', 'TensorScatterMax', 'TensorScatterMin']:
        cases.append(case(op, {'tensor': t, 'indices': np.array([[2], [0]], np.int32), 'updates': f32(2, 3)}, name='rows'))
        cases.append(case(op, {'tensor': t, 'indices': np.array([[1, 2], [3, 0], [1, 2]], np.int64), 'updates': f32(3)}, name='elements'))
    cases.append(case('TensorScatterUpdate', {'tensor': np.array([['a', 'b'], ['c', 'd']]), 'indices': np.array([[1]], np.int32),
                                              'updates': np.array([['x', 'y']])}, name='strings'))
    cases.append(case('TensorScatterAdd', {'tensor': np.arange(6, dtype=np.int32).reshape(2, 3), 'indices': np.array([[0, 1], [0, 1]], np.int32),
                                           'updates': np.array([5, 7], np.int32)}, name='int32 repeated'))
    write('scatter', cases)


def strings():
    cases = []
    words = np.array(['apple', 'b', '', 'día', 'ünï', 'x y', 'z', 'last'])
    m = words.reshape(2, 4)
    cases.append(case('GatherV2', {'params': words, 'indices': np.array([7, 0, 3, 3], np.int32), 'axis': np.int32(0)}, name='1-D'))
    cases.append(case('GatherV2', {'params': m, 'indices': np.array([[3, 1], [0, 0]], np.int64), 'axis': np.int64(1)}, name='axis 1'))
    cases.append(case('GatherV2', {'params': m, 'indices': np.array([[1], [0]], np.int32), 'axis': np.int32(1)}, {'batch_dims': 1}, name='batch_dims 1'))
    cases.append(case('Gather', {'params': words, 'indices': np.array([[1, 2], [6, 5]], np.int32)}, name='Gather v1'))
    cases.append(case('ConcatV2', {'values': [m, m[:1]], 'axis': np.int32(0)}, name='axis 0'))
    cases.append(case('ConcatV2', {'values': [m, m[:, :1]], 'axis': np.int32(-1)}, name='axis -1'))
    cases.append(case('Reshape', {'tensor': m, 'shape': np.array([4, -1], np.int32)}, name='reshape'))
    cases.append(case('Identity', {'input': m}, name='identity'))
    cases.append(case('Select', {'condition': np.array([True, False]), 't': m, 'e': m[::-1]}, name='vector condition'))
    cases.append(case('SelectV2', {'condition': np.array([[True, False, False, True]]), 't': m, 'e': np.array('none')}, name='broadcast'))
    cases.append(case('Tile', {'input': m, 'multiples': np.array([2, 3], np.int32)}, name='tile'))
    cases.append(case('Slice', {'input': m, 'begin': np.array([0, 1], np.int32), 'size': np.array([-1, 2], np.int32)}, name='slice'))
    cases.append(case('StridedSlice', {'input': m, 'begin': np.array([1, 3], np.int32), 'end': np.array([0, 0], np.int32), 'strides': np.array([-1, -2], np.int32)},
                      {'end_mask': 1}, name='negative strides'))
    cases.append(case('StridedSlice', {'input': m, 'begin': np.array([0, 1], np.int32), 'end': np.array([1, 2], np.int32), 'strides': np.array([1, 1], np.int32)},
                      {'shrink_axis_mask': 3}, name='scalar'))
    cases.append(case('Pack', {'values': [words[:3], words[3:6]]}, {'axis': 1}, name='pack axis 1'))
    cases.append(case('Unpack', {'value': m}, {'num': 4, 'axis': 1}, name='unpack axis 1'))
    cases.append(case('ExpandDims', {'input': m, 'dim': np.int32(-1)}, name='expand -1'))
    cases.append(case('Squeeze', {'input': m[:1]}, name='squeeze'))
    cases.append(case('Transpose', {'x': m, 'perm': np.array([1, 0], np.int32)}, name='transpose'))
    cases.append(case('ReverseV2', {'tensor': m, 'axis': np.array([1], np.int32)}, name='reverse'))
    cases.append(case('Split', {'split_dim': np.int32(1), 'value': m}, {'num_split': 2}, name='split'))
    cases.append(case('SplitV', {'value': m, 'size_splits': np.array([1, -1], np.int64), 'split_dim': np.int32(1)}, {'num_split': 2}, name='splitv'))
    cases.append(case('BroadcastTo', {'input': m[:1], 'shape': np.array([3, 4], np.int32)}, name='broadcast_to'))
    cases.append(case('Pad', {'input': m, 'paddings': np.array([[1, 0], [0, 2]], np.int32)}, name='pad'))
    cases.append(case('PadV2', {'input': m, 'paddings': np.array([[0, 1], [1, 0]], np.int32), 'constant_values': np.array('pad')}, name='padv2'))
    cases.append(case('MirrorPad', {'input': m, 'paddings': np.array([[1, 1], [2, 0]], np.int32)}, {'mode': 'REFLECT'}, name='mirror reflect'))
    cases.append(case('ZerosLike', {'x': m}, name='zeros_like'))
    cases.append(case('GatherNd', {'params': m, 'indices': np.array([[1, 2], [0, 0]], np.int32)}, name='gather_nd'))
    cases.append(case('IdentityN', {'input': [m, words]}, name='identity_n'))
    cases.append(case('DynamicStitch', {'indices': [np.array([0, 2], np.int32), np.array([1], np.int32)], 'data': [words[:2], words[5:6]]}, name='dynamic_stitch'))
    cases.append(case('SparseToDense', {'sparse_indices': np.array([[0, 1], [1, 3]], np.int64), 'output_shape': np.array([2, 4], np.int64),
                                        'sparse_values': words[3:5], 'default_value': np.array('-')}, name='sparse_to_dense'))
    cases.append(case('TensorScatterUpdate', {'tensor': m, 'indices': np.array([[1, 1], [0, 3]], np.int32), 'updates': np.array(['u', 'v'])}, name='tensor_scatter_update'))
    cases.append(case('Fill', {'dims': np.array([2, 2], np.int32), 'value': np.array('f')}, name='fill'))
    cases.append(case('Unique', {'x': np.array(['b', 'a', 'b', 'c', 'a'])}, name='unique'))
    # TF Recommenders BruteForce: scores -> TopKV2 -> GatherV2 of the string candidate ids
    scores = np.array([[0.1, 0.9, 0.3, 0.5, -1, 0.7, 0.2, 0.0]], np.float32)
    top = tf.raw_ops.TopKV2(input=scores, k=3)
    cases.append(case('GatherV2', {'params': words, 'indices': top.indices.numpy(), 'axis': np.int32(0)}, name='BruteForce candidate ids from TopKV2 indices'))
    write('strings', cases)


def layers_depth_space():
    """packages/layers: tf.nn.depth_to_space / space_to_depth as a TFOpLambda layer records them."""
    out = []
    x = f32(2, 2, 3, 8)
    y = tf.nn.depth_to_space(x, 2).numpy()
    out.append({'function': 'nn.depth_to_space', 'kwargs': {'block_size': 2}, 'input': enc_tensor(x), 'output': enc_tensor(y)})
    out.append({'function': 'nn.depth_to_space', 'kwargs': {'block_size': 2, 'data_format': 'NCHW'}, 'via': 'TF NHWC kernel on the transposed input',
                'input': enc_tensor(nchw(x)), 'output': enc_tensor(nchw(y))})
    x = f32(1, 6, 3, 2)
    y = tf.nn.space_to_depth(x, 3).numpy()
    out.append({'function': 'nn.space_to_depth', 'kwargs': {'block_size': 3}, 'input': enc_tensor(x), 'output': enc_tensor(y)})
    out.append({'function': 'compat.v1.depth_to_space', 'kwargs': {'block_size': 3}, 'input': enc_tensor(y),
                'output': enc_tensor(tf.compat.v1.depth_to_space(y, 3))})
    path = os.path.join(HERE, '..', '..', '..', 'layers', 'test', 'tf-reference-depth-space.json')
    with open(path, 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': out}, fh, separators=(',', ':'))
        fh.write('\n')
    print(path)


def cudnn_rnn():
    """CudnnRNN/V2/V3: TF's CPU build has no kernel, so the outputs come from Keras' own (non-cuDNN) LSTM, GRU
    (reset_after) and SimpleRNN layers given the same weights, converted from the canonical params."""
    import keras
    G = {'lstm': 4, 'gru': 3, 'rnn_relu': 1, 'rnn_tanh': 1}

    def make_cells(mode, layers, dirs, n_in, units):
        g = G[mode]
        cells = []
        for l in range(layers):
            for d in range(dirs):
                n = n_in if l == 0 else dirs * units
                cells.append({'W': [f32(units, n, scale=0.5) for _ in range(g)], 'R': [f32(units, units, scale=0.5) for _ in range(g)],
                              'bW': [f32(units, scale=0.3) for _ in range(g)], 'bR': [f32(units, scale=0.3) for _ in range(g)]})
        # canonical order: every weight (layer, direction, input gates then recurrent gates), then every bias
        ws = [m.reshape(-1) for c in cells for m in c['W'] + c['R']]
        bs = [b for c in cells for b in c['bW'] + c['bR']]
        return cells, np.concatenate(ws + bs).astype(np.float32)

    def keras_layer(mode, cell, n, units):
        W, R, bW, bR = cell['W'], cell['R'], cell['bW'], cell['bR']
        if mode == 'lstm':  # Keras and cuDNN share the gate order i, f, c, o; Keras has one bias
            layer = keras.layers.LSTM(units, return_sequences=True, return_state=True)
            layer.build((None, None, n))
            layer.set_weights([np.concatenate([w.T for w in W], 1), np.concatenate([r.T for r in R], 1), np.concatenate(bW) + np.concatenate(bR)])
        elif mode == 'gru':  # Keras gate order z, r, h; cuDNN r, z, h; reset_after keeps both biases
            order = [1, 0, 2]
            layer = keras.layers.GRU(units, return_sequences=True, return_state=True, reset_after=True)
            layer.build((None, None, n))
            layer.set_weights([np.concatenate([W[i].T for i in order], 1), np.concatenate([R[i].T for i in order], 1),
                               np.stack([np.concatenate([bW[i] for i in order]), np.concatenate([bR[i] for i in order])])])
        else:
            layer = keras.layers.SimpleRNN(units, activation=mode[4:], return_sequences=True, return_state=True)
            layer.build((None, None, n))
            layer.set_weights([W[0].T, R[0].T, bW[0] + bR[0]])
        return layer

    def reference(mode, layers, dirs, x, h0, c0, cells, lengths):
        T, B, _ = x.shape
        units = h0.shape[2]
        hs, cs = np.zeros_like(h0), np.zeros_like(h0)
        inp = x
        for l in range(layers):
            outs = []
            for d in range(dirs):
                k = l * dirs + d
                layer = keras_layer(mode, cells[k], inp.shape[2], units)
                y = np.zeros((T, B, units), np.float32)
                for b in range(B):
                    L = lengths[b]
                    init = [h0[k, b][None]] + ([c0[k, b][None]] if mode == 'lstm' else [])
                    if L == 0:
                        hs[k, b] = h0[k, b]
                        cs[k, b] = c0[k, b] if mode == 'lstm' else 0
                        continue
                    seq = inp[:L, b]
                    if d == 1:
                        seq = seq[::-1]
                    res = layer(seq[None].copy(), initial_state=init)
                    yb = np.asarray(res[0])[0]
                    y[:L, b] = yb[::-1] if d == 1 else yb
                    hs[k, b] = np.asarray(res[1])[0]
                    if mode == 'lstm':
                        cs[k, b] = np.asarray(res[2])[0]
                outs.append(y)
            inp = np.concatenate(outs, 2)
        return inp, hs, cs

    cases = []
    specs = [
        ('CudnnRNN', 'lstm', 1, 1, True, None),
        ('CudnnRNN', 'gru', 1, 1, True, None),
        ('CudnnRNN', 'rnn_tanh', 1, 1, True, None),
        ('CudnnRNN', 'rnn_relu', 1, 1, True, None),
        ('CudnnRNNV2', 'lstm', 2, 2, True, None),
        ('CudnnRNNV2', 'gru', 1, 2, True, None),
        ('CudnnRNNV3', 'lstm', 1, 1, False, None),
        ('CudnnRNNV3', 'lstm', 1, 1, False, [5, 3, 1]),
        ('CudnnRNNV3', 'gru', 1, 2, True, [4, 5, 2]),
        ('CudnnRNNV3', 'rnn_tanh', 2, 1, False, [2, 5, 0]),
        ('CudnnRNNV3', 'lstm', 2, 2, True, [3, 1, 5]),
    ]
    for op, mode, layers, dirs, time_major, lens in specs:
        T, B, n_in, units = 5, 3, 4, 6
        cells, params = make_cells(mode, layers, dirs, n_in, units)
        x = f32(T, B, n_in)
        h0 = f32(layers * dirs, B, units, scale=0.5)
        c0 = f32(layers * dirs, B, units, scale=0.5) if mode == 'lstm' else np.zeros([0], np.float32)
        lengths = lens or [T] * B
        y, hs, cs = reference(mode, layers, dirs, x, h0, c0, cells, lengths)
        attrs = {'rnn_mode': mode, 'direction': 'bidirectional' if dirs == 2 else 'unidirectional'}
        bm = lambda a: a if time_major or a.ndim != 3 else np.transpose(a, [1, 0, 2])  # batch-major V3: batch first everywhere
        inputs = {'input': bm(x), 'input_h': bm(h0), 'input_c': bm(c0), 'params': params}
        if op == 'CudnnRNNV3':
            attrs['time_major'] = time_major
            inputs['sequence_lengths'] = np.array(lengths, np.int32)
        outs = [bm(y), bm(hs), bm(cs) if mode == 'lstm' else np.zeros([0], np.float32), np.zeros([0], np.float32)]
        if op != 'CudnnRNN':
            outs.append(np.zeros([0], np.int8))
        name = f'{mode} {layers} layer(s) {"bidirectional" if dirs == 2 else "unidirectional"} {"time" if time_major else "batch"}-major' + (f' lengths {lens}' if lens else '')
        cases.append(case(op, inputs, attrs, name=name, via='Keras LSTM/GRU/SimpleRNN (non-cuDNN) with the same weights',
                          compute=lambda outs=outs: [tf.constant(o) for o in outs], tol=2e-5))
    write('cudnn-rnn', cases)


def gradients():
    cases = []
    for s0, s1 in [([2, 3], [3]), ([2, 1, 4], [3, 1]), ([1, 1], [1]), ([5], [5]), ([], [2, 2]), ([4, 1, 1], [1, 1, 6]), ([0, 3], [1, 3])]:
        cases.append(case('BroadcastGradientArgs', {'s0': np.array(s0, np.int32), 's1': np.array(s1, np.int32)}, name=f'{s0} {s1}'))
    x = f32(3, 5, scale=3)
    g = f32(3, 5)
    y_sig, y_tanh, y_pos = 1 / (1 + np.exp(-x)), np.tanh(x), np.abs(x).astype(np.float32) + 0.1
    for op in ['ReluGrad', 'Relu6Grad', 'SoftplusGrad', 'SoftsignGrad']:
        cases.append(case(op, {'gradients': g, 'features': x}, name='mixed signs', tol=1e-6))
    cases.append(case('LeakyReluGrad', {'gradients': g, 'features': x}, {'alpha': 0.3}, name='alpha 0.3', tol=1e-6))
    elu = tf.nn.elu(x).numpy()
    cases.append(case('EluGrad', {'gradients': g, 'outputs': elu}, name='elu outputs', tol=1e-6))
    cases.append(case('SeluGrad', {'gradients': g, 'outputs': tf.nn.selu(x).numpy()}, name='selu outputs', tol=1e-6))
    cases.append(case('SigmoidGrad', {'y': y_sig.astype(np.float32), 'dy': g}, name='sigmoid', tol=1e-6))
    cases.append(case('TanhGrad', {'y': y_tanh.astype(np.float32), 'dy': g}, name='tanh', tol=1e-6))
    for op in ['RsqrtGrad', 'SqrtGrad', 'ReciprocalGrad']:
        cases.append(case(op, {'y': y_pos, 'dy': g}, name='positive y', tol=1e-6))
    cases.append(case('BiasAddGrad', {'out_backprop': f32(2, 3, 4, 5)}, name='NHWC', tol=1e-5))
    cases.append(case('BiasAddGrad', {'out_backprop': f32(2, 3, 4, 5)}, {'data_format': 'NCHW'}, name='NCHW', tol=1e-5))
    cases.append(case('SoftmaxCrossEntropyWithLogits', {'features': x, 'labels': tf.nn.softmax(f32(3, 5)).numpy()}, name='soft labels', tol=1e-5))
    cases.append(case('SoftmaxCrossEntropyWithLogits', {'features': x, 'labels': np.eye(5, dtype=np.float32)[[1]]}, name='labels broadcast', tol=1e-5))
    cases.append(case('SparseSoftmaxCrossEntropyWithLogits', {'features': x, 'labels': np.array([4, 0, 2], np.int64)}, name='int64 labels', tol=1e-5))
    cases.append(case('DynamicStitch', {'indices': [np.array([0, 2], np.int32), np.array([[1, 4], [3, 2]], np.int32)],
                                         'data': [f32(2, 3), f32(2, 2, 3)]}, name='overlapping, later wins'))
    cases.append(case('DynamicStitch', {'indices': [np.array(1, np.int32), np.array([0], np.int32)], 'data': [np.array([7, 8], np.int32), np.array([[1, 2]], np.int32)]},
                      name='scalar index'))
    xi = f32(2, 6, 5, 3)
    for strides, pad in [([1, 1, 1, 1], 'SAME'), ([1, 2, 2, 1], 'VALID')]:
        dy = tf.nn.conv2d(xi, f32(3, 2, 3, 4), strides, pad)
        cases.append(case('Conv2DBackpropFilter', {'input': xi, 'filter_sizes': np.array([3, 2, 3, 4], np.int32), 'out_backprop': f32(*dy.shape)},
                          {'strides': strides, 'padding': pad}, name=f'{pad} strides {strides[1]}', tol=1e-4))
        mp = tf.nn.max_pool2d(xi, 2, strides[1:3], pad)
        cases.append(case('MaxPoolGrad', {'orig_input': xi, 'orig_output': mp, 'grad': f32(*mp.shape)},
                          {'ksize': [1, 2, 2, 1], 'strides': strides, 'padding': pad}, name=f'{pad} strides {strides[1]}', tol=1e-5))
        cases.append(case('AvgPoolGrad', {'orig_input_shape': np.array(xi.shape, np.int32), 'grad': f32(*mp.shape)},
                          {'ksize': [1, 2, 2, 1], 'strides': strides, 'padding': pad}, name=f'{pad} strides {strides[1]}', tol=1e-5))
    for fmt, shape in [('NHWC', (2, 3, 4, 3)), ('NCHW', (2, 3, 4, 3))]:
        for training in ([True, False] if fmt == 'NHWC' else [True]):  # (TF CPU: inference grads NHWC only)
            xb = f32(*shape, scale=2)
            sc, off = f32(3), f32(3)
            fw = tf.raw_ops.FusedBatchNormV3(x=xb, scale=sc, offset=off, mean=f32(3) if not training else [], variance=np.abs(f32(3)) + 0.5 if not training else [],
                                             epsilon=0.001, data_format=fmt, is_training=training)
            r1, r2 = (fw[3].numpy(), fw[4].numpy()) if training else (f32(3), np.abs(f32(3)) + 0.5)
            for op in (['FusedBatchNormGradV3', 'FusedBatchNormGradV2'] if training else ['FusedBatchNormGradV3']):
                ins = {'y_backprop': f32(*shape), 'x': xb, 'scale': sc, 'reserve_space_1': r1, 'reserve_space_2': r2}
                if op == 'FusedBatchNormGradV3':
                    ins['reserve_space_3'] = fw[5].numpy() if training else np.zeros([0], np.float32)
                cases.append(case(op, ins, {'epsilon': 0.001, 'data_format': fmt, 'is_training': training},
                                  name=f'{fmt} {"training" if training else "inference"}', tol=2e-5))
    write('gradients', cases)


def ctc():
    cases = []
    T, B, C = 8, 3, 5
    logits = f32(T, B, C, scale=2)
    labels = [[0, 1, 1, 3], [2], [3, 3, 0]]
    idx = np.array([[b, i] for b, l in enumerate(labels) for i in range(len(l))], np.int64)
    vals = np.array([v for l in labels for v in l], np.int32)
    lens = np.array([8, 5, 7], np.int32)
    for collapse, merge in [(False, True), (True, True), (False, False), (True, False)]:
        cases.append(case('CTCLoss', {'inputs': logits, 'labels_indices': idx, 'labels_values': vals, 'sequence_length': lens},
                          {'preprocess_collapse_repeated': collapse, 'ctc_merge_repeated': merge},
                          name=f'collapse {collapse} merge {merge}', tol=1e-4))
    short = np.array([3, 5, 3], np.int32)  # batch 0: 4 labels in 3 steps; batch 2 fits but needs a blank between its 3s (infinite loss)
    cases.append(case('CTCLoss', {'inputs': logits, 'labels_indices': idx, 'labels_values': vals, 'sequence_length': short},
                      {'ignore_longer_outputs_than_inputs': True}, name='labels longer than the input, ignored', tol=1e-4))
    peaked = np.where(np.arange(C)[None, None, :] == rng.integers(0, C, (T, B, 1)), 4.0, 0.0).astype(np.float32) + f32(T, B, C, scale=0.1)
    for merge in [False, True]:
        for blank in [-1, 0, 2]:
            cases.append(case('CTCGreedyDecoder', {'inputs': peaked, 'sequence_length': lens}, {'merge_repeated': merge, 'blank_index': blank},
                              name=f'merge {merge} blank {blank}', tol=1e-6))
    beams = f32(10, 4, 6, scale=1.5)
    for width, top, merge in [(1, 1, True), (3, 2, True), (5, 3, False), (10, 4, True), (25, 5, False)]:
        # (a sequence of length 0 leaves only the empty beam: TF refuses top_paths > 1 for it)
        blens = np.array([10, 7, 2, 0 if top == 1 else 3], np.int32)
        cases.append(case('CTCBeamSearchDecoder', {'inputs': beams, 'sequence_length': blens}, {'beam_width': width, 'top_paths': top, 'merge_repeated': merge},
                          name=f'beam {width} top {top} merge {merge}', tol=1e-4))
    write('ctc', cases)


def segment_scatter():
    cases = []
    data = f32(5, 3)
    cases.append(case('UnsortedSegmentSum', {'data': data, 'segment_ids': np.array([0, 2, 0, -1, 3], np.int32), 'num_segments': np.int32(4)},
                      name='rows, a dropped -1, an empty segment', tol=1e-6))
    cases.append(case('UnsortedSegmentSum', {'data': np.arange(12, dtype=np.int32).reshape(2, 3, 2), 'segment_ids': np.array([[1, 1, 0], [0, 2, 1]], np.int64),
                                             'num_segments': np.int64(3)}, name='2-D ids, int32 data'))
    write('segment', cases)
    # ResourceScatter*: the variable before and after, as TF leaves it
    scat = []
    for op in ['ResourceScatterAdd', 'ResourceScatterSub', 'ResourceScatterMul', 'ResourceScatterDiv', 'ResourceScatterMin',
               'ResourceScatterMax', 'ResourceScatterUpdate']:
        for name, idx, upd in [('rows', np.array([3, 0, 3], np.int32), f32(3, 2)), ('scalar update', np.array([[1], [2]], np.int64), np.float32(1.5))]:
            init = f32(4, 2) + 2.0
            v = tf.Variable(init)
            getattr(tf.raw_ops, op)(resource=v.handle, indices=idx, updates=upd)
            scat.append({'name': name, 'op': op, 'variable': enc_tensor(init), 'indices': enc_tensor(idx), 'updates': enc_tensor(upd), 'after': enc_tensor(v)})
    path = os.path.join(HERE, '..', 'resource-scatter.json')
    with open(path, 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': scat}, fh, separators=(',', ':'))
        fh.write('\n')
    print(path)



# ---- session 3 families: each draws from its own generator, so regenerating one leaves the others alone ----

def _rand(seed):
    r = np.random.default_rng(seed)
    return lambda *shape, scale=1.0: (r.standard_normal(shape) * scale).astype(np.float32)


def cudnn_definition(mode, layers, dirs, x, h0, c0, params, units, proj=0, skip=False, lengths=None):
    """cuDNN's documented recurrences in TF ops, reading `params` in the canonical order (every weight matrix
    layer by layer, direction by direction, input gates then recurrent gates [then the LSTM projection], then
    every bias in the same order). Time-major. Differentiable, so TF's autodiff gives the Backprop references.
    skip_input: the first layer has no input matrices; its gates receive x itself. num_proj: h = P (o * tanh c)."""
    g = {'lstm': 4, 'gru': 3, 'rnn_relu': 1, 'rnn_tanh': 1}[mode]
    T, B, n_in = x.shape
    hs = proj or units
    flat = tf.reshape(params, [-1])
    off = 0

    def take(n, shape):
        nonlocal off
        t = tf.reshape(flat[off:off + n], shape)
        off += n
        return t

    cells = []
    for l in range(layers):
        for d in range(dirs):
            n = n_in if l == 0 else dirs * hs
            W = None if (skip and l == 0) else [take(units * n, [units, n]) for _ in range(g)]
            R = [take(units * hs, [units, hs]) for _ in range(g)]
            P = take(proj * units, [proj, units]) if proj else None
            cells.append({'W': W, 'R': R, 'P': P})
    for c in cells:
        c['bW'] = [take(units, [units]) for _ in range(g)]
        c['bR'] = [take(units, [units]) for _ in range(g)]
    assert off == int(flat.shape[0]), (off, flat.shape)
    lengths = [T] * B if lengths is None else list(lengths)
    inp = x
    out_h, out_c = [], []
    for l in range(layers):
        ys = []
        for d in range(dirs):
            k = l * dirs + d
            c = cells[k]
            h = h0[k]
            cc = c0[k] if mode == 'lstm' else None
            y = [None] * T
            steps = range(T - 1, -1, -1) if d == 1 else range(T)
            for t in steps:
                xt = inp[t]
                xw = [xt + c['bW'][i] if c['W'] is None else tf.matmul(xt, c['W'][i], transpose_b=True) + c['bW'][i] for i in range(g)]
                hr = [tf.matmul(h, c['R'][i], transpose_b=True) + c['bR'][i] for i in range(g)]
                if mode == 'lstm':
                    ig, fg, gg, og = tf.sigmoid(xw[0] + hr[0]), tf.sigmoid(xw[1] + hr[1]), tf.tanh(xw[2] + hr[2]), tf.sigmoid(xw[3] + hr[3])
                    cn = fg * cc + ig * gg
                    hn = og * tf.tanh(cn)
                    if c['P'] is not None:
                        hn = tf.matmul(hn, c['P'], transpose_b=True)
                elif mode == 'gru':
                    rg, zg = tf.sigmoid(xw[0] + hr[0]), tf.sigmoid(xw[1] + hr[1])
                    nn = tf.tanh(xw[2] + rg * hr[2])
                    hn = (1 - zg) * nn + zg * h
                else:
                    hn = (tf.nn.relu if mode == 'rnn_relu' else tf.tanh)(xw[0] + hr[0])
                valid = tf.constant([[1.0 if t < L else 0.0] for L in lengths], tf.float32)
                h = valid * hn + (1 - valid) * h
                if mode == 'lstm':
                    cc = valid * cn + (1 - valid) * cc
                y[t] = valid * hn
            ys.append(tf.stack(y, 0))
            out_h.append(h)
            out_c.append(cc if mode == 'lstm' else tf.zeros_like(h))
        inp = tf.concat(ys, 2) if dirs == 2 else ys[0]
    return inp, tf.stack(out_h, 0), tf.stack(out_c, 0)


def cudnn_more():
    """CudnnRNN input_mode=skip_input, CudnnRNNV3 num_proj, CudnnRNNBackprop/V2/V3. TF's CPU build runs none
    of them: `cudnn_definition` (cuDNN's equations in TF ops) is first checked against Keras' own CPU layers
    (linear input; skip_input = identity input kernels; a projection P = I equals the plain LSTM), then gives
    the outputs, and TF's autodiff through it gives the backprop references."""
    import keras
    f = _rand(3011)
    G = {'lstm': 4, 'gru': 3, 'rnn_relu': 1, 'rnn_tanh': 1}

    def canon(mode, layers, dirs, n_in, units, proj=0, skip=False):
        g = G[mode]
        hs = proj or units
        ws, bs = [], []
        for l in range(layers):
            for d in range(dirs):
                n = n_in if l == 0 else dirs * hs
                if not (skip and l == 0):
                    ws += [f(units, n, scale=0.5).reshape(-1) for _ in range(g)]
                ws += [f(units, hs, scale=0.5).reshape(-1) for _ in range(g)]
                if proj:
                    ws.append(f(proj, units, scale=0.5).reshape(-1))
                bs += [f(units, scale=0.3) for _ in range(2 * g)]
        return np.concatenate(ws + bs).astype(np.float32)

    def keras_single(mode, params, n, units, x, h0, c0, identity_input=False):
        """One unidirectional layer by Keras' CPU layer, weights from the canonical single-layer params."""
        g = G[mode]
        p, o = params, 0
        W = []
        if not identity_input:
            for _ in range(g):
                W.append(p[o:o + units * n].reshape(units, n)); o += units * n
        else:
            W = [np.eye(units, dtype=np.float32)] * g
        R = []
        for _ in range(g):
            R.append(p[o:o + units * units].reshape(units, units)); o += units * units
        bW = [p[o + i * units:o + (i + 1) * units] for i in range(g)]; o += g * units
        bR = [p[o + i * units:o + (i + 1) * units] for i in range(g)]
        if mode == 'lstm':
            layer = keras.layers.LSTM(units, return_sequences=True, return_state=True)
            layer.build((None, None, n))
            layer.set_weights([np.concatenate([w.T for w in W], 1), np.concatenate([r.T for r in R], 1), np.concatenate(bW) + np.concatenate(bR)])
            init = [h0[0], c0[0]]
        elif mode == 'gru':
            order = [1, 0, 2]
            layer = keras.layers.GRU(units, return_sequences=True, return_state=True, reset_after=True)
            layer.build((None, None, n))
            layer.set_weights([np.concatenate([W[i].T for i in order], 1), np.concatenate([R[i].T for i in order], 1),
                               np.stack([np.concatenate([bW[i] for i in order]), np.concatenate([bR[i] for i in order])])])
            init = [h0[0]]
        else:
            layer = keras.layers.SimpleRNN(units, activation=mode[4:], return_sequences=True, return_state=True)
            layer.build((None, None, n))
            layer.set_weights([W[0].T, R[0].T, bW[0] + bR[0]])
            init = [h0[0]]
        res = layer(np.transpose(x, [1, 0, 2]).copy(), initial_state=init)
        return np.transpose(np.asarray(res[0]), [1, 0, 2]), np.asarray(res[1])

    T, B = 5, 3
    # 1. the definition agrees with Keras' CPU layers (linear input, skip_input as identity kernels)
    for mode in ['lstm', 'gru', 'rnn_tanh', 'rnn_relu']:
        for skip in [False, True]:
            units = 4
            n = units if skip else 3
            params = canon(mode, 1, 1, n, units, skip=skip)
            x = f(T, B, n)
            h0 = f(1, B, units, scale=0.5)
            c0 = f(1, B, units, scale=0.5)
            y, h, _ = cudnn_definition(mode, 1, 1, x, h0, c0, params, units, skip=skip)
            ky, kh = keras_single(mode, params, n, units, x, h0, c0, identity_input=skip)
            assert np.allclose(y.numpy(), ky, atol=2e-5) and np.allclose(h.numpy()[0], kh, atol=2e-5), (mode, skip)
    # a projection P = I is the plain LSTM
    units = 4
    plain = canon('lstm', 1, 1, 3, units)
    nW = 4 * units * 3 + 4 * units * units
    with_p = np.concatenate([plain[:nW], np.eye(units, dtype=np.float32).reshape(-1), plain[nW:]])
    x, h0, c0 = f(T, B, 3), f(1, B, units, scale=0.5), f(1, B, units, scale=0.5)
    a = cudnn_definition('lstm', 1, 1, x, h0, c0, plain, units)
    b = cudnn_definition('lstm', 1, 1, x, h0, c0, with_p, units, proj=units)
    assert all(np.allclose(p.numpy(), q.numpy(), atol=1e-6) for p, q in zip(a, b))

    cases = []
    via = 'cuDNN equations in TF ops (checked against Keras CPU LSTM/GRU/SimpleRNN), canonical params'
    # 2. forward: skip_input and num_proj
    fwd = [
        ('CudnnRNN', 'lstm', 1, 1, dict(skip=True), True, None),
        ('CudnnRNNV2', 'gru', 2, 2, dict(skip=True), True, None),
        ('CudnnRNNV3', 'rnn_tanh', 1, 2, dict(skip=True), False, [5, 2, 4]),
        ('CudnnRNNV3', 'lstm', 1, 1, dict(proj=2), True, None),
        ('CudnnRNNV3', 'lstm', 2, 2, dict(proj=3), False, [4, 5, 1]),
    ]
    for op, mode, layers, dirs, opt, time_major, lens in fwd:
        units = 4
        proj = opt.get('proj', 0)
        skip = opt.get('skip', False)
        n_in = units if skip else 3
        params = canon(mode, layers, dirs, n_in, units, proj=proj, skip=skip)
        x = f(T, B, n_in)
        h0 = f(layers * dirs, B, proj or units, scale=0.5)
        c0 = f(layers * dirs, B, units, scale=0.5) if mode == 'lstm' else np.zeros([0], np.float32)
        y, hN, cN = cudnn_definition(mode, layers, dirs, x, h0, c0 if mode == 'lstm' else None, params, units, proj=proj, skip=skip, lengths=lens)
        attrs = {'rnn_mode': mode, 'direction': 'bidirectional' if dirs == 2 else 'unidirectional'}
        if skip:
            attrs['input_mode'] = 'skip_input'
        bm = lambda a: a if time_major or a.ndim != 3 else np.transpose(a, [1, 0, 2])
        inputs = {'input': bm(x), 'input_h': bm(h0), 'input_c': bm(c0), 'params': params}
        if op == 'CudnnRNNV3':
            attrs['time_major'] = time_major
            attrs['num_proj'] = proj
            inputs['sequence_lengths'] = np.array(lens or [T] * B, np.int32)
        outs = [bm(y.numpy()), bm(hN.numpy()), bm(cN.numpy()) if mode == 'lstm' else np.zeros([0], np.float32), np.zeros([0], np.float32)]
        if op != 'CudnnRNN':
            outs.append(np.zeros([0], np.int8))
        name = f'{mode} {layers} layer(s) {"bidirectional" if dirs == 2 else "unidirectional"} ' + ('skip_input' if skip else f'num_proj {proj}') + (f' lengths {lens}' if lens else '')
        cases.append(case(op, inputs, attrs, name=name, via=via, compute=lambda outs=outs: [tf.constant(o) for o in outs], tol=2e-5))

    # 3. backprop: gradients of sum(y*dy) + sum(h*dh) + sum(c*dc) with respect to input, input_h, input_c, params
    bwd = [
        ('CudnnRNNBackprop', 'lstm', 1, 1, {}, True, None),
        ('CudnnRNNBackprop', 'gru', 1, 1, {}, True, None),
        ('CudnnRNNBackpropV2', 'lstm', 2, 2, {}, True, None),
        ('CudnnRNNBackpropV2', 'rnn_relu', 1, 2, {}, True, None),
        ('CudnnRNNBackpropV3', 'lstm', 1, 1, {}, False, [5, 3, 1]),
        ('CudnnRNNBackpropV3', 'gru', 2, 1, {}, True, [2, 5, 4]),
        ('CudnnRNNBackpropV3', 'lstm', 1, 2, dict(proj=2), False, None),
        ('CudnnRNNBackpropV3', 'rnn_tanh', 1, 1, dict(skip=True), True, None),
    ]
    for op, mode, layers, dirs, opt, time_major, lens in bwd:
        units = 4
        proj = opt.get('proj', 0)
        skip = opt.get('skip', False)
        n_in = units if skip else 3
        params = tf.constant(canon(mode, layers, dirs, n_in, units, proj=proj, skip=skip))
        x = tf.constant(f(T, B, n_in))
        h0 = tf.constant(f(layers * dirs, B, proj or units, scale=0.5))
        c0 = tf.constant(f(layers * dirs, B, units, scale=0.5)) if mode == 'lstm' else tf.zeros([0])
        with tf.GradientTape() as tape:
            tape.watch([x, h0, c0, params])
            y, hN, cN = cudnn_definition(mode, layers, dirs, x, h0, c0 if mode == 'lstm' else None, params, units, proj=proj, skip=skip, lengths=lens)
            dy = tf.constant(f(*y.shape))
            dh = tf.constant(f(*hN.shape))
            dc = tf.constant(f(*cN.shape)) if mode == 'lstm' else tf.zeros([0])
            loss = tf.reduce_sum(y * dy) + tf.reduce_sum(hN * dh) + (tf.reduce_sum(cN * dc) if mode == 'lstm' else 0.0)
        gx, gh, gc, gp = tape.gradient(loss, [x, h0, c0, params])
        gc = gc if gc is not None else tf.zeros_like(c0)
        attrs = {'rnn_mode': mode, 'direction': 'bidirectional' if dirs == 2 else 'unidirectional'}
        if skip:
            attrs['input_mode'] = 'skip_input'
        bm = lambda a: (a if time_major or len(a.shape) != 3 else np.transpose(np.asarray(a), [1, 0, 2]))
        cz = (lambda a: a) if mode == 'lstm' else (lambda a: np.zeros([0], np.float32))
        inputs = {'input': bm(x.numpy()), 'input_h': bm(h0.numpy()), 'input_c': bm(c0.numpy()), 'params': params.numpy(),
                  'output': bm(y.numpy()), 'output_h': bm(hN.numpy()), 'output_c': cz(bm(cN.numpy())),
                  'output_backprop': bm(dy.numpy()), 'output_h_backprop': bm(dh.numpy()), 'output_c_backprop': bm(dc.numpy()) if mode == 'lstm' else np.zeros([0], np.float32),
                  'reserve_space': np.zeros([0], np.float32)}
        if op != 'CudnnRNNBackprop':
            inputs['host_reserved'] = np.zeros([0], np.int8)
        if op == 'CudnnRNNBackpropV3':
            attrs['time_major'] = time_major
            attrs['num_proj'] = proj
            inputs['sequence_lengths'] = np.array(lens or [T] * B, np.int32)
        outs = [bm(gx.numpy()), bm(gh.numpy()), bm(gc.numpy()), gp.numpy()]
        name = f'{mode} {layers} layer(s) {"bidirectional" if dirs == 2 else "unidirectional"} {"time" if time_major else "batch"}-major' + (' skip_input' if skip else '') + (f' num_proj {proj}' if proj else '') + (f' lengths {lens}' if lens else '')
        cases.append(case(op, inputs, attrs, name=name, via='TF autodiff through ' + via, compute=lambda outs=outs: [tf.constant(o) for o in outs], tol=1e-4))
    write('cudnn-rnn-more', cases)


def ctc_v2():
    """CTCLossV2 (GPU-only in TF, cuDNN's CTC: blank is class 0, labels 1..C-1) = CTCLoss (blank last) on logits whose
    class 0 is moved to the end and labels shifted down by one; the gradient is moved back."""
    f = _rand(3012)
    T, B, C = 7, 3, 5
    logits = f(T, B, C, scale=2)
    labels = [[1, 2, 2, 4], [3], [4, 4, 1]]
    idx = np.array([[b, i] for b, l in enumerate(labels) for i in range(len(l))], np.int64)
    vals = np.array([v for l in labels for v in l], np.int32)
    cases = []
    # TF's GPU kernel (ctc_loss_op.cc CTCLossOpGPU) accepts only the default options: collapse false, merge true,
    # ignore_longer false; the kernel refuses the others, as TF does (ops-new-errors.test.ts)
    for lens, collapse, merge, ignore in [([7, 5, 6], False, True, False), ([7, 7, 4], False, True, False), ([5, 1, 7], False, True, False)]:
        lens = np.array(lens, np.int32)

        def compute(lens=lens, collapse=collapse, merge=merge, ignore=ignore):
            rolled = np.concatenate([logits[:, :, 1:], logits[:, :, :1]], 2)
            loss, grad = tf.raw_ops.CTCLoss(inputs=rolled, labels_indices=idx, labels_values=vals - 1, sequence_length=lens,
                                            preprocess_collapse_repeated=collapse, ctc_merge_repeated=merge,
                                            ignore_longer_outputs_than_inputs=ignore)
            g = grad.numpy()
            return [loss, tf.constant(np.concatenate([g[:, :, -1:], g[:, :, :-1]], 2))]
        cases.append(case('CTCLossV2', {'inputs': logits, 'labels_indices': idx, 'labels_values': vals, 'sequence_length': lens},
                          {'preprocess_collapse_repeated': collapse, 'ctc_merge_repeated': merge, 'ignore_longer_outputs_than_inputs': ignore},
                          name=f'collapse {collapse} merge {merge} ignore_longer {ignore}', via='CTCLoss with the blank moved from class 0 to the last class',
                          compute=compute, tol=1e-4))
    write('ctc-v2', cases)


def sparse_apply():
    """ResourceSparseApply*: the variables before, the op's inputs, and the variables as TF's CPU kernels leave
    them (test/sparse-apply.json). Indices repeat a row, which TF applies twice, one after the other."""
    f = _rand(3013)
    specs = {
        'ResourceSparseApplyMomentum': (['var', 'accum'], {'lr': 0.1, 'momentum': 0.9}, [{}, {'use_nesterov': True}]),
        'ResourceSparseApplyKerasMomentum': (['var', 'accum'], {'lr': 0.1, 'momentum': 0.9}, [{}, {'use_nesterov': True}]),
        'ResourceSparseApplyRMSProp': (['var', 'ms', 'mom'], {'lr': 0.01, 'rho': 0.9, 'momentum': 0.5, 'epsilon': 1e-3}, [{}]),
        'ResourceSparseApplyCenteredRMSProp': (['var', 'mg', 'ms', 'mom'], {'lr': 0.01, 'rho': 0.9, 'momentum': 0.5, 'epsilon': 1e-3}, [{}]),
        'ResourceSparseApplyAdagrad': (['var', 'accum'], {'lr': 0.1}, [{}, {'update_slots': False}]),
        'ResourceSparseApplyAdagradV2': (['var', 'accum'], {'lr': 0.1, 'epsilon': 1e-3}, [{}, {'update_slots': False}]),
        'ResourceSparseApplyAdadelta': (['var', 'accum', 'accum_update'], {'lr': 1.0, 'rho': 0.95, 'epsilon': 1e-3}, [{}]),
    }
    from tensorflow.python.framework import op_def_registry as reg
    cases = []
    for op, (slots, scalars, variants) in specs.items():
        for extra in variants:
            for name, idx in [('rows, one repeated', np.array([3, 0, 3, 1], np.int32)), ('int64 indices', np.array([2, 4], np.int64))]:
                shape = (5, 3)
                before = [f(*shape) * (0.1 if s == 'mg' else 1.0) + (0 if k == 0 or s in ('mg', 'mom') else 2.0) for k, s in enumerate(slots)]
                before = [np.abs(b) if s in ('accum', 'ms', 'accum_update') else b for b, s in zip(before, slots)]
                vs = [tf.Variable(b) for b in before]
                grad = f(len(idx), shape[1])
                kw = {s: v.handle for s, v in zip(slots, vs)}
                kw.update({k: np.float32(v) for k, v in scalars.items()})
                kw.update({'grad': grad, 'indices': idx})
                getattr(tf.raw_ops, op)(**kw, **extra)
                order = [a.name for a in reg.get(op).input_arg]
                enc = []
                for a in order:
                    if a in slots:
                        enc.append({'resource': a, **enc_tensor(before[slots.index(a)])})
                    else:
                        enc.append(enc_tensor(kw[a]))
                cases.append({'name': name + ''.join(f', {k} {v}' for k, v in extra.items()), 'op': op,
                              'attrs': {k: v for k, v in extra.items()}, 'inputs': enc, 'after': [enc_tensor(v) for v in vs]})
    path = os.path.join(HERE, '..', 'sparse-apply.json')
    with open(path, 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': cases}, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'{path}: {len(cases)} cases')


def cudnn_canonical():
    """CudnnRNNParamsSize / ParamsToCanonical(V2) / CanonicalToParams(V2) (GPU-only in TF): the canonical lists
    with TF's shapes (cudnn_rnn_ops.cc: weights [num_units, input width], projections [num_proj, num_units],
    biases [num_units]) and the params buffer that concatenates them, weights first. The params of a
    linear-input case here run through CudnnRNN in cudnn-rnn-more.json / cudnn-rnn.json against Keras."""
    f = _rand(3014)
    G = {'lstm': 4, 'gru': 3, 'rnn_relu': 1, 'rnn_tanh': 1}
    cases = []
    for v2, mode, layers, dirs, n_in, units, proj in [(False, 'lstm', 2, 2, 3, 4, 0), (False, 'gru', 1, 1, 5, 3, 0), (False, 'rnn_relu', 2, 1, 2, 3, 0),
                                                       (True, 'lstm', 2, 1, 3, 4, 2), (True, 'gru', 1, 2, 3, 2, 0)]:
        g = G[mode]
        hs = proj or units
        ws, bs = [], []
        for l in range(layers):
            for d in range(dirs):
                n = n_in if l == 0 else dirs * hs
                ws += [f(units, n) for _ in range(g)] + [f(units, hs) for _ in range(g)] + ([f(proj, units)] if proj else [])
                bs += [f(units) for _ in range(2 * g)]
        params = np.concatenate([w.reshape(-1) for w in ws] + bs).astype(np.float32)
        sizes = {'num_layers': np.int32(layers), 'num_units': np.int32(units), 'input_size': np.int32(n_in)}
        attrs = {'rnn_mode': mode, 'direction': 'bidirectional' if dirs == 2 else 'unidirectional'}
        cattrs = dict(attrs)
        if v2:
            cattrs.update(num_params_weights=len(ws), num_params_biases=len(bs), num_proj=proj)
        else:
            cattrs.update(num_params=len(ws))
        name = f'{mode} {layers} layer(s) {"bidirectional" if dirs == 2 else "unidirectional"}' + (f' num_proj {proj}' if proj else '')
        via = 'the canonical definition (TF has GPU kernels only)'
        sattrs = dict(attrs, S=tf.int32, T=tf.float32, num_proj=proj)
        cases.append(case('CudnnRNNParamsSize', sizes, sattrs, name=name, via=via, compute=lambda p=params: [tf.constant([p.size], tf.int32)]))
        op = 'CudnnRNNParamsToCanonicalV2' if v2 else 'CudnnRNNParamsToCanonical'
        cases.append(case(op, dict(sizes, params=params), cattrs, name=name, via=via, compute=lambda ws=ws, bs=bs: [[tf.constant(w) for w in ws], [tf.constant(b) for b in bs]]))
        op = 'CudnnRNNCanonicalToParamsV2' if v2 else 'CudnnRNNCanonicalToParams'
        tattrs = dict(attrs, num_proj=proj) if v2 else dict(attrs)  # the list lengths give num_params*
        cases.append(case(op, dict(sizes, weights=ws, biases=bs), tattrs, name=name, via=via, compute=lambda p=params: [tf.constant(p)]))
    write('cudnn-canonical', cases)


# ---- session 4 (sweep): ops found missing by running TF-written models; own generator ----

def linalg_diag():
    f = _rand(404)
    cases = []
    x, sq = f(2, 3, 5), f(2, 4, 4)
    for align in ['RIGHT_LEFT', 'LEFT_RIGHT', 'LEFT_LEFT', 'RIGHT_RIGHT']:
        cases.append(case('MatrixDiagPartV3', {'input': x, 'k': np.array([-1, 2], np.int32), 'padding_value': np.float32(9)}, {'align': align}, name=f'band -1..2 {align}'))
        cases.append(case('MatrixDiagV3', {'diagonal': f(2, 3, 4), 'k': np.array([-1, 1], np.int32), 'num_rows': np.int32(-1), 'num_cols': np.int32(-1),
                                           'padding_value': np.float32(0.5)}, {'align': align}, name=f'band -1..1 {align}'))
        cases.append(case('MatrixSetDiagV3', {'input': x, 'diagonal': f(2, 2, 3), 'k': np.array([0, 1], np.int32)}, {'align': align}, name=f'band 0..1 {align}'))
    cases.append(case('MatrixDiagPartV3', {'input': sq, 'k': np.int32(0), 'padding_value': np.float32(0)}, name='main diagonal (tf.linalg.diag_part)'))
    cases.append(case('MatrixDiagPartV3', {'input': x, 'k': np.int32(1), 'padding_value': np.float32(0)}, name='one superdiagonal of a wide matrix'))
    cases.append(case('MatrixDiagPartV3', {'input': np.transpose(x, [0, 2, 1]).copy(), 'k': np.int32(-2), 'padding_value': np.float32(0)}, name='one subdiagonal of a tall matrix'))
    cases.append(case('MatrixDiagPartV3', {'input': np.arange(24, dtype=np.int32).reshape(2, 3, 4), 'k': np.int32(0), 'padding_value': np.int32(0)}, name='int32'))
    cases.append(case('MatrixDiagV3', {'diagonal': f(2, 4), 'k': np.int32(0), 'num_rows': np.int32(-1), 'num_cols': np.int32(-1), 'padding_value': np.float32(0)}, name='tf.linalg.diag'))
    cases.append(case('MatrixDiagV3', {'diagonal': f(3), 'k': np.int32(1), 'num_rows': np.int32(-1), 'num_cols': np.int32(-1), 'padding_value': np.float32(0)}, name='superdiagonal, square result'))
    cases.append(case('MatrixDiagV3', {'diagonal': f(3), 'k': np.int32(-1), 'num_rows': np.int32(5), 'num_cols': np.int32(-1), 'padding_value': np.float32(0)}, name='num_rows given'))
    cases.append(case('MatrixSetDiagV3', {'input': sq, 'diagonal': f(2, 4), 'k': np.int32(0)}, name='main diagonal (tf.linalg.set_diag)'))
    cases.append(case('MatrixDiagPartV2', {'input': x, 'k': np.array([-1, 2], np.int32), 'padding_value': np.float32(0)}, name='V2 aligns left'))
    cases.append(case('MatrixDiagV2', {'diagonal': f(2, 2, 3), 'k': np.array([0, 1], np.int32), 'num_rows': np.int32(-1), 'num_cols': np.int32(-1), 'padding_value': np.float32(0)}, name='V2 band'))
    cases.append(case('MatrixSetDiagV2', {'input': x, 'diagonal': f(2, 2, 3), 'k': np.array([0, 1], np.int32)}, name='V2 band'))
    cases.append(case('MatrixDiagPart', {'input': x}, name='V1 wide'))
    cases.append(case('MatrixDiag', {'diagonal': f(2, 3)}, name='V1'))
    cases.append(case('MatrixSetDiag', {'input': np.transpose(x, [0, 2, 1]).copy(), 'diagonal': f(2, 3)}, name='V1 tall'))
    write('linalg-diag', cases)


def segments():
    f = _rand(405)
    cases = []
    data, ids = f(7, 2), np.array([0, 0, 2, 2, 2, 4, 4], np.int32)
    for op in ['SegmentSum', 'SegmentMean', 'SegmentMax', 'SegmentMin', 'SegmentProd']:
        cases.append(case(op, {'data': data, 'segment_ids': ids}, name='sorted ids with empty segments', tol=1e-6))
    cases.append(case('SegmentSum', {'data': np.arange(12, dtype=np.int32).reshape(4, 3), 'segment_ids': np.array([0, 1, 1, 3], np.int64)}, name='int32 data, int64 ids'))
    uids = np.array([[3, 0], [-1, 3], [1, 0]], np.int32)
    for op in ['UnsortedSegmentMax', 'UnsortedSegmentMin', 'UnsortedSegmentProd']:
        cases.append(case(op, {'data': f(3, 2, 2), 'segment_ids': uids, 'num_segments': np.int32(5)}, name='2-D ids, a dropped -1, empty segments', tol=1e-6))
        cases.append(case(op, {'data': np.array([5, -3, 7, 2], np.int32), 'segment_ids': np.array([1, 1, 0, 3], np.int32), 'num_segments': np.int64(4)}, name='int32 data'))
    idx, sids = np.array([0, 2, 2, 5], np.int32), np.array([0, 0, 1, 3], np.int32)
    for op in ['SparseSegmentSum', 'SparseSegmentMean', 'SparseSegmentSqrtN']:
        cases.append(case(op, {'data': f(6, 3), 'indices': idx, 'segment_ids': sids}, name='repeated row, empty segment', tol=1e-6))
        cases.append(case(op + 'WithNumSegments', {'data': f(6, 3), 'indices': idx.astype(np.int64), 'segment_ids': sids, 'num_segments': np.int32(6)}, name='num_segments past the last id', tol=1e-6))
    write('segment-more', cases)


def stateless_random():
    """Stateless draws are Philox numbers TF reproduces exactly: V1 ops here, the V2 chain in ../stateless-random-v2.json."""
    cases = []
    for seed, dt in [(np.array([1, 2], np.int32), None), (np.array([-7, 123456789], np.int64), None), (np.array([-(2**31), 2**31 - 1], np.int64), None)]:  # int64 is carried as int32: seeds beyond it are narrowed
        for op in ['StatelessRandomUniform', 'StatelessRandomNormal', 'StatelessTruncatedNormal']:
            cases.append(case(op, {'shape': np.array([3, 7], np.int32), 'seed': seed}, {'dtype': tf.float32}, name=f'seed {seed.tolist()}', tol=2e-6))
        cases.append(case('StatelessRandomUniformInt', {'shape': np.array([9], np.int32), 'seed': seed, 'minval': np.int32(-3), 'maxval': np.int32(1000)}, name=f'seed {seed.tolist()}'))
    write('stateless-random', cases)
    v2 = []
    for seed in [[1, 2], [-7, 123456789], [0, 0]]:
        for fn, kw in [('uniform', {}), ('normal', {}), ('truncated', {}), ('uniform_int', {'minval': -5, 'maxval': 77})]:
            shape = [2, 9]
            if fn == 'uniform': v = tf.random.stateless_uniform(shape, seed)
            elif fn == 'normal': v = tf.random.stateless_normal(shape, seed)
            elif fn == 'truncated': v = tf.random.stateless_truncated_normal(shape, seed)
            else: v = tf.random.stateless_uniform(shape, seed, dtype=tf.int32, **kw)
            v2.append({'name': f'{fn} seed {seed}', 'fn': fn, 'seed': seed, 'shape': shape, **kw, 'values': enc_tensor(v)})
    path = os.path.join(HERE, '..', 'stateless-random-v2.json')
    with open(path, 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': v2}, fh, separators=(',', ':'))
        fh.write('\n')
    print(path)


def batch_norm():
    """Inference FusedBatchNorm (is_training=false) in every layout and rank TF's CPU kernel takes: the graph
    kernel runs it as one tfjs batchNorm (channels last, transposed around it for NCHW/NCDHW)."""
    r = np.random.default_rng(20261204)
    g = lambda *shape: r.standard_normal(shape).astype(np.float32)
    cases = []
    for op, fmt, xs, eps in [('FusedBatchNorm', 'NHWC', (2, 4, 5, 3), 1e-3), ('FusedBatchNormV2', 'NHWC', (2, 4, 5, 3), 1e-3),
                             ('FusedBatchNormV3', 'NHWC', (2, 4, 5, 3), 1e-3), ('FusedBatchNormV3', 'NHWC', (8, 6, 6, 16), 1e-5),
                             ('FusedBatchNormV3', 'NHWC', (1, 3, 3, 1), 0.1), ('FusedBatchNormV3', 'NCHW', (2, 3, 4, 5), 1e-3),
                             ('FusedBatchNormV3', 'NDHWC', (2, 3, 4, 2, 3), 1e-3), ('FusedBatchNormV3', 'NCDHW', (2, 3, 3, 4, 2), 1e-3)]:
        c = xs[-1] if fmt.endswith('C') else xs[1]
        var = (np.abs(g(c)) * 2 + 0.01).astype(np.float32)
        inputs = {'x': g(*xs) * 3, 'scale': g(c), 'offset': g(c), 'mean': g(c), 'variance': var}
        attrs = {'epsilon': eps, 'data_format': fmt, 'is_training': False}
        c = case(op, inputs, attrs, name=f'inference {fmt} x{list(xs)} epsilon {eps}', tol=1e-6)
        c['outputs'][3:] = [None] * (len(c['outputs']) - 3)  # reserve spaces: uninitialized memory in TF's inference kernel
        cases.append(c)
    write('batch-norm', cases)


# ---- session 5 (graphops): graph ops real SavedModels use that had no kernel ----

def linalg_solve():
    f = _rand(505)
    cases = []
    a = f(2, 4, 4)
    spd = (a @ np.transpose(a, [0, 2, 1]) + 4 * np.eye(4, dtype=np.float32)).astype(np.float32)
    gen = (f(3, 3) + 3 * np.eye(3, dtype=np.float32)).astype(np.float32)
    rhs = f(2, 4, 2)
    for adjoint in [False, True]:
        cases.append(case('MatrixInverse', {'input': spd + f(2, 4, 4) * 0.5}, {'adjoint': adjoint}, name=f'batch of 2, adjoint {adjoint}', tol=2e-5))
        cases.append(case('MatrixSolve', {'matrix': spd + f(2, 4, 4) * 0.5, 'rhs': rhs}, {'adjoint': adjoint}, name=f'batch of 2, 2 columns, adjoint {adjoint}', tol=2e-5))
    cases.append(case('MatrixInverse', {'input': np.array([[0, 2], [3, 1]], np.float32)}, name='needs a row swap', tol=1e-6))
    cases.append(case('MatrixDeterminant', {'input': spd}, name='symmetric positive definite', tol=2e-5))
    cases.append(case('MatrixDeterminant', {'input': np.stack([gen, -gen, np.array([[1, 2, 3], [2, 4, 6], [0, 1, 1]], np.float32)])}, name='signs and a singular matrix', tol=2e-5))
    cases.append(case('LogMatrixDeterminant', {'input': np.stack([gen, -gen, np.array([[0, 1, 0], [1, 0, 0], [0, 0, 2]], np.float32)])}, name='negative determinants', tol=2e-5))
    cases.append(case('LogMatrixDeterminant', {'input': np.array([[1, 2], [2, 4]], np.float32)}, name='singular: sign 0, -inf'))
    cases.append(case('Cholesky', {'input': spd}, name='batch of 2', tol=2e-5))
    cases.append(case('Cholesky', {'input': np.array([[4, 99], [2, 5]], np.float32)}, name='reads the lower triangle only', tol=1e-6))
    lower = np.tril(spd).astype(np.float32)
    upper = np.triu(spd).astype(np.float32)
    for low, m in [(True, lower), (False, upper)]:
        for adjoint in [False, True]:
            cases.append(case('MatrixTriangularSolve', {'matrix': m, 'rhs': rhs}, {'lower': low, 'adjoint': adjoint}, name=f'lower {low}, adjoint {adjoint}', tol=2e-5))
    cases.append(case('MatrixTriangularSolve', {'matrix': spd, 'rhs': rhs}, {'lower': True}, name='ignores the upper triangle', tol=2e-5))
    cases.append(case('MatrixTriangularSolve', {'matrix': lower[:1], 'rhs': f(3, 1, 4, 2)}, {'lower': True}, name='broadcast batch [1] x [3,1]', tol=2e-5))
    write('linalg-solve', cases)


def graph_ops():
    f = _rand(506)
    cases = []
    x = f(2, 4, 3)
    cases.append(case('Roll', {'input': x, 'shift': np.int32(1), 'axis': np.int32(1)}, name='tf.roll(x, 1, axis=1)'))
    cases.append(case('Roll', {'input': x, 'shift': np.array([-5, 2, 1], np.int64), 'axis': np.array([1, 2, 1], np.int64)}, name='vector shifts, repeated axis, negative'))
    cases.append(case('Roll', {'input': np.arange(6, dtype=np.int32), 'shift': np.int32(13), 'axis': np.int32(-1)}, name='int32, shift past the size'))
    cases.append(case('Roll', {'input': np.array([b'a', b'b', b'c']), 'shift': np.int32(1), 'axis': np.int32(0)}, name='strings'))
    cases.append(case('Roll', {'input': np.array([[True, False], [False, False]]), 'shift': np.int32(1), 'axis': np.int32(1)}, name='bool'))
    parts = np.array([1, 0, 1, 2, 1], np.int32)
    cases.append(case('DynamicPartition', {'data': f(5, 2), 'partitions': parts}, {'num_partitions': 4}, name='rows to 4 partitions (one empty)'))
    cases.append(case('DynamicPartition', {'data': np.arange(12, dtype=np.int32).reshape(2, 3, 2), 'partitions': np.array([[0, 1, 1], [1, 0, 0]], np.int32)}, {'num_partitions': 2}, name='2-D partitions, int32'))
    cases.append(case('DynamicPartition', {'data': np.array([b'x', b'y', b'z']), 'partitions': np.array([1, 1, 0], np.int32)}, {'num_partitions': 2}, name='strings'))
    cases.append(case('DynamicStitch', {'indices': [np.array([0, 2], np.int32), np.array([1, 3], np.int32)], 'data': [np.array([True, False]), np.array([False, True])]}, name='bool data'))
    cases.append(case('DynamicStitch', {'indices': [np.array([2, 0], np.int32), np.array([[1], [0]], np.int32)], 'data': [f(2, 3), f(2, 1, 3)]}, name='later writes win'))
    # boxes with flipped corners, overlapping clusters, a low score
    boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [1, 10.1, 0, 11.1], [0, 100, 1, 101]], np.float32)
    scores = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)
    for mx, iou, st in [(3, 0.5, -np.inf), (10, 0.5, 0.4), (2, 1.0, 0.0)]:
        cases.append(case('NonMaxSuppressionV3', {'boxes': boxes, 'scores': scores, 'max_output_size': np.int32(mx), 'iou_threshold': np.float32(iou), 'score_threshold': np.float32(st)}, name=f'max {mx} iou {iou} score {st}'))
    for pad in [False, True]:
        cases.append(case('NonMaxSuppressionV4', {'boxes': boxes, 'scores': scores, 'max_output_size': np.int32(5), 'iou_threshold': np.float32(0.5), 'score_threshold': np.float32(0.4)}, {'pad_to_max_output_size': pad}, name=f'pad {pad}'))
        cases.append(case('NonMaxSuppressionV5', {'boxes': boxes, 'scores': scores, 'max_output_size': np.int32(5), 'iou_threshold': np.float32(0.5), 'score_threshold': np.float32(0.0), 'soft_nms_sigma': np.float32(0.0)}, {'pad_to_max_output_size': pad}, name=f'hard, pad {pad}'))
    cases.append(case('NonMaxSuppressionV5', {'boxes': boxes, 'scores': scores, 'max_output_size': np.int32(6), 'iou_threshold': np.float32(1.0), 'score_threshold': np.float32(0.1), 'soft_nms_sigma': np.float32(0.5)}, name='soft-NMS sigma 0.5', tol=1e-6))
    sq = f(2, 3, 3)
    for eq, ops in [('bii->bi', [sq]), ('bii->b', [sq]), ('ii->', [sq[0]]), ('bij,bjj->bi', [f(2, 4, 3), sq]), ('iji->j', [f(3, 2, 3)]), ('bij,bjk->b', [f(2, 3, 4), f(2, 4, 5)]), ('ij,jk->i', [f(3, 4), f(4, 2)])]:
        cases.append(case('Einsum', {'inputs': ops}, {'equation': eq}, name=f'{eq}', tol=1e-5))
    for template, ins, summarize in [('{}', [np.array([2, 7], np.int32)], 3), ('x={} y={}', [np.array(1.5, np.float32), np.reshape(np.arange(8, dtype=np.int32), [2, 2, 2])], 3),
                                     ('{}', [np.array([0.1, 1 / 3, 1e6, 1e-5, 123456789., -2.5e-7, np.nan, np.inf], np.float32)], 3), ('{}', [np.reshape(np.arange(100, dtype=np.int32), [10, 10])], 3),
                                     ('{}|{}', [np.array([True, False]), np.array([b'a', b'b c'])], 3), ('{}', [np.arange(7, dtype=np.int32)], -1), ('{}', [np.arange(7, dtype=np.int32)], 2)]:
        cases.append(case('StringFormat', {'inputs': ins}, {'template': template, 'placeholder': '{}', 'summarize': summarize}, name=f'{template} summarize {summarize}'))
    words = np.array([b'the', b'cat', b'sat', b'a', b'dog'])
    cases.append(case('RaggedTensorToTensor', {'shape': np.int64(-1), 'values': words, 'default_value': np.array(b''), 'row_partition_tensors': [np.array([0, 3, 3, 5], np.int64)]},
                      {'row_partition_types': ['ROW_SPLITS']}, name='string values (tf.strings.split(...).to_tensor())'))
    cases.append(case('RaggedTensorToTensor', {'shape': np.array([2, 4], np.int64), 'values': words, 'default_value': np.array(b'<pad>'), 'row_partition_tensors': [np.array([0, 3, 3, 5], np.int64)]},
                      {'row_partition_types': ['ROW_SPLITS']}, name='string values, fixed shape cuts rows'))
    # Keras TextVectorization / CategoryEncoding exports (multi_hot, count, tf_idf)
    splits, vals = np.array([0, 3, 3, 7], np.int64), np.array([1, 4, 1, 0, 2, 2, 9], np.int64)
    for binary in [False, True]:
        cases.append(case('RaggedBincount', {'splits': splits, 'values': vals, 'size': np.int64(5), 'weights': np.zeros([0], np.float32)}, {'binary_output': binary}, name=f'binary {binary}, an empty row, a value past size'))
    cases.append(case('RaggedBincount', {'splits': splits, 'values': vals.astype(np.int32), 'size': np.int32(4), 'weights': f(7)}, name='float weights', tol=1e-6))
    # found by the dtype check of the conformance suite: tfjs-cpu's FloorDiv made int32 of float32
    cases.append(case('FloorDiv', {'x': np.array([1e10, np.nan, np.inf, -7.5, 7.5, 5.0], np.float32), 'y': np.array([1, 1, 1, 2, -2, 0.5], np.float32)}, name='float32 stays float32 (large, NaN, inf)'))
    write('graph-ops', cases)


def grouped_conv():
    """Conv2D whose filter has in_channels / groups input channels (Keras Conv1D/Conv2D with groups > 1)."""
    f = _rand(406)
    cases = []
    for name, xs, fs, attrs in [
        ('2 groups, SAME', (1, 5, 5, 4), (3, 3, 2, 4), {'strides': [1, 1, 1, 1], 'padding': 'SAME'}),
        ('4 groups, strides 2, VALID', (1, 7, 7, 8), (3, 3, 2, 8), {'strides': [1, 2, 2, 1], 'padding': 'VALID'}),
        ('3 groups of one channel (depthwise-like)', (1, 4, 4, 3), (3, 2, 1, 6), {'strides': [1, 1, 1, 1], 'padding': 'SAME'}),
        ('2 groups, dilations 2', (1, 7, 7, 4), (3, 3, 2, 4), {'strides': [1, 1, 1, 1], 'padding': 'VALID', 'dilations': [1, 2, 2, 1]}),
        ('2 groups, EXPLICIT padding', (1, 4, 5, 4), (2, 3, 2, 2), {'strides': [1, 1, 2, 1], 'padding': 'EXPLICIT', 'explicit_paddings': [0, 0, 1, 2, 0, 1, 0, 0]}),
        ('Conv1D as Conv2D: 3 groups, height 1', (1, 1, 8, 6), (1, 3, 2, 6), {'strides': [1, 1, 1, 1], 'padding': 'VALID'}),
    ]:
        cases.append(case('Conv2D', {'input': f(*xs), 'filter': f(*fs)}, attrs, name=name, tol=1e-5))
    # NCHW: TF's CPU build runs only NHWC, so the same convolution in NHWC, transposed.
    x, w = f(1, 4, 4, 4), f(3, 3, 2, 4)
    y = tf.raw_ops.Conv2D(input=x, filter=w, strides=[1, 1, 1, 1], padding='SAME')
    c = {'name': '2 groups, NCHW', 'op': 'Conv2D', 'attrs': node_attrs('Conv2D', {'input': nchw(x), 'filter': w}, {'strides': [1, 1, 1, 1], 'padding': 'SAME', 'data_format': 'NCHW'}),
         'inputs': [enc_tensor(nchw(x)), enc_tensor(w)], 'outputs': [enc_tensor(nchw(y.numpy()))], 'via': 'NHWC Conv2D, transposed', 'tolerance': 1e-5}
    cases.append(c)
    write('grouped-conv', cases)


def string_hash():
    """AsString (Keras Hashing / IntegerLookup of integers), StringToHashBucketStrong (salted Hashing / lookups),
    SparseCross (Keras HashedCrossing exports): made by coverage6 (session 6)."""
    cases = []
    ints = np.array([0, -7, 123456, 2147483647, -2147483648], np.int32)
    cases.append(case('AsString', {'input': ints}, name='int32'))
    cases.append(case('AsString', {'input': np.array([[1, -4], [123456789, 0]], np.int64)}, name='int64 (Hashing of integers)'))
    cases.append(case('AsString', {'input': np.array([True, False])}, name='bool'))
    cases.append(case('AsString', {'input': ints}, {'width': 8, 'fill': '0'}, name='int width 8 fill 0'))
    cases.append(case('AsString', {'input': ints}, {'width': 9, 'fill': '-'}, name='int width 9 left-justified'))
    cases.append(case('AsString', {'input': ints[:3]}, {'fill': '+'}, name='int sign +'))
    floats = np.array([0.0078125, -0.0, 1e30, 2.5, 0.5, 123.456, -1.5e-7, 1e-5, 99999.95, 0.1, float('inf'), float('-inf'), float('nan')], np.float32)
    cases.append(case('AsString', {'input': floats}, name='float %f (half-even ties, -0, huge, inf, nan)'))
    cases.append(case('AsString', {'input': floats}, {'precision': 2}, name='float precision 2'))
    cases.append(case('AsString', {'input': floats}, {'precision': 0}, name='float precision 0'))
    cases.append(case('AsString', {'input': floats}, {'scientific': True}, name='float scientific'))
    cases.append(case('AsString', {'input': floats}, {'scientific': True, 'precision': 3}, name='float scientific precision 3'))
    cases.append(case('AsString', {'input': floats}, {'shortest': True}, name='float shortest (%g)'))
    cases.append(case('AsString', {'input': np.array([123456789.0, 0.0001, 0.00001234, 100.0, 1.0, 0.5], np.float32)}, {'shortest': True, 'precision': 3}, name='float shortest precision 3'))
    cases.append(case('AsString', {'input': floats[:6]}, {'width': 12, 'fill': '0'}, name='float width 12 fill 0'))
    cases.append(case('AsString', {'input': floats[:6]}, {'width': 12, 'fill': ' ', 'precision': 1}, name='float width 12 sign space'))
    words = np.array([['cat', '', 'dog'], ['fish', 'día', 'a long word with spaces']])
    cases.append(case('StringToHashBucketStrong', {'input': words}, {'num_buckets': 9, 'key': [42, 42]}, name='key 42,42'))
    cases.append(case('StringToHashBucketStrong', {'input': words}, {'num_buckets': 1000003, 'key': [7, 123456789]}, name='key 7,123456789'))
    cases.append(case('StringToHashBucketStrong', {'input': np.array(['-4', '2147483647', '0'])}, {'num_buckets': 5, 'key': [0, 0]}, name='decimal strings, key 0,0'))
    a = np.array([['cat'], ['dog']])
    b = np.array([[3], [-5]], np.int64)
    ab = np.array([['x', 'y'], ['z', 'w']])
    key = 0xDECAFCAFFE
    cases.append(case('SparseCross', {'indices': [], 'values': [], 'shapes': [], 'dense_inputs': [a, b]},
                      {'hashed_output': True, 'num_buckets': 11, 'hash_key': key, 'out_type': tf.int64, 'internal_type': tf.int64}, name='HashedCrossing string x int64'))
    cases.append(case('SparseCross', {'indices': [], 'values': [], 'shapes': [], 'dense_inputs': [ab, a]},
                      {'hashed_output': True, 'num_buckets': 1000, 'hash_key': key, 'out_type': tf.int64, 'internal_type': tf.string}, name='two features per row'))
    cases.append(case('SparseCross', {'indices': [np.array([[0, 0], [1, 0], [1, 1]], np.int64)], 'values': [np.array(['a', 'b', 'c'])], 'shapes': [np.array([3, 2], np.int64)],
                                      'dense_inputs': [np.array([['f'], ['g'], ['h']])]},
                      {'hashed_output': True, 'num_buckets': 97, 'hash_key': key, 'out_type': tf.int64, 'internal_type': tf.string}, name='sparse x dense, an empty row'))
    cases.append(case('SparseCross', {'indices': [np.array([[0, 0], [1, 0], [1, 1]], np.int64)], 'values': [np.array(['a', 'b', 'c'])], 'shapes': [np.array([2, 2], np.int64)],
                                      'dense_inputs': [np.array([['f', 'F'], ['g', 'G']])]},
                      {'hashed_output': False, 'num_buckets': 0, 'hash_key': key, 'out_type': tf.string, 'internal_type': tf.string}, name='strings joined by _X_'))
    write('string-hash', cases)


def resize():
    """ResizeBicubic (TF2 tf.image.resize: half-pixel centres; legacy; align_corners) and ResizeArea, up and down,
    float and int input: made by coverage6 (session 6)."""
    # The 16-tap sums round differently from TF's by about an ulp of the inputs where they cancel.
    BICUBIC_TOL = 5e-6
    cases = []
    img = f32(1, 5, 7, 2) * 10
    ints = rng.integers(0, 255, (1, 4, 6, 2)).astype(np.int32)
    for (h, w) in [(9, 11), (3, 4), (5, 7), (1, 1), (8, 3)]:
        cases.append(case('ResizeBicubic', {'images': img, 'size': np.array([h, w], np.int32)}, {'half_pixel_centers': True}, name=f'half-pixel {h}x{w}', tol=BICUBIC_TOL))
        cases.append(case('ResizeArea', {'images': img, 'size': np.array([h, w], np.int32)}, name=f'{h}x{w}', tol=2e-6))
    cases.append(case('ResizeBicubic', {'images': img, 'size': np.array([8, 4], np.int32)}, name='legacy (a = -0.75, edge taps repeated)', tol=BICUBIC_TOL))
    cases.append(case('ResizeBicubic', {'images': img, 'size': np.array([9, 13], np.int32)}, {'align_corners': True}, name='align_corners', tol=BICUBIC_TOL))
    cases.append(case('ResizeArea', {'images': img, 'size': np.array([9, 4], np.int32)}, {'align_corners': True}, name='align_corners', tol=2e-6))
    cases.append(case('ResizeBicubic', {'images': ints, 'size': np.array([7, 5], np.int32)}, {'half_pixel_centers': True}, name='int32 image', tol=BICUBIC_TOL))
    cases.append(case('ResizeArea', {'images': ints, 'size': np.array([3, 4], np.int32)}, name='int32 image', tol=2e-6))
    write('resize', cases)


def bitwise():
    """BitwiseAnd/Or/Xor, Invert, LeftShift, RightShift, PopulationCount over the integer types (Keras ops.bitwise_*
    exports): wrapping to the type's width, shift counts clamped to [0, bits - 1], arithmetic vs logical right
    shifts, broadcasting: made by coverage7 (session 7)."""
    cases = []
    vals = {
        'int8': np.array([-128, -5, -1, 0, 1, 5, 100, 127], np.int8),
        'uint8': np.array([0, 1, 5, 100, 127, 128, 200, 255], np.uint8),
        'int16': np.array([-32768, -300, -1, 0, 1, 300, 4660, 32767], np.int16),
        'uint16': np.array([0, 1, 300, 4660, 32767, 32768, 50000, 65535], np.uint16),
        'int32': np.array([-2147483648, -70000, -1, 0, 1, 70000, 305419896, 2147483647], np.int32),
        'uint32': np.array([0, 1, 70000, 305419896, 2147483647, 5, 6, 7], np.uint32),
        'int64': np.array([-2147483648, -70000, -1, 0, 1, 70000, 305419896, 2147483647], np.int64),
        'uint64': np.array([0, 1, 70000, 305419896, 2147483647, 5, 6, 7], np.uint64),
    }
    for dt, x in vals.items():
        y = x[::-1].copy()
        for op in ['BitwiseAnd', 'BitwiseOr', 'BitwiseXor']:
            cases.append(case(op, {'x': x, 'y': y}, name=dt))
        if dt not in ('uint32', 'uint64'):  # ~x of a small unsigned value leaves the int32 savedkeras holds it in
            cases.append(case('Invert', {'x': x}, name=dt))
        cases.append(case('PopulationCount', {'x': x}, name=dt))
        bits = np.iinfo(x.dtype).bits
        shifts = np.array([0, 1, 3, bits - 1, bits, bits + 5, 2, 1], x.dtype) if dt.startswith('u') else np.array([0, 1, 3, bits - 1, bits, -1, -7, 2], x.dtype)
        cases.append(case('RightShift', {'x': x, 'y': shifts}, name=f'{dt} (counts clamped)'))
        if bits < 32 or dt == 'int32':  # wider left shifts leave the int32 savedkeras holds int64/uint32/uint64 in
            cases.append(case('LeftShift', {'x': x, 'y': shifts}, name=f'{dt} (counts clamped, wraps)'))
    small = np.array([[-3, -1, 0, 1, 6, 70000]], np.int64)
    cases.append(case('LeftShift', {'x': small, 'y': np.array([[2], [0]], np.int64)}, name='int64 broadcast, fits int32'))
    cases.append(case('BitwiseAnd', {'x': np.array([[12, -7, 255]], np.int32), 'y': np.array([[10], [-1]], np.int32)}, name='int32 broadcast'))
    write('bitwise', cases)


def pooling_argmax():
    """MaxPoolWithArgmax (tf.nn.max_pool_with_argmax): VALID and SAME, strides, overlapping windows, with and without
    the batch in the flat index, int32 indices, ties (a window of equal values): made by coverage7 (session 7)."""
    cases = []
    x = f32(2, 5, 6, 3)
    for (k, st, pad) in [((2, 2), (2, 2), 'VALID'), ((3, 3), (2, 2), 'SAME'), ((2, 3), (1, 2), 'VALID'), ((3, 2), (2, 1), 'SAME')]:
        for batch_index in (False, True):
            cases.append(case('MaxPoolWithArgmax', {'input': x}, {'ksize': [1, *k, 1], 'strides': [1, *st, 1], 'padding': pad, 'include_batch_in_index': batch_index},
                              name=f'k{k} s{st} {pad} batch_in_index={batch_index}'))
    cases.append(case('MaxPoolWithArgmax', {'input': x}, {'ksize': [1, 2, 2, 1], 'strides': [1, 2, 2, 1], 'padding': 'SAME', 'Targmax': tf.int32}, name='int32 indices'))
    ties = np.zeros((1, 4, 4, 2), np.float32)
    ties[0, 2:, 2:, 1] = -1.0
    cases.append(case('MaxPoolWithArgmax', {'input': ties}, {'ksize': [1, 2, 2, 1], 'strides': [1, 2, 2, 1], 'padding': 'VALID'}, name='ties: equal values in a window'))
    neg = -np.abs(f32(1, 3, 3, 1)) - 1
    cases.append(case('MaxPoolWithArgmax', {'input': neg}, {'ksize': [1, 2, 2, 1], 'strides': [1, 2, 2, 1], 'padding': 'SAME'}, name='all negative, SAME padding'))
    write('pooling-argmax', cases)


def in_graph(ins, attrs):
    """Conv2DBackpropInput in a tf.function of its filter and gradient (as a saved graph runs it; with constant
    inputs TF folds it with the eager CPU kernel, which refuses dilations)."""
    run = tf.function(lambda w, dy: tf.raw_ops.Conv2DBackpropInput(input_sizes=ins['input_sizes'], filter=w, out_backprop=dy, **attrs))
    return run(tf.constant(ins['filter']), tf.constant(ins['out_backprop']))


def dilated_transpose():
    """Conv2DBackpropInput with dilations > 1 (Keras Conv2DTranspose with dilation_rate, strides 1): the gradient of a
    dilated convolution. TF's CPU graphs run SAME and VALID; EXPLICIT padding with dilations they refuse (so do we)."""
    f = _rand(412)
    cases = []
    for name, sizes, fs, dys, attrs in [
        ('3x3 dilations 2, SAME', (1, 6, 7, 2), (3, 3, 2, 3), (1, 6, 7, 3), {'strides': [1, 1, 1, 1], 'padding': 'SAME', 'dilations': [1, 2, 2, 1]}),
        ('3x3 dilations 2x3, VALID', (2, 9, 10, 3), (3, 3, 3, 2), (2, 5, 4, 2), {'strides': [1, 1, 1, 1], 'padding': 'VALID', 'dilations': [1, 2, 3, 1]}),
        ('2x2 dilations 3, SAME (even kernel)', (1, 5, 5, 1), (2, 2, 1, 4), (1, 5, 5, 4), {'strides': [1, 1, 1, 1], 'padding': 'SAME', 'dilations': [1, 3, 3, 1]}),
        ('3x2 dilations 2x1, VALID, batch 2', (2, 6, 5, 2), (3, 2, 2, 2), (2, 2, 4, 2), {'strides': [1, 1, 1, 1], 'padding': 'VALID', 'dilations': [1, 2, 1, 1]}),
    ]:
        ins = {'input_sizes': np.array(sizes, np.int32), 'filter': f(*fs), 'out_backprop': f(*dys)}
        cases.append(case('Conv2DBackpropInput', ins, attrs, name=name, tol=1e-5, via='a tf.function (TF\'s eager CPU kernel refuses dilations, its graphs run them)',
                          compute=lambda ins=ins, attrs=attrs: in_graph(ins, attrs)))
    # NCHW: TF's CPU build runs only NHWC, so the same op in NHWC, transposed.
    sizes, w, dy = (1, 6, 7, 2), f(3, 3, 2, 3), f(1, 6, 7, 3)
    y = in_graph({'input_sizes': np.array(sizes, np.int32), 'filter': w, 'out_backprop': dy}, {'strides': [1, 1, 1, 1], 'padding': 'SAME', 'dilations': [1, 2, 2, 1]})
    nchw_sizes = np.array([sizes[0], sizes[3], sizes[1], sizes[2]], np.int32)
    attrs = {'strides': [1, 1, 1, 1], 'padding': 'SAME', 'dilations': [1, 1, 2, 2], 'data_format': 'NCHW'}
    c = {'name': '3x3 dilations 2, SAME, NCHW', 'op': 'Conv2DBackpropInput',
         'attrs': node_attrs('Conv2DBackpropInput', {'input_sizes': nchw_sizes, 'filter': w, 'out_backprop': nchw(dy)}, attrs),
         'inputs': [enc_tensor(nchw_sizes), enc_tensor(w), enc_tensor(nchw(dy))], 'outputs': [enc_tensor(nchw(y.numpy()))], 'via': 'NHWC Conv2DBackpropInput in a tf.function, transposed', 'tolerance': 1e-5}
    cases.append(c)
    write('dilated-transpose', cases)


if __name__ == '__main__':
    which = sys.argv[1:] or ['space_depth', 'fake_quant', 'scatter', 'strings', 'layers_depth_space', 'cudnn_rnn', 'gradients', 'ctc', 'segment_scatter', 'cudnn_more', 'ctc_v2', 'sparse_apply', 'cudnn_canonical', 'linalg_diag', 'segments', 'stateless_random', 'batch_norm', 'linalg_solve', 'graph_ops', 'grouped_conv', 'string_hash', 'resize', 'bitwise', 'pooling_argmax', 'dilated_transpose']
    for w in which:
        globals()[w]()
