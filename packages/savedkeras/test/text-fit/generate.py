"""TensorFlow's numbers for one SGD step of the text fixtures (text-fit.test.ts, model.fit).

Run from the worktree (needs /work/shared fixtures and TensorFlow; CI never runs it):
    /work/tfvenv/bin/python packages/savedkeras/test/text-fit/generate.py

The TF 2.12 text model is loaded with tf.saved_model.load (TensorFlow's restored Keras call under
a GradientTape); the TF 2.5 spam MLP (whose Keras 2 optimizer TF 2.21 cannot revive) is written out in TF ops
in float64 over the weights TF reads from its checkpoint.
(legacy-tf24-textvectorization fits neither way: TF 2.21 cannot revive its optimizer and
tf.gradients stops at its lookup-table resource; the test checks it against the serving graph's
loss instead.) The loss is Keras'
sparse / binary cross-entropy on the model's probabilities (clipped to [1e-7, 1 - 1e-7]), the
gradient is taken w.r.t. every kernel / bias / embeddings variable; one plain SGD step w - lr * g is applied and the loss measured again.
Both run in inference mode: the test turns the models' Dropout off to match.
"""
import json
import os

import numpy as np
import tensorflow as tf

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../../shared/fixtures/savedmodels')
TEXTS = [
    'the cat sat on the mat',
    'graphs of tensors',
    'attention is all you need',
    'a survey of deep learning',
    'quantum computing for physics',
    'on a mat',
    'neural networks learn',
]
# Token ids for the spam model (its tokenizer was not saved): rows of 8 ids below its vocabulary.
TOKENS = [[(r * 37 + c * 101 + 5) % 7955 for c in range(8)] for r in range(7)]
LR = 0.05
EPS = 1e-7


def loss_of(probs, labels, classes):
    p = tf.clip_by_value(tf.cast(probs, tf.float64), EPS, 1 - EPS)
    if classes > 1:
        return -tf.reduce_mean(tf.math.log(tf.gather(p, labels, axis=1, batch_dims=1)))
    y = tf.constant(labels, tf.float64)[:, None]
    return -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))


def record(out, name, gr):
    gr = np.asarray(gr, np.float64)
    flat = gr.reshape(-1)
    top = np.argsort(-np.abs(flat))[:16]
    out['variables'].append({
        'name': name, 'shape': list(gr.shape),
        'gradNorm': float(np.linalg.norm(flat)),
        'grad': [[int(i), float(flat[i])] for i in sorted(top)],
    })


def case_tf2(slug, classes, inputs):
    """TF2 loading (models whose optimizer TF 2.21 can revive): the restored Keras call under a GradientTape."""
    model = tf.saved_model.load(os.path.join(FIXTURES, slug))
    x = tf.constant(np.array(inputs, dtype=object)[:, None])
    labels = [i % classes if classes > 1 else i % 2 for i in range(len(inputs))]
    variables = list(model.trainable_variables)
    with tf.GradientTape() as tape:
        loss0 = loss_of(model(x, training=False), labels, classes)
    grads = tape.gradient(loss0, variables)
    out = {'labels': labels, 'lossBefore': float(loss0), 'variables': []}
    for v, g in zip(variables, grads):
        g = tf.convert_to_tensor(g).numpy()
        record(out, v.name.split(':')[0], g)
        v.assign_sub(LR * g.astype(np.float32))
    out['lossAfter'] = float(loss_of(model(x, training=False), labels, classes))
    return out


def case_spam(inputs):
    """The spam MLP written out in TensorFlow ops (float64) over its checkpoint's weights, read by TF."""
    d = os.path.join(FIXTURES, 'seq-embedding-flatten-spam-tf25')
    ckpt = tf.train.load_checkpoint(os.path.join(d, 'variables', 'variables'))
    names = ['embedding_4/embeddings', 'dense_4/kernel', 'dense_4/bias', 'dense_5/kernel', 'dense_5/bias',
             'dense_6/kernel', 'dense_6/bias', 'dense_7/kernel', 'dense_7/bias']
    keys = ['layer_with_weights-0/embeddings'] + ['layer_with_weights-%d/%s' % (i, k) for i in range(1, 5) for k in ('kernel', 'bias')]
    ws = [tf.Variable(ckpt.get_tensor(k + '/.ATTRIBUTES/VARIABLE_VALUE').astype(np.float64)) for k in keys]
    ids = tf.constant(inputs, tf.int32)
    labels = [i % 2 for i in range(len(inputs))]

    def forward():
        h = tf.reshape(tf.gather(ws[0], ids), [len(inputs), -1])
        for i in range(1, 7, 2):
            h = tf.nn.relu(h @ ws[i] + ws[i + 1])  # Dense 500, 200, (Dropout: off), 100, relu
        return tf.sigmoid(h @ ws[7] + ws[8])

    with tf.GradientTape() as tape:
        loss0 = loss_of(forward(), labels, 1)
    grads = tape.gradient(loss0, ws)
    out = {'labels': labels, 'lossBefore': float(loss0), 'variables': []}
    for name, v, g in zip(names, ws, grads):
        g = tf.convert_to_tensor(g).numpy()
        record(out, name, g)
        v.assign_sub(LR * g)
    out['lossAfter'] = float(loss_of(forward(), labels, 1))
    return out


result = {
    'source': 'TensorFlow ' + tf.__version__ + ': serving graph in a TF1 session, tf.gradients, one SGD step (generate.py)',
    'texts': TEXTS,
    'tokens': TOKENS,
    'learningRate': LR,
    'models': {
        'textvectorization-embedding-tf212': case_tf2('textvectorization-embedding-tf212', 30, TEXTS),
        'seq-embedding-flatten-spam-tf25': case_spam(TOKENS),
    },
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sgd-step.json')
with open(path, 'w') as f:
    json.dump(result, f, indent=1)
    f.write('\n')
for k, v in result['models'].items():
    print(k, v['lossBefore'], v['lossAfter'], [(w['name'], round(w['gradNorm'], 5)) for w in v['variables']])
