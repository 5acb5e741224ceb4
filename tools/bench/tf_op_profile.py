#!/usr/bin/env python3
"""TensorFlow's own time per op of a SavedModel's serving signature, for the bound lines of `pnpm bench`'s tfRatio
misses (issue 15 item 6): a dev tool, never run by tests or CI.

  python tf_op_profile.py [--threads 1] [--batch 8] [--calls 50] SAVEDMODEL_DIR

Runs the serve graph in a tf.compat.v1 session (the kernels TF Serving and the bench's tf_predict.py run: oneDNN's
_MklNative* where TensorFlow picks them) on the same seeded batch as tf_predict.py (floats uniform in [0, 1), ints 0,
unknown non-batch dimensions 8), warm (three calls first), each call traced (step stats, FULL_TRACE), and prints per
node the median over the calls of the op's own time (op_end - op_start, microseconds of wall time), largest first, with
its op type and output shapes, then the median of the traced calls' total and of untraced calls (tracing adds a little).
Wall time: run it when the machine is quiet.
"""
import argparse
import os
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
parser = argparse.ArgumentParser()
parser.add_argument('--threads', type=int, default=1)
parser.add_argument('--batch', type=int, default=8)
parser.add_argument('--calls', type=int, default=50)
parser.add_argument('dir')
args = parser.parse_args()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(8)


def feed_value(shape, dtype):
    dims = [args.batch if i == 0 else (8 if d is None else d) for i, d in enumerate(shape)]
    if dtype.is_floating:
        return rng.random(dims, dtype=np.float32).astype(dtype.as_numpy_dtype)
    return np.zeros(dims, dtype.as_numpy_dtype)


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
for k, info in sorted(sig.inputs.items()):
    shape = [None if d.size < 0 else d.size for d in info.tensor_shape.dim]
    feed_dict[info.name] = feed_value(shape, tf.as_dtype(info.dtype))
fetches = [info.name for info in sig.outputs.values()]

for _ in range(3):
    sess.run(fetches, feed_dict=feed_dict)
plain = []
for _ in range(args.calls):
    t0 = time.perf_counter()
    sess.run(fetches, feed_dict=feed_dict)
    plain.append(1000 * (time.perf_counter() - t0))

per_node = {}
totals = []
options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
for _ in range(args.calls):
    md = tf.compat.v1.RunMetadata()
    t0 = time.perf_counter()
    sess.run(fetches, feed_dict=feed_dict, options=options, run_metadata=md)
    totals.append(1000 * (time.perf_counter() - t0))
    seen = {}
    for dev in md.step_stats.dev_stats:
        for ns in dev.node_stats:
            if ns.node_name in ('_SOURCE', '_SINK') or not ns.timeline_label:
                continue
            us = ns.op_end_rel_micros - ns.op_start_rel_micros
            op = ns.timeline_label.split('=')[-1].strip().split('(')[0].strip() if '=' in ns.timeline_label else ns.timeline_label
            shapes = [list(d.size for d in o.tensor_description.shape.dim) for o in ns.output]
            prev = seen.get(ns.node_name)
            seen[ns.node_name] = (op, shapes, us + (prev[2] if prev else 0))
    for name, (op, shapes, us) in seen.items():
        per_node.setdefault(name, (op, shapes, []))[2].append(us)

rows = sorted(((float(np.median(v)), name, op, shapes) for name, (op, shapes, v) in per_node.items()), reverse=True)
total_ops = sum(r[0] for r in rows)
print(f'{os.path.basename(os.path.normpath(args.dir))}: threads {args.threads}, batch {args.batch}, {args.calls} calls; '
      f'untraced call {np.median(plain):.3f} ms (median), traced {np.median(totals):.3f} ms, ops {total_ops / 1000:.3f} ms')
for us, name, op, shapes in rows:
    if us < 5:
        continue
    print(f'{us / 1000:8.3f} ms  {op:32s} {name}  {shapes}')
