# Generator of siamese-euclidean/ and siamese-euclidean.json (run with TF 2.21 + Keras 3; the tests never run it).
# Writes to /tmp/siamese/models/euc-dense{,.json}; copy both here.
import os, json, numpy as np, tensorflow as tf
import keras
from keras import layers, ops
out = '/tmp/siamese/models'
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
D = 12

class SqDist(layers.Layer):
    def call(self, a, b):
        return tf.reduce_sum(tf.square(a - b), axis=1, keepdims=True)
class EucDist(layers.Layer):
    def call(self, a, b):
        s = tf.reduce_sum(tf.square(a - b), axis=1, keepdims=True)
        return tf.sqrt(tf.maximum(s, keras.backend.epsilon()))
class RawSqrtDist(layers.Layer):
    def call(self, a, b):
        return tf.sqrt(tf.reduce_sum(tf.square(a - b), axis=1, keepdims=True))
class NormDist(layers.Layer):
    def call(self, a, b):
        a = tf.math.l2_normalize(a, axis=1); b = tf.math.l2_normalize(b, axis=1)
        return tf.reduce_sum(tf.square(a - b), axis=1, keepdims=True)
class ExpandedDist(layers.Layer):
    def call(self, a, b):
        aa = tf.reduce_sum(a * a, axis=1, keepdims=True); bb = tf.reduce_sum(b * b, axis=1, keepdims=True)
        ab = tf.reduce_sum(a * b, axis=1, keepdims=True)
        return tf.sqrt(tf.maximum(aa + bb - 2.0 * ab, 0.0))
class NormTfNorm(layers.Layer):
    def call(self, a, b):
        return tf.norm(a - b, axis=1, keepdims=True)
class PowDist(layers.Layer):
    def call(self, a, b):
        return tf.pow(tf.reduce_sum(tf.pow(a - b, 2.0), axis=1, keepdims=True), 0.5)

def embedder(kind):
    if kind == 'dense':
        return keras.Sequential([layers.Dense(16, activation='relu'), layers.Dense(8)], name='emb')
    if kind == 'deadrelu':  # final relu with negative bias: embeddings are exactly 0 for most inputs
        m = keras.Sequential([layers.Dense(16, activation='relu'), layers.Dense(8, activation='relu', bias_initializer=keras.initializers.Constant(-20.0))], name='emb')
        return m
    if kind == 'bn':
        return keras.Sequential([layers.Dense(16), layers.BatchNormalization(), layers.Activation('relu'), layers.Dense(8)], name='emb')
    if kind == 'conv':
        return keras.Sequential([layers.Reshape((D, 1)), layers.Conv1D(4, 3, activation='relu'), layers.MaxPooling1D(2), layers.Flatten(), layers.Dense(8)], name='emb')

def build(name, dist_cls, kind, same_input=False):
    ia = keras.Input((D,), name='left'); ib = keras.Input((D,), name='right')
    emb = embedder(kind)
    ea = emb(ia); eb = emb(ib)
    d = dist_cls()(ea, eb)
    dd = dist_cls()(ea, ea)  # the distance of an embedding to itself: TF gives exactly 0
    sim = layers.Dense(1, activation='sigmoid')(d)
    m = keras.Model([ia, ib], [d, dd, sim])
    x = {'left': rng.standard_normal((4, D)).astype('float32'), 'right': rng.standard_normal((4, D)).astype('float32')}
    y = m.predict([x['left'], x['right']], verbose=0)
    path = f'{out}/{name}'
    m.export(path, verbose=False)
    loaded = tf.saved_model.load(path)
    f = loaded.signatures['serving_default']
    res = f(left=tf.constant(x['left']), right=tf.constant(x['right']))
    json.dump({'inputs': {k: v.tolist() for k, v in x.items()}, 'outputs': {k: v.numpy().tolist() for k, v in res.items()}}, open(path + '.json', 'w'))
    print(name, {k: (np.isnan(v.numpy()).sum(), float(np.abs(v.numpy()).min())) for k, v in res.items()})

build('euc-dense', EucDist, 'dense')
