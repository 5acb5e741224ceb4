"""Small files for the layout tests (tests never need Python; this makes what they compare against):

- keras2-mlp.h5: a tf.keras 2 (Keras 2.15) full-model .h5, in tf.keras' own layout (Keras 2 config,
  `model_weights/<layer>/<layer>/kernel:0`, `optimizer_weights` named `Adam/iter:0`,
  `Adam/<layer>/kernel/m:0`), written with h5py since the venv has Keras 3 only. Its layers use
  Keras 2's hard_sigmoid (clip(0.2x + 0.5, 0, 1)); keras2-mlp.expected.json holds the outputs
  computed here with NumPy from the stored weights (an independent hand computation), and the
  stored optimizer values.
- f16-dense.keras / f16-dense.h5: a Keras 3 model whose Dense layer has dtype float16 (float16
  variables in the file); f16-dense.expected.json: hashlib sha256 of every dataset's raw bytes.

    /work/tfvenv/bin/python packages/keras-file/scripts/make_layout_data.py packages/keras-file/test/data
"""
import hashlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def tensor_json(a):
    return {"dtype": str(a.dtype), "shape": list(a.shape), "value": a.tolist()}


def dense_cfg(name, units, activation):
    return {
        "class_name": "Dense",
        "config": {
            "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation, "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None,
        },
    }


def keras2_mlp(folder):
    rng = np.random.default_rng(11)
    sizes = [("dense", 4, 6, "relu"), ("dense_1", 6, 5, "hard_sigmoid"), ("out", 5, 3, "softmax")]
    weights = {n: (rng.normal(scale=0.8, size=(i, o)).astype("float32"), rng.normal(scale=0.3, size=(o,)).astype("float32")) for n, i, o, _ in sizes}
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "dense_input"}}]
            + [dense_cfg(n, o, a) for n, _, o, a in sizes],
        },
        "keras_version": "2.15.0",
        "backend": "tensorflow",
    }
    training = {
        "loss": "categorical_crossentropy", "metrics": None, "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
            "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
            "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}},
    }
    slots = {}
    path = os.path.join(folder, "keras2-mlp.h5")
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps(training)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = "tensorflow"
        mw.attrs["keras_version"] = "2.15.0"
        mw.attrs["layer_names"] = [n.encode() for n, *_ in sizes]
        for n, *_ in sizes:
            g = mw.create_group(n)
            g.attrs["weight_names"] = [f"{n}/kernel:0".encode(), f"{n}/bias:0".encode()]
            g.create_dataset(f"{n}/kernel:0", data=weights[n][0])
            g.create_dataset(f"{n}/bias:0", data=weights[n][1])
        ow = f.create_group("optimizer_weights")
        names = ["Adam/iter:0"]
        ow.create_dataset("Adam/iter:0", data=np.int64(7))
        for n, *_ in sizes:
            for w, arr in (("kernel", weights[n][0]), ("bias", weights[n][1])):
                for s in ("m", "v"):
                    v = np.abs(rng.normal(scale=0.01, size=arr.shape)).astype("float32")
                    names.append(f"Adam/{n}/{w}/{s}:0")
                    slots[f"{n}/{w}/{s}"] = tensor_json(v)
                    ow.create_dataset(f"Adam/{n}/{w}/{s}:0", data=v)
        ow.attrs["weight_names"] = [x.encode() for x in names]

    def forward(x):
        h = np.maximum(x @ weights["dense"][0] + weights["dense"][1], 0)
        h = np.clip(0.2 * (h @ weights["dense_1"][0] + weights["dense_1"][1]) + 0.5, 0, 1)  # Keras 2 hard_sigmoid
        z = h @ weights["out"][0] + weights["out"][1]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype("float32")

    cases = []
    for _ in range(2):
        x = rng.normal(scale=2.0, size=(3, 4)).astype("float32")
        cases.append({"inputs": {"dense_input": tensor_json(x)}, "outputs": {"out": tensor_json(forward(x))}, "tolerance": 1e-5})
    with open(os.path.join(folder, "keras2-mlp.expected.json"), "w") as f:
        json.dump({"source": "NumPy forward pass of keras2-mlp.h5's stored weights (Keras 2 hard_sigmoid: clip(0.2x+0.5, 0, 1))", "cases": cases, "optimizer": {"iterations": 7, "slots": slots}}, f)
    print("made keras2-mlp.h5")


def f16_dense(folder):
    import keras  # noqa: PLC0415

    keras.utils.set_random_seed(3)
    inp = keras.Input((3,), name="x")
    h = keras.layers.Dense(4, activation="relu", name="half", dtype="float16")(inp)
    out = keras.layers.Dense(2, name="out")(h)
    model = keras.Model(inp, out, name="f16")
    model.save(os.path.join(folder, "f16-dense.keras"))
    model.save(os.path.join(folder, "f16-dense.h5"))

    def hashes(h5):
        out = {}
        h5.visititems(lambda name, obj: out.__setitem__(name, {"dtype": str(obj.dtype), "shape": list(obj.shape), "sha256": hashlib.sha256(obj[()].tobytes()).hexdigest()}) if isinstance(obj, h5py.Dataset) else None)
        return out

    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(os.path.join(folder, "f16-dense.keras")) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        keras_hashes = hashes(f)
    with h5py.File(os.path.join(folder, "f16-dense.h5"), "r") as f:
        h5_hashes = hashes(f)
    with open(os.path.join(folder, "f16-dense.expected.json"), "w") as f:
        json.dump({"source": f"hashlib.sha256(dataset[()].tobytes()) over h5py, Keras {keras.__version__}", "keras": keras_hashes, "h5": h5_hashes}, f, indent=1)
    print("made f16-dense")


if __name__ == "__main__":
    keras2_mlp(sys.argv[1])
    f16_dense(sys.argv[1])
