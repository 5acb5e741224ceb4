"""Writes model.keras (a tiny Keras 3 model that uses one custom object of every kind) and
expected.json (Keras' own answers), for custom-objects.test.ts. Run with TensorFlow/Keras 3:
    /work/tfvenv/bin/python packages/savedkeras/test/custom-objects/generate.py
"""
import json
import os

import numpy as np
import keras
from keras import ops

HERE = os.path.dirname(os.path.abspath(__file__))


@keras.saving.register_keras_serializable(package="demo")
def scaled_tanh(x):
    return 1.5 * ops.tanh(x)


@keras.saving.register_keras_serializable(package="demo")
class SumOfSquares(keras.regularizers.Regularizer):
    def __init__(self, factor=0.0):
        self.factor = factor

    def __call__(self, w):
        return self.factor * ops.sum(ops.square(w))

    def get_config(self):
        return {"factor": self.factor}


@keras.saving.register_keras_serializable(package="demo")
class Filled(keras.initializers.Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ops.full(shape, self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


@keras.saving.register_keras_serializable(package="demo")
class ClipTo(keras.constraints.Constraint):
    def __init__(self, limit=1.0):
        self.limit = limit

    def __call__(self, w):
        return ops.clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


@keras.saving.register_keras_serializable(package="demo")
def scaled_mse(y_true, y_pred):
    return 2.0 * ops.mean(ops.square(y_true - y_pred), axis=-1)


@keras.saving.register_keras_serializable(package="demo")
def mean_abs_error_x3(y_true, y_pred):
    return 3.0 * ops.mean(ops.abs(y_true - y_pred), axis=-1)


rng = np.random.default_rng(12)
inp = keras.Input(shape=(3,), name="x")
h = keras.layers.Dense(4, activation=scaled_tanh, kernel_regularizer=SumOfSquares(0.01), bias_initializer=Filled(0.1),
                       kernel_constraint=ClipTo(0.3), name="hidden")(inp)
out = keras.layers.Dense(2, name="out")(h)
model = keras.Model(inp, out, name="custom_everything")
for layer in model.layers[1:]:
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
# Saved weights satisfy the kernel constraint, as after any Keras training step (tfjs applies a
# constraint on every write, loading included; Keras only after an update). Several sit on its
# edge, so the step below pushes some outside and the constraint must clip them back.
hidden = model.get_layer("hidden")
hidden.set_weights([np.clip(hidden.get_weights()[0], -0.3, 0.3), hidden.get_weights()[1]])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=scaled_mse, metrics=[mean_abs_error_x3])

x = rng.normal(0, 1, (5, 3)).astype("float32")
y = rng.normal(0, 1, (5, 2)).astype("float32")
model.save(os.path.join(HERE, "model.keras"))
predicted = model.predict(x, verbose=0)
loss_before, metric_before = model.evaluate(x, y, batch_size=5, verbose=0)
model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
after = {w.path: np.asarray(w).tolist() for w in model.weights}

# from_logits: a sparse categorical cross-entropy on logits, compiled by name with its config.
inp2 = keras.Input(shape=(3,), name="x")
logits = keras.layers.Dense(4, name="logits")(inp2)
clf = keras.Model(inp2, logits, name="logits_model")
clf.layers[1].set_weights([rng.normal(0, 1, (3, 4)).astype("float32"), rng.normal(0, 1, (4,)).astype("float32")])
clf.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
labels = np.array([0, 3, 1, 2, 3], dtype="float32")
clf.save(os.path.join(HERE, "logits.keras"))
logits_loss_before = clf.evaluate(x, labels, batch_size=5, verbose=0)
clf.fit(x, labels, batch_size=5, epochs=1, shuffle=False, verbose=0)
logits_after = {w.path: np.asarray(w).tolist() for w in clf.weights}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({
        "keras": keras.__version__,
        "x": x.tolist(), "y": y.tolist(),
        "predicted": predicted.tolist(),
        "loss_before": float(loss_before), "metric_before": float(metric_before),
        "weights_after_one_sgd_step": after,
        "labels": labels.tolist(),
        "logits_loss_before": float(logits_loss_before),
        "logits_weights_after_one_sgd_step": logits_after,
    }, f, indent=1)
print("written", keras.__version__)
