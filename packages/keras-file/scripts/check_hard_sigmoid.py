"""Keras 3 loads hard-sigmoid.keras (written by savedkeras from a JS model using tfjs' hard_sigmoid;
test/layouts.test.ts writes it when SAVEDKERAS_WRITE_DIR is set) and predicts on fixed inputs:
test/data/hard-sigmoid.expected.json, which the test compares with the JS model's own predictions.

    SAVEDKERAS_WRITE_DIR=/tmp/hs pnpm vitest run packages/keras-file/test/layouts.test.ts
    /work/tfvenv/bin/python packages/keras-file/scripts/check_hard_sigmoid.py /tmp/hs/hard-sigmoid.keras packages/keras-file/test/data
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

model = keras.saving.load_model(sys.argv[1], compile=False)
rng = np.random.default_rng(5)
cases = []
for _ in range(2):
    x = rng.normal(scale=1.5, size=(2, 5, 3)).astype("float32")
    y = np.asarray(model.predict(x, verbose=0))
    cases.append({"inputs": {"seq": {"dtype": "float32", "shape": list(x.shape), "value": x.tolist()}}, "outputs": {"out": {"dtype": "float32", "shape": list(y.shape), "value": y.tolist()}}})
with open(os.path.join(sys.argv[2], "hard-sigmoid.expected.json"), "w") as f:
    json.dump({"source": f"Keras {keras.__version__} predicting with hard-sigmoid.keras written by savedkeras", "cases": cases}, f)
print("activations:", [getattr(l, "activation", None) for l in model.layers])
