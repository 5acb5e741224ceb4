"""Small hostile HDF5 files for test/hostile.test.ts (each a few KB; the zip cases are made in the
test itself). Each is a Keras 3 legacy .h5 (test/data/seq-mlp.h5) or model.weights.h5 edited with
h5py the way a corrupt or malicious file could be:

- huge-shape.h5: a weight dataset whose dataspace claims [2**20, 2**20] (chunked, never written);
- shape-lie.h5: a weight dataset of the right bytes but a larger declared shape than the layer's;
- cycle.weights.h5: a model.weights.h5 whose layer group links back to its parents (hard links, a cycle);
- deep.weights.h5: 40 nested groups below a layer;
- string-weight.h5: a kernel stored as strings (a dtype lie);
- compound-weight.h5: a kernel stored as a compound type;
- missing-weight.h5: a layer's kernel deleted (weight_names still lists it);
- no-config.h5: weights only (no model_config attribute).

    /work/tfvenv/bin/python packages/keras-file/scripts/make_hostile_data.py packages/keras-file/test/data
"""
import io
import os
import shutil
import sys
import zipfile

import h5py
import numpy as np

folder = sys.argv[1]
out = os.path.join(folder, "hostile")
os.makedirs(out, exist_ok=True)
src = os.path.join(folder, "seq-mlp.h5")


def edited(name, edit):
    path = os.path.join(out, name)
    shutil.copy(src, path)
    with h5py.File(path, "r+") as f:
        edit(f)
    # h5py leaves freed space behind; repack so the file stays small.
    tmp = path + ".tmp"
    with h5py.File(path, "r") as a, h5py.File(tmp, "w") as b:
        for k, v in a.attrs.items():
            b.attrs[k] = v
        for k in a:
            a.copy(a[k], b, name=k)
    os.replace(tmp, path)


def kernel_path(f):
    names = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights/hidden"].attrs["weight_names"]]
    return "model_weights/hidden/" + names[0]


def huge(f):
    p = kernel_path(f)
    del f[p]
    f.create_dataset(p, shape=(2**20, 2**20), dtype="float32", chunks=(16, 16))


def shape_lie(f):
    p = kernel_path(f)
    data = f[p][()]
    del f[p]
    f.create_dataset(p, data=np.resize(data, (data.shape[0] * 4, data.shape[1])))


def string_weight(f):
    p = kernel_path(f)
    shape = f[p].shape
    del f[p]
    f.create_dataset(p, data=np.full(shape, b"0.5", dtype="S3"))


def compound_weight(f):
    p = kernel_path(f)
    shape = f[p].shape
    del f[p]
    f.create_dataset(p, shape=shape, dtype=np.dtype([("re", "<f4"), ("im", "<f4")]))


def missing_weight(f):
    del f[kernel_path(f)]


def no_config(f):
    del f.attrs["model_config"]


edited("huge-shape.h5", huge)
edited("shape-lie.h5", shape_lie)
edited("string-weight.h5", string_weight)
edited("compound-weight.h5", compound_weight)
edited("missing-weight.h5", missing_weight)
edited("no-config.h5", no_config)

with zipfile.ZipFile(os.path.join(folder, "seq-mlp.keras")) as z:
    weights = z.read("model.weights.h5")


def weights_edit(name, edit):
    buf = io.BytesIO(weights)
    with h5py.File(buf, "r+") as f:
        edit(f)
    with open(os.path.join(out, name), "wb") as fh:
        fh.write(buf.getvalue())


def cycle(f):
    g = f["layers/dense"]
    g["loop_a"] = f["layers"]
    g["loop_b"] = f["layers"]


def deep(f):
    g = f["layers/dense"]
    for i in range(40):
        g = g.create_group(f"d{i}")
    g.create_dataset("x", data=np.zeros((2,), "float32"))


weights_edit("cycle.weights.h5", cycle)
weights_edit("deep.weights.h5", deep)
for n in sorted(os.listdir(out)):
    print(n, os.path.getsize(os.path.join(out, n)))
