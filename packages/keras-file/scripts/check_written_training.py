"""Keras 3 resumes training from .keras files savedkeras wrote (test/write-training.test.ts writes
them with SAVEDKERAS_WRITE_DIR set): each loads compiled, with the optimizer class, iteration count and
every optimizer variable of the file Keras itself saved, and one train_on_batch from it reaches the
weights Keras reached from its own file (train_step.weights_after of test/data/<slug>.expected.json).

    SAVEDKERAS_WRITE_DIR=/tmp/wt pnpm vitest run packages/keras-file/test/write-training.test.ts
    /work/tfvenv/bin/python packages/keras-file/scripts/check_written_training.py /tmp/wt packages/keras-file/test/data
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

written, data = sys.argv[1], sys.argv[2]
worst_all = 0.0
for slug in ["seq-mlp", "func-cnn", "lstm"]:
    mine = keras.saving.load_model(os.path.join(written, f"{slug}-trained.keras"))
    theirs = keras.saving.load_model(os.path.join(data, f"{slug}-trained.keras"))
    assert mine.optimizer is not None and type(mine.optimizer) is type(theirs.optimizer), (slug, mine.optimizer)
    assert int(mine.optimizer.iterations) == int(theirs.optimizer.iterations) == 2
    a = [np.asarray(v) for v in mine.optimizer.variables]
    b = [np.asarray(v) for v in theirs.optimizer.variables]
    assert len(a) == len(b), (slug, len(a), len(b))
    var_diff = max(float(np.max(np.abs(x - y))) if x.size else 0.0 for x, y in zip(a, b))
    exp = json.load(open(os.path.join(data, f"{slug}.expected.json")))["train_step"]
    names = [t._keras_history.operation.name for t in mine.inputs]
    xs = [np.asarray(exp["inputs"][n]["value"], "float32") for n in names]
    y = np.asarray(exp["target"]["value"], exp["target"]["dtype"])
    mine.train_on_batch(xs if len(xs) > 1 else xs[0], y)
    worst = 0.0
    for layer, ws in exp["weights_after"].items():
        for w, want in zip(mine.get_layer(layer).weights, ws):
            worst = max(worst, float(np.max(np.abs(np.asarray(w) - np.asarray(want["value"], "float32")))))
    worst_all = max(worst_all, worst)
    print(f"{slug}: {type(mine.optimizer).__name__}, iterations 2, {len(a)} optimizer variables (max |diff| {var_diff:.2e}); after one step max |w - Keras' own| {worst:.2e}")
js = keras.saving.load_model(os.path.join(written, "js-adam.keras"))
print(f"js-adam: {type(js.optimizer).__name__}, iterations {int(js.optimizer.iterations)}, loss {js.loss}, lr {float(js.optimizer.learning_rate):.4g}")
assert worst_all < 1e-5
