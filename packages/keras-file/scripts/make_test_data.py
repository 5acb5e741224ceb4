"""Has Keras 3 load the small .keras files savedkeras' writer made (scripts/write-test-models.mjs),
and records what the tests compare against, so tests never need Python:

- <slug>.expected.json: Keras' predictions on fixed inputs, and a training step: the weights Keras
  has after one train_on_batch on a fixed batch, starting from <slug>-trained.keras;
- <slug>.h5: the same model saved by Keras as a legacy .h5 (Keras 3 layout);
- <slug>-trained.keras: the model compiled and trained two steps by Keras (compile_config and
  optimizer variables inside), for the optimizer-state restore test.

    /work/tfvenv/bin/python packages/keras-file/scripts/make_test_data.py packages/keras-file/test/data
"""
import hashlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

TRAINING = {
    "seq-mlp": (lambda: keras.optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy", lambda r, n: r.integers(0, 3, size=(n,)).astype("int32")),
    "func-cnn": (lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5), "mse", lambda r, n: r.normal(size=(n, 2)).astype("float32")),
    "lstm": (lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), "mse", lambda r, n: r.normal(size=(n, 1)).astype("float32")),
}


def tensor_json(a):
    return {"dtype": str(a.dtype), "shape": list(a.shape), "value": a.tolist()}


def main(folder):
    for slug, (make_opt, loss, make_y) in TRAINING.items():
        path = os.path.join(folder, f"{slug}.keras")
        model = keras.saving.load_model(path, compile=False)
        rng = np.random.default_rng(7)
        names = [t._keras_history.operation.name for t in model.inputs]

        def batch(n):
            return {name: rng.normal(size=(n, *t.shape[1:])).astype("float32") for name, t in zip(names, model.inputs)}

        cases = []
        for _ in range(2):
            x = batch(2)
            y = model.predict([x[n] for n in names] if len(names) > 1 else x[names[0]], verbose=0)
            out_name = model.outputs[0]._keras_history.operation.name
            cases.append({"inputs": {k: tensor_json(v) for k, v in x.items()}, "outputs": {out_name: tensor_json(np.asarray(y))}, "tolerance": 1e-4})
        h5_path = os.path.join(folder, f"{slug}.h5")
        model.save(h5_path)
        import h5py  # noqa: PLC0415

        sha = {}
        with h5py.File(h5_path) as f:
            f.visititems(lambda name, obj: sha.__setitem__(name, hashlib.sha256(np.ascontiguousarray(obj[()]).tobytes()).hexdigest()) if isinstance(obj, h5py.Dataset) else None)

        # Train two steps, save with optimizer state, then one more step: the weights after it are what a resumed run must reach.
        model.compile(optimizer=make_opt(), loss=loss)
        xt, yt = batch(4), make_y(rng, 4)
        args = [xt[n] for n in names] if len(names) > 1 else xt[names[0]]
        model.train_on_batch(args, yt)
        model.train_on_batch(args, yt)
        model.save(os.path.join(folder, f"{slug}-trained.keras"))
        x3, y3 = batch(4), make_y(rng, 4)
        model.train_on_batch([x3[n] for n in names] if len(names) > 1 else x3[names[0]], y3)
        after = {layer.name: [tensor_json(np.asarray(w)) for w in layer.weights] for layer in model.layers if layer.weights}
        train = {"inputs": {k: tensor_json(v) for k, v in x3.items()}, "target": tensor_json(np.asarray(y3)), "weights_after": after, "optimizer": model.optimizer.__class__.__name__, "iterations_before": 2}
        with open(os.path.join(folder, f"{slug}.expected.json"), "w") as f:
            json.dump({"source": f"Keras {keras.__version__} (backend {keras.backend.backend()}) loading {slug}.keras written by savedkeras", "cases": cases, "train_step": train, "h5_sha256": sha}, f)
        print("made", slug)


if __name__ == "__main__":
    main(sys.argv[1])
