"""Writes the SavedModel of cudnn-export.test.ts (model/) and the outputs it must give (expected.json).
Run with TensorFlow 2.x + Keras 3 (made with TF 2.21 / Keras 3.15, CPU):
    python packages/graph/test/cudnn-export/generate.py

What a Keras 3 LSTM / GRU saves when exported on a GPU: the layer's kernel, recurrent kernel and bias
packed into cuDNN's canonical params, a batch-major CudnnRNNV3 call (sequence lengths from the mask, or
the full length), states with the batch first. TensorFlow's CPU build can trace and save this graph but not
run it, so the expected outputs are those of the same Keras layers on CPU (their non-cuDNN
implementation) with the same weights.
"""
import json, os, shutil
import numpy as np
import tensorflow as tf
import keras

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(5)
T, I, U = 6, 4, 5


def canonical_params(weights, biases):
    # every matrix transposed to [units, inputs] and flattened, then every bias
    return tf.concat([tf.reshape(tf.transpose(w), [-1]) for w in weights] + [tf.reshape(b, [-1]) for b in biases], 0)


class CudnnExport(tf.Module):
    def __init__(self, lstm, gru):
        super().__init__()
        self.lk, self.lr, self.lb = [tf.Variable(w) for w in lstm.get_weights()]
        self.gk, self.gr, self.gb = [tf.Variable(w) for w in gru.get_weights()]

    def _lengths(self, x, mask):
        if mask is None:
            return tf.fill([tf.shape(x)[0]], tf.shape(x)[1])
        return tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)

    def _lstm(self, x, mask):
        b = tf.shape(x)[0]
        h0 = tf.zeros([b, 1, U])
        weights = tf.split(self.lk, 4, axis=1) + tf.split(self.lr, 4, axis=1)
        biases = tf.split(tf.concat([tf.zeros_like(self.lb), self.lb], 0), 8)
        out, h, c, _, _ = tf.raw_ops.CudnnRNNV3(input=x, input_h=h0, input_c=h0, params=canonical_params(weights, biases), is_training=True,
                                                rnn_mode='lstm', sequence_lengths=self._lengths(x, mask), time_major=False)
        return out, tf.squeeze(h, 1), tf.squeeze(c, 1)

    def _gru(self, x, mask):
        b = tf.shape(x)[0]
        h0 = tf.zeros([b, 1, U])
        w = tf.split(self.gk, 3, axis=1) + tf.split(self.gr, 3, axis=1)
        bias = tf.split(tf.reshape(self.gb, [-1]), 6)
        # Keras orders the GRU gates z, r, h; cuDNN r, z, h
        w[0], w[1], w[3], w[4] = w[1], w[0], w[4], w[3]
        bias[0], bias[1], bias[3], bias[4] = bias[1], bias[0], bias[4], bias[3]
        out, h, _, _, _ = tf.raw_ops.CudnnRNNV3(input=x, input_h=h0, input_c=tf.zeros([0]), params=canonical_params(w, bias), is_training=True,
                                                rnn_mode='gru', sequence_lengths=self._lengths(x, mask), time_major=False)
        return out, tf.squeeze(h, 1)

    @tf.function(input_signature=[tf.TensorSpec([None, None, I], tf.float32)])
    def lstm(self, x):
        out, h, c = self._lstm(x, None)
        return {'sequence': out, 'h': h, 'c': c}

    @tf.function(input_signature=[tf.TensorSpec([None, None, I], tf.float32), tf.TensorSpec([None, None], tf.bool)])
    def gru_masked(self, x, mask):
        out, h = self._gru(x, mask)
        return {'sequence': out, 'h': h}


def enc(a):
    a = np.asarray(a)
    return {'dtype': str(a.dtype), 'shape': list(a.shape), 'values': a.reshape(-1).tolist()}


def main():
    lstm = keras.layers.LSTM(U, return_sequences=True, return_state=True)
    gru = keras.layers.GRU(U, return_sequences=True, return_state=True, reset_after=True)
    lstm.build((None, None, I))
    gru.build((None, None, I))
    lstm.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32) for w in lstm.get_weights()])
    gru.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32) for w in gru.get_weights()])
    out = os.path.join(HERE, 'model')
    shutil.rmtree(out, ignore_errors=True)
    m = CudnnExport(lstm, gru)
    tf.saved_model.save(m, out, signatures={'lstm': m.lstm, 'gru_masked': m.gru_masked})
    x = rng.standard_normal((3, T, I)).astype(np.float32)
    seq, h, c = lstm(x)
    lengths = [6, 4, 1]
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    # cuDNN with sequence lengths: steps past a sequence's end output zeros and leave its state alone
    gseq = np.zeros((3, T, U), np.float32)
    gh = np.zeros((3, U), np.float32)
    for b, L in enumerate(lengths):
        s, hb = gru(x[b:b + 1, :L])
        gseq[b, :L] = np.asarray(s)[0]
        gh[b] = np.asarray(hb)[0]
    cases = {
        'lstm': {'inputs': {'x': enc(x)}, 'outputs': {'sequence': enc(seq), 'h': enc(h), 'c': enc(c)}},
        'gru_masked': {'inputs': {'x': enc(x), 'mask': enc(mask)}, 'outputs': {'sequence': enc(gseq), 'h': enc(gh)}},
    }
    with open(os.path.join(HERE, 'expected.json'), 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'keras': keras.__version__, 'cases': cases}, fh, separators=(',', ':'))
        fh.write('\n')


if __name__ == '__main__':
    main()
