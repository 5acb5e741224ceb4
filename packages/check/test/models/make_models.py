"""Generates the small SavedModels the @savedkeras/check tests read (run once; tests never need Python).

    /path/to/python packages/check/test/models/make_models.py

- per-feature-embeddings: a tf.Module recommender whose two int64 ids index their own embedding
  tables (4 and 7 rows) through ResourceGather: valid ids are below each table's size.
- vocab-lookup: a string input looked up in a StaticHashTable vocabulary (whole strings, no split),
  then gathered from an embedding: only the table's words exercise the lookup.
- computed-table: ids index a table computed at run time (variable * 2): the graph does not say its
  size, so the check cannot build a valid input by itself.
"""
import os
import shutil

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = ["alpha", "bravo", "charlie", "delta", "echo"]


class PerFeatureEmbeddings(tf.Module):
    def __init__(self):
        super().__init__()
        self.user = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32), [4, 3]) / 10.0)
        self.item = tf.Variable(tf.reshape(tf.range(21, dtype=tf.float32), [7, 3]) / 20.0)

    @tf.function(input_signature=[tf.TensorSpec([None, 5], tf.int64, name="user_id"), tf.TensorSpec([None, 5], tf.int64, name="item_id")])
    def score(self, user_id, item_id):
        u = tf.gather(self.user, user_id)
        i = tf.gather(self.item, item_id)
        return {"score": tf.reduce_sum(u * i, axis=-1)}


class VocabLookup(tf.Module):
    def __init__(self):
        super().__init__()
        init = tf.lookup.KeyValueTensorInitializer(tf.constant(VOCAB), tf.range(1, len(VOCAB) + 1, dtype=tf.int64))
        self.table = tf.lookup.StaticHashTable(init, default_value=0)
        self.emb = tf.Variable(tf.reshape(tf.range(len(VOCAB) + 1, dtype=tf.float32), [-1, 1]))

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.string, name="word")])
    def embed(self, word):
        ids = self.table.lookup(word)
        return {"vector": tf.gather(self.emb, ids)}


class ComputedTable(tf.Module):
    def __init__(self):
        super().__init__()
        self.table = tf.Variable(tf.reshape(tf.range(8, dtype=tf.float32), [4, 2]))

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.int32, name="ids")])
    def lookup(self, ids):
        doubled = self.table * 2.0
        return {"rows": tf.gather(doubled, ids)}


def save(module, name, fn):
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    tf.saved_model.save(module, out, signatures={"serving_default": fn})
    print(name, sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs), "bytes")


m = PerFeatureEmbeddings()
save(m, "per-feature-embeddings", m.score)
v = VocabLookup()
save(v, "vocab-lookup", v.embed)
c = ComputedTable()
save(c, "computed-table", c.lookup)
