import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The one place savedkeras patches tfjs. tfjs-layers calls chained tensor methods (`t.flatten()`,
 * `t.asType()`, ...) that only the `@tensorflow/tfjs` union package registers; `@tensorflow/tfjs-core`
 * alone leaves them undefined (its own registration module cannot be imported from Node ESM).
 * `installChainedOps()` defines the ones missing, each as the tfjs-core op of the same name with the
 * tensor as first argument. `installExecutorMaskFix()` mends tfjs-layers' executor passing a mask to layers
 * that have none (below). Importing this module patches nothing; `registerAllLayers()` installs both.
 */
const SAME_NAME = [
  'abs', 'acos', 'acosh', 'add', 'all', 'any', 'argMax', 'argMin', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'avgPool',
  'batchToSpaceND', 'broadcastTo', 'cast', 'ceil', 'clipByValue', 'concat', 'conv1d', 'conv2d', 'conv2dTranspose', 'cos', 'cosh',
  'cumprod', 'cumsum', 'depthToSpace', 'depthwiseConv2d', 'dilation2d', 'div', 'divNoNan', 'dot', 'elu', 'equal', 'erf',
  'euclideanNorm', 'exp', 'expandDims', 'expm1', 'fft', 'floor', 'floorDiv', 'gather', 'greater', 'greaterEqual', 'ifft', 'irfft',
  'isFinite', 'isInf', 'isNaN', 'leakyRelu', 'less', 'lessEqual', 'localResponseNormalization', 'log', 'log1p', 'logSigmoid',
  'logSoftmax', 'logSumExp', 'logicalAnd', 'logicalNot', 'logicalOr', 'logicalXor', 'matMul', 'max', 'maxPool', 'maximum', 'mean',
  'min', 'minimum', 'mirrorPad', 'mod', 'mul', 'neg', 'norm', 'notEqual', 'oneHot', 'onesLike', 'pad', 'pool', 'pow', 'prelu',
  'prod', 'reciprocal', 'relu', 'relu6', 'reshape', 'resizeBilinear', 'resizeNearestNeighbor', 'reverse', 'rfft', 'round', 'rsqrt',
  'selu', 'separableConv2d', 'sigmoid', 'sign', 'sin', 'sinh', 'slice', 'softmax', 'softplus', 'spaceToBatchND', 'split', 'sqrt',
  'square', 'squaredDifference', 'squeeze', 'stack', 'step', 'stridedSlice', 'sub', 'sum', 'tan', 'tanh', 'tile', 'topk',
  'transpose', 'unique', 'unsortedSegmentSum', 'unstack', 'where', 'zerosLike',
];

let installed = false;
/** Defines the missing chained methods on `tf.Tensor.prototype` (never replaces one). Idempotent. */
export function installChainedOps(): void {
  if (installed) return;
  installed = true;
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, (...a: unknown[]) => tf.Tensor>;
  const define = (name: string, fn: (this: tf.Tensor, ...a: unknown[]) => tf.Tensor) => {
    if (typeof proto[name] !== 'function') proto[name] = fn;
  };
  for (const name of SAME_NAME) {
    const op = ops[name];
    if (typeof op === 'function') define(name, function (...a) { return op(this, ...a); });
  }
  define('batchNorm', function (...a) { return ops['batchNorm'](this, ...a); });
  define('flatten', function () { return tf.reshape(this, [this.size]); });
  define('as1D', function () { return tf.reshape(this, [this.size]); });
  define('as2D', function (r, c) { return tf.reshape(this, [r as number, c as number]); });
  define('as3D', function (r, c, d) { return tf.reshape(this, [r as number, c as number, d as number]); });
  define('as4D', function (r, c, d, e) { return tf.reshape(this, [r as number, c as number, d as number, e as number]); });
  define('as5D', function (r, c, d, e, f) { return tf.reshape(this, [r, c, d, e, f] as number[]); });
  define('asScalar', function () { return tf.reshape(this, []); });
  define('asType', function (dtype) { return tf.cast(this, dtype as tf.DataType); });
  define('toBool', function () { return tf.cast(this, 'bool'); });
  define('toFloat', function () { return tf.cast(this, 'float32'); });
  define('toInt', function () { return tf.cast(this, 'int32'); });
  define('reshapeAs', function (x) { return tf.reshape(this, (x as tf.Tensor).shape); });
}

let maskFixInstalled = false;
/**
 * tfjs-layers' executor (predict / execute) passes one kwargs object to every layer of a graph and
 * sets `kwargs.mask` only for layers whose inputs carry a mask, so a mask stays set for every later
 * layer whose inputs have none (an unmasked GlobalAveragePooling1D or LSTM after a masked branch
 * would apply another layer's mask). After each eager `apply` the mask is taken out of that object
 * again; symbolic calls (model construction, where kwargs become the node's call args) are left as
 * they are. Idempotent.
 */
export function installExecutorMaskFix(): void {
  if (maskFixInstalled) return;
  maskFixInstalled = true;
  const proto = tfl.layers.Layer.prototype as unknown as {
    apply: (inputs: unknown, kwargs?: Record<string, unknown>) => unknown;
    setMaskMetadata: (inputs: unknown, outputs: unknown, previousMask?: unknown) => void;
  };
  // tfjs' eager apply sets each output's `kerasMask` from computeMask(inputs) without the inputs' own masks (a
  // TODO in tfjs), so a mask set by Embedding(mask_zero) or Masking stopped at the next layer. The executor hands a
  // layer only its first input's mask; a layer that needs another input's mask (MultiHeadAttention's value) reads
  // that input's kerasMask (eagerMask below), so eager outputs carry their masks on as Keras' tensors do.
  const setMaskMetadata = proto.setMaskMetadata;
  proto.setMaskMetadata = function (this: unknown, inputs: unknown, outputs: unknown, previousMask?: unknown) {
    const masks = (Array.isArray(inputs) ? inputs : [inputs]).map((t) => eagerMask(t));
    if (previousMask !== undefined || !masks.some((m) => m !== null)) return setMaskMetadata.call(this, inputs, outputs, previousMask);
    try {
      setMaskMetadata.call(this, inputs, outputs, Array.isArray(inputs) ? masks : masks[0]);
    } catch {
      // a computeMask that cannot take these masks (e.g. more masks than outputs): tfjs' own call, as before
      setMaskMetadata.call(this, inputs, outputs, previousMask);
    }
  };
  installMergeMasks();
  const apply = proto.apply;
  proto.apply = function (this: unknown, inputs: unknown, kwargs?: Record<string, unknown>) {
    const eager = inputs instanceof tf.Tensor || (Array.isArray(inputs) && inputs[0] instanceof tf.Tensor);
    try {
      const out = apply.call(this, inputs, kwargs);
      if (eager && (this as tfl.layers.Layer).supportsMasking) keepMasksOfCopies(inputs as tf.Tensor | tf.Tensor[], out);
      return out;
    } finally {
      if (eager && kwargs && Object.hasOwn(kwargs, 'mask')) delete kwargs['mask'];
    }
  };
}

type Masked = { kerasMask?: tf.Tensor | null; kerasMaskConsumed?: boolean };

/** The Keras mask an eager layer output carries (tfjs' `kerasMask`, propagated by installExecutorMaskFix), else null. */
export function eagerMask(t: unknown): tf.Tensor | null {
  if (!(t instanceof tf.Tensor) || (t as Masked).kerasMaskConsumed) return null;
  const m = (t as Masked).kerasMask;
  return m instanceof tf.Tensor && !m.isDisposed ? m : null;
}

/**
 * Keras 3's MultiHeadAttention deletes the Keras masks of the tensors it is called on (set_keras_mask(x, None)):
 * any later layer given the same tensor sees it unmasked (a residual Add after the attention drops the mask).
 */
export function consumeMask(t: tf.Tensor): void {
  (t as Masked).kerasMaskConsumed = true;
}

/** Whether a Keras 3 MultiHeadAttention took this tensor's mask away (consumeMask). */
export function maskConsumed(t: unknown): boolean {
  return t instanceof tf.Tensor && (t as Masked).kerasMaskConsumed === true;
}

/** tfjs' apply returns a clone of an output that is one of its inputs, after setting the mask on the original. */
function keepMasksOfCopies(inputs: tf.Tensor | tf.Tensor[], out: unknown): void {
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  for (const o of Array.isArray(out) ? out : [out]) {
    if (!(o instanceof tf.Tensor) || eagerMask(o)) continue;
    const src = ins.find((t) => t instanceof tf.Tensor && t !== o && t.dataId === o.dataId && eagerMask(t));
    if (src) (o as { kerasMask?: tf.Tensor }).kerasMask = eagerMask(src)!;
  }
}

/**
 * A merge layer (Add, Multiply, Average, Maximum, Minimum; not Concatenate, which has its own) as Keras computes its
 * mask. tfjs-layers' Merge.computeMask returns the first mask with a leading axis added ([1, batch, steps]) and
 * and-s nothing, so a masked residual (Embedding(mask_zero) -> Add -> ...) gave later layers a mask of the wrong
 * rank. Keras 2 and-s the masks given (`all` over them); Keras 3 or-s them, and drops the mask when an input has
 * none (base_merge.py): the .keras/.h5 loader sets `kerasOrMasks` on the layers of Keras 3 files. Dot: no mask.
 * An input whose mask a Keras 3 MultiHeadAttention consumed counts as unmasked (consumeMask).
 */
function installMergeMasks(): void {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['Add'];
  if (!entry) return;
  const merge = Object.getPrototypeOf((entry[0] as unknown as { prototype: object }).prototype) as { computeMask: unknown };
  merge.computeMask = function (this: { kerasOrMasks?: boolean; getClassName(): string }, inputs: unknown, mask?: unknown): tf.Tensor | null {
    if (mask == null || this.getClassName() === 'Dot') return null;
    const ins = Array.isArray(inputs) ? inputs : [inputs];
    const masks = ((Array.isArray(mask) ? mask : [mask]) as (tf.Tensor | null | undefined)[]).map((m, i) => (maskConsumed(ins[i]) ? null : m));
    if (this.kerasOrMasks) {
      if (masks.some((m) => m == null)) return null;
      return tf.tidy(() => (masks as tf.Tensor[]).reduce((a, m) => tf.logicalOr(tf.cast(a, 'bool'), tf.cast(m, 'bool'))));
    }
    const given = masks.filter((m): m is tf.Tensor => m != null);
    if (given.length === 0) return null;
    return tf.tidy(() => given.reduce((a, m) => tf.logicalAnd(tf.cast(a, 'bool'), tf.cast(m, 'bool'))));
  };
}
