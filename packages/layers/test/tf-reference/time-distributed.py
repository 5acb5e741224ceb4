"""Makes time-distributed.json: keras.layers.TimeDistributed outputs from TensorFlow / Keras.

Dev tool only (tests read the JSON, never run Python):
    /work/tfvenv/bin/python packages/layers/test/tf-reference/time-distributed.py
"""
import json
import os

import numpy as np
import keras
import tensorflow as tf

rng = np.random.default_rng(15)


def case(name, inner, input_shape):
    x = rng.standard_normal(input_shape).astype("float32")
    layer = keras.layers.TimeDistributed(inner)
    layer.build(input_shape)
    weights = []
    for w in layer.get_weights():
        weights.append(rng.uniform(-0.5, 0.5, w.shape).astype("float32"))
    layer.set_weights(weights)
    y = np.asarray(layer(x))
    return {
        "name": name,
        "shape": list(input_shape),
        "x": x.ravel().tolist(),
        "weights": [{"shape": list(w.shape), "values": w.ravel().tolist()} for w in weights],
        "yShape": list(y.shape),
        "y": y.ravel().tolist(),
    }


cases = [
    case("conv2d same relu", keras.layers.Conv2D(4, 3, padding="same", activation="relu"), (2, 3, 6, 6, 2)),
    case("dense tanh", keras.layers.Dense(5, activation="tanh"), (2, 4, 3)),
    case("maxpooling2d", keras.layers.MaxPooling2D(2), (2, 3, 6, 6, 2)),
    case("flatten", keras.layers.Flatten(), (2, 3, 2, 2, 3)),
    case("conv1d valid", keras.layers.Conv1D(3, 2), (3, 2, 5, 2)),
]
out = {
    "generator": f"TensorFlow {tf.__version__} / Keras {keras.__version__}: keras.layers.TimeDistributed(inner) with the weights below",
    "cases": cases,
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "time-distributed.json"), "w") as f:
    json.dump(out, f)
