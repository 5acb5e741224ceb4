"""Writes the small SavedModel of brute-force-index.test.ts (model/) and TensorFlow's outputs (expected.json).
Run with TensorFlow 2.x (made with TF 2.21 CPU): python packages/graph/test/brute-force-index/generate.py

The retrieval index of TensorFlow Recommenders' BruteForce layer, written with plain TF (same ops): candidate
embeddings and their string identifiers are variables; a query is scored against every candidate
(MatMul), TopKV2 picks the best, and the identifiers come out of a string variable by ResourceGather.
A second signature looks the ids up in a string -> int64 hash table and passes strings through
GatherV2, Reshape, ConcatV2, Tile, Slice, StridedSlice, Transpose, ReverseV2, Pack, ExpandDims, Select.
"""
import json, os, shutil
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(11)
IDS = np.array([f'movie-{i:02d}' for i in range(12)] + ['Amélie', 'naïve ☕'])


class BruteForce(tf.Module):
    def __init__(self):
        super().__init__()
        self.candidates = tf.Variable(rng.standard_normal((len(IDS), 6)).astype(np.float32), trainable=False)
        self.identifiers = tf.Variable(IDS, trainable=False)
        init = tf.lookup.KeyValueTensorInitializer(tf.constant(IDS), tf.range(len(IDS), dtype=tf.int64) * 10)
        self.table = tf.lookup.StaticHashTable(init, default_value=-1)

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32)])
    def query(self, q):
        scores = tf.matmul(q, self.candidates, transpose_b=True)
        top = tf.math.top_k(scores, k=4)
        return {'scores': top.values, 'identifiers': tf.gather(self.identifiers, top.indices)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def strings(self, ids):
        codes = self.table.lookup(ids)
        grid = tf.reshape(tf.concat([ids, ids[::-1]], 0), [2, -1])
        picked = tf.gather(grid, [1, 0], axis=0)
        flipped = tf.reverse(tf.transpose(picked), [1])
        stacked = tf.stack([ids, tf.where(codes > 50, ids, tf.fill(tf.shape(ids), 'small'))], axis=1)
        tiled = tf.tile(tf.expand_dims(ids[:2], 0), [2, 1])
        return {'codes': codes, 'flipped': flipped, 'stacked': stacked, 'tiled': tiled, 'sliced': tf.slice(grid, [0, 1], [2, 2])}


def enc(t):
    a = t.numpy()
    vals = [v.decode('utf-8') for v in a.reshape(-1)] if a.dtype == object else a.reshape(-1).tolist()
    return {'dtype': t.dtype.name, 'shape': list(a.shape), 'values': vals}


def main():
    out = os.path.join(HERE, 'model')
    shutil.rmtree(out, ignore_errors=True)
    m = BruteForce()
    tf.saved_model.save(m, out, signatures={'query': m.query, 'strings': m.strings})
    loaded = tf.saved_model.load(out)
    q = tf.constant(rng.standard_normal((3, 6)).astype(np.float32))
    ids = tf.constant(['movie-03', 'Amélie', 'unknown', 'movie-11', 'naïve ☕', 'movie-00'])
    cases = {
        'query': {'inputs': {'q': enc(q)}, 'outputs': {k: enc(v) for k, v in loaded.signatures['query'](q=q).items()}},
        'strings': {'inputs': {'ids': enc(ids)}, 'outputs': {k: enc(v) for k, v in loaded.signatures['strings'](ids=ids).items()}},
    }
    with open(os.path.join(HERE, 'expected.json'), 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': cases}, fh, ensure_ascii=False, separators=(',', ':'))
        fh.write('\n')


if __name__ == '__main__':
    main()
