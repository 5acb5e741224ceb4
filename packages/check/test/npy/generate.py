"""Writes the .npy files the npy tests read, with numpy itself, and expected.json: for each file the
dtype, shape and values numpy reads back (tolist()). CI never runs this. Run: python generate.py"""
import json
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
arrays = {
    'f4.npy': (np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5, None),
    'i8.npy': (np.array([3, -5, 2147483647], dtype=np.int64), None),
    'b1.npy': (np.array([[True, False], [False, True]]), None),
    'u1.npy': (np.array([0, 7, 255], dtype=np.uint8), None),
    'f2.npy': (np.array([1.5, -0.099975586, 65504.0, 6.1035156e-05], dtype=np.float16), None),
    'be-f8-fortran.npy': (np.asfortranarray(np.arange(24, dtype='>f8').reshape(2, 3, 4) * 1.25), None),
    'unicode.npy': (np.array(['héllo', 'a', '€uro'], dtype='<U5'), None),
    'bytes.npy': (np.array([b'ab', b'xyz', b''], dtype='S3'), None),
    'v2-f4.npy': (np.array([[1.0, 2.0]], dtype=np.float32), (2, 0)),
    'scalar-f8.npy': (np.array(2.5), None),
    'empty-f4.npy': (np.zeros((0, 4), dtype=np.float32), None),
}
expected = {}
for name, (a, version) in arrays.items():
    with open(os.path.join(here, name), 'wb') as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)
    back = np.load(os.path.join(here, name))
    values = back.tolist()
    if back.dtype.kind == 'S':
        values = np.vectorize(lambda b: b.decode('utf-8'))(back).tolist() if back.size else []
    expected[name] = {'descr': back.dtype.str, 'shape': list(back.shape), 'value': values}
with open(os.path.join(here, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
