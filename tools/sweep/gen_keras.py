"""Sweep generator (session 4, helper sweep): Keras 3 models of every built-in layer family, saved as
.keras, .h5 and model.export() SavedModels, with TensorFlow's outputs on seeded inputs.
  PYTHON tools/sweep/gen_keras.py OUTDIR [name-filter,...]
Writes OUTDIR/<slug>/{model.keras, model.h5, export/, case.json}; case.json = {category, inputs, keras_outputs,
export_inputs, export_outputs, errors}."""
import json, os, sys, traceback
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import numpy as np
import tensorflow as tf
if len(sys.argv) < 2:
    sys.exit(__doc__)
import keras
from keras import layers as L

OUT = sys.argv[1]
FILTER = sys.argv[2].split(',') if len(sys.argv) > 2 else None  # comma-separated substrings of slugs
rng = np.random.default_rng(1234)
keras.utils.set_random_seed(7)

def to_json(a):
    a = a.numpy() if hasattr(a, 'numpy') else np.asarray(a)
    d = {'dtype': str(a.dtype) if a.dtype.kind not in 'SO' else 'string', 'shape': list(a.shape)}
    if a.dtype.kind in 'SO':
        d['value'] = np.vectorize(lambda s: s.decode() if isinstance(s, bytes) else s, otypes=[object])(a).tolist() if a.size else a.tolist()
    elif a.dtype.kind == 'f':
        d['value'] = [None if not np.isfinite(x) else float(x) for x in a.astype(np.float64).reshape(-1)]
    else:
        d['value'] = a.reshape(-1).tolist()
    return d

MODELS = []
def model(cat, name=None):
    def deco(fn):
        MODELS.append((cat, name or fn.__name__, fn))
        return fn
    return deco

def I(shape, name, dtype='float32'):
    return keras.Input(shape=shape, name=name, dtype=dtype)

def F(shape, inputs, fn):
    x = [I(s, n, *rest) for (n, s, *rest) in inputs] if False else None

def functional(spec, body, **kw):
    ins = [keras.Input(shape=s, name=n, dtype=(d[0] if d else 'float32')) for n, s, *d in spec]
    out = body(*ins)
    return keras.Model(ins if len(ins) > 1 else ins[0], out, **kw)

def single(shape, *layers_, dtype='float32'):
    def body(x):
        for l in layers_:
            x = l(x)
        return x
    return functional([('x', shape, dtype)], body)

# ---------------- conv ----------------
CONV = {
 'conv1d_basic': lambda: single((12, 3), L.Conv1D(4, 3)),
 'conv1d_causal_dil': lambda: single((12, 3), L.Conv1D(4, 3, padding='causal', dilation_rate=2, activation='relu')),
 'conv1d_stride_same': lambda: single((13, 3), L.Conv1D(5, 4, strides=2, padding='same')),
 'conv1d_groups': lambda: single((12, 4), L.Conv1D(6, 3, groups=2)),
 'conv2d_same_stride': lambda: single((9, 9, 3), L.Conv2D(4, 3, strides=2, padding='same')),
 'conv2d_valid_dil': lambda: single((10, 10, 2), L.Conv2D(3, 3, dilation_rate=2)),
 'conv2d_groups': lambda: single((8, 8, 4), L.Conv2D(4, 3, groups=2, padding='same')),
 'conv2d_rect_stride': lambda: single((11, 9, 2), L.Conv2D(3, (3, 2), strides=(2, 1), padding='valid', use_bias=False)),
 'conv2d_even_same_s2': lambda: single((8, 8, 2), L.Conv2D(3, 4, strides=2, padding='same')),
 'conv3d_basic': lambda: single((6, 6, 6, 2), L.Conv3D(3, 3, padding='same')),
 'conv3d_stride': lambda: single((7, 7, 7, 1), L.Conv3D(2, 2, strides=2)),
 'conv3d_dil': lambda: single((7, 7, 7, 1), L.Conv3D(2, 2, dilation_rate=2)),
 'conv1dT_basic': lambda: single((6, 3), L.Conv1DTranspose(4, 3, strides=2, padding='same')),
 'conv1dT_valid': lambda: single((6, 3), L.Conv1DTranspose(4, 3, strides=2, padding='valid')),
 'conv2dT_same_s2': lambda: single((5, 5, 3), L.Conv2DTranspose(4, 3, strides=2, padding='same')),
 'conv2dT_valid_s2': lambda: single((5, 5, 3), L.Conv2DTranspose(4, 3, strides=2, padding='valid')),
 'conv2dT_outpad': lambda: single((5, 5, 3), L.Conv2DTranspose(4, 3, strides=2, padding='same', output_padding=1)),
 'conv2dT_dil': lambda: single((5, 5, 3), L.Conv2DTranspose(2, 3, dilation_rate=2)),
 'conv2dT_k4s2': lambda: single((4, 4, 2), L.Conv2DTranspose(3, 4, strides=2, padding='same')),
 'conv3dT_basic': lambda: single((3, 3, 3, 2), L.Conv3DTranspose(2, 3, strides=2, padding='same')),
 'sepconv1d': lambda: single((12, 3), L.SeparableConv1D(4, 3, depth_multiplier=2, padding='same')),
 'sepconv1d_dil': lambda: single((12, 3), L.SeparableConv1D(4, 3, dilation_rate=2)),
 'sepconv2d': lambda: single((8, 8, 3), L.SeparableConv2D(4, 3, padding='same')),
 'sepconv2d_s2_dm2': lambda: single((9, 9, 3), L.SeparableConv2D(4, 3, strides=2, depth_multiplier=2)),
 'depthwise1d': lambda: single((12, 3), L.DepthwiseConv1D(3, depth_multiplier=2)),
 'depthwise1d_s2': lambda: single((12, 3), L.DepthwiseConv1D(3, strides=2, padding='same')),
 'depthwise2d': lambda: single((8, 8, 3), L.DepthwiseConv2D(3, padding='same')),
 'depthwise2d_s2_dm2': lambda: single((9, 9, 3), L.DepthwiseConv2D(3, strides=2, depth_multiplier=2)),
 'depthwise2d_dil': lambda: single((9, 9, 2), L.DepthwiseConv2D(3, dilation_rate=2)),
 'conv2d_cf': lambda: single((3, 8, 8), L.Conv2D(4, 3, data_format='channels_first')),
 'conv1d_cf': lambda: single((3, 10), L.Conv1D(4, 3, data_format='channels_first')),
}
for k, v in CONV.items(): model('conv', k)(v)

POOL = {
 'maxpool1d': lambda: single((10, 3), L.MaxPooling1D(2)),
 'maxpool1d_same_s1': lambda: single((10, 3), L.MaxPooling1D(3, strides=1, padding='same')),
 'avgpool1d_same': lambda: single((11, 3), L.AveragePooling1D(3, strides=2, padding='same')),
 'maxpool2d': lambda: single((8, 8, 3), L.MaxPooling2D()),
 'maxpool2d_same_odd': lambda: single((9, 9, 3), L.MaxPooling2D(3, strides=2, padding='same')),
 'avgpool2d_same': lambda: single((9, 9, 3), L.AveragePooling2D(3, strides=2, padding='same')),
 'avgpool2d_valid': lambda: single((9, 9, 3), L.AveragePooling2D((2, 3))),
 'maxpool3d': lambda: single((6, 6, 6, 2), L.MaxPooling3D()),
 'avgpool3d_same': lambda: single((5, 5, 5, 2), L.AveragePooling3D(3, strides=2, padding='same')),
 'gmp1d': lambda: single((10, 3), L.GlobalMaxPooling1D()),
 'gap1d_keepdims': lambda: single((10, 3), L.GlobalAveragePooling1D(keepdims=True)),
 'gmp2d': lambda: single((6, 6, 3), L.GlobalMaxPooling2D()),
 'gap2d': lambda: single((6, 6, 3), L.GlobalAveragePooling2D()),
 'gap2d_keepdims': lambda: single((6, 6, 3), L.GlobalAveragePooling2D(keepdims=True)),
 'gap3d': lambda: single((4, 4, 4, 3), L.GlobalAveragePooling3D()),
 'gmp3d': lambda: single((4, 4, 4, 3), L.GlobalMaxPooling3D()),
 'maxpool2d_cf': lambda: single((3, 8, 8), L.MaxPooling2D(data_format='channels_first')),
 'gap2d_cf': lambda: single((3, 6, 6), L.GlobalAveragePooling2D(data_format='channels_first')),
}
for k, v in POOL.items(): model('pool', k)(v)

def rnn_model(make, shape=(7, 3)):
    def body(x):
        y = make()(x)
        return list(y) if isinstance(y, (list, tuple)) else y
    return functional([('x', shape)], body)

RNN = {
 'lstm_last': lambda: single((7, 3), L.LSTM(5)),
 'lstm_seq': lambda: single((7, 3), L.LSTM(5, return_sequences=True)),
 'lstm_state': lambda: rnn_model(lambda: L.LSTM(4, return_state=True)),
 'lstm_seq_state_back': lambda: rnn_model(lambda: L.LSTM(4, return_sequences=True, return_state=True, go_backwards=True)),
 'lstm_no_unit_forget_hs': lambda: single((7, 3), L.LSTM(4, activation='relu', recurrent_activation='hard_sigmoid', unit_forget_bias=False)),
 'gru_last': lambda: single((7, 3), L.GRU(5)),
 'gru_seq': lambda: single((7, 3), L.GRU(5, return_sequences=True)),
 'gru_reset_before': lambda: single((7, 3), L.GRU(5, reset_after=False)),
 'gru_state_back': lambda: rnn_model(lambda: L.GRU(4, return_state=True, go_backwards=True)),
 'simplernn': lambda: single((7, 3), L.SimpleRNN(5)),
 'simplernn_seq_back': lambda: single((7, 3), L.SimpleRNN(5, return_sequences=True, go_backwards=True)),
 'simplernn_state': lambda: rnn_model(lambda: L.SimpleRNN(4, return_state=True)),
 'masking_lstm': lambda: single((7, 3), L.Masking(0.0), L.LSTM(4, return_sequences=True)),
 'masking_gru': lambda: single((7, 3), L.Masking(0.0), L.GRU(4)),
 'bidir_concat': lambda: single((7, 3), L.Bidirectional(L.LSTM(4))),
 'bidir_sum_seq': lambda: single((7, 3), L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode='sum')),
 'bidir_mul': lambda: single((7, 3), L.Bidirectional(L.SimpleRNN(4), merge_mode='mul')),
 'bidir_ave': lambda: single((7, 3), L.Bidirectional(L.LSTM(4), merge_mode='ave')),
 'bidir_none': lambda: rnn_model(lambda: L.Bidirectional(L.LSTM(3), merge_mode=None)),
 'bidir_state': lambda: rnn_model(lambda: L.Bidirectional(L.LSTM(3, return_state=True))),
 'bidir_backward_layer': lambda: single((7, 3), L.Bidirectional(L.LSTM(3, return_sequences=True), backward_layer=L.LSTM(3, return_sequences=True, go_backwards=True))),
 'stacked_lstm': lambda: single((7, 3), L.LSTM(4, return_sequences=True), L.LSTM(3)),
 'rnn_stacked_cells': lambda: single((7, 3), L.RNN([L.LSTMCell(4), L.GRUCell(3)])),
 'rnn_simple_cell_seq': lambda: single((7, 3), L.RNN(L.SimpleRNNCell(4), return_sequences=True)),
 'convlstm1d': lambda: single((4, 8, 2), L.ConvLSTM1D(3, 3, padding='same')),
 'convlstm2d': lambda: single((3, 6, 6, 2), L.ConvLSTM2D(3, 3, padding='same', return_sequences=True)),
 'convlstm2d_valid': lambda: single((3, 6, 6, 2), L.ConvLSTM2D(2, 3)),
 'convlstm3d': lambda: single((2, 4, 4, 4, 1), L.ConvLSTM3D(2, 3, padding='same')),
 'timedistributed_dense': lambda: single((5, 3), L.TimeDistributed(L.Dense(4))),
 'timedistributed_conv': lambda: single((3, 6, 6, 2), L.TimeDistributed(L.Conv2D(2, 3)), L.TimeDistributed(L.Flatten())),
}
for k, v in RNN.items(): model('rnn', k)(v)

def mha(**kw):
    def b(q, v):
        return L.MultiHeadAttention(num_heads=2, key_dim=4, **kw)(q, v)
    return functional([('q', (5, 6)), ('v', (7, 6))], b)
ATT = {
 'mha_cross': lambda: mha(),
 'mha_self': lambda: functional([('x', (5, 6))], lambda x: L.MultiHeadAttention(2, 3)(x, x)),
 'mha_causal': lambda: functional([('x', (5, 6))], lambda x: L.MultiHeadAttention(2, 3)(x, x, use_causal_mask=True)),
 'mha_scores': lambda: functional([('x', (5, 6))], lambda x: list(L.MultiHeadAttention(2, 3, value_dim=5, output_shape=4)(x, x, return_attention_scores=True))),
 'mha_kdim_nobias': lambda: mha(use_bias=False, value_dim=3),
 'mha_attention_axes': lambda: functional([('x', (3, 4, 6))], lambda x: L.MultiHeadAttention(2, 3, attention_axes=(2,))(x, x)),
 'attention_dot': lambda: functional([('q', (5, 4)), ('v', (7, 4))], lambda q, v: L.Attention()([q, v])),
 'attention_scale_concat': lambda: functional([('q', (5, 4)), ('v', (7, 4))], lambda q, v: L.Attention(use_scale=True, score_mode='concat')([q, v])),
 'attention_causal_kv': lambda: functional([('q', (5, 4)), ('v', (5, 4)), ('k', (5, 4))], lambda q, v, k: L.Attention(use_scale=True)([q, v, k], use_causal_mask=True)),
 'additive_attention': lambda: functional([('q', (5, 4)), ('v', (7, 4))], lambda q, v: L.AdditiveAttention()([q, v])),
 'additive_attention_noscale': lambda: functional([('q', (5, 4)), ('v', (7, 4))], lambda q, v: L.AdditiveAttention(use_scale=False)([q, v])),
 'embedding_mha_mask': lambda: functional([('ids', (6,), 'int32')], lambda i: (lambda e: L.GlobalAveragePooling1D()(L.MultiHeadAttention(2, 4)(e, e)))(L.Embedding(20, 8, mask_zero=True)(i))),
}
for k, v in ATT.items(): model('attention', k)(v)

def bn_trained(shape, layer):
    m = single(shape, layer)
    # give BN real moving statistics
    m.compile('sgd', 'mse')
    x = rng.standard_normal((16,) + shape).astype('float32') * 2 + 1
    m.fit(x, m.predict(x, verbose=0) * 0, epochs=1, verbose=0)
    return m
NORM = {
 'layernorm': lambda: single((5, 6), L.LayerNormalization()),
 'layernorm_axes': lambda: single((4, 5, 6), L.LayerNormalization(axis=[1, 2])),
 'layernorm_noscale': lambda: single((6,), L.LayerNormalization(center=False, scale=False, epsilon=1e-3)),
 'layernorm_rms': lambda: single((6,), L.LayerNormalization(rms_scaling=True)),
 'batchnorm_dense': lambda: bn_trained((6,), L.BatchNormalization()),
 'batchnorm_conv': lambda: bn_trained((5, 5, 3), L.BatchNormalization()),
 'batchnorm_axis1': lambda: bn_trained((3, 5, 5), L.BatchNormalization(axis=1)),
 'batchnorm_noscale': lambda: bn_trained((6,), L.BatchNormalization(center=False, scale=False)),
 'groupnorm': lambda: single((5, 5, 4), L.GroupNormalization(groups=2)),
 'groupnorm_1d': lambda: single((7, 6), L.GroupNormalization(groups=3)),
 'groupnorm_instance': lambda: single((5, 5, 4), L.GroupNormalization(groups=-1)),
 'unitnorm': lambda: single((6,), L.UnitNormalization()),
 'unitnorm_axes': lambda: single((4, 6), L.UnitNormalization(axis=[1, 2])),
}
for k, v in NORM.items(): model('norm', k)(v)

def adapted(layer, data, shape, dtype='float32'):
    layer.adapt(data)
    return single(shape, layer, dtype=dtype)
WORDS = ['the movie was great', 'a bad movie', 'hello world', 'the world was bad', 'great great movie', 'hello there']
PRE = {
 'normalization': lambda: adapted(L.Normalization(), rng.standard_normal((50, 4)) * 3 + 2, (4,)),
 'normalization_axis_none': lambda: adapted(L.Normalization(axis=None), rng.standard_normal((50, 4)), (4,)),
 'normalization_mean_var': lambda: single((3,), L.Normalization(mean=[1., 2., 3.], variance=[1., 4., 9.])),
 'normalization_invert': lambda: single((3,), L.Normalization(mean=[1., 2., 3.], variance=[1., 4., 9.], invert=True)),
 'rescaling': lambda: single((4, 4, 3), L.Rescaling(1 / 127.5, offset=-1)),
 'resizing_bilinear': lambda: single((6, 8, 3), L.Resizing(4, 5)),
 'resizing_nearest': lambda: single((6, 8, 3), L.Resizing(12, 10, interpolation='nearest')),
 'resizing_bicubic': lambda: single((6, 8, 3), L.Resizing(5, 5, interpolation='bicubic')),
 'resizing_crop_aspect': lambda: single((6, 8, 3), L.Resizing(4, 4, crop_to_aspect_ratio=True)),
 'resizing_pad_aspect': lambda: single((6, 8, 3), L.Resizing(4, 4, pad_to_aspect_ratio=True)),
 'resizing_area': lambda: single((6, 8, 3), L.Resizing(3, 4, interpolation='area')),
 'centercrop': lambda: single((7, 8, 3), L.CenterCrop(4, 5)),
 'stringlookup_int': lambda: adapted(L.StringLookup(), np.array(['a', 'b', 'c', 'a', 'd']), (3,), 'string'),
 'stringlookup_onehot': lambda: single((), L.StringLookup(vocabulary=['a', 'b', 'c'], output_mode='one_hot'), dtype='string'),
 'stringlookup_multihot': lambda: single((3,), L.StringLookup(vocabulary=['a', 'b', 'c'], output_mode='multi_hot'), dtype='string'),
 'stringlookup_count': lambda: single((3,), L.StringLookup(vocabulary=['a', 'b', 'c'], output_mode='count', num_oov_indices=2), dtype='string'),
 'stringlookup_tfidf': lambda: single((3,), L.StringLookup(vocabulary=['a', 'b', 'c'], idf_weights=[0.5, 1.0, 2.0], output_mode='tf_idf'), dtype='string'),
 'stringlookup_mask': lambda: single((3,), L.StringLookup(vocabulary=['a', 'b', 'c'], mask_token=''), dtype='string'),
 'integerlookup': lambda: single((3,), L.IntegerLookup(vocabulary=[10, 20, 30]), dtype='int64'),
 'integerlookup_multihot': lambda: single((3,), L.IntegerLookup(vocabulary=[10, 20, 30], output_mode='multi_hot'), dtype='int64'),
 'integerlookup_invert': lambda: single((3,), L.IntegerLookup(vocabulary=[10, 20, 30], invert=True), dtype='int64'),
 'textvec_int': lambda: adapted(L.TextVectorization(max_tokens=20, output_sequence_length=6), np.array(WORDS), (), 'string'),
 'textvec_ragged_pad': lambda: adapted(L.TextVectorization(max_tokens=20), np.array(WORDS), (), 'string'),
 'textvec_multihot': lambda: adapted(L.TextVectorization(max_tokens=20, output_mode='multi_hot'), np.array(WORDS), (), 'string'),
 'textvec_count': lambda: adapted(L.TextVectorization(max_tokens=20, output_mode='count'), np.array(WORDS), (), 'string'),
 'textvec_tfidf': lambda: adapted(L.TextVectorization(max_tokens=20, output_mode='tf_idf'), np.array(WORDS), (), 'string'),
 'textvec_bigrams': lambda: adapted(L.TextVectorization(max_tokens=30, ngrams=2, output_sequence_length=8), np.array(WORDS), (), 'string'),
 'textvec_nostd': lambda: adapted(L.TextVectorization(max_tokens=20, standardize=None, split='whitespace', output_sequence_length=5), np.array(WORDS), (), 'string'),
 'textvec_char': lambda: adapted(L.TextVectorization(max_tokens=40, split='character', output_sequence_length=10), np.array(WORDS), (), 'string'),
 'textvec_lower_only': lambda: adapted(L.TextVectorization(standardize='lower', output_sequence_length=5), np.array(WORDS), (), 'string'),
 'discretization': lambda: single((4,), L.Discretization(bin_boundaries=[-1., 0., 1.])),
 'discretization_adapt': lambda: adapted(L.Discretization(num_bins=4), rng.standard_normal((100, 1)), (4,)),
 'discretization_onehot': lambda: single((1,), L.Discretization(bin_boundaries=[0., 1.], output_mode='one_hot')),
 'categoryenc_onehot': lambda: single((1,), L.CategoryEncoding(num_tokens=5, output_mode='one_hot'), dtype='int32'),
 'categoryenc_multihot': lambda: single((3,), L.CategoryEncoding(num_tokens=5, output_mode='multi_hot'), dtype='int32'),
 'categoryenc_count': lambda: single((3,), L.CategoryEncoding(num_tokens=5, output_mode='count'), dtype='int32'),
 'hashing_str': lambda: single((2,), L.Hashing(num_bins=7), dtype='string'),
 'hashing_salt': lambda: single((2,), L.Hashing(num_bins=7, salt=42), dtype='string'),
 'hashing_int': lambda: single((2,), L.Hashing(num_bins=5), dtype='int64'),
 'hashing_mask': lambda: single((2,), L.Hashing(num_bins=5, mask_value='', output_mode='multi_hot'), dtype='string'),
 'hashed_crossing': lambda: functional([('a', (), 'string'), ('b', (), 'string')], lambda a, b: L.HashedCrossing(num_bins=8)((a, b))),
}
for k, v in PRE.items(): model('preprocessing', k)(v)

SHAPE = {
 'permute': lambda: single((3, 4, 5), L.Permute((3, 1, 2))),
 'repeatvector': lambda: single((4,), L.RepeatVector(3)),
 'cropping1d': lambda: single((8, 3), L.Cropping1D((1, 2))),
 'cropping2d': lambda: single((8, 8, 2), L.Cropping2D(((1, 2), (0, 3)))),
 'cropping3d': lambda: single((5, 5, 5, 1), L.Cropping3D(1)),
 'zeropad1d': lambda: single((5, 3), L.ZeroPadding1D((1, 2))),
 'zeropad2d': lambda: single((4, 4, 2), L.ZeroPadding2D(((1, 0), (2, 1)))),
 'zeropad3d': lambda: single((3, 3, 3, 1), L.ZeroPadding3D(1)),
 'upsampling1d': lambda: single((4, 3), L.UpSampling1D(3)),
 'upsampling2d': lambda: single((3, 4, 2), L.UpSampling2D((2, 3))),
 'upsampling2d_bilinear': lambda: single((3, 4, 2), L.UpSampling2D(2, interpolation='bilinear')),
 'upsampling3d': lambda: single((2, 2, 2, 1), L.UpSampling3D(2)),
 'flatten_reshape': lambda: single((3, 4), L.Flatten(), L.Reshape((2, 6))),
 'reshape_infer': lambda: single((12,), L.Reshape((-1, 3))),
 'flatten_cf': lambda: single((3, 2, 2), L.Flatten(data_format='channels_first')),
 'zeropad2d_cf': lambda: single((2, 3, 3), L.ZeroPadding2D(1, data_format='channels_first')),
 'upsampling2d_cf': lambda: single((2, 3, 3), L.UpSampling2D(2, data_format='channels_first')),
}
for k, v in SHAPE.items(): model('reshaping', k)(v)

def merge(layer, n=2, shape=(4,)):
    return functional([('a%d' % i, shape) for i in range(n)], lambda *xs: layer([*xs]))
MERGE = {
 'add3': lambda: merge(L.Add(), 3),
 'subtract': lambda: merge(L.Subtract()),
 'multiply': lambda: merge(L.Multiply()),
 'average': lambda: merge(L.Average(), 3),
 'maximum': lambda: merge(L.Maximum()),
 'minimum': lambda: merge(L.Minimum()),
 'concat_axis1': lambda: merge(L.Concatenate(axis=1), 2, (3, 4)),
 'concat_neg': lambda: merge(L.Concatenate(), 2, (3, 4)),
 'dot_axes': lambda: merge(L.Dot(axes=(2, 2)), 2, (3, 4)),
 'dot_normalize': lambda: merge(L.Dot(axes=1, normalize=True)),
 'dot_axes12': lambda: functional([('a', (3, 4)), ('b', (4, 5))], lambda a, b: L.Dot(axes=(2, 1))([a, b])),
 'add_broadcast': lambda: functional([('a', (3, 4)), ('b', (1, 4))], lambda a, b: L.Add()([a, b])),
}
for k, v in MERGE.items(): model('merge', k)(v)

ACTS = ['relu', 'relu6', 'leaky_relu', 'elu', 'selu', 'gelu', 'silu', 'softplus', 'softsign', 'tanh', 'sigmoid', 'hard_sigmoid',
        'hard_silu', 'exponential', 'linear', 'mish', 'log_softmax', 'softmax', 'celu', 'glu', 'sparse_plus', 'squareplus',
        'soft_shrink', 'hard_shrink', 'tanh_shrink', 'hard_tanh', 'log_sigmoid', 'sparsemax', 'threshold', 'relu_max']
for a in ACTS:
    if a == 'relu_max':
        continue
    model('activation', 'act_' + a)(lambda a=a: single((6,), L.Dense(6, activation=a)))
ACTL = {
 'leakyrelu_layer': lambda: single((6,), L.LeakyReLU(negative_slope=0.2)),
 'prelu': lambda: single((3, 4), L.PReLU(alpha_initializer=keras.initializers.RandomUniform(seed=1))),
 'prelu_shared': lambda: single((3, 4, 2), L.PReLU(alpha_initializer=keras.initializers.Constant(0.3), shared_axes=[1, 2])),
 'elu_layer': lambda: single((6,), L.ELU(alpha=0.5)),
 'relu_layer_max_thr': lambda: single((6,), L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2)),
 'softmax_axis': lambda: single((3, 4), L.Softmax(axis=1)),
 'activation_layer_gelu_approx': lambda: single((6,), L.Activation(keras.activations.gelu)),
 'dense_gelu_approx_lambda_free': lambda: single((6,), L.Dense(4), L.Activation('gelu')),
}
for k, v in ACTL.items(): model('activation', k)(v)

def embed_mask():
    return functional([('ids', (6,), 'int32')], lambda i: L.LSTM(4)(L.Embedding(10, 5, mask_zero=True)(i)))
def nested():
    inner = keras.Sequential([keras.Input((4,)), L.Dense(5, activation='relu'), L.Dense(3)], name='inner_seq')
    x = keras.Input((4,), name='x')
    return keras.Model(x, L.Dense(2)(inner(x)))
def nested_functional():
    ii = keras.Input((4,), name='ii'); inner = keras.Model(ii, L.Dense(3, activation='tanh')(ii), name='inner_fn')
    a = keras.Input((4,), name='a'); b = keras.Input((4,), name='b')
    return keras.Model([a, b], L.Concatenate()([inner(a), inner(b)]))
def shared():
    d = L.Dense(3, name='shared_dense')
    a = keras.Input((4,), name='a'); b = keras.Input((4,), name='b')
    return keras.Model([a, b], L.Subtract()([d(a), d(b)]))
def multi_io():
    a = keras.Input((4,), name='a'); b = keras.Input((3, 2), name='b')
    h = L.Concatenate()([a, L.Flatten()(b)])
    return keras.Model({'a': a, 'b': b}, {'cls': L.Dense(3, activation='softmax', name='cls')(h), 'reg': L.Dense(1, name='reg')(h)})
def multi_out_list():
    a = keras.Input((4,), name='a')
    h = L.Dense(5)(a)
    return keras.Model(a, [L.Dense(2, name='o1')(h), L.Dense(3, name='o2')(h), h])
def seq_plain():
    return keras.Sequential([keras.Input((5,), name='x'), L.Dense(4, activation='relu'), L.Dropout(0.3), L.Dense(2)])
def seq_no_input():
    m = keras.Sequential([L.Dense(4, activation='relu'), L.Dense(2)]); m.build((None, 5)); return m
def embedding_pool_mask():
    return functional([('ids', (6,), 'int32')], lambda i: L.GlobalAveragePooling1D()(L.Embedding(10, 5, mask_zero=True)(i)))
def bidir_embed_mask():
    return functional([('ids', (6,), 'int32')], lambda i: L.Bidirectional(L.GRU(3))(L.Embedding(10, 5, mask_zero=True)(i)))
def misc_layers():
    return single((6,), L.Dense(6), L.Dropout(0.5), L.GaussianNoise(0.1), L.GaussianDropout(0.2), L.AlphaDropout(0.1), L.ActivityRegularization(0.01), L.Identity(), L.Dense(2))
def spatial_dropout():
    return single((5, 5, 3), L.SpatialDropout2D(0.3), L.Conv2D(2, 3), L.SpatialDropout1D(0.1) if False else L.Identity())
def resnet_block():
    x = keras.Input((8, 8, 3), name='img')
    y = L.Conv2D(8, 3, padding='same', use_bias=False)(x)
    y = L.BatchNormalization()(y); y = L.Activation('relu')(y)
    y = L.Conv2D(8, 3, padding='same')(y)
    s = L.Conv2D(8, 1)(x)
    y = L.ReLU()(L.Add()([y, s]))
    y = L.GlobalAveragePooling2D()(y)
    return keras.Model(x, L.Dense(3, activation='softmax')(y))
def mobilenet_block():
    x = keras.Input((9, 9, 4), name='img')
    y = L.Conv2D(8, 1, use_bias=False)(x); y = L.BatchNormalization()(y); y = L.ReLU(6.)(y)
    y = L.DepthwiseConv2D(3, strides=2, padding='same', use_bias=False)(y); y = L.BatchNormalization()(y); y = L.ReLU(6.)(y)
    y = L.Conv2D(4, 1)(y)
    return keras.Model(x, y)
def transformer_block():
    x = keras.Input((6,), name='ids', dtype='int32')
    e = L.Embedding(30, 8)(x)
    pos = L.Embedding(6, 8)(keras.ops.arange(6))
    h = e + pos
    a = L.MultiHeadAttention(2, 4, dropout=0.1)(h, h)
    h = L.LayerNormalization(epsilon=1e-6)(h + a)
    f = L.Dense(16, activation='gelu')(h); f = L.Dense(8)(f)
    h = L.LayerNormalization(epsilon=1e-6)(h + f)
    return keras.Model(x, L.Dense(2, activation='softmax')(L.GlobalAveragePooling1D()(h)))
def unet_small():
    x = keras.Input((8, 8, 1), name='img')
    c1 = L.Conv2D(4, 3, padding='same', activation='relu')(x); p1 = L.MaxPooling2D()(c1)
    c2 = L.Conv2D(8, 3, padding='same', activation='relu')(p1)
    u = L.Conv2DTranspose(4, 2, strides=2, padding='same')(c2)
    m = L.Concatenate()([u, c1])
    return keras.Model(x, L.Conv2D(1, 1, activation='sigmoid')(m))
def keras_ops_mix():
    x = keras.Input((4, 3), name='x')
    y = keras.ops.cumsum(x, axis=1) * 0.5
    y = keras.ops.transpose(y, (0, 2, 1))
    y = keras.ops.sqrt(keras.ops.abs(y) + 1.)
    y = keras.ops.max(y, axis=-1) - keras.ops.logsumexp(y, axis=-1)
    return keras.Model(x, y)
def keras_ops_misc2():
    x = keras.Input((6,), name='x')
    y = keras.ops.sort(x)
    t = keras.ops.top_k(x, 3)[0]
    z = keras.ops.clip(x, -0.5, 0.5) + keras.ops.erf(x)
    w = keras.ops.where(x > 0, x, keras.ops.zeros_like(x))
    return keras.Model(x, [y, t, z, w, keras.ops.argmax(x, axis=-1), keras.ops.norm(x, axis=-1)])
STRUCT = {'embedding_mask_lstm': embed_mask, 'nested_seq': nested, 'nested_functional_shared': nested_functional,
          'shared_dense': shared, 'multi_io_dict': multi_io, 'multi_out_list': multi_out_list, 'sequential': seq_plain,
          'sequential_no_input': seq_no_input, 'embedding_pool_mask': embedding_pool_mask, 'bidir_embed_mask': bidir_embed_mask,
          'misc_noise_dropout': misc_layers, 'spatial_dropout': spatial_dropout, 'resnet_block': resnet_block,
          'mobilenet_block': mobilenet_block, 'transformer_block': transformer_block, 'unet_small': unet_small,
          'keras_ops_mix': keras_ops_mix, 'keras_ops_misc2': keras_ops_misc2,
          'dense_int_input_cast': lambda: single((3,), L.Dense(2), dtype='int32'),
          'dense_3d': lambda: single((3, 4), L.Dense(2, activation='tanh')),
          'einsumdense': lambda: single((3, 4), L.EinsumDense('abc,cd->abd', output_shape=(None, 5), bias_axes='d')),
          'einsumdense2': lambda: single((4,), L.EinsumDense('ab,bcd->acd', output_shape=(2, 3), bias_axes='cd')),
          'embedding_2d': lambda: single((2, 3), L.Embedding(10, 4), dtype='int32'),
         }
for k, v in STRUCT.items(): model('structure', k)(v)

# ---------------- realistic (session 6): models users actually have ----------------
# keras.applications built with weights=None at small input sizes (BatchNormalization statistics randomised so
# inference mode matters), small end-to-end models of the usual tutorials, compiled and fitted models (optimizer
# state in the file). Slugs app_* / real_*.
def randomize_bn(m, seed=11):
    r = np.random.default_rng(seed)
    for l in m._flatten_layers(include_self=False, recursive=True):
        if isinstance(l, L.BatchNormalization):
            n = l.moving_mean.shape
            l.moving_mean.assign(r.normal(0, 0.2, n).astype('float32'))
            l.moving_variance.assign(r.uniform(0.5, 1.5, n).astype('float32'))
            if l.gamma is not None: l.gamma.assign(r.uniform(0.8, 1.2, n).astype('float32'))
            if l.beta is not None: l.beta.assign(r.normal(0, 0.1, n).astype('float32'))
    return m

def app(ctor, shape, **kw):
    A = keras.applications
    kw.setdefault('weights', None)
    if kw.get('include_top', True):
        kw.setdefault('classes', 10)
        kw.setdefault('classifier_activation', None)
    return lambda: randomize_bn(getattr(A, ctor)(input_shape=shape, **kw))

APPS = {
 'app_mobilenet': app('MobileNet', (32, 32, 3), alpha=0.25),
 'app_mobilenetv2': app('MobileNetV2', (32, 32, 3), alpha=0.35),
 'app_mobilenetv3small': app('MobileNetV3Small', (32, 32, 3), alpha=0.75),
 'app_mobilenetv3large_min': app('MobileNetV3Large', (32, 32, 3), alpha=0.75, minimalistic=True),
 'app_efficientnetb0': app('EfficientNetB0', (32, 32, 3)),
 'app_efficientnetv2b0': app('EfficientNetV2B0', (32, 32, 3)),
 'app_resnet50': app('ResNet50', (32, 32, 3)),
 'app_resnet50v2': app('ResNet50V2', (32, 32, 3)),
 'app_densenet121': app('DenseNet121', (32, 32, 3)),
 'app_nasnetmobile': app('NASNetMobile', (32, 32, 3)),
 'app_convnexttiny': app('ConvNeXtTiny', (32, 32, 3)),
 'app_xception': app('Xception', (71, 71, 3)),
 'app_inceptionv3': app('InceptionV3', (75, 75, 3)),
 'app_vgg16_notop': app('VGG16', (32, 32, 3), include_top=False, pooling='avg'),
}
for k, v in APPS.items(): model('realistic', k)(v)

TEXTS = ['the movie was great fun', 'a bad and boring movie', 'hello world again', 'the world was bad today',
         'great great movie with a fun plot', 'hello there friend', 'what a boring plot', 'fun fun fun']
def transformer_encoder(h, heads=2, key_dim=8, ff=32):
    a = L.MultiHeadAttention(heads, key_dim, dropout=0.1)(h, h)
    h = L.LayerNormalization(epsilon=1e-6)(L.Add()([h, L.Dropout(0.1)(a)]))
    f = L.Dense(ff, activation='relu')(h); f = L.Dense(h.shape[-1])(f)
    return L.LayerNormalization(epsilon=1e-6)(L.Add()([h, L.Dropout(0.1)(f)]))
def real_text_transformer():
    tv = L.TextVectorization(max_tokens=40, output_sequence_length=8); tv.adapt(np.array(TEXTS))
    x = keras.Input((), dtype='string', name='text')
    ids = tv(x)
    h = L.Embedding(40, 16)(ids) + L.Embedding(8, 16)(keras.ops.arange(8))
    h = transformer_encoder(h)
    h = L.Dropout(0.2)(L.GlobalAveragePooling1D()(h))
    return keras.Model(x, L.Dense(3, activation='softmax')(h))
def real_transformer_ids():
    x = keras.Input((8,), dtype='int32', name='ids')
    h = L.Embedding(30, 16)(x) + L.Embedding(8, 16)(keras.ops.arange(8))
    h = transformer_encoder(transformer_encoder(h))
    return keras.Model(x, L.Dense(3)(L.GlobalMaxPooling1D()(h)))
def real_conv_autoencoder():
    x = keras.Input((16, 16, 1), name='img')
    e = L.Conv2D(8, 3, strides=2, padding='same', activation='relu')(x)
    e = L.Conv2D(16, 3, strides=2, padding='same', activation='relu')(e)
    d = L.Conv2DTranspose(16, 3, strides=2, padding='same', activation='relu')(e)
    d = L.Conv2DTranspose(8, 3, strides=2, padding='same', activation='relu')(d)
    return keras.Model(x, L.Conv2D(1, 3, padding='same', activation='sigmoid')(d))
def real_dense_autoencoder_nested():
    enc = keras.Sequential([keras.Input((12,)), L.Dense(8, activation='relu'), L.Dense(3)], name='encoder')
    di = keras.Input((3,), name='code'); dec = keras.Model(di, L.Dense(12, activation='sigmoid')(L.Dense(8, activation='relu')(di)), name='decoder')
    x = keras.Input((12,), name='x')
    return keras.Model(x, dec(enc(x)), name='autoencoder')
def real_seq2seq_lstm():
    ei = keras.Input((None, 6), name='encoder_inputs'); di = keras.Input((None, 7), name='decoder_inputs')
    _, h, c = L.LSTM(8, return_state=True)(ei)
    y, _, _ = L.LSTM(8, return_sequences=True, return_state=True)(di, initial_state=[h, c])
    return keras.Model([ei, di], L.Dense(7, activation='softmax')(y))
def real_seq2seq_gru_embed():
    ei = keras.Input((5,), dtype='int32', name='src'); di = keras.Input((4,), dtype='int32', name='tgt')
    _, h = L.GRU(8, return_state=True)(L.Embedding(10, 6)(ei))
    y = L.GRU(8, return_sequences=True)(L.Embedding(10, 6)(di), initial_state=h)
    return keras.Model([ei, di], L.TimeDistributed(L.Dense(10))(y))
def real_multi_output():
    x = keras.Input((16, 16, 3), name='image')
    t = L.Conv2D(8, 3, activation='relu')(x); t = L.MaxPooling2D()(t)
    aux = L.Dense(2, name='aux')(L.GlobalAveragePooling2D()(t))
    t = L.Conv2D(16, 3, activation='relu')(t); t = L.Flatten()(t)
    cls = L.Dense(5, activation='softmax', name='class')(t)
    box = L.Dense(4, activation='sigmoid', name='box')(L.Dense(16, activation='relu')(t))
    return keras.Model(x, {'class': cls, 'box': box, 'aux': aux})
def real_transfer_nested():
    aug = keras.Sequential([L.RandomFlip('horizontal'), L.RandomRotation(0.1), L.RandomZoom(0.1)], name='augment')
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None)
    base.trainable = False
    x = keras.Input((32, 32, 3), name='image')
    h = L.Rescaling(1 / 127.5, offset=-1)(aug(x))
    h = base(h, training=False)
    h = L.Dropout(0.2)(L.GlobalAveragePooling2D()(h))
    return randomize_bn(keras.Model(x, L.Dense(1)(h)))
def real_siamese_shared():
    enc = keras.Sequential([keras.Input((10,)), L.Dense(16, activation='relu'), L.Dense(8)], name='tower')
    a = keras.Input((10,), name='left'); b = keras.Input((10,), name='right')
    d = keras.ops.abs(L.Subtract()([enc(a), enc(b)]))
    return keras.Model([a, b], L.Dense(1, activation='sigmoid')(d))
def fitted(m, loss='mse', epochs=2):
    m.compile(optimizer='adam', loss=loss)
    ins = m.inputs if isinstance(m.inputs, list) else [m.inputs]
    r = np.random.default_rng(5)
    xs = [r.standard_normal((32,) + tuple(t.shape[1:])).astype('float32') for t in ins]
    outs = m.outputs if isinstance(m.outputs, list) else [m.outputs]
    ys = [r.standard_normal((32,) + tuple(o.shape[1:])).astype('float32') for o in outs]
    m.fit(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0], epochs=epochs, batch_size=8, verbose=0)
    return m
def real_bn_dropout_fitted():
    x = keras.Input((8, 8, 3), name='img')
    h = L.Conv2D(8, 3, padding='same')(x); h = L.BatchNormalization()(h); h = L.Activation('relu')(h)
    h = L.SpatialDropout2D(0.2)(h); h = L.MaxPooling2D()(h); h = L.Flatten()(h)
    h = L.Dense(16)(h); h = L.BatchNormalization(momentum=0.5)(h); h = L.ReLU()(h); h = L.Dropout(0.5)(h)
    return fitted(keras.Model(x, L.Dense(3)(h)))
def real_mlp_fitted_sequential():
    return fitted(keras.Sequential([keras.Input((6,), name='features'), L.Dense(16, activation='relu'),
                                    L.BatchNormalization(), L.Dropout(0.3), L.Dense(8, activation='relu'), L.Dense(1)]))
def real_timeseries_conv_lstm():
    x = keras.Input((20, 3), name='series')
    h = L.Conv1D(8, 3, padding='causal', activation='relu')(x); h = L.MaxPooling1D(2)(h)
    h = L.Bidirectional(L.LSTM(6, return_sequences=True))(h); h = L.LSTM(4)(h)
    return keras.Model(x, L.Dense(2)(h))
def real_text_cnn():
    x = keras.Input((12,), dtype='int32', name='tokens')
    h = L.Embedding(10, 8)(x)
    h = L.Concatenate()([L.GlobalMaxPooling1D()(L.Conv1D(6, k, activation='relu')(h)) for k in (2, 3, 4)])
    return keras.Model(x, L.Dense(2, activation='softmax')(L.Dropout(0.5)(h)))
def real_text_gru_mask():
    x = keras.Input((7,), dtype='int32', name='tokens')
    h = L.Embedding(10, 6, mask_zero=True)(x)
    h = L.Bidirectional(L.GRU(5))(h)
    return keras.Model(x, L.Dense(1, activation='sigmoid')(h))
def real_wide_deep():
    num = keras.Input((4,), name='numeric'); cat = keras.Input((1,), dtype='int32', name='category')
    norm = L.Normalization(); norm.adapt(rng.standard_normal((40, 4)) * 2 + 1)
    n = norm(num)
    e = L.Flatten()(L.Embedding(10, 3)(cat))
    oh = L.CategoryEncoding(num_tokens=10, output_mode='one_hot')(cat)
    deep = L.Dense(8, activation='relu')(L.Concatenate()([n, e]))
    return keras.Model({'numeric': num, 'category': cat}, L.Dense(1)(L.Concatenate()([deep, oh])))
def real_gan_generator():
    z = keras.Input((8,), name='z')
    h = L.Dense(4 * 4 * 8, use_bias=False)(z); h = L.BatchNormalization()(h); h = L.LeakyReLU(0.2)(h)
    h = L.Reshape((4, 4, 8))(h)
    h = L.Conv2DTranspose(8, 4, strides=2, padding='same', use_bias=False)(h); h = L.BatchNormalization()(h); h = L.LeakyReLU(0.2)(h)
    h = L.Conv2DTranspose(3, 4, strides=2, padding='same', activation='tanh')(h)
    return randomize_bn(keras.Model(z, h))
def real_unet_bn():
    x = keras.Input((16, 16, 2), name='img')
    def block(t, f):
        t = L.Conv2D(f, 3, padding='same', use_bias=False)(t); t = L.BatchNormalization()(t); return L.Activation('relu')(t)
    c1 = block(x, 4); p1 = L.MaxPooling2D()(c1)
    c2 = block(p1, 8); p2 = L.MaxPooling2D()(c2)
    b = L.Dropout(0.3)(block(p2, 16))
    u2 = L.Concatenate()([L.Conv2DTranspose(8, 2, strides=2, padding='same')(b), c2]); c3 = block(u2, 8)
    u1 = L.Concatenate()([L.UpSampling2D()(c3), c1]); c4 = block(u1, 4)
    return randomize_bn(keras.Model(x, L.Conv2D(3, 1, activation='softmax')(c4)))
def real_lambda_layer():
    return single((5,), L.Dense(4), L.Lambda(lambda t: t * 2.0 + 1.0), L.Dense(2))
@keras.saving.register_keras_serializable(package='sweep')
class ScaledDense(L.Layer):  # a user's own layer: files name it 'sweep>ScaledDense'; exports carry its graph
    def __init__(self, units, **kw):
        super().__init__(**kw); self.units = units
    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], self.units), initializer='glorot_uniform', name='w')
        self.s = self.add_weight(shape=(), initializer=keras.initializers.Constant(1.5), name='s')
    def call(self, x):
        return keras.ops.matmul(x, self.w) * self.s
    def get_config(self):
        return {**super().get_config(), 'units': self.units}
def real_custom_layer():
    return single((5,), L.Dense(8, activation='relu'), ScaledDense(3))
REAL = {'real_text_transformer': real_text_transformer, 'real_transformer_ids': real_transformer_ids,
        'real_conv_autoencoder': real_conv_autoencoder, 'real_dense_autoencoder_nested': real_dense_autoencoder_nested,
        'real_seq2seq_lstm': real_seq2seq_lstm, 'real_seq2seq_gru_embed': real_seq2seq_gru_embed,
        'real_multi_output': real_multi_output, 'real_transfer_nested': real_transfer_nested,
        'real_siamese_shared': real_siamese_shared, 'real_bn_dropout_fitted': real_bn_dropout_fitted,
        'real_mlp_fitted_sequential': real_mlp_fitted_sequential, 'real_timeseries_conv_lstm': real_timeseries_conv_lstm,
        'real_text_cnn': real_text_cnn, 'real_text_gru_mask': real_text_gru_mask, 'real_wide_deep': real_wide_deep,
        'real_gan_generator': real_gan_generator, 'real_unet_bn': real_unet_bn, 'real_lambda_layer': real_lambda_layer,
        'real_custom_layer': real_custom_layer}
for k, v in REAL.items(): model('realistic', k)(v)

# ---------------- realistic, session 7: where users obviously go ----------------
K = keras.ops
def real_kops_attention():
    # a hand-written attention block of keras.ops calls in a Functional graph (Keras 3 operation nodes)
    x = keras.Input((6, 8), name='seq'); c = keras.Input((8,), name='ctx')
    q = L.Dense(8)(x); k = L.Dense(8)(x)
    s = K.matmul(q, K.transpose(k, (0, 2, 1))) / K.sqrt(8.0)
    h = K.matmul(K.softmax(s, axis=-1), x) + K.expand_dims(c, 1)
    h = K.concatenate([K.reshape(h, (-1, 48)), c, K.mean(x, axis=1)], axis=-1)
    return keras.Model([x, c], L.Dense(4)(K.tanh(h) * K.sigmoid(h)))
def real_kops_norm_residual():
    # RMS-norm / residual / gating written with keras.ops (the LLM-style block users write by hand)
    x = keras.Input((5, 8), name='x')
    n = x * K.rsqrt(K.mean(K.square(x), axis=-1, keepdims=True) + 1e-6)
    g = L.Dense(16)(n); u = L.Dense(16)(n)
    h = L.Dense(8)(K.silu(g) * u)
    y = K.add(x, h)
    y = K.squeeze(K.expand_dims(y, 2), 2)
    z = K.stack([K.max(y, axis=1), K.min(y, axis=1)], axis=1)
    return keras.Model(x, [K.log_softmax(y, axis=-1), K.cumsum(z, axis=1)])
def real_mha_attention_mask():
    q = keras.Input((5, 8), name='query'); v = keras.Input((4, 8), name='value')
    m = keras.Input((5, 4), dtype='bool', name='mask')
    a = L.MultiHeadAttention(2, 4)(q, v, attention_mask=m)
    return keras.Model([q, v, m], L.Dense(3)(a))
def real_mha_causal_gpt():
    ids = keras.Input((6,), dtype='int32', name='ids')
    h = L.Embedding(30, 16)(ids) + L.Embedding(6, 16)(K.arange(6))
    a = L.MultiHeadAttention(2, 8)(h, h, use_causal_mask=True)
    h = L.LayerNormalization()(h + a)
    h = L.LayerNormalization()(h + L.Dense(16)(L.Dense(32, activation='gelu')(h)))
    return keras.Model(ids, L.Dense(30)(h))
def real_mha_padding_mask():
    ids = keras.Input((7,), dtype='int32', name='ids')
    h = L.Embedding(20, 8, mask_zero=True)(ids)
    h = L.LayerNormalization()(h + L.MultiHeadAttention(2, 4)(h, h))
    return keras.Model(ids, L.Dense(2)(L.GlobalAveragePooling1D()(h)))
def real_text_embed_bag():
    # the "basic text classification" tutorial: TextVectorization(int) -> Embedding -> GlobalAveragePooling1D
    tv = L.TextVectorization(max_tokens=50, output_sequence_length=10); tv.adapt(np.array(TEXTS))
    x = keras.Input((1,), dtype='string', name='text')
    h = L.GlobalAveragePooling1D()(L.Dropout(0.2)(L.Embedding(50, 8)(tv(x))))
    return keras.Model(x, L.Dense(1)(h))
def real_text_bilstm_mask():
    # the "text classification with an RNN" tutorial: TextVectorization -> Embedding(mask_zero) -> BiLSTM
    tv = L.TextVectorization(max_tokens=50); tv.adapt(np.array(TEXTS))
    x = keras.Input((), dtype='string', name='text')
    h = L.Embedding(len(tv.get_vocabulary()), 8, mask_zero=True)(tv(x))
    h = L.Bidirectional(L.LSTM(6))(h)
    return keras.Model(x, L.Dense(1)(L.Dense(8, activation='relu')(h)))
def real_text_multihot():
    tv = L.TextVectorization(max_tokens=30, output_mode='multi_hot'); tv.adapt(np.array(TEXTS))
    x = keras.Input((1,), dtype='string', name='text')
    return keras.Model(x, L.Dense(3, activation='softmax')(L.Dense(8, activation='relu')(tv(x))))
def real_text_tfidf_bigrams():
    tv = L.TextVectorization(max_tokens=40, ngrams=2, output_mode='tf_idf'); tv.adapt(np.array(TEXTS))
    x = keras.Input((1,), dtype='string', name='text')
    return keras.Model(x, L.Dense(2)(tv(x)))
def real_rescaling_resnet_frozen():
    # pixels 0..255 -> Rescaling -> Normalization(ImageNet mean/variance) -> frozen ResNet50V2 base -> head
    base = keras.applications.ResNet50V2(input_shape=(32, 32, 3), include_top=False, weights=None)
    base.trainable = False
    x = keras.Input((32, 32, 3), name='image')
    h = L.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2])(L.Rescaling(1 / 255.)(x))
    h = base(h, training=False)
    return randomize_bn(keras.Model(x, L.Dense(5)(L.Dropout(0.3)(L.GlobalAveragePooling2D()(h)))))
def real_finetune_efficientnet():
    # the fine-tuning tutorial: frozen base + head fitted, then the top of the base unfrozen (BN kept frozen), refitted
    base = keras.applications.EfficientNetB0(input_shape=(32, 32, 3), include_top=False, weights=None)
    randomize_bn(base); base.trainable = False
    x = keras.Input((32, 32, 3), name='image')
    h = L.GlobalAveragePooling2D()(base(x, training=False))
    m = fitted(keras.Model(x, L.Dense(3)(L.Dropout(0.2)(L.BatchNormalization()(h)))), epochs=1)
    base.trainable = True
    for l in base.layers[:-20]: l.trainable = False
    for l in base.layers:
        if isinstance(l, L.BatchNormalization): l.trainable = False
    return fitted(m, epochs=1)
def real_rescaling_mobilenetv2_pre():
    # keras.applications' own preprocess_input inside the model (the TF tutorial's way), MobileNetV2 base
    x = keras.Input((32, 32, 3), name='image')
    h = keras.applications.mobilenet_v2.preprocess_input(x)
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None)
    return randomize_bn(keras.Model(x, L.Dense(2)(L.GlobalAveragePooling2D()(base(h, training=False)))))
def mixed(make):
    def build():
        keras.mixed_precision.set_global_policy('mixed_float16')
        try:
            return make()
        finally:
            keras.mixed_precision.set_global_policy('float32')
    return build
def real_mixed_float16_cnn():
    x = keras.Input((12, 12, 3), name='img')
    h = L.Conv2D(8, 3, activation='relu')(x); h = L.BatchNormalization()(h); h = L.MaxPooling2D()(h)
    h = L.Dense(16, activation='relu')(L.Flatten()(h))
    return randomize_bn(keras.Model(x, L.Activation('softmax', dtype='float32')(L.Dense(4)(h))))
def real_mixed_float16_lstm():
    x = keras.Input((6, 4), name='series')
    return keras.Model(x, L.Dense(2, dtype='float32')(L.LSTM(8)(x)))
@keras.saving.register_keras_serializable(package='sweep')
def scaled_tanh(x):
    return 1.7159 * keras.ops.tanh(2.0 / 3.0 * x)
def real_custom_activation():
    return single((5,), L.Dense(6, activation=scaled_tanh), L.Dense(2))
@keras.saving.register_keras_serializable(package='sweep')
class TwoTower(keras.Model):  # a registered subclassed model with get_config: .keras holds its config, not a graph
    def __init__(self, units=4, **kw):
        super().__init__(**kw); self.units = units
        self.a = L.Dense(units, activation='relu'); self.b = L.Dense(2)
    def call(self, x):
        return self.b(self.a(x))
    def get_config(self):
        return {**super().get_config(), 'units': self.units}
def real_custom_model_subclass():
    m = TwoTower(4); m(np.zeros((1, 5), 'float32'))
    m._sweep_inputs = [keras.Input((5,), name='x')]  # a subclassed model has no inputs of its own
    return m
REAL7 = {'real_kops_attention': real_kops_attention, 'real_kops_norm_residual': real_kops_norm_residual,
         'real_mha_attention_mask': real_mha_attention_mask, 'real_mha_causal_gpt': real_mha_causal_gpt,
         'real_mha_padding_mask': real_mha_padding_mask, 'real_text_embed_bag': real_text_embed_bag,
         'real_text_bilstm_mask': real_text_bilstm_mask, 'real_text_multihot': real_text_multihot,
         'real_text_tfidf_bigrams': real_text_tfidf_bigrams, 'real_rescaling_resnet_frozen': real_rescaling_resnet_frozen,
         'real_finetune_efficientnet': real_finetune_efficientnet, 'real_rescaling_mobilenetv2_pre': real_rescaling_mobilenetv2_pre,
         'real_mixed_float16_cnn': mixed(real_mixed_float16_cnn), 'real_mixed_float16_lstm': mixed(real_mixed_float16_lstm),
         'real_custom_activation': real_custom_activation, 'real_custom_model_subclass': real_custom_model_subclass}
for k, v in REAL7.items(): model('realistic', k)(v)

# ---------------- realistic, session 8: Keras 3.15's newer layers and more tutorial shapes ----------------
# Slugs real_s8_* (real_text_s8_* for string inputs; a 'mask' in the slug pads int inputs with trailing zeros).
def real_s8_masked_add_gap1d():
    # masked Embedding -> residual Add (a Keras 3 LogicalOr mask node) -> GlobalAveragePooling1D (masked mean)
    ids = keras.Input((7,), dtype='int32', name='ids')
    h = L.Embedding(20, 8, mask_zero=True)(ids)
    h = L.Add()([h, L.Dense(8)(h)])
    return keras.Model(ids, L.Dense(2)(L.GlobalAveragePooling1D()(h)))
def real_s8_masked_plus_gap1d():
    ids = keras.Input((7,), dtype='int32', name='ids')
    h = L.Embedding(20, 8, mask_zero=True)(ids)
    return keras.Model(ids, L.Dense(2)(L.GlobalAveragePooling1D()(h + L.Dense(8, activation='relu')(h))))
def real_s8_timeseries_transformer():
    # keras.io "Timeseries classification with a Transformer model"
    x = keras.Input((12, 1), name='series')
    h = x
    for _ in range(2):
        a = L.LayerNormalization(epsilon=1e-6)(h)
        a = L.Dropout(0.1)(L.MultiHeadAttention(key_dim=8, num_heads=2, dropout=0.1)(a, a))
        r = a + h
        f = L.LayerNormalization(epsilon=1e-6)(r)
        f = L.Conv1D(4, 1, activation='relu')(f); f = L.Dropout(0.1)(f); f = L.Conv1D(1, 1)(f)
        h = f + r
    h = L.GlobalAveragePooling1D(data_format='channels_first')(h)
    return keras.Model(x, L.Dense(3, activation='softmax')(L.Dropout(0.1)(L.Dense(16, activation='relu')(h))))
def real_s8_rmsnorm_llm_block():
    ids = keras.Input((6,), dtype='int32', name='ids')
    emb = L.ReversibleEmbedding(30, 16) if hasattr(L, 'ReversibleEmbedding') else L.Embedding(30, 16)
    h = emb(ids)
    a = L.RMSNormalization(epsilon=1e-6)(h)
    h = h + L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(a, a, use_causal_mask=True)
    f = L.RMSNormalization()(h)
    h = h + L.Dense(16)(K.silu(L.Dense(32)(f)) * L.Dense(32)(f))
    return keras.Model(ids, L.Dense(30)(L.RMSNormalization()(h)))
def real_s8_rmsnorm():
    return single((5, 8), L.RMSNormalization(epsilon=1e-5), L.Dense(3), L.RMSNormalization(axis=-1))
def real_s8_gqa():
    q = keras.Input((5, 8), name='q'); v = keras.Input((4, 8), name='v')
    return keras.Model([q, v], L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(q, v))
def real_s8_adaptive_pool():
    x = keras.Input((10, 9, 3), name='img')
    a = L.AdaptiveAveragePooling2D((3, 2))(L.Conv2D(4, 3, padding='same')(x))
    m = L.AdaptiveMaxPooling2D(4)(x)
    s = keras.Input((11, 2), name='seq')
    return keras.Model([x, s], [a, m, L.AdaptiveAveragePooling1D(4)(s), L.AdaptiveMaxPooling1D(3)(s)])
def real_s8_mel_spectrogram():
    # audio classification: raw waveform -> MelSpectrogram (STFT -> RFFT inside) -> Conv1D -> pooled logits
    x = keras.Input((256,), name='audio')
    h = L.MelSpectrogram(fft_length=64, sequence_stride=16, sequence_length=32, num_mel_bins=16, sampling_rate=8000)(x)
    h = L.Permute((2, 1))(h)
    return keras.Model(x, L.Dense(3)(L.GlobalAveragePooling1D()(L.Conv1D(8, 3, activation='relu')(h))))
def real_s8_kops_rfft_features():
    # spectral magnitude features written with keras.ops.rfft
    x = keras.Input((16,), name='signal')
    re, im = K.rfft(x)
    mag = K.sqrt(re * re + im * im + 1e-9)
    return keras.Model(x, L.Dense(2)(K.concatenate([mag, x], axis=-1)))
def real_s8_kops_stft():
    x = keras.Input((64,), name='signal')
    re, im = K.stft(x, sequence_length=16, sequence_stride=8, fft_length=16, window='hann')
    return keras.Model(x, L.Dense(2)(L.Flatten()(K.log(1e-6 + K.sqrt(re * re + im * im)))))
def real_s8_sparsemax():
    return single((6,), L.Dense(5), L.Activation('sparsemax'))
def real_s8_activations_new():
    return single((6,), L.Dense(5, activation='sparse_sigmoid'), L.Dense(4),
                  L.Activation(keras.activations.sparsemax))
def real_s8_augment_inactive():
    # tutorials put the newer augmentation layers in the model; at inference they are the identity
    x = keras.Input((16, 16, 3), name='image')
    h = x
    for l in [L.RandomGrayscale(), L.RandomHue(0.3), L.RandomSaturation(0.4), L.RandomSharpness(0.3), L.RandomShear(0.2),
              L.RandomColorJitter(brightness_factor=0.2), L.RandomGaussianBlur(), L.RandomErasing(), L.RandomPerspective(),
              L.Solarization(addition_factor=0.2), L.RandomInvert(), L.RandomColorDegeneration(0.3), L.RandAugment(),
              L.RandomPosterization((1, 4)), L.RandomElasticTransform(), L.AugMix()]:
        h = l(h)
    return keras.Model(x, L.Dense(2)(L.GlobalAveragePooling2D()(L.Conv2D(4, 3)(h))))
def real_s8_autocontrast():
    return single((8, 8, 3), L.AutoContrast(value_range=(0, 1)), L.Conv2D(2, 3))
def real_s8_imdb_stacked_bigru_mask():
    # the IMDB tutorial shape: Embedding(mask_zero) -> BiGRU(seq) -> BiLSTM -> Dense
    ids = keras.Input((None,), dtype='int32', name='ids')
    h = L.Embedding(20, 8, mask_zero=True)(ids)
    h = L.Bidirectional(L.GRU(6, return_sequences=True))(h)
    h = L.Bidirectional(L.LSTM(5), merge_mode='sum')(h)
    return keras.Model(ids, L.Dense(1, activation='sigmoid')(h))
def real_text_s8_cnn_scratch():
    # keras.io "text classification from scratch": TextVectorization -> Embedding -> Conv1D x2 -> GlobalMaxPooling1D
    tv = L.TextVectorization(max_tokens=60, output_sequence_length=20); tv.adapt(np.array(TEXTS))
    x = keras.Input((1,), dtype='string', name='text')
    h = L.Dropout(0.5)(L.Embedding(60, 8)(tv(x)))
    h = L.Conv1D(8, 3, padding='valid', activation='relu', strides=2)(h)
    h = L.Conv1D(8, 3, padding='valid', activation='relu', strides=2)(h)
    return keras.Model(x, L.Dense(1, activation='sigmoid')(L.Dense(8, activation='relu')(L.GlobalMaxPooling1D()(h))))
def real_s8_enc_dec_states():
    # keras.io character-level seq2seq: encoder LSTM states initialise the decoder
    e = keras.Input((None, 5), name='enc'); d = keras.Input((None, 6), name='dec')
    _, h, c = L.LSTM(8, return_state=True)(e)
    out, _, _ = L.LSTM(8, return_sequences=True, return_state=True)(d, initial_state=[h, c])
    return keras.Model([e, d], L.Dense(6, activation='softmax')(out))
def real_s8_attention_masks():
    ids = keras.Input((6,), dtype='int32', name='ids_mask')
    q = L.Embedding(20, 8, mask_zero=True)(ids)
    a = L.Attention(use_scale=True, score_mode='concat')([q, q])
    b = L.AdditiveAttention()([q, q], use_causal_mask=True)
    return keras.Model(ids, L.Dense(2)(L.GlobalAveragePooling1D()(L.Concatenate()([a, b]))))
def real_s8_convlstm3d():
    return single((3, 5, 5, 4, 2), L.ConvLSTM3D(3, 3, padding='same'), L.Flatten(), L.Dense(2))
def real_s8_spectral_norm_gan():
    return single((6,), L.SpectralNormalization(L.Dense(8)), L.LeakyReLU(0.2), L.Dense(1))
def real_s8_cosine_dot():
    a = keras.Input((6,), name='a'); b = keras.Input((6,), name='b')
    t = L.Dense(4)
    return keras.Model([a, b], L.Dot(axes=1, normalize=True)([t(a), t(b)]))
def real_s8_tabular_preproc():
    # structured-data tutorial: Discretization + IntegerLookup + Hashing + CategoryEncoding feeding a Dense model
    age = keras.Input((1,), name='age'); code = keras.Input((1,), dtype='int64', name='code')
    disc = L.Discretization(bin_boundaries=[-1.0, 0.0, 0.5, 1.0])(age)
    oh = L.CategoryEncoding(num_tokens=5, output_mode='one_hot')(disc)
    lk = L.IntegerLookup(vocabulary=[1, 2, 3, 5, 8], output_mode='one_hot')(code)
    hs = L.Hashing(num_bins=4, output_mode='one_hot')(code)
    return keras.Model([age, code], L.Dense(2)(L.Concatenate()([oh, lk, hs, age])))
def real_s8_wavenet_tcn():
    x = keras.Input((16, 2), name='series')
    h = L.Conv1D(8, 1)(x)
    for d in (1, 2, 4):
        t = L.Conv1D(8, 2, dilation_rate=d, padding='causal', activation='tanh')(h)
        g = L.Conv1D(8, 2, dilation_rate=d, padding='causal', activation='sigmoid')(h)
        h = h + L.Conv1D(8, 1)(L.Multiply()([t, g]))
    return keras.Model(x, L.Conv1D(1, 1)(L.ReLU()(h)))
def real_s8_vit_tiny():
    # patch embedding by a strided Conv2D, learned positions, one transformer block, LayerNorm, mean-pooled tokens
    x = keras.Input((16, 16, 3), name='image')
    p = L.Reshape((16, 8))(L.Conv2D(8, 4, strides=4)(x))
    p = p + L.Embedding(16, 8)(K.arange(16))
    a = L.LayerNormalization(epsilon=1e-6)(p)
    p = p + L.MultiHeadAttention(2, 4, dropout=0.1)(a, a)
    f = L.LayerNormalization(epsilon=1e-6)(p)
    p = p + L.Dense(8)(L.Dense(16, activation='gelu')(f))
    return keras.Model(x, L.Dense(4)(L.GlobalAveragePooling1D()(L.LayerNormalization(epsilon=1e-6)(p))))
def real_s8_masking_lstm():
    x = keras.Input((6, 3), name='series')
    h = L.LSTM(5, return_sequences=True)(L.Masking(0.0)(x))
    return keras.Model(x, L.TimeDistributed(L.Dense(2))(h))
REAL8 = {k: v for k, v in globals().items() if (k.startswith('real_s8_') or k.startswith('real_text_s8_')) and callable(v)}
REAL8.update({'app_s8_mobilenetv3large': app('MobileNetV3Large', (32, 32, 3), alpha=0.75),
              'app_s8_efficientnetv2b1': app('EfficientNetV2B1', (32, 32, 3)), 'app_s8_densenet121_avg': app('DenseNet121', (32, 32, 3), include_top=False, pooling='max'),
              'app_s8_resnet101v2': app('ResNet101V2', (32, 32, 3)), 'app_s8_convnexttiny': app('ConvNeXtTiny', (32, 32, 3))})
for k, v in REAL8.items(): model('realistic', k)(v)

def seeded_input(t):
    # batch 2; other unknown dims (variable-length sequences of the realistic models) 5 steps
    real = FILTER_WORDS.get('cur', '').startswith('real_')
    shape = [2 if d is None and (i == 0 or not real) else 5 if d is None else d for i, d in enumerate(t.shape)]
    dt = t.dtype
    name = t.name
    if dt == 'string':
        if FILTER_WORDS.get('cur', '').startswith('textvec') or 'hashed' in FILTER_WORDS.get('cur', ''):
            vals = [WORDS[(i * 3 + 1) % len(WORDS)] for i in range(int(np.prod(shape)))]
        elif FILTER_WORDS.get('cur', '').startswith('real_text'):
            vals = [TEXTS[(i * 3 + 1) % len(TEXTS)] + ' unknownword' * (i % 2) for i in range(int(np.prod(shape)))]
        else:
            vals = [['a', 'b', 'c', 'd', 'zz', ''][i % 6] for i in range(int(np.prod(shape)))]
        return np.array(vals, dtype=object).reshape(shape)
    if dt == 'bool':
        a = rng.integers(0, 2, size=shape).astype(bool)
        a[..., 0] = True
        return a
    if 'int' in dt:
        hi = 10
        cur = FILTER_WORDS.get('cur', '')
        if 'integerlookup' in cur: return rng.choice([10, 20, 30, 40], size=shape).astype(dt)
        if 'categoryenc' in cur: hi = 5
        if 'transformer' in cur: hi = 30
        a = rng.integers(0, hi, size=shape).astype(dt)
        if 'mask' in cur and len(shape) == 2: a[:, -2:] = 0
        return a
    a = rng.standard_normal(shape).astype(dt)
    if FILTER_WORDS.get('cur', '').startswith('masking') and len(shape) == 3:
        a[0, -2:, :] = 0
    if 'rescaling' in FILTER_WORDS.get('cur', ''): a = np.round(np.abs(a) * 80)
    return a
FILTER_WORDS = {}

def run_one(cat, name, fn):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    rec = {'category': cat, 'slug': name, 'errors': {}}
    FILTER_WORDS['cur'] = name
    try:
        m = fn()
    except Exception as e:
        rec['errors']['build'] = repr(e)[:400]
        json.dump(rec, open(os.path.join(d, 'case.json'), 'w'))
        return rec
    ins = getattr(m, '_sweep_inputs', None) or (m.inputs if isinstance(m.inputs, list) else [m.inputs])
    # Inputs by their InputLayer's name (an unnamed keras.Input's tensor is keras_tensor_N, its layer input_layer_N)
    arrs = {(t._keras_history[0].name if getattr(t, '_keras_history', None) else t.name): seeded_input(t) for t in ins}
    rec['inputs'] = {k: to_json(v) for k, v in arrs.items()}
    try:
        feed = [tf.constant(v) for v in arrs.values()]
        structured = m._inputs_struct if hasattr(m, '_inputs_struct') else None
        if isinstance(structured, dict):
            out = m({k: tf.constant(v) for k, v in arrs.items()}, training=False)
        else:
            out = m(feed if len(feed) > 1 else feed[0], training=False)
        names = m.output_names if hasattr(m, 'output_names') else None
        if isinstance(out, dict):
            rec['keras_outputs'] = {k: to_json(v) for k, v in out.items()}
        elif isinstance(out, (list, tuple)):
            rec['keras_outputs'] = [to_json(v) for v in out]
        else:
            rec['keras_outputs'] = [to_json(out)]
        rec['keras_output_names'] = list(names) if names else None
    except Exception as e:
        rec['errors']['call'] = repr(e)[:400]
    for fmt in ('keras', 'h5'):
        try:
            m.save(os.path.join(d, 'model.' + fmt))
        except Exception as e:
            rec['errors']['save_' + fmt] = repr(e)[:400]
    try:
        m.export(os.path.join(d, 'export'), verbose=False)
        loaded = tf.saved_model.load(os.path.join(d, 'export'))
        sig = loaded.signatures['serving_default']
        spec = sig.structured_input_signature[1]
        order = list(spec.keys())
        # map signature inputs to model inputs by name, else by order
        feed = {}
        for i, k in enumerate(order):
            src = k if k in arrs else list(arrs)[i]
            v = arrs[src]
            feed[k] = tf.constant(v, dtype=spec[k].dtype) if spec[k].dtype != tf.string else tf.constant(v)
        res = sig(**feed)
        rec['export_inputs'] = {k: to_json(v) for k, v in feed.items()}
        rec['export_outputs'] = {k: to_json(v) for k, v in res.items()}
    except Exception as e:
        rec['errors']['export'] = repr(e)[:400]
    json.dump(rec, open(os.path.join(d, 'case.json'), 'w'))
    return rec

if __name__ == '__main__':
    summary = []
    for cat, name, fn in MODELS:
        if FILTER and not any(f in name for f in FILTER):
            continue
        try:
            r = run_one(cat, name, fn)
        except Exception as e:
            traceback.print_exc(); r = {'slug': name, 'errors': {'gen': repr(e)}}
        print(name, r.get('errors'), flush=True)
