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
  const proto = tfl.layers.Layer.prototype as unknown as { apply: (inputs: unknown, kwargs?: Record<string, unknown>) => unknown };
  const apply = proto.apply;
  proto.apply = function (this: unknown, inputs: unknown, kwargs?: Record<string, unknown>) {
    const eager = inputs instanceof tf.Tensor || (Array.isArray(inputs) && inputs[0] instanceof tf.Tensor);
    try {
      return apply.call(this, inputs, kwargs);
    } finally {
      if (eager && kwargs && Object.hasOwn(kwargs, 'mask')) delete kwargs['mask'];
    }
  };
}
