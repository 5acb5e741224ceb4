"""Loads .keras files written by savedkeras with Keras 3 and compares model.predict with the
fixtures' reference/expected.json. A development check (tests never need Python):

    SAVEDKERAS_WRITE_DIR=/tmp/written pnpm vitest run packages/keras-file/test/write-fixtures.test.ts
    /work/tfvenv/bin/python packages/keras-file/scripts/check_written.py /tmp/written ../shared/fixtures/keras-files
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402


@keras.saving.register_keras_serializable(package="demo")
class ScaledDense(keras.layers.Layer):
    """Python twin of the fixture's custom layer: activation((x @ kernel + bias) * gain)."""

    def __init__(self, units, activation=None, gain_init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.gain_init = gain_init

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer="zeros")
        self.gain = self.add_weight(shape=(), name="gain", initializer=keras.initializers.Constant(self.gain_init))

    def call(self, x):
        return self.activation((keras.ops.matmul(x, self.kernel) + self.bias) * self.gain)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": keras.activations.serialize(self.activation), "gain_init": self.gain_init}


def main(written_dir, fixtures_dir):
    failures = 0
    for name in sorted(os.listdir(written_dir)):
        if not name.endswith(".keras"):
            continue
        slug = name[: -len(".keras")]
        ref = os.path.join(fixtures_dir, slug, "reference", "expected.json")
        try:
            model = keras.saving.load_model(os.path.join(written_dir, name), compile=False)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {slug}: Keras cannot load it: {type(e).__name__}: {str(e)[:400]}")
            failures += 1
            continue
        if not os.path.exists(ref):
            print(f"ok   {slug}: loads (no reference)")
            continue
        worst = 0.0
        for case in json.load(open(ref))["cases"]:
            inputs = {k: np.array(v["value"], dtype=object if v["dtype"] == "string" else v["dtype"]) for k, v in case["inputs"].items()}
            in_names = [t._keras_history.operation.name for t in model.inputs]
            args = [inputs[n] for n in in_names] if len(inputs) > 1 else list(inputs.values())
            out = model(args if len(args) > 1 else args[0], training=False)
            outs = out if isinstance(out, (list, tuple)) else [out]
            out_names = [t._keras_history.operation.name for t in model.outputs]
            for o_name, o in zip(out_names, outs):
                want = np.array(case["outputs"][o_name]["value"], dtype=np.float64)
                got = np.array(o, dtype=np.float64)
                worst = max(worst, float(np.max(np.abs(got - want) / (1 + np.abs(want)))))
        ok = worst <= 1e-4
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {slug}: Keras 3 predictions vs reference, worst relative error {worst:.2e}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1], sys.argv[2]) else 0)
