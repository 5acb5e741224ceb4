#!/usr/bin/env python3
"""TensorFlow's own predict time for `pnpm bench` (issue 15: convolutions <= 2x TensorFlow CPU): a dev tool, never
run by tests or CI. bench/run.mjs calls it with the Python of a TensorFlow install (SAVEDKERAS_BENCH_PYTHON, else
../tfvenv/bin/python beside the repository) when that exists.

  python tf_predict.py --threads N --batch 8 SAVEDMODEL_DIR
    --threads 1: one intra-op and one inter-op thread; 0: TensorFlow's default (one per core)

Runs the serving_default signature on one seeded batch (floats uniform in [0, 1), ints 0; unknown non-batch
dimensions 8), reading the outputs back as numpy arrays, after two warm-up calls: at least 3 calls, more until
the calls took 2 s (at most 400), as the bench's own predict loop. Keras 2 SavedModels with optimizer slots that
TensorFlow 2.21 cannot revive ('add_slot') run in a tf.compat.v1 session over the serve graph, as TF Serving does.
Prints one JSON line: {"ms": median wall ms, "cpuMs": median process CPU ms, "calls": n, "threads": ..., "loader": ...}.
"""
import argparse
import json
import os
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
parser = argparse.ArgumentParser()
parser.add_argument('--threads', type=int, default=0)
parser.add_argument('--batch', type=int, default=8)
parser.add_argument('dir')
args = parser.parse_args()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if args.threads > 0:
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)

rng = np.random.default_rng(8)


def feed_value(shape, dtype):
    dims = [args.batch if i == 0 else (8 if d is None else d) for i, d in enumerate(shape)]
    if dtype.is_floating:
        return rng.random(dims, dtype=np.float32).astype(dtype.as_numpy_dtype)
    return np.zeros(dims, dtype.as_numpy_dtype)


try:
    loaded = tf.saved_model.load(args.dir)
    fn = loaded.signatures['serving_default']
    specs = fn.structured_input_signature[1]
    feeds = {k: tf.constant(feed_value(s.shape.as_list(), s.dtype)) for k, s in specs.items()}
    loader = 'tf2'

    def call():
        return [v.numpy() for v in fn(**feeds).values()]
except Exception:  # noqa: BLE001 - TF 2.21 without tf_keras: Keras 2 optimizer slots
    graph = tf.Graph()
    config = tf.compat.v1.ConfigProto()
    if args.threads > 0:
        config.intra_op_parallelism_threads = args.threads
        config.inter_op_parallelism_threads = args.threads
    sess = tf.compat.v1.Session(graph=graph, config=config)
    with graph.as_default():
        meta = tf.compat.v1.saved_model.loader.load(sess, ['serve'], args.dir)
    sig = meta.signature_def['serving_default']
    feed_dict = {}
    for k, info in sig.inputs.items():
        shape = [None if d.size < 0 else d.size for d in info.tensor_shape.dim]
        feed_dict[info.name] = feed_value(shape, tf.as_dtype(info.dtype))
    fetches = [info.name for info in sig.outputs.values()]
    loader = 'tf.compat.v1 session'

    def call():
        return sess.run(fetches, feed_dict=feed_dict)

for _ in range(2):
    call()
walls, cpus, spent = [], [], 0.0
while len(walls) < 3 or (spent < 2.0 and len(walls) < 400):
    t0, c0 = time.perf_counter(), time.process_time()
    call()
    walls.append(1000 * (time.perf_counter() - t0))
    cpus.append(1000 * (time.process_time() - c0))
    spent += walls[-1] / 1000
print(json.dumps({'ms': round(float(np.median(walls)), 3), 'cpuMs': round(float(np.median(cpus)), 3), 'calls': len(walls),
                  'threads': args.threads or 'default', 'loader': loader, 'tf': tf.__version__}))
