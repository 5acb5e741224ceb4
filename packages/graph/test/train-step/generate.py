"""Writes the small SavedModel of train-step.test.ts (model/) and TensorFlow's weights after its train
signatures (expected.json). Run with TensorFlow 2.x (made with TF 2.21 CPU):
    python packages/graph/test/train-step/generate.py

A tf.Module with an MLP and one `train_*` signature per optimizer, written the way Keras 2's optimizers
and a subclassed model's custom train step save them: GradientTape gradients (BroadcastGradientArgs,
ReluGrad, SigmoidGrad, TanhGrad, BiasAddGrad, MatMul with transposes, Sum/Reshape/Tile gradients, softmax
cross-entropy, DynamicStitch) and ResourceApply* updates of variables and their slots (GradientDescent,
Momentum, KerasMomentum, Adam, AdamWithAmsgrad, AdaMax, RMSProp, CenteredRMSProp, Adagrad, AdagradV2, Adadelta).
"""
import json, os, shutil
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def var(*shape, scale=0.5, name=None):
    return tf.Variable((rng.standard_normal(shape) * scale).astype(np.float32), name=name)


def slot(v, value=0.0):
    return tf.Variable(tf.fill(v.shape, value), name=None)


class Trainer(tf.Module):
    def __init__(self):
        super().__init__()
        self.w1, self.b1 = var(4, 8), var(8, scale=0.1)
        self.w2, self.b2 = var(8, 3), var(3, scale=0.1)
        self.mom = [slot(v) for v in self.params]
        self.kmom = [slot(v) for v in self.params]
        self.m = [slot(v) for v in self.params]
        self.v = [slot(v) for v in self.params]
        self.ms = [slot(v, 1.0) for v in self.params]
        self.mg = [slot(v) for v in self.params]
        self.rmom = [slot(v) for v in self.params]

        self.beta1_power = tf.Variable(0.9)
        self.beta2_power = tf.Variable(0.999)
        self.step = tf.Variable(0, dtype=tf.int64)

    @property
    def params(self):  # not an attribute: every variable keeps one object path
        return [self.w1, self.b1, self.w2, self.b2]

    def mlp(self, x, act):
        h = act(tf.nn.bias_add(tf.matmul(x, self.w1), self.b1))
        return tf.matmul(h, self.w2) + self.b2

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None], tf.int32)])
    def train_sgd(self, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=self.mlp(x, tf.nn.relu)))
        grads = tape.gradient(loss, self.params)
        for v, g in zip(self.params, grads):
            tf.raw_ops.ResourceApplyGradientDescent(var=v.handle, alpha=tf.constant(0.1), delta=g)
        self.step.assign_add(1)
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    def train_momentum(self, x, y):
        with tf.GradientTape() as tape:
            logits = self.mlp(x, tf.nn.sigmoid)
            loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)) / tf.cast(tf.shape(x)[0], tf.float32)
        grads = tape.gradient(loss, self.params)
        for i, (v, g) in enumerate(zip(self.params, grads)):
            if i % 2 == 0:
                tf.raw_ops.ResourceApplyMomentum(var=v.handle, accum=self.mom[i].handle, lr=tf.constant(0.05), grad=g, momentum=tf.constant(0.9),
                                                 use_nesterov=(i == 2))
            else:
                tf.raw_ops.ResourceApplyKerasMomentum(var=v.handle, accum=self.kmom[i].handle, lr=tf.constant(0.05), grad=g,
                                                      momentum=tf.constant(0.9), use_nesterov=(i == 3))
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    def train_adam(self, x, y):
        with tf.GradientTape() as tape:
            pred = self.mlp(x, tf.nn.tanh)
            loss = tf.reduce_mean(tf.square(pred - y)) + 0.01 * tf.nn.l2_loss(self.w1)
        grads = tape.gradient(loss, self.params)
        for i, (v, g) in enumerate(zip(self.params, grads)):
            tf.raw_ops.ResourceApplyAdam(var=v.handle, m=self.m[i].handle, v=self.v[i].handle, beta1_power=self.beta1_power.read_value(),
                                         beta2_power=self.beta2_power.read_value(), lr=tf.constant(0.01), beta1=tf.constant(0.9),
                                         beta2=tf.constant(0.999), epsilon=tf.constant(1e-7), grad=g, use_nesterov=(i == 1))
        self.beta1_power.assign(self.beta1_power * 0.9)
        self.beta2_power.assign(self.beta2_power * 0.999)
        self.step.assign_add(1)
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    def train_rmsprop(self, x, y):
        with tf.GradientTape() as tape:
            pred = self.mlp(x, tf.nn.elu)
            loss = tf.reduce_mean(tf.abs(pred - y)) + tf.reduce_mean(tf.reduce_sum(tf.square(tf.tile(pred, [1, 2])), axis=1))
        grads = tape.gradient(loss, self.params)
        for i, (v, g) in enumerate(zip(self.params, grads)):
            if i < 2:
                tf.raw_ops.ResourceApplyRMSProp(var=v.handle, ms=self.ms[i].handle, mom=self.rmom[i].handle, lr=tf.constant(0.01),
                                                rho=tf.constant(0.9), momentum=tf.constant(0.5), epsilon=tf.constant(1e-6), grad=g)
            else:
                tf.raw_ops.ResourceApplyCenteredRMSProp(var=v.handle, mg=self.mg[i].handle, ms=self.ms[i].handle, mom=self.rmom[i].handle,
                                                        lr=tf.constant(0.01), rho=tf.constant(0.9), momentum=tf.constant(0.0),
                                                        epsilon=tf.constant(1e-6), grad=g)
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None], tf.int32)])
    def train_adaptive(self, x, y):
        with tf.GradientTape() as tape:
            logits = self.mlp(x, tf.nn.softplus)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        g = tape.gradient(loss, self.params)
        b1p, b2p = self.beta1_power.read_value(), self.beta2_power.read_value()
        c = tf.constant
        tf.raw_ops.ResourceApplyAdamWithAmsgrad(var=self.w1.handle, m=self.m[0].handle, v=self.v[0].handle, vhat=self.mg[0].handle, beta1_power=b1p,
                                                beta2_power=b2p, lr=c(0.01), beta1=c(0.9), beta2=c(0.999), epsilon=c(1e-7), grad=g[0])
        tf.raw_ops.ResourceApplyAdagradV2(var=self.b1.handle, accum=self.ms[1].handle, lr=c(0.1), epsilon=c(1e-7), grad=g[1])
        tf.raw_ops.ResourceApplyAdadelta(var=self.w2.handle, accum=self.m[2].handle, accum_update=self.v[2].handle, lr=c(1.0), rho=c(0.95),
                                         epsilon=c(1e-6), grad=g[2])
        tf.raw_ops.ResourceApplyAdaMax(var=self.b2.handle, m=self.m[3].handle, v=self.v[3].handle, beta1_power=b1p, lr=c(0.01), beta1=c(0.9),
                                       beta2=c(0.999), epsilon=c(1e-7), grad=g[3])
        self.beta1_power.assign(self.beta1_power * 0.9)
        self.beta2_power.assign(self.beta2_power * 0.999)
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None], tf.int32)])
    def train_adagrad(self, x, y):
        with tf.GradientTape() as tape:
            logits = self.mlp(x, tf.nn.relu6)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        for v, acc, g in zip(self.params, self.ms, tape.gradient(loss, self.params)):
            tf.raw_ops.ResourceApplyAdagrad(var=v.handle, accum=acc.handle, lr=tf.constant(0.1), grad=g)
        return {'loss': loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def predict(self, x):
        return {'probabilities': tf.nn.softmax(self.mlp(x, tf.nn.relu))}


SCALARS = ['w1', 'b1', 'w2', 'b2', 'beta1_power', 'beta2_power', 'step']
LISTS = ['mom', 'kmom', 'm', 'v', 'ms', 'mg', 'rmom']


def object_paths(obj):
    """Every variable by its object-graph path (root.w1, root.mom.0, ...)."""
    out = [(f'root.{a}', getattr(obj, a)) for a in SCALARS]
    for a in LISTS:
        out += [(f'root.{a}.{i}', v) for i, v in enumerate(getattr(obj, a))]
    return out


class KerasOptimizerTrainer(tf.Module):
    """A Keras 3 optimizer in a tf.Module's train step: its update is plain variable arithmetic
    (AssignSubVariableOp, AssignAddVariableOp, Pow, Sqrt, ...), not ResourceApply* ops."""

    def __init__(self):
        super().__init__()
        import keras
        self.w = var(4, 3)
        self.b = var(3, scale=0.1)
        self.opt = keras.optimizers.Adam(0.01)
        self.opt.build([self.w, self.b])

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    def train_keras_adam(self, x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.nn.sigmoid(x @ self.w + self.b) - y))
        grads = tape.gradient(loss, [self.w, self.b])
        self.opt.apply_gradients(zip(grads, [self.w, self.b]))
        return {'loss': loss}


def run_steps(out, name, feed, paths):
    loaded = tf.saved_model.load(out)  # a fresh copy per signature: every case starts from the saved weights
    fn = loaded.signatures[name]
    steps = []
    for _ in range(3):
        loss = fn(**{k: tf.constant(v) for k, v in feed.items()})['loss'].numpy()
        steps.append({'loss': float(loss), 'variables': {p: {'shape': list(v.shape), 'values': v.numpy().reshape(-1).tolist()} for p, v in paths(loaded)}})
    return {'inputs': {k: {'dtype': v.dtype.name, 'shape': list(v.shape), 'values': v.reshape(-1).tolist()} for k, v in feed.items()}, 'steps': steps}


def main():
    out = os.path.join(HERE, 'model')
    shutil.rmtree(out, ignore_errors=True)
    m = Trainer()
    names = ['train_sgd', 'train_momentum', 'train_adam', 'train_rmsprop', 'train_adaptive', 'train_adagrad', 'predict']
    tf.saved_model.save(m, out, signatures={n: getattr(m, n) for n in names})
    x = rng.standard_normal((5, 4)).astype(np.float32)
    y_int = np.array([0, 2, 1, 1, 0], np.int32)
    y_hot = np.eye(3, dtype=np.float32)[y_int]
    y_reg = rng.standard_normal((5, 3)).astype(np.float32)
    feeds = {'train_sgd': {'x': x, 'y': y_int}, 'train_momentum': {'x': x, 'y': y_hot}, 'train_adam': {'x': x, 'y': y_reg},
             'train_rmsprop': {'x': x, 'y': y_reg}, 'train_adaptive': {'x': x, 'y': y_int}, 'train_adagrad': {'x': x, 'y': y_int}}
    cases = {name: run_steps(out, name, feed, object_paths) for name, feed in feeds.items()}
    # a second, separate model (the first stays under 200 KB)
    k3 = os.path.join(HERE, 'keras3-model')
    shutil.rmtree(k3, ignore_errors=True)
    km = KerasOptimizerTrainer()
    tf.saved_model.save(km, k3, signatures={'train_keras_adam': km.train_keras_adam})
    cases['train_keras_adam'] = {'model': 'keras3-model', **run_steps(k3, 'train_keras_adam', {'x': x, 'y': np.abs(y_reg) / 3},
                                                                      lambda o: [('root.w', o.w), ('root.b', o.b)])}
    with open(os.path.join(HERE, 'expected.json'), 'w') as fh:
        json.dump({'tensorflow': tf.__version__, 'cases': cases}, fh, separators=(',', ':'))
        fh.write('\n')


if __name__ == '__main__':
    main()
