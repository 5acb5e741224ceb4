"""Sweep generator (session 4, helper sweep): tf.Modules whose tf.functions use the TF ops real exports contain,
saved with tf.saved_model.save, with TF's outputs on seeded inputs.
  PYTHON tools/sweep/gen_ops.py OUTDIR [name-filter]
OUTDIR/<slug>/{savedmodel/, case.json = {category, signatures: {serving_default: {inputs, outputs, random}}}}"""
import json, os, sys, traceback
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import numpy as np
import tensorflow as tf
if len(sys.argv) < 2:
    sys.exit(__doc__)
OUT = sys.argv[1]; FILTER = sys.argv[2] if len(sys.argv) > 2 else None
rng = np.random.default_rng(99)

def to_json(a):
    a = np.asarray(a.numpy()) if hasattr(a, "numpy") else np.asarray(a)  # a scalar string tensor's numpy() is bytes
    d = {'dtype': str(a.dtype) if a.dtype.kind not in 'SO' else 'string', 'shape': list(a.shape)}
    if a.dtype.kind in 'SO':
        d['value'] = np.vectorize(lambda s: s.decode('utf-8', 'replace') if isinstance(s, bytes) else s, otypes=[object])(a).reshape(-1).tolist() if a.size else []
    elif a.dtype.kind == 'f':
        d['value'] = [None if not np.isfinite(x) else float(x) for x in a.astype(np.float64).reshape(-1)]
    elif a.dtype.kind == 'b':
        d['value'] = a.reshape(-1).tolist()
    else:
        d['value'] = a.reshape(-1).tolist()
    return d

CASES = []
def case(cat, *specs, inputs=None):
    """specs: (name, shape, dtype); inputs: dict of numpy arrays (else seeded normal / ints)."""
    def deco(fn):
        CASES.append((cat, fn.__name__, specs, inputs, fn)); return fn
    return deco
S = lambda n, shape, dt=tf.float32: (n, shape, dt)
def normal(*s): return rng.standard_normal(s).astype('float32')

# ---- control flow
@case('control', S('x', [None, 4]))
def cond_on_sum(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2., lambda: -x)
@case('control', S('x', [None, 4]))
def while_loop_cumul(x):
    i = tf.constant(0); acc = tf.zeros_like(x)
    _, acc = tf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a + x * tf.cast(i, tf.float32)), [i, acc])
    return acc
@case('control', S('x', [None, 4]))
def autograph_for_tensorarray(x):
    ta = tf.TensorArray(tf.float32, size=3)
    for i in tf.range(3):
        ta = ta.write(i, x * tf.cast(i + 1, tf.float32))
    return ta.stack()
@case('control', S('x', [5, 3]))
def map_fn_rows(x):
    return tf.map_fn(lambda r: tf.reduce_max(r) - r, x)
@case('control', S('x', [None, 4]), S('k', [], tf.int32), inputs={'x': normal(2, 4), 'k': np.array(1, 'int32')})
def switch_case(x, k):
    return tf.switch_case(k, [lambda: x + 1., lambda: x * 3., lambda: tf.nn.relu(x)])
@case('control', S('x', [6]))
def scan_cumprod(x):
    return tf.scan(lambda a, b: a * 0.5 + b, x)
@case('control', S('x', [None, 3]))
def foldl_sum(x):
    return tf.foldl(lambda a, r: a + r * r, x, initializer=tf.zeros([3]))
@case('control', S('x', [None, 4]))
def while_dynamic_shape(x):
    def body(i, a): return i + 1, tf.concat([a, a[:, :1] * 2.], axis=1)
    _, a = tf.while_loop(lambda i, a: i < 3, body, [0, x], shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, None])])
    return a

# ---- strings
WS = np.array([b'Hello World', b'the  Movie was GREAT!', b'a,b,c', b'  spaced  '], dtype=object)
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_split_to_dense(s):
    return tf.strings.split(s).to_tensor('<pad>')
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_lower_regex(s):
    return tf.strings.regex_replace(tf.strings.lower(s), '[^a-z ]', '')
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_length_substr(s):
    return tf.strings.length(s), tf.strings.substr(s, 1, 3), tf.strings.upper(s)
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_join_concat(s):
    return tf.strings.join([s, tf.fill(tf.shape(s), '!')], separator='-'), tf.strings.reduce_join(s, separator='|')
@case('strings', S('s', [None], tf.string), inputs={'s': np.array([b'1.5', b'-2', b'3e2', b'0'], dtype=object)})
def string_to_number(s):
    return tf.strings.to_number(s) * 2.
@case('strings', S('x', [None]), inputs={'x': np.array([1.5, -2.25, 300., 0.], 'float32')})
def as_string(x):
    return tf.strings.as_string(x, precision=2), tf.strings.as_string(tf.cast(x, tf.int32))
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_to_hash_bucket(s):
    return tf.strings.to_hash_bucket_fast(s, 100), tf.strings.to_hash_bucket_strong(s, 50, [1, 2])
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_strip_bytes_split(s):
    return tf.strings.strip(s), tf.strings.bytes_split(s).to_tensor('')
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_split_sep_ngrams(s):
    return tf.strings.ngrams(tf.strings.split(s, sep=' '), 2, separator='_').to_tensor('')
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_regex_full_match_unicode(s):
    return tf.strings.regex_full_match(s, '.*[A-Z].*'), tf.strings.unicode_decode(s, 'UTF-8').to_tensor(-1)
@case('strings', S('s', [None], tf.string), inputs={'s': WS})
def string_static_hash_table(s):
    return VARS['table'].lookup(s)

# ---- image
@case('image', S('img', [None, 6, 8, 3]))
def image_resize_variants(img):
    return (tf.image.resize(img, [4, 5]), tf.image.resize(img, [9, 11], 'nearest'), tf.image.resize(img, [5, 5], 'bicubic'),
            tf.image.resize(img, [3, 4], 'area'), tf.image.resize(img, [12, 16], 'bilinear', antialias=True))
@case('image', S('img', [None, 6, 8, 3]))
def image_resize_v1_align(img):
    return tf.compat.v1.image.resize_bilinear(img, [9, 11], align_corners=True), tf.compat.v1.image.resize_nearest_neighbor(img, [9, 11], half_pixel_centers=True)
@case('image', S('img', [2, 6, 8, 3]))
def image_flips_gray(img):
    return tf.image.flip_left_right(img), tf.image.flip_up_down(img), tf.image.rgb_to_grayscale(img), tf.image.rot90(img)
@case('image', S('img', [2, 6, 8, 3]))
def image_crop_pad(img):
    return tf.image.crop_to_bounding_box(img, 1, 2, 3, 4), tf.image.pad_to_bounding_box(img, 1, 1, 8, 10), tf.image.resize_with_crop_or_pad(img, 4, 10), tf.image.central_crop(img, 0.5)
@case('image', S('img', [2, 6, 8, 3]))
def image_crop_and_resize(img):
    return tf.image.crop_and_resize(img, [[0., 0., 1., 1.], [0.1, 0.2, 0.6, 0.9]], [0, 1], [3, 3])
@case('image', S('img', [2, 6, 8, 3]), inputs={'img': np.abs(normal(2, 6, 8, 3))})
def image_color_ops(img):
    return tf.image.adjust_contrast(img, 1.5), tf.image.adjust_brightness(img, 0.1), tf.image.per_image_standardization(img), tf.image.rgb_to_hsv(tf.clip_by_value(img, 0., 1.)), tf.image.adjust_saturation(tf.clip_by_value(img, 0., 1.), 0.5)
@case('image', S('img', [2, 6, 8, 3]))
def image_extract_patches(img):
    return tf.image.extract_patches(img, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], 'VALID'), tf.nn.space_to_depth(img[:, :, :, :], 2), tf.nn.depth_to_space(tf.tile(img, [1, 1, 1, 4])[:, :, :, :12], 2)
@case('image', S('img', [2, 6, 8, 3]))
def image_sobel_total_var(img):
    return tf.image.sobel_edges(img), tf.image.total_variation(img), tf.image.image_gradients(img)[0]
@case('image', S('img', [2, 8, 8, 3]))
def image_nms(img):
    boxes = tf.reshape(tf.abs(img[0, :, :, :2]), [-1, 4])[:10]
    boxes = tf.concat([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1)
    scores = tf.reshape(img[1, 0, :, 0], [-1])
    return tf.image.non_max_suppression(boxes[:8], scores, 4, 0.5)

# ---- linalg
@case('linalg', S('x', [None, 4, 4]))
def linalg_diag_ops(x):
    return tf.linalg.diag_part(x), tf.linalg.diag(x[:, 0]), tf.linalg.set_diag(x, x[:, 1]), tf.linalg.band_part(x, 1, 0), tf.linalg.trace(x)
@case('linalg', S('x', [None, 3, 5]))
def linalg_diag_part_k(x):
    return tf.linalg.diag_part(x, k=1), tf.linalg.diag_part(x, k=(-1, 1)), tf.linalg.diag(x[:, 0, :3], k=1)
@case('linalg', S('x', [2, 4, 4]))
def linalg_inv_det(x):
    a = tf.matmul(x, x, transpose_b=True) + 4. * tf.eye(4)
    return tf.linalg.inv(a), tf.linalg.det(a), tf.linalg.logdet(a), tf.linalg.cholesky(a), tf.linalg.slogdet(a)[1]
@case('linalg', S('x', [2, 4, 4]), S('b', [2, 4, 2]))
def linalg_solve(x, b):
    a = tf.matmul(x, x, transpose_b=True) + 4. * tf.eye(4)
    return tf.linalg.solve(a, b), tf.linalg.triangular_solve(tf.linalg.band_part(a, -1, 0), b), tf.linalg.cholesky_solve(tf.linalg.cholesky(a), b)
@case('linalg', S('x', [3, 4, 3]))
def linalg_qr_svd(x):
    q, r = tf.linalg.qr(x)
    s = tf.linalg.svd(x, compute_uv=False)
    return tf.abs(r), s, tf.linalg.matrix_transpose(x), tf.linalg.norm(x, axis=[-2, -1]), tf.linalg.eigh(tf.matmul(x, x, transpose_a=True))[0]
@case('linalg', S('a', [None, 3, 4]), S('b', [None, 4, 5]))
def einsum_variants(a, b):
    return (tf.einsum('bij,bjk->bik', a, b), tf.einsum('bij->bji', a), tf.einsum('bij,bjk->b', a, b), tf.einsum('bij,bkj->bik', a, tf.transpose(b, [0, 2, 1])),
            tf.einsum('...ij,...jk->...ik', a, b), tf.einsum('bii->bi', tf.matmul(a, a, transpose_b=True)), tf.einsum('bij,bij->bi', a, a))
@case('linalg', S('a', [None, 3, 4]))
def matmul_adjoint_tensordot(a):
    return tf.matmul(a, a, adjoint_a=True), tf.tensordot(a, tf.ones([4, 2]), 1), tf.linalg.matvec(a, tf.ones([4])), tf.linalg.cross(a[:, :, :3], a[:, ::-1, 1:])
@case('linalg', S('x', [None, 6]))
def l2_normalize_moments(x):
    m, v = tf.nn.moments(x, axes=[1])
    return tf.math.l2_normalize(x, axis=1), m, v, tf.norm(x, ord=1, axis=1), tf.norm(x, ord=np.inf, axis=1)

# ---- gather/scatter
@case('gather', S('x', [None, 5, 3]), S('i', [None, 2], tf.int32), inputs={'x': normal(2, 5, 3), 'i': np.array([[0, 4], [2, 2]], 'int32')})
def gather_batch_dims(x, i):
    return tf.gather(x, i, batch_dims=1), tf.gather(x, [1, 0], axis=2), tf.gather_nd(x, [[0, 1], [1, 3]]), tf.gather_nd(x, tf.expand_dims(i, -1), batch_dims=1)
@case('gather', S('x', [6, 3]))
def scatter_variants(x):
    idx = tf.constant([[1], [3], [1]])
    upd = x[:3]
    return (tf.scatter_nd(idx, upd, [6, 3]), tf.tensor_scatter_nd_update(x, [[0], [5]], x[1:3]), tf.tensor_scatter_nd_add(x, idx, upd),
            tf.tensor_scatter_nd_max(x, idx, upd), tf.tensor_scatter_nd_min(x, idx, upd), tf.tensor_scatter_nd_sub(x, idx, upd))
@case('gather', S('x', [8, 2]), S('seg', [8], tf.int32), inputs={'x': normal(8, 2), 'seg': np.array([0, 0, 1, 1, 1, 3, 3, 3], 'int32')})
def segment_ops(x, seg):
    return (tf.math.segment_sum(x, seg), tf.math.segment_mean(x, seg), tf.math.segment_max(x, seg), tf.math.segment_min(x, seg), tf.math.segment_prod(x, seg),
            tf.math.unsorted_segment_sum(x, seg, 5), tf.math.unsorted_segment_max(x, seg, 5), tf.math.unsorted_segment_mean(x, seg, 5), tf.math.unsorted_segment_min(x, seg, 5), tf.math.unsorted_segment_prod(x, seg, 5), tf.math.unsorted_segment_sqrt_n(x, seg, 5))
@case('gather', S('x', [None, 6]))
def boolean_mask_where(x):
    return tf.boolean_mask(x, x[:, 0] > -10.), tf.where(x > 0), tf.where(x > 0, x, 0.), tf.reduce_sum(tf.boolean_mask(x, x > 0))
@case('gather', S('x', [10], tf.int32), inputs={'x': np.array([3, 1, 3, 2, 1, 1, 7, 3, 0, 2], 'int32')})
def unique_bincount(x):
    u, idx = tf.unique(x)
    y, idy, cnt = tf.unique_with_counts(x)
    return u, idx, cnt, tf.math.bincount(x), tf.math.bincount(x, minlength=10, weights=tf.cast(x, tf.float32)), tf.math.confusion_matrix(x % 3, x % 4, num_classes=4)
@case('gather', S('x', [None, 5]))
def dynamic_partition_stitch(x):
    p = tf.cast(x[:, 0] > 0, tf.int32)
    parts = tf.dynamic_partition(x, p, 2)
    idx = tf.dynamic_partition(tf.range(tf.shape(x)[0]), p, 2)
    return tf.dynamic_stitch(idx, parts)
@case('gather', S('x', [None, 6]))
def onehot_argsort(x):
    return tf.one_hot(tf.argmax(x, 1), 6, on_value=2., off_value=-1.), tf.argsort(x, axis=1), tf.sort(x, direction='DESCENDING'), tf.math.top_k(x, 3).indices, tf.math.top_k(x, 3, sorted=True).values, tf.math.in_top_k(tf.constant([1, 2]), x[:2], 2) if False else tf.argmin(x, 1)

# ---- cumulative / reductions / math
@case('math', S('x', [None, 5]))
def cumulative_ops(x):
    return (tf.cumsum(x, 1), tf.cumsum(x, 1, exclusive=True), tf.cumsum(x, 1, reverse=True), tf.math.cumprod(x, 1, exclusive=True, reverse=True),
            tf.math.cumulative_logsumexp(x, 1), tf.math.reduce_logsumexp(x, 1))
@case('math', S('x', [None, 5]))
def reductions(x):
    b = x > 0
    return (tf.reduce_prod(x, 1), tf.reduce_all(b, 1), tf.reduce_any(b, 0), tf.math.reduce_std(x, 1), tf.math.reduce_variance(x), tf.math.reduce_euclidean_norm(x, 1), tf.math.count_nonzero(b, 1), tf.reduce_min(x, [0, 1]))
@case('math', S('x', [None, 5]))
def unary_math(x):
    a = tf.abs(x) + 0.1
    return (tf.math.lgamma(a), tf.math.digamma(a), tf.math.erfinv(tf.clip_by_value(x, -0.9, 0.9)), tf.math.log_sigmoid(x), tf.math.softplus(x), tf.math.sign(x), tf.math.rsqrt(a),
            tf.math.igamma(a, a), tf.math.bessel_i0e(x), tf.math.xlogy(a, a), tf.math.xdivy(a, a), tf.math.squared_difference(x, 1.), tf.truncatediv(tf.cast(x * 10, tf.int32), 3), tf.math.floormod(x, 0.7), tf.math.atan2(x, a))
@case('math', S('x', [None, 5]))
def binary_math_misc(x):
    return (tf.math.maximum(x, 0.) ** 1.5, tf.math.pow(2., x), tf.math.truediv(x, 3), tf.math.floordiv(x, 0.3), tf.math.divide_no_nan(x, x * 0.), tf.math.nextafter(x, 0.) - x,
            tf.math.round(x * 3), tf.math.rint(x * 3), tf.math.ceil(x), tf.math.is_finite(x / x), tf.math.reciprocal_no_nan(x), tf.math.sinh(x), tf.math.tan(x), tf.math.polyval([1., 2., 3.], x))
@case('math', S('x', [None, 5]))
def nn_ops(x):
    return (tf.nn.softmax(x, axis=0), tf.nn.log_softmax(x), tf.nn.gelu(x, approximate=True), tf.nn.gelu(x), tf.nn.silu(x), tf.nn.crelu(x), tf.nn.relu6(x * 4), tf.nn.leaky_relu(x, 0.3), tf.nn.elu(x), tf.nn.selu(x),
            tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(x), x), tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(x * 0 + 1.), x), tf.nn.sparse_softmax_cross_entropy_with_logits(tf.zeros([tf.shape(x)[0]], tf.int32), x))
@case('math', S('x', [None, 5]))
def clip_norm(x):
    return tf.clip_by_norm(x, 1.0, axes=[1]), tf.clip_by_global_norm([x, 2 * x], 1.0)[0][1], tf.clip_by_value(x, -0.3, tf.reduce_max(x) * 0.5)

# ---- casting / bitwise
@case('cast', S('x', [None, 5]))
def casting(x):
    i = tf.cast(x * 100, tf.int32)
    return (tf.cast(x * 100, tf.int32), tf.cast(x * 1000, tf.int8), tf.cast(x * 1000, tf.uint8), tf.cast(x, tf.bool), tf.cast(i, tf.float16), tf.cast(x, tf.float64) * 1.1,
            tf.cast(tf.cast(x * 1e5, tf.int64), tf.float32), tf.bitcast(x, tf.int32), tf.saturate_cast(x * 1000, tf.uint8))
@case('cast', S('a', [6], tf.int32), S('b', [6], tf.int32), inputs={'a': np.array([1, 5, 255, -7, 1024, 0], 'int32'), 'b': np.array([3, 1, 4, 2, 7, 9], 'int32')})
def bitwise_ops(a, b):
    return (tf.bitwise.bitwise_and(a, b), tf.bitwise.bitwise_or(a, b), tf.bitwise.bitwise_xor(a, b), tf.bitwise.invert(a), tf.bitwise.left_shift(a, b), tf.bitwise.right_shift(a, b),
            tf.raw_ops.PopulationCount(x=a))
@case('cast', S('a', [6], tf.int64), inputs={'a': np.array([1, 5, 255, -7, 1 << 40, 0], 'int64')})
def int64_math(a):
    return a * 3 + 1, a // 2, a % 7, tf.cast(a, tf.float64), tf.reduce_sum(a), tf.math.abs(a)
@case('cast', S('x', [None, 4], tf.float64))
def float64_ops(x):
    return tf.matmul(x, x, transpose_b=True), tf.exp(x) / (1. + tf.exp(x)), tf.reduce_mean(x, 1)
@case('cast', S('x', [None, 4], tf.float16))
def float16_ops(x):
    return tf.nn.relu(x) * tf.constant(2., tf.float16), tf.cast(x, tf.float32) + 1.

# ---- ragged / sparse
@case('ragged', S('x', [None]), S('lens', [None], tf.int64), inputs={'x': normal(7), 'lens': np.array([3, 0, 4], 'int64')})
def ragged_from_lengths(x, lens):
    r = tf.RaggedTensor.from_row_lengths(x, lens)
    return r.to_tensor(default_value=-1.), tf.reduce_sum(r, axis=1), r.row_splits, tf.reduce_max(r, axis=1)
@case('ragged', S('x', [None, 6]))
def ragged_boolean_mask(x):
    r = tf.ragged.boolean_mask(x, x > 0)
    return r.to_tensor(), tf.cast(r.row_lengths(), tf.int32), tf.reduce_mean(r, axis=1)
@case('ragged', S('x', [None, 6]))
def sparse_ops(x):
    sp = tf.sparse.from_dense(tf.where(x > 0.5, x, 0.))
    return tf.sparse.to_dense(sp), tf.sparse.reduce_sum(sp, axis=1), tf.sparse.sparse_dense_matmul(sp, tf.ones([6, 2])), tf.sparse.to_dense(tf.sparse.reorder(tf.sparse.transpose(sp)))
@case('ragged', S('ids', [None, 4], tf.int64), inputs={'ids': np.array([[1, 2, 0, 0], [3, 0, 0, 0]], 'int64')})
def embedding_lookup_sparse(ids):
    params = tf.constant(np.arange(20, dtype='float32').reshape(5, 4))
    sp = tf.sparse.from_dense(ids)
    return tf.nn.embedding_lookup_sparse(params, sp, None, combiner='mean'), tf.nn.embedding_lookup(params, ids)

# ---- random (seeded)
@case('random', S('x', [None, 4]))
def stateless_random(x):
    s = tf.constant([1, 2])
    sh = tf.shape(x)
    return (x + tf.random.stateless_uniform(sh, s), tf.random.stateless_normal(sh, s), tf.random.stateless_truncated_normal(sh, s), tf.random.stateless_uniform(sh, s, minval=0, maxval=10, dtype=tf.int32),
            tf.random.stateless_uniform([3], [3, 4], dtype=tf.float32), tf.random.stateless_uniform([5], [-7, 123456789], minval=-3, maxval=1000, dtype=tf.int32), tf.random.stateless_truncated_normal([37], [11, 12]))
@case('random', S('x', [None, 4]))
def stateless_categorical(x):
    return tf.random.stateless_categorical(x, 3, [1, 2])
@case('random', S('x', [None, 4]))
def stateful_seeded_random(x):
    tf.random.set_seed(5)
    return x + tf.random.uniform(tf.shape(x), seed=3), tf.random.normal([3], seed=4), tf.random.shuffle(tf.range(5), seed=1)
@case('random', S('x', [None, 4]))
def keras3_style_seed_dropout(x):
    return tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])

# ---- array manipulation
@case('array', S('x', [None, 4, 3]))
def array_manip(x):
    return (tf.roll(x, 1, axis=1), tf.reverse(x, [1, 2]), tf.pad(x, [[0, 0], [1, 2], [2, 1]], 'REFLECT'), tf.pad(x, [[0, 0], [1, 1], [1, 1]], 'SYMMETRIC'), tf.pad(x, [[0, 0], [1, 0], [0, 1]], constant_values=3.),
            tf.tile(x, [1, 2, 1]), tf.repeat(x, 2, axis=1), tf.repeat(x, [1, 2, 0, 1], axis=1), tf.squeeze(x[:, :1], 1), tf.split(x, [1, 3], axis=1)[1], tf.unstack(x, axis=2)[1], tf.broadcast_to(x[:, :1], tf.shape(x)))
@case('array', S('x', [None, 4, 3]))
def strided_slices(x):
    return x[:, ::-1, 1:], x[..., 0], x[:, tf.newaxis, 1:3:2], x[-1:, -2:], tf.slice(x, [0, 1, 0], [-1, 2, 2]), tf.strided_slice(x, [0, 3, 0], [2, 0, 3], [1, -1, 2])
@case('array', S('x', [None, 6]))
def shape_ops(x):
    n = tf.shape(x)[0]
    return tf.reshape(x, [n, 2, 3]), tf.size(x), tf.rank(x), tf.ones([n, 2]) * tf.cast(n, tf.float32), tf.fill([2, n], 0.5), tf.linspace(0., 1., 5), tf.range(1, 10, 3), tf.meshgrid(tf.range(3), tf.range(2))[0], tf.zeros_like(x, tf.int32), tf.eye(3, 4), tf.sequence_mask([1, 3], 4)
@case('array', S('x', [None, 8, 8, 2]))
def space_batch(x):
    return tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]), tf.nn.atrous_conv2d(x, tf.ones([3, 3, 2, 1]), 2, 'SAME'), tf.nn.conv2d(x, tf.ones([2, 2, 2, 3]), 2, 'VALID', dilations=1)
@case('array', S('x', [None, 6, 4]))
def conv1d_nn_pool(x):
    return (tf.nn.conv1d(x, tf.ones([3, 4, 2]) * 0.1, 1, 'SAME'), tf.nn.max_pool1d(x, 2, 2, 'VALID'), tf.nn.avg_pool1d(x, 3, 1, 'SAME'),
            tf.nn.conv1d_transpose(x, tf.ones([3, 2, 4]) * 0.1, [tf.shape(x)[0], 12, 2], 2), tf.nn.max_pool_with_argmax(tf.expand_dims(x, 1), [1, 1, 2, 1], [1, 1, 2, 1], 'VALID')[0])
@case('array', S('x', [None, 5, 5, 4]))
def conv_variants(x):
    return (tf.nn.depthwise_conv2d(x, tf.ones([3, 3, 4, 2]) * 0.1, [1, 1, 1, 1], 'SAME', dilations=[2, 2]), tf.nn.separable_conv2d(x, tf.ones([3, 3, 4, 1]), tf.ones([1, 1, 4, 3]), [1, 1, 1, 1], 'VALID'),
            tf.nn.conv2d_transpose(x, tf.ones([3, 3, 2, 4]) * 0.1, [tf.shape(x)[0], 10, 10, 2], 2, 'SAME'), tf.nn.pool(x, [2, 2], 'AVG', strides=[2, 2], padding='SAME'), tf.nn.local_response_normalization(x, 2), tf.nn.fractional_max_pool(x, [1., 1.5, 1.5, 1.], deterministic=True, seed=1, seed2=1)[0] if False else tf.nn.bias_add(x, [1., 2., 3., 4.]))
@case('array', S('x', [None, 4, 4, 4, 2]))
def conv3d_pool3d(x):
    return tf.nn.conv3d(x, tf.ones([2, 2, 2, 2, 3]) * 0.1, [1, 1, 1, 1, 1], 'SAME'), tf.nn.max_pool3d(x, 2, 2, 'VALID'), tf.nn.avg_pool3d(x, 2, 1, 'SAME'), tf.nn.conv3d_transpose(x, tf.ones([2, 2, 2, 3, 2]), [tf.shape(x)[0], 8, 8, 8, 3], [1, 2, 2, 2, 1])
@case('array', S('x', [None, 6]))
def histogram_searchsorted(x):
    return tf.searchsorted(tf.constant([-1., 0., 0.5, 2.]), x), tf.histogram_fixed_width(x, [-2., 2.], 5), tf.raw_ops.Bucketize(input=x, boundaries=[-1., 0., 1.]), tf.math.approx_max_k(x, 2)[0]
@case('array', S('x', [None, 4]))
def fft_signal(x):
    return tf.math.real(tf.signal.fft(tf.complex(x, x * 0.))), tf.math.abs(tf.signal.rfft(x)), tf.signal.irfft(tf.signal.rfft(x)), tf.signal.frame(x, 2, 1)

# ---- Keras-style patterns inside tf.functions
@case('layers_fn', S('x', [None, 4]))
def variables_dense(x):
    return tf.nn.relu(tf.matmul(x, VARS['w']) + VARS['b'])
@case('layers_fn', S('x', [None, 7, 3]))
def fused_batchnorm_ops(x):
    y = tf.nn.batch_normalization(x, tf.constant([0.1, 0.2, 0.3]), tf.constant([1., 2., 3.]), tf.constant([0., 1., 0.]), tf.constant([1., 1., 2.]), 1e-3)
    z, _, _ = tf.compat.v1.nn.fused_batch_norm(tf.expand_dims(x, 1), [1., 2., 3.], [0., 0., 1.], [0.1, 0.2, 0.3], [1., 2., 3.], is_training=False)
    return y, z
@case('layers_fn', S('x', [None, 6]))
def assert_checks(x):
    tf.debugging.assert_all_finite(x, 'finite')
    with tf.control_dependencies([tf.debugging.assert_rank(x, 2), tf.debugging.assert_less(tf.reduce_min(x), 1000.)]):
        y = tf.identity(x)
    tf.print(tf.shape(y))
    return tf.ensure_shape(y, [None, 6]) * 2
@case('layers_fn', S('x', [None, 6]))
def numeric_edge(x):
    return tf.math.log(tf.nn.softmax(x)), tf.math.xlog1py(x, tf.abs(x)), tf.math.log1p(tf.abs(x)), tf.math.expm1(x), tf.math.erfc(x), tf.math.special.bessel_i1e(x), tf.math.ndtri(tf.nn.sigmoid(x))

VARS = {}
def run_one(cat, name, specs, inputs, fn):
    d = os.path.join(OUT, name); os.makedirs(d, exist_ok=True)
    rec = {'category': cat, 'slug': name, 'errors': {}}
    try:
        m = tf.Module()
        if name == 'string_static_hash_table':
            m.t = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(['a,b,c', 'Hello World'], [7, 9], tf.string, tf.int64), -1); VARS['table'] = m.t
        if name == 'variables_dense':
            m.w = tf.Variable(normal(4, 3)); m.b = tf.Variable(normal(3)); VARS['w'] = m.w; VARS['b'] = m.b
        sig = [tf.TensorSpec(s, dt, name=n) for n, s, dt in specs]
        def wrapped(*a):
            out = fn(*a)
            if isinstance(out, (tuple, list)):
                return {'out_%d' % i: o for i, o in enumerate(out)}
            return {'out_0': out}
        m.f = tf.function(wrapped, input_signature=sig)
        feeds = {}
        for n, s, dt in specs:
            if inputs and n in inputs: feeds[n] = np.asarray(inputs[n])
            else:
                shape = [2 if x is None else x for x in s]
                feeds[n] = rng.integers(0, 5, shape).astype(dt.as_numpy_dtype) if dt.is_integer else rng.standard_normal(shape).astype(dt.as_numpy_dtype)
        tf.saved_model.save(m, os.path.join(d, 'savedmodel'), signatures={'serving_default': m.f.get_concrete_function()})
        loaded = tf.saved_model.load(os.path.join(d, 'savedmodel'))
        s = loaded.signatures['serving_default']
        kw = {n: tf.constant(v, dtype=dt) for (n, _, dt), v in zip(specs, feeds.values())}
        o1 = s(**kw); o2 = s(**kw)
        rnd = [k for k in o1 if not np.array_equal(o1[k].numpy(), o2[k].numpy())]
        rec['signatures'] = {'serving_default': {'inputs': {k: to_json(v.numpy()) for k, v in kw.items()}, 'outputs': {k: to_json(v) for k, v in o1.items()}, 'random': rnd}}
    except Exception as e:
        traceback.print_exc()
        rec['errors']['gen'] = repr(e)[:500]
    json.dump(rec, open(os.path.join(d, 'case.json'), 'w'))
    return rec

for cat, name, specs, inputs, fn in CASES:
    if FILTER and FILTER not in name: continue
    r = run_one(cat, name, specs, inputs, fn)
    print(name, r['errors'], flush=True)
