import * as tf from '@tensorflow/tfjs-core';
import { assembleWasmModule } from '@savedkeras/common';
import { elementwisePasses } from './elementwise-wasm.js';
import { WINOGRAD_FIXES, winogradConv2d } from './winograd.js';
import { HEAP_CONCAT_FIX, concatOnHeap } from './heap-concat.js';
import { HEAP_RESIZE_NEAREST_FIX, resizeNearestOnHeap } from './heap-resize.js';

/**
 * A tfjs kernel that is wrong (or missing) on one backend, and what savedkeras runs there instead.
 * Found by the backend conformance suite (@savedkeras/conformance); each entry is pinned by a test
 * against TensorFlow's numbers in packages/kernels/test.
 */
export interface KernelFix {
  /** tfjs kernel name (tf.MaxPool3D, ...). */
  readonly kernel: string;
  readonly backend: string;
  /** What the backend's own kernel gets wrong, and for which parameters. */
  readonly why: string;
  /**
   * How the replacement computes: `cpu` runs the plain-JS cpu backend's kernel on copies of the
   * inputs; `js` is savedkeras' own elementwise JS function (where the cpu kernel is wrong too);
   * `per-image-cpu` runs the cpu kernel once per image of the batch (it is right for one image);
   * `alias` runs another of the backend's own kernels (no copies: fast backends stay fast);
   * `empty` returns the empty tensor TensorFlow returns (for calls whose output has no elements);
   * `js-matmul` is savedkeras' batched matrix product in JS with NumPy broadcasting of the batch dimensions;
   * `js-batchnorm` is savedkeras' batch normalization in JS with NumPy broadcasting of its parameters;
   * `own-bias` runs the backend's own kernel with a copy of the bias stored as the 1-D tensor it is;
   * `selu-from-elu` computes scale * Prelu(Elu(x), alpha): the backend's own Elu, then one WebAssembly SIMD pass over its output
   * on the heap (elementwise-wasm.ts; the backend's own Prelu and Multiply where there is no SIMD) (a speed fix);
   * `leaky-from-prelu` computes LeakyRelu as the backend's own Prelu with the slope per channel (a speed fix);
   * `matmul-col2im` computes a transposed convolution as the backend's own BatchMatMul of the input with every
   * filter tap, then adds each tap's product into its output pixel in JS (a speed fix);
   * `folded-mul-add` computes inference batch normalization as x * w + b with the parameters folded per channel as TensorFlow
   * folds them (once per parameter set), in one WebAssembly SIMD pass on the heap (elementwise-wasm.ts; the backend's own
   * Multiply and Add where channels are not a multiple of 4 or there is no SIMD) (a speed fix);
   * `winograd` computes a 3x3 stride-1 convolution by Winograd F(4x4, 3x3): transforms in a small WebAssembly SIMD module on
   * the backend's heap, the products on the backend's own XNNPACK matmul (a speed fix; packages/kernels/src/winograd.ts);
   * `heap-slice` copies a slice that is one continuous run of the input within the wasm heap, and shares the input's data
   * (as Reshape does) when the slice is the whole tensor (a speed fix);
   * `heap-concat` copies each input's rows into the output within the wasm heap, one WebAssembly call per input (a speed fix);
   * `bias-add` adds a bias along the last axis in one WebAssembly SIMD pass on the heap (small tensors: a JS loop on the
   * heap), on the calling thread (a speed fix);
   * `heap-upsample` computes a nearest-neighbour resize by whole factors as copies of each source pixel within the wasm heap,
   * one WebAssembly call (a speed fix);
   * `subpixel-upsampled` computes a 3x3 convolution of a 2x nearest-upsampled image as four 2x2 convolutions of the small
   * image (a speed fix);
   * `phase-convs` computes a transposed convolution as one convolution of its input per output phase (stride s: s*s of them,
   * each with the taps that land on that phase, flipped) on the backend's own kernel, interleaved into the output (a speed fix);
   * `max-min` computes Relu as the backend's own Maximum(x, 0) and Relu6 as Minimum(Maximum(x, 0), 6) (each value on its own);
   * `rank-3-view` runs the backend's own kernel on a [dimensions before the axis, the axis, dimensions after it] reshape of the input;
   * `nan-kept` runs the backend's own unary kernel and puts NaN back where x is NaN, with its own Maximum and Minimum;
   * `relu-plus-slope` computes LeakyRelu / Prelu as Maximum(x, 0) + alpha * Minimum(x, 0) on the backend's own kernels (TensorFlow's
   * x > 0 ? x : alpha * x for every number, infinities included, with no multiplication of a 0 by the other branch);
   * `unfused-activation` runs the backend's own fused kernel with a linear activation, then the activation's kernel as it is
   * registered (savedkeras' replacement where there is one).
   */
  readonly via: 'max-min' | 'rank-3-view' | 'nan-kept' | 'relu-plus-slope' | 'unfused-activation' | 'cpu' | 'js' | 'per-image-cpu' | 'alias' | 'empty' | 'js-matmul' | 'js-batchnorm' | 'own-bias' | 'selu-from-elu' | 'leaky-from-prelu' | 'matmul-col2im' | 'folded-mul-add' | 'winograd' | 'heap-slice' | 'heap-concat' | 'heap-upsample' | 'bias-add' | 'subpixel-upsampled' | 'phase-convs';
  /** `alias`: the backend's own kernel that computes the same thing right, and the attrs it gets. */
  readonly alias?: { kernel: string; attrs: Record<string, unknown> };
  /**
   * Only calls whose attrs / input shapes (or, rarely, the inputs' data on the backend) match go the
   * replacement's way; the others keep the backend's own kernel.
   */
  readonly when?: (attrs: Record<string, unknown>, shapes: number[][], args: KernelArgs) => boolean;
}

/**
 * Kernels of tfjs-backend-wasm 4.22 that get NaN and infinities wrong (XNNPACK clamps its outputs to the activation's
 * range, and that clamp turns NaN into -Infinity or 0; padding is multiplied in as zeros, so 0 * Infinity makes NaN
 * where TensorFlow skips the padding), with what each does. Found by the conformance cases with non-finite inputs.
 */
const NON_FINITE_WRONG: Record<string, string> = {
  DepthwiseConv2dNative: 'turns NaN into -Infinity (1x1 kernels: DepthwiseConv2D, SeparableConv2D) and makes NaN of an infinite weight next to padding; TensorFlow keeps NaN and skips padding',
  FusedDepthwiseConv2D: 'turns NaN into -Infinity, or into 0 with a relu or relu6 activation, and makes NaN of an infinite weight next to padding; TensorFlow keeps NaN and skips padding',
  Conv2D: 'turns NaN into -Infinity when it has one output channel and makes NaN of an infinite weight next to padding; TensorFlow keeps NaN and skips padding',
  FusedConv2D: 'turns NaN into -Infinity (one output channel), or into 0 with a relu or relu6 activation; TensorFlow keeps NaN',
  _FusedMatMul: 'turns NaN into 0 with a relu or relu6 activation (Keras Dense(activation="relu")); TensorFlow keeps NaN',
  MaxPool: 'returns -Infinity, or less than the window\'s maximum, for a window holding NaN; TensorFlow ignores NaN there',
  AvgPool: 'turns NaN into -Infinity; TensorFlow keeps NaN',
  Relu: 'maps a NaN whose sign bit is set (what 0 * Infinity and Infinity - Infinity make) to 0; TensorFlow keeps NaN',
  ClipByValue: 'maps NaN to a bound; TensorFlow keeps NaN',
};

const WINDOW_KERNELS = ['Conv2D', 'DepthwiseConv2dNative', 'MaxPool', 'AvgPool'] as const;
const isWindowKernel = (k: string): k is WindowKernel => (WINDOW_KERNELS as readonly string[]).includes(k);

export const KERNEL_FIXES: readonly KernelFix[] = Object.freeze([
  {
    kernel: 'MaxPool3D',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 starts every pooling window at FLT_MIN (+1.2e-38) instead of -infinity, so a window ' +
      'whose values are all negative (or only padding and negatives) returns ~0: every kernel size, stride and ' +
      'padding, both data formats (Conv3D + MaxPooling3D and ConvLSTM2D + MaxPooling3D models were off by 0.5)',
    via: 'cpu',
  },
  {
    kernel: 'MaxPoolWithArgmax',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 starts every window of MaxPoolWithArgmax at FLT_MIN as it does MaxPool3D: a window of only ' +
      'negative values returns ~0 and a wrong index (tf.nn.max_pool_with_argmax exports; found by the conformance suite)',
    via: 'cpu',
  },
  {
    kernel: 'Conv3DBackpropInputV2',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 computes 3-D transposed convolution (Keras Conv3DTranspose) wrong for every stride and padding tried (max |diff| up to 6 on unit inputs; -Infinity in places)',
    via: 'cpu',
  },
  {
    kernel: 'Transform',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 image.transform (ImageProjectiveTransformV2/V3: RandomRotation, RandomZoom, RandomTranslation in training mode) samples the wrong pixels for a non-identity transform, every interpolation and fill mode',
    via: 'per-image-cpu',
  },
  {
    kernel: 'Transform',
    backend: 'cpu',
    why: 'tfjs-backend-cpu 4.22 image.transform returns after the first image: every later image of the batch is all fill value',
    via: 'per-image-cpu',
  },
  {
    kernel: 'Conv2D',
    backend: 'wasm',
    why: "tfjs-backend-wasm 4.22 Conv2D throws for dataFormat 'channelsFirst' (NCHW), which tfjs-layers' ConvLSTM2D passes through for channels_first models; those calls run the cpu kernel, NHWC ones stay native",
    via: 'cpu',
    when: (attrs) => attrs['dataFormat'] === 'NCHW',
  },
  ...WINDOW_KERNELS.map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'wasm',
      why:
        `tfjs-backend-wasm 4.22 ${kernel} corrupts WebAssembly memory ("memory access out of bounds" later, anywhere) when its ` +
        'output is empty (a valid Conv1D/pooling on a sequence shorter than the window: TensorFlow returns an empty tensor); ' +
        'tfjs-core even computes negative sizes for an empty input. Those calls return the empty tensor (or, for negative sizes, ' +
        'throw as TensorFlow does)',
      via: 'empty',
      when: (attrs, shapes) => emptyWindowOutput(kernel, attrs, shapes),
    }),
  ),
  {
    kernel: 'Conv2DBackpropFilter',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (a Keras train step saved with the model runs it); the cpu kernel runs instead',
    via: 'cpu',
  },
  ...(['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'wasm',
      why: `tfjs-backend-wasm 4.22 has no ${kernel}, so depthwise and separable convolutions (Keras DepthwiseConv1D/2D, SeparableConv1D/2D) did not train; the cpu kernel runs instead`,
      via: 'cpu',
    }),
  ),
  {
    kernel: 'GatherV2',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 ignores batch_dims: GatherV2 with batch_dims 1 (tf.gather(..., batch_dims=1)) picks rows of the wrong batch',
    via: 'cpu',
    // batch_dims 0 (every Embedding lookup) stays native: routing it copied the whole table out of the wasm heap per call.
    when: (attrs) => Number(attrs['batchDims'] ?? 0) !== 0,
  },
  {
    kernel: 'OneHot',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 writes int32 bit patterns into a float32 OneHot output (1 reads as 1.4e-45)',
    via: 'cpu',
  },
  {
    kernel: 'Maximum',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 Maximum returns the other operand where one is NaN; TensorFlow (and the cpu backend) return NaN',
    via: 'cpu',
  },
  {
    kernel: 'Minimum',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 Minimum returns the other operand where one is NaN; TensorFlow (and the cpu backend) return NaN',
    via: 'cpu',
  },
  {
    kernel: 'Relu6',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 Relu6 maps NaN to 0; TensorFlow returns NaN. Calls whose input holds a NaN or an infinity run the cpu kernel (finite ones stay native)',
    via: 'cpu',
    when: (_attrs, _shapes, args) => holdsNonFinite(args),
  },
  {
    kernel: 'Sign',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 Sign returns 0 for small non-zero values (1e-30) and for NaN; TensorFlow returns +-1 and NaN',
    via: 'js',
  },
  {
    kernel: 'Sign',
    backend: 'cpu',
    why: 'tfjs-backend-cpu 4.22 Sign returns 0 for NaN; TensorFlow returns NaN',
    via: 'js',
  },
  {
    kernel: 'Relu6',
    backend: 'webgl',
    why:
      'tfjs-backend-webgl 4.22 Relu6 maps -Infinity to NaN, and its ClipByValue passes all four values of a texel through ' +
      'unclipped when one is NaN; TensorFlow returns 0 for -Infinity and clips each value',
    via: 'max-min',
  },
  {
    kernel: 'Sign',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 Sign returns 0 for NaN; TensorFlow returns NaN',
    via: 'js',
  },
  {
    kernel: 'FloorDiv',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 FloorDiv of float32 rounds instead of flooring in places (0.798 gives 1)',
    via: 'cpu',
  },
  {
    kernel: 'BatchMatMul',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 BatchMatMul throws "Size(..) must match the product of shape" when the batch dimensions of the two sides differ ([2,1,3,4] x [5,4,2]); those calls run savedkeras\' JS kernel',
    via: 'js-matmul',
    when: (_attrs, shapes) => batchShapesDiffer(shapes),
  },
  {
    kernel: 'Relu',
    backend: 'webgl',
    why:
      'tfjs-backend-webgl 4.22 Relu maps -Infinity to NaN, and its ClipByValue passes all four values of a texel through ' +
      'unclipped when one is NaN; TensorFlow returns 0 for -Infinity and NaN for NaN',
    via: 'max-min',
  },
  {
    kernel: 'Select',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 has no Select (tf.where) above rank 4 ("Where for rank 5 is not yet supported"; DivNoNan, MulNoNan, Xdivy, Xlogy on rank-5 tensors); those calls run the cpu kernel',
    via: 'cpu',
    when: (_attrs, shapes) => shapes.some((s) => s.length > 4),
  },
  {
    kernel: 'PadV2',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 Pad of a rank-5 tensor fails to compile its shader (ZeroPadding3D); those calls run the cpu kernel',
    via: 'cpu',
    when: (_attrs, shapes) => shapes.some((s) => s.length > 4),
  },
  {
    kernel: 'Selu',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 Selu is right but a scalar exp loop, ~3x slower than its XNNPACK Elu: on ' +
      "legacy-tf23-cnn-encoder (Conv2D activation='selu', which tfjs cannot fuse) it took as much CPU as the three " +
      'convolutions (7.3 vs 7.8 ms per batch of 8). float32 calls (rank >= 1, not empty) run scale * Prelu(Elu(x), alpha): the ' +
      "backend's own XNNPACK Elu, then one SIMD pass over its output (2x faster)",
    via: 'selu-from-elu',
    when: (_attrs, shapes, args) => args.inputs['x']?.dtype === 'float32' && (shapes[0]?.length ?? 0) >= 1 && shapes[0]!.every((d) => d > 0),
  },
  {
    kernel: 'LeakyRelu',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 LeakyRelu is right but a scalar loop, ~3x slower than its XNNPACK Prelu: on ' +
      'legacy-tf21-discriminator-leakyrelu it was 13 % of the CPU of a batch (0.78 ms against 3.35 ms for its two convolutions). ' +
      "float32 calls (rank >= 1, not empty) run the backend's own Prelu with alpha as every channel's slope",
    via: 'leaky-from-prelu',
    when: (_attrs, shapes, args) => args.inputs['x']?.dtype === 'float32' && (shapes[0]?.length ?? 0) >= 1 && shapes[0]!.every((d) => d > 0),
  },
  {
    kernel: 'Conv2DBackpropInput',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 Conv2DBackpropInput (tf.conv2dTranspose: Keras Conv2DTranspose) is right but a scalar C loop ' +
      'gathering one output pixel at a time, not XNNPACK: cgan-generator-multiply-tf215 (three Conv2DTranspose) took 190 ms of CPU ' +
      'per batch of 8 against TensorFlow\'s 9 ms. float32 channels-last calls run the backend\'s own XNNPACK BatchMatMul of the input ' +
      'with every filter tap, and add each tap\'s product into its output pixel',
    via: 'matmul-col2im',
    when: (attrs, shapes, args) =>
      args.inputs['dy']?.dtype === 'float32' && args.inputs['filter']?.dtype === 'float32' && attrs['dataFormat'] !== 'NCHW' &&
      shapes.every((s) => s.length === 4 && s.every((d) => d > 0)),
  },
  {
    kernel: 'FusedBatchNorm',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 FusedBatchNorm (tf.batchNorm: Keras BatchNormalization at inference) is right but a scalar C loop ' +
      'with a square root and a division per element, not XNNPACK: cnn-mnist-bn (its batch norms follow the ReLU, so they cannot ' +
      'be folded into the convolutions) spent 23 % of its CPU there (0.9-1.0 ms for [8,26,26,32]). float32 calls whose parameters ' +
      'run along the last axis compute x * (scale / sqrt(variance + epsilon)) + (offset - mean * that), the parameters folded ' +
      'per channel as TensorFlow folds them, in one SIMD pass on the heap (the backend\'s own XNNPACK Multiply and Add, each ' +
      'as slow as that pass, for channels not a multiple of 4) (3-8x faster)',
    via: 'folded-mul-add',
    when: (_attrs, _shapes, args) => channelsLastBatchNorm(args),
  },
  ...(['cpu', 'wasm'] as const).map(
    (backend): KernelFix => ({
      kernel: 'FusedBatchNorm',
      backend,
      why:
        `tfjs-backend-${backend} 4.22 FusedBatchNorm reads mean/variance/scale/offset that are not 1-D as if they ran along the ` +
        'last axis (index i mod size): tfjs-layers BatchNormalization on axis 1 (channels_first models, ranks 3-4) gave wrong ' +
        "numbers; those calls run savedkeras' JS kernel with NumPy broadcasting",
      via: 'js-batchnorm',
      when: (_attrs, shapes) => shapes.slice(1).some((s) => s.length > 1),
    }),
  ),
  ...(['cpu', 'wasm'] as const).map(
    (backend): KernelFix => ({
      kernel: 'BatchMatMul',
      backend,
      why:
        `tfjs-backend-${backend} 4.22 BatchMatMul pairs the wrong matrices when the batch dimensions broadcast other than by leading ` +
        'dimensions ([2,1,3,4] x [5,4,2]: it takes batch index i mod 2 and i mod 5); those calls run savedkeras\' JS kernel',
      via: 'js-matmul',
      when: (_attrs, shapes) => moduloBroadcastWrong(shapes),
    }),
  ),
  ...(['Reverse', 'StridedSlice'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'wasm',
      why:
        `tfjs-backend-wasm 4.22 ${kernel} reads and writes bool data as 4-byte elements: wrong values, and writes past the ` +
        "output corrupt the wasm heap (a masked Bidirectional RNN's saved graph reverses its bool mask; the next allocation " +
        'looped forever); bool calls run the cpu kernel',
      via: 'cpu',
      when: (_attrs, _shapes, args) => Object.values(args.inputs).some((t) => t?.dtype === 'bool'),
    }),
  ),
  {
    kernel: 'StridedSlice',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 StridedSlice makes a float32 output on its general path (a negative stride, or a stride > 1 ' +
      'inside the tensor): an int32 slice such as x[::-1] of a shape vector comes back as float32 bit patterns (2 reads as 2.8e-45); ' +
      'int32 calls run the cpu kernel',
    via: 'cpu',
    when: (_attrs, _shapes, args) => args.inputs['x']?.dtype === 'int32',
  },
  {
    kernel: 'Select',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 Select (tf.where) copies bool values as 4-byte elements: wrong values, and with a broadcast ' +
      "condition writes past the output and corrupts the wasm heap (tf.linalg.band_part of a bool mask, Keras MultiHeadAttention's " +
      'causal mask: the next LogicalAnd aborted); calls with bool values run the cpu kernel',
    via: 'cpu',
    when: (_attrs, _shapes, args) => args.inputs['t']?.dtype === 'bool',
  },
  {
    kernel: 'Cast',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 Cast to bool truncates instead of testing != 0: 0.5 and NaN become false, 256 becomes false and -1 ' +
      'is stored as 255 (TensorFlow: x != 0); casts to bool run the cpu kernel',
    via: 'cpu',
    when: (attrs) => attrs['dtype'] === 'bool',
  },
  {
    kernel: 'ResizeNearestNeighbor',
    backend: 'wasm',
    why: 'tfjs-backend-wasm 4.22 ResizeNearestNeighbor returns float32 for int32 images (TensorFlow keeps the dtype); int32 calls run the cpu kernel',
    via: 'cpu',
    when: (_attrs, _shapes, args) => args.inputs['images']?.dtype === 'int32',
  },
  {
    kernel: 'Slice',
    backend: 'wasm',
    why:
      'tfjs-backend-wasm 4.22 Slice is right but copies the whole input out of the wasm heap (readSync) before copying the ' +
      "slice back in, even when the slice is the whole tensor, which tfjs-layers' predict takes of every input: 21 ms of " +
      "timedistributed-lrcn-video-tf27's 240 ms per batch of 8 (a [8,20,128,128,3] video). Slices that are one continuous run " +
      'of the input are copied within the heap, and a slice of the whole tensor shares its data as Reshape does',
    via: 'heap-slice',
    when: (_attrs, _shapes, args) => ['float32', 'int32', 'bool'].includes(args.inputs['x']?.dtype ?? ''),
  },
  ...(['Conv2D', 'FusedConv2D'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'wasm',
      why:
        `tfjs-backend-wasm 4.22 ${kernel} is right, but a 3x3 convolution after a 2x nearest upsampling (Keras UpSampling2D then ` +
        'Conv2D) multiplies every upsampled pixel with all 9 taps: 9 multiply-adds per output where 4 do (the taps that land on ' +
        'the same source pixel add up first). legacy-tf23-upsampling-decoder spent 57 % of its CPU in those two convolutions. ' +
        'float32 channels-last calls with a 3x3 filter, stride 1 and SAME padding whose input has every 2x2 block equal (its bits ' +
        "tested; finite values) run as four 2x2 convolutions of the small image on the backend's own kernel, one per output phase " +
        '(with 1 or 2 filters, as the 4x output channels of one 3x3 convolution of the small image: XNNPACK computes 8 channels at a time)',
      via: 'subpixel-upsampled',
      when: (attrs, _shapes, args) => upsampledConvCandidate(attrs, args),
    }),
  ),
  {
    kernel: 'Conv2DBackpropInput',
    backend: 'wasm',
    why:
      "tfjs-backend-wasm 4.22 Conv2DBackpropInput is a scalar C loop; the BatchMatMul + col2im above still wrote every tap's " +
      'product out (9x the input for a 3x3 filter) and added them up in one JS thread (cgan-generator-multiply-tf215: ' +
      'Conv2DBackpropInput 75 % of its CPU). float32 channels-last calls with at least 2 output channels, a kernel no smaller than ' +
      'the stride and a finite filter run as one convolution of the input per output phase (stride s: s*s of them, each with the ' +
      "taps that land on that phase, flipped) on the backend's own XNNPACK Conv2D, threaded as it is, the phases interleaved into the output",
    via: 'phase-convs',
    when: (attrs, _shapes, args) => phaseConvCandidate(attrs, args),
  },
  ...(['_FusedMatMul', 'FusedConv2D', 'FusedDepthwiseConv2D'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'wasm',
      why:
        `tfjs-backend-wasm 4.22 ${kernel} reads the bias rank from the shape its data was first made with, not the tensor's: ` +
        "a 1-D bias that is a view of 2-D data (Keras' GRU unstacks its [2, 3*units] bias; a reshape) is refused " +
        '("only supports rank-1 bias"): the saved graphs of GRU models failed; those calls get a 1-D copy of the bias',
      via: 'own-bias',
      when: (_attrs, _shapes, args) => biasStoredWithOtherRank(args),
    }),
  ),
  {
    kernel: 'Transform',
    backend: 'webgl',
    why: 'tfjs-backend-webgl 4.22 image.transform samples the wrong pixels for a non-identity transform (as wasm does)',
    via: 'per-image-cpu',
  },
  ...(['Elu', 'Selu', 'Softplus'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'webgl',
      why:
        `tfjs-backend-webgl 4.22 ${kernel} returns Infinity for NaN in Chromium's software WebGL (SwiftShader): its shader has ` +
        'no NaN test and exp(NaN) comes out infinite there; TensorFlow returns NaN',
      via: 'nan-kept',
    }),
  ),
  ...(['LeakyRelu', 'Prelu'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'webgl',
      why:
        `tfjs-backend-webgl 4.22 ${kernel}'s packed shader blends both branches, multiplying the one not taken by 0, so ` +
        '+Infinity and -Infinity become NaN (0 * Infinity); TensorFlow returns x for x > 0, else alpha * x',
      via: 'relu-plus-slope',
    }),
  ),
  ...(['FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'webgl',
      why:
        `tfjs-backend-webgl 4.22 ${kernel} applies its activation with the shaders of the activation kernels replaced above: a ` +
        'relu or relu6 of -Infinity is NaN (a Keras Conv2D(activation="relu") on an image holding -Infinity gave NaN where ' +
        'TensorFlow gives 0), an elu of NaN is Infinity, a leaky relu or prelu of an infinity is NaN, and its sigmoid (unlike the ' +
        'Sigmoid kernel\'s) has no NaN test: a sigmoid of NaN is 0. Calls with an activation run the backend\'s own kernel with a ' +
        "linear one, then the activation's kernel (one more pass over the output)",
      via: 'unfused-activation',
      when: (attrs) => UNFUSED_ACTIVATIONS.has(String(attrs['activation'])),
    }),
  ),
  ...(['Cumsum', 'Cumprod'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'webgl',
      why:
        `tfjs-backend-webgl 4.22 ${kernel} refuses tensors of rank 5 and more ("Cumulative + for rank 5 is not yet supported": ` +
        "Keras' sparsemax activation on a rank-5 tensor failed); those calls run the backend's own kernel on a rank-3 view " +
        '[dimensions before the axis, the axis, dimensions after it]',
      via: 'rank-3-view',
      when: (_attrs, shapes) => (shapes[0]?.length ?? 0) > 4,
    }),
  ),
  // After the fixes above, so checked first: a non-finite filter goes to the cpu kernel whatever the activation.
  ...(['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const).map(
    (kernel): KernelFix => ({
      kernel,
      backend: 'webgl',
      why:
        `tfjs-backend-webgl 4.22 ${kernel} multiplies padding in as zeros (im2col for convolutions, the packed depthwise shader), ` +
        'so a NaN or infinite weight next to SAME padding makes NaN where TensorFlow skips the padding. Calls with padding whose ' +
        'filter holds a NaN or an infinity run the cpu kernel (each filter is read back and scanned once: a layer\'s weights on the first call only)',
      via: 'cpu',
      when: (attrs, _shapes, args) => attrs['pad'] !== 'valid' && holdsNonFinite(args, ['filter']),
    }),
  ),
  ...WINOGRAD_FIXES,
  HEAP_CONCAT_FIX,
  HEAP_RESIZE_NEAREST_FIX,
  {
    kernel: 'Add',
    backend: 'wasm',
    why:
      "tfjs-backend-wasm 4.22 Add is right, but a bias added along the last axis (Keras' Conv2DTranspose adds its bias after " +
      "the convolution; Dense before a softmax) is XNNPACK's broadcasting add, ~2x a plain pass ([8,28,28,64] + [64]: 0.45 ms " +
      "against TensorFlow's BiasAdd 0.23), and with more than one thread a thread-pool call even for [8,10] + [10]. float32 " +
      'calls adding a bias ([C] or [1,...,1,C]) to a tensor of C channels run one WebAssembly SIMD pass on the heap (channels a ' +
      'multiple of 4; other channel counts up to 4,096 values by a JS loop on the heap), on the calling thread; the same float32 sums',
    via: 'bias-add',
    when: (_attrs, _shapes, args) => biasAddOperands(args) !== undefined,
  },
  // Last in the list, so checked first: a call with a NaN or an infinity in it runs the cpu kernel whatever else applies.
  ...(Object.entries(NON_FINITE_WRONG) as [string, string][]).map(
    ([kernel, what]): KernelFix => ({
      kernel,
      backend: 'wasm',
      why:
        `tfjs-backend-wasm 4.22 ${kernel} ${what}. Calls whose inputs hold a NaN or an infinity run the cpu kernel; finite ` +
        'calls stay native (each tensor is scanned once, weights on the first call only)',
      via: 'cpu',
      when: (attrs, shapes, args) => !(isWindowKernel(kernel) && emptyWindowOutput(kernel, attrs, shapes)) && holdsNonFinite(args),
    }),
  ),
]);

/** The fixes that apply to `backend`. */
export function fixesFor(backend: string): KernelFix[] {
  return KERNEL_FIXES.filter((f) => f.backend === backend);
}

const installed = new Set<string>();
/** The backends' own kernels we replaced; replacements that run the cpu kernel need its native one. */
const nativeKernels = new Map<string, tf.KernelConfig>();

/**
 * Replaces the wrong kernels of `backend` (its package must already be imported: tfjs registers a
 * backend's kernels when its module loads, and a later registration would overwrite ours).
 * Idempotent. Returns the kernels now replaced on that backend.
 */
export async function installKernelFixes(backend: string): Promise<string[]> {
  const fixes = fixesFor(backend);
  if (fixes.some((f) => f.via !== 'js')) await import('@tensorflow/tfjs-backend-cpu');
  for (const f of fixes) if (f.via === 'js' && !JS_KERNELS[f.kernel]) throw new Error(`no JS kernel for ${f.kernel}`);
  for (const fix of fixes) {
    const key = `${fix.backend}/${fix.kernel}/${KERNEL_FIXES.indexOf(fix)}`;
    if (installed.has(key)) continue;
    const current = tf.getKernel(fix.kernel, fix.backend);
    if (current !== undefined) {
      const nativeKey = `${fix.backend}/${fix.kernel}`;
      if (!nativeKernels.has(nativeKey)) nativeKernels.set(nativeKey, current);
      tf.unregisterKernel(fix.kernel, fix.backend);
    }
    const native = nativeKernels.get(`${fix.backend}/${fix.kernel}`);
    if ((fix.via === 'own-bias' || fix.via === 'heap-slice' || fix.via === 'heap-concat' || fix.via === 'heap-upsample' || fix.via === 'bias-add' || fix.via === 'subpixel-upsampled' || fix.via === 'phase-convs') && current === undefined) {
      throw new Error(`${fix.kernel} is not registered for ${fix.backend}: no kernel of its own to hand calls to`);
    }
    const kernelFunc =
      fix.via === 'empty' ? emptyOutput(fix.kernel)
      : fix.via === 'js-matmul' ? broadcastBatchMatMul
      : fix.via === 'js-batchnorm' ? broadcastBatchNorm
      : fix.via === 'cpu' ? onCpu(fix.kernel)
      : fix.via === 'js' ? elementwise(JS_KERNELS[fix.kernel]!)
      : fix.via === 'alias' ? aliasOf(fix)
      : fix.via === 'own-bias' ? withOwnBias(current!.kernelFunc)
      : fix.via === 'selu-from-elu' ? seluFromElu(fix.backend)
      : fix.via === 'matmul-col2im' ? conv2dTransposeByMatMul(fix.backend)
      : fix.via === 'leaky-from-prelu' ? leakyFromPrelu(fix.backend)
      : fix.via === 'folded-mul-add' ? batchNormAsMulAdd(fix.backend)
      : fix.via === 'winograd' ? winogradConv2d(current!.kernelFunc)
      : fix.via === 'heap-slice' ? sliceOnHeap(fix.backend, current!.kernelFunc)
      : fix.via === 'heap-concat' ? concatOnHeap(current!.kernelFunc)
      : fix.via === 'heap-upsample' ? resizeNearestOnHeap(current!.kernelFunc)
      : fix.via === 'bias-add' ? biasAddOnHeap(current!.kernelFunc)
      : fix.via === 'subpixel-upsampled' ? upsampledConvBySubpixel(current!.kernelFunc)
      : fix.via === 'phase-convs' ? conv2dTransposeByPhases(fix.backend, current!.kernelFunc)
      : fix.via === 'max-min' ? reluByMaxMin(fix.backend, fix.kernel === 'Relu6' ? 6 : undefined)
      : fix.via === 'rank-3-view' ? cumulativeOnRank3View(fix.backend, fix.kernel)
      : fix.via === 'nan-kept' ? nanKept(fix.backend, fix.kernel)
      : fix.via === 'relu-plus-slope' ? reluPlusSlope(fix.backend)
      : fix.via === 'unfused-activation' ? unfusedActivation(fix.backend, fix.kernel)
      : perImageOnCpu(fix.kernel);
    if (fix.when !== undefined) {
      if (current === undefined || native === undefined) throw new Error(`${fix.kernel} is not registered for ${fix.backend}: nothing to route around`);
      const when = fix.when;
      // Several fixes of one kernel chain: each routes its calls and hands the rest to the one before.
      const own = current.kernelFunc;
      const routed: tf.KernelFunc = (args) => {
        const shapes = Object.values(args.inputs).map((t) => t?.shape ?? []);
        return when((args.attrs ?? {}) as Record<string, unknown>, shapes, args) ? kernelFunc(args) : own(args);
      };
      // The backend's own kernel still runs for the other calls, so it keeps its setup (wasm binds its C function there).
      tf.registerKernel({ kernelName: fix.kernel, backendName: fix.backend, kernelFunc: routed, ...(native.setupFunc ? { setupFunc: native.setupFunc } : {}) });
    } else {
      tf.registerKernel({ kernelName: fix.kernel, backendName: fix.backend, kernelFunc });
    }
    installed.add(key);
  }
  return [...new Set(fixes.map((f) => f.kernel))];
}

/** Kernels replaced so far on `backend` (by installKernelFixes). */
export function installedFixes(backend: string): string[] {
  const kernels = fixesFor(backend)
    .filter((f) => installed.has(`${f.backend}/${f.kernel}/${KERNEL_FIXES.indexOf(f)}`))
    .map((f) => f.kernel);
  return [...new Set(kernels)];
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * A kernel for any backend that runs the cpu backend's kernel of the same name: inputs are read
 * from the calling backend, computed in plain JS, and the outputs written back. Slower than a
 * native kernel by two copies, but right; used only where the native one is known wrong.
 */
function cpuKernelOf(kernelName: string): { cpu: tf.KernelBackend; kernel: tf.KernelFunc } {
  const config = nativeKernels.get(`cpu/${kernelName}`) ?? tf.getKernel(kernelName, 'cpu');
  const cpu = tf.findBackend('cpu');
  if (config === undefined || cpu === null || cpu === undefined) {
    throw new Error(`savedkeras replaces ${kernelName} on this backend with the cpu kernel, but the cpu backend is not registered`);
  }
  // The cpu backend prints an "install tfjs-node" banner on first use; here it only stands in for one kernel.
  (cpu as unknown as { firstUse?: boolean }).firstUse = false;
  return { cpu, kernel: config.kernelFunc };
}

function onCpu(kernelName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const { cpu, kernel: cpuKernel } = cpuKernelOf(kernelName);
    const moved: Record<string, tf.TensorInfo> = {};
    try {
      for (const [name, t] of Object.entries(inputs)) {
        if (t === undefined) continue;
        moved[name] = { dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      }
      const out = cpuKernel({ inputs: moved, attrs: attrs ?? {}, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const back = outs.map((o) => {
        let values = cpu.readSync(o.dataId);
        cpu.disposeData(o.dataId);
        // tfjs-backend-cpu 4.22's MaxPoolWithArgmax stores its int32 indexes as a Float32Array: backends copy bytes.
        if (o.dtype === 'int32' && !(values instanceof Int32Array)) values = Int32Array.from(values as Float32Array);
        return { dataId: backend.write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(out) ? back : back[0]!;
    } finally {
      for (const t of Object.values(moved)) cpu.disposeData(t.dataId);
    }
  };
}

/** TensorFlow's elementwise semantics where both tfjs backends differ (NaN in, NaN out). */
const JS_KERNELS: Record<string, (x: number) => number> = {
  Sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps NaN, 0 and -0 as TensorFlow does
};

/** A float32/int32 elementwise kernel computed in JS on the calling backend's data. */
function elementwise(fn: (x: number) => number): tf.KernelFunc {
  return ({ inputs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = Object.values(inputs)[0]!;
    const values = backend.readSync(x.dataId) as Float32Array | Int32Array;
    const out = x.dtype === 'int32' ? new Int32Array(values.length) : new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = fn(values[i]!);
    return { dataId: backend.write(out, x.shape, x.dtype), shape: x.shape, dtype: x.dtype };
  };
}

/**
 * Transform (image, transforms) one image at a time on the cpu kernel, whose loop over the batch
 * stops after the first image; outputs are stitched back into one batch on the calling backend.
 */
function perImageOnCpu(kernelName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const { cpu, kernel } = cpuKernelOf(kernelName);
    const { image, transforms } = inputs as { image: tf.TensorInfo; transforms: tf.TensorInfo };
    const [batch, height, width, channels] = image.shape as [number, number, number, number];
    const pixels = backend.readSync(image.dataId) as Float32Array;
    const rows = backend.readSync(transforms.dataId) as Float32Array;
    const perImage = height * width * channels;
    let out: Float32Array | undefined;
    let outShape: number[] = [];
    for (let b = 0; b < batch; b++) {
      const img = { dataId: cpu.write(pixels.slice(b * perImage, (b + 1) * perImage), [1, height, width, channels], image.dtype), shape: [1, height, width, channels], dtype: image.dtype };
      const row = transforms.shape[0] === 1 ? rows.slice(0, 8) : rows.slice(b * 8, b * 8 + 8);
      const tr = { dataId: cpu.write(row, [1, 8], transforms.dtype), shape: [1, 8], dtype: transforms.dtype };
      try {
        const o = kernel({ inputs: { image: img, transforms: tr }, attrs: attrs ?? {}, backend: cpu }) as tf.TensorInfo;
        const values = cpu.readSync(o.dataId) as Float32Array;
        cpu.disposeData(o.dataId);
        outShape = [batch, ...o.shape.slice(1)];
        out ??= new Float32Array(batch * values.length);
        out.set(values, b * values.length);
      } finally {
        cpu.disposeData(img.dataId);
        cpu.disposeData(tr.dataId);
      }
    }
    if (out === undefined) {
      const [h, w] = ((attrs as { outputShape?: [number, number] } | undefined)?.outputShape ?? [height, width]);
      outShape = [0, h, w, channels];
      out = new Float32Array(0);
    }
    return { dataId: backend.write(out, outShape, image.dtype), shape: outShape, dtype: image.dtype };
  };
}

/** Whether a float32 tensor's data holds only finite values, by data id (data never changes under one id). */
const finiteData = new WeakMap<object, boolean>();

/**
 * True when a float32 input of the call (of the inputs named in `only`, when given) holds a NaN or an infinity. Reads wasm's heap in place (no copy) with a small
 * WebAssembly SIMD loop on the backend's own memory (about 0.2 ns a value, 8x the JS loop), the JS loop elsewhere;
 * each tensor's data is scanned once (a layer's weights on the first call only).
 */
function holdsNonFinite(args: KernelArgs, only?: readonly string[]): boolean {
  const backend = args.backend as unknown as Partial<WasmHeapAccess> & tf.KernelBackend;
  for (const [name, t] of Object.entries(args.inputs)) {
    if (only !== undefined && !only.includes(name)) continue;
    if (t === undefined || t.dtype !== 'float32') continue;
    let finite = finiteData.get(t.dataId);
    if (finite === undefined) {
      const values = typeof backend.typedArrayFromHeap === 'function' ? (backend.typedArrayFromHeap(t) as Float32Array) : (backend.readSync(t.dataId) as Float32Array);
      finite = !nonFiniteIn(values, simdScanOf(backend));
      finiteData.set(t.dataId, finite);
    }
    if (!finite) return true;
  }
  return false;
}

type Scan = (from: number, to: number) => number;
/** The SIMD scanner and the memory it reads (its buffer changes when the memory grows). */
interface SimdScanner {
  scan: Scan;
  buffer: () => ArrayBufferLike;
}

function nonFiniteIn(values: Float32Array, simd: SimdScanner | undefined): boolean {
  let start = 0;
  if (simd && values.buffer === simd.buffer()) {
    start = values.length & ~3;
    if (simd.scan(values.byteOffset, values.byteOffset + start * 4) !== 0) return true;
  }
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  let all = 0;
  // (bits & exponent) + the exponent's lowest bit carries into the sign bit only when the exponent is all ones.
  for (let i = start; i < bits.length; i++) all |= ((bits[i]! & 0x7f800000) + 0x800000) | 0;
  return all < 0;
}

/**
 * The same test as nonFiniteIn's JS loop, four floats at a time, as a WebAssembly module importing wasm's memory:
 * nonFinite(from, to) ORs (bits & 0x7f800000) + 0x00800000 over [from, to) and returns the lanes' sign bits.
 */
function scannerModule(shared: boolean): Uint8Array {
  const splat = (v: number): number[] => [0xfd, 0x0c, ...[0, 1, 2, 3].flatMap(() => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24])];
  const body = [
    1, 1, 0x7b, // one v128 local: the running OR
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0, 0x20, 1, 0x4f, 0x0d, 1, // from >= to: done
    0x20, 2, 0x20, 0, 0xfd, 0x00, 0x04, 0x00, // acc, v128.load(from)
    ...splat(0x7f800000), 0xfd, 0x4e, // v128.and
    ...splat(0x00800000), 0xfd, 0xae, 0x01, // i32x4.add
    0xfd, 0x50, 0x21, 2, // v128.or -> acc
    0x20, 0, 0x41, 16, 0x6a, 0x21, 0, // from += 16
    0x0c, 0, 0x0b, 0x0b, // loop
    0x20, 2, 0xfd, 0xa4, 0x01, 0x0b, // i32x4.bitmask(acc)
  ];
  return assembleWasmModule({ importAs: 'memory', shared }, [{ name: 'nonFinite', params: [0x7f, 0x7f], results: [0x7f], body }]);
}

const scanners = new WeakMap<object, SimdScanner | null>();

/** The SIMD scanner on this wasm backend's memory, or undefined (no wasm memory, or no SIMD in this engine). */
function simdScanOf(backend: object): SimdScanner | undefined {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (typeof WebAssembly === 'undefined' || !(memory instanceof WebAssembly.Memory)) return undefined;
  let found = scanners.get(memory);
  if (found === undefined) {
    found = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const bytes = scannerModule(shared);
      if (WebAssembly.validate(bytes)) {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
        found = { scan: instance.exports['nonFinite'] as Scan, buffer: () => memory.buffer };
      }
    } catch {
      found = null; // a page that forbids compiling WebAssembly: the JS loop
    }
    scanners.set(memory, found);
  }
  return found ?? undefined;
}

/**
 * The shape a backend first stored a tensor's data with (wasm keeps it per data id, and reshapes and
 * unstacked rows share the data), or undefined when the backend does not say.
 */
function storedShape(args: KernelArgs, t: tf.TensorInfo): number[] | undefined {
  const map = (args.backend as unknown as { dataIdMap?: { get(id: unknown): { shape?: number[] } | undefined } }).dataIdMap;
  return map?.get(t.dataId)?.shape;
}

function biasStoredWithOtherRank(args: KernelArgs): boolean {
  const bias = args.inputs['bias'];
  const stored = bias ? storedShape(args, bias) : undefined;
  return stored !== undefined && stored.length !== 1;
}

/** Runs `kernel` (the backend's own) with a copy of the bias stored as the 1-D tensor it is; the copy is freed after the call. */
function withOwnBias(kernel: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const bias = args.inputs['bias']!;
    const copy = { dataId: backend.write(backend.readSync(bias.dataId), bias.shape, bias.dtype), shape: bias.shape, dtype: bias.dtype };
    try {
      return kernel({ ...args, inputs: { ...args.inputs, bias: copy } });
    } finally {
      backend.disposeData(copy.dataId);
    }
  };
}

/** Runs another of the same backend's kernels (its native one, even if that is replaced too). */
function aliasOf(fix: KernelFix): tf.KernelFunc {
  const alias = fix.alias;
  if (!alias) throw new Error(`fix of ${fix.kernel} names no alias`);
  return (args) => {
    const target = nativeKernels.get(`${fix.backend}/${alias.kernel}`) ?? tf.getKernel(alias.kernel, fix.backend);
    if (!target) throw new Error(`${alias.kernel} is not registered for ${fix.backend}`);
    return target.kernelFunc({ ...args, attrs: { ...(args.attrs ?? {}), ...alias.attrs } as tf.NamedAttrMap });
  };
}

type WindowKernel = (typeof WINDOW_KERNELS)[number];

/** The output shape tfjs-core computes for a 2-D convolution / pooling call (it may be negative), or undefined when it throws. */
function windowOutputShape(kernel: string, attrs: Record<string, unknown>, shapes: number[][]): number[] | undefined {
  const x = shapes[0] as [number, number, number, number] | undefined;
  if (!x || x.length !== 4) return undefined;
  const a = attrs as { strides: number | [number, number]; pad: 'same' | 'valid' | number; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string; filterSize?: number | [number, number] };
  const format = a.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  try {
    if (kernel === 'MaxPool' || kernel === 'AvgPool') {
      return tf.backend_util.computePool2DInfo(x, a.filterSize ?? 1, a.strides, 1, a.pad, a.dimRoundingMode).outShape;
    }
    const filter = shapes[1] as [number, number, number, number];
    return tf.backend_util.computeConv2DInfo(x, filter, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, kernel === 'DepthwiseConv2dNative', format).outShape;
  } catch {
    return undefined;
  }
}

/** True when a call's input or output has no elements (or tfjs-core computes a negative size for it). */
function emptyWindowOutput(kernel: WindowKernel, attrs: Record<string, unknown>, shapes: number[][]): boolean {
  const out = windowOutputShape(kernel, attrs, shapes);
  return out !== undefined && out.some((d) => d <= 0);
}

/** The empty tensor TensorFlow answers: the call's output shape with every negative size made 0. */
function emptyOutput(kernelName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const list = Object.values(inputs) as tf.TensorInfo[];
    const shapes = list.map((t) => t.shape);
    // Only routed here when the computed shape has a size <= 0 (see emptyWindowOutput).
    const out = windowOutputShape(kernelName, (attrs ?? {}) as Record<string, unknown>, shapes)!;
    // TensorFlow refuses these too ("Computed output size would be negative"); tfjs would allocate garbage.
    if (out.some((d) => d < 0)) throw new Error(`${kernelName}: computed output size would be negative: [${out}] for input [${shapes[0]}]`);
    const dtype = list[0]!.dtype;
    return { dataId: backend.write(new Float32Array(0), out, dtype), shape: out, dtype };
  };
}

const batchOf = (s: number[]): number[] => s.slice(0, -2);

function batchShapesDiffer(shapes: number[][]): boolean {
  const [a, b] = shapes;
  if (!a || !b) return false;
  return batchOf(a).join(',') !== batchOf(b).join(',');
}

/**
 * tfjs' BatchMatMul takes batch index i mod (batch size) of each side: right when a side's batch
 * dimensions are 1s followed by the output's own trailing dimensions, wrong otherwise.
 */
function moduloBroadcastWrong(shapes: number[][]): boolean {
  const [a, b] = shapes;
  if (!a || !b || !batchShapesDiffer(shapes)) return false;
  const out = tf.broadcast_util.assertAndGetBroadcastShape(batchOf(a), batchOf(b));
  const fine = (side: number[]): boolean => {
    const padded = [...new Array(out.length - side.length).fill(1), ...side];
    let i = 0;
    while (i < padded.length && padded[i] === 1) i++;
    return padded.slice(i).every((d, k) => d === out[i + k]);
  };
  return !(fine(batchOf(a)) && fine(batchOf(b)));
}

/** Batched matrix product with NumPy broadcasting of the batch dimensions, in float64, rounded to float32. */
const broadcastBatchMatMul: tf.KernelFunc = ({ inputs, attrs, backend: from }: KernelArgs) => {
  const backend = from as tf.KernelBackend;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const av = backend.readSync(a.dataId) as Float32Array;
  const bv = backend.readSync(b.dataId) as Float32Array;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  if ((transposeB ? bc : br) !== k) throw new Error(`BatchMatMul: inner dimensions ${k} and ${transposeB ? bc : br} differ`);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchOf(a.shape), batchOf(b.shape));
  const total = outBatch.reduce((x, y) => x * y, 1);
  const out = new Float32Array(total * m * n);
  const offsetOf = (side: number[], idx: number[]): number => {
    const padded = [...new Array(outBatch.length - side.length).fill(1), ...side];
    let flat = 0;
    for (let d = 0; d < padded.length; d++) flat = flat * padded[d]! + (padded[d] === 1 ? 0 : idx[d]!);
    return flat;
  };
  const idx = new Array(outBatch.length).fill(0);
  for (let t = 0; t < total; t++) {
    let rest = t;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      idx[d] = rest % outBatch[d]!;
      rest = Math.floor(rest / outBatch[d]!);
    }
    const ao = offsetOf(batchOf(a.shape), idx) * ar * ac;
    const bo = offsetOf(batchOf(b.shape), idx) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const x = transposeA ? av[ao + p * ac + i]! : av[ao + i * ac + p]!;
          const y = transposeB ? bv[bo + j * bc + p]! : bv[bo + p * bc + j]!;
          sum += x * y;
        }
        out[(t * m + i) * n + j] = sum;
      }
    }
  }
  const shape = [...outBatch, m, n];
  return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
};

/** (x - mean) * rsqrt(variance + epsilon) * scale + offset, each parameter broadcast against x as NumPy does. */
const broadcastBatchNorm: tf.KernelFunc = ({ inputs, attrs, backend: from }: KernelArgs) => {
  const backend = from as tf.KernelBackend;
  const { x, mean, variance, scale, offset } = inputs as Record<string, tf.TensorInfo | undefined>;
  const epsilon = Number((attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 0.001);
  const xs = x!.shape;
  const xv = backend.readSync(x!.dataId) as Float32Array;
  const strides = xs.map((_, i) => xs.slice(i + 1).reduce((a, b) => a * b, 1));
  /** Value of a parameter at x's flat index i (broadcast), or `fallback` when the parameter is absent. */
  const reader = (t: tf.TensorInfo | undefined, fallback: number): ((i: number) => number) => {
    if (!t) return () => fallback;
    const v = backend.readSync(t.dataId) as Float32Array;
    const padded = [...new Array(xs.length - t.shape.length).fill(1), ...t.shape];
    const pStrides = padded.map((_, i) => padded.slice(i + 1).reduce((a, b) => a * b, 1));
    return (i) => {
      let off = 0;
      for (let d = 0; d < xs.length; d++) {
        if (padded[d] !== 1) off += Math.floor(i / strides[d]!) % xs[d]! * pStrides[d]!;
      }
      return v[off]!;
    };
  };
  const m = reader(mean, 0);
  const va = reader(variance, 1);
  const sc = reader(scale, 1);
  const of = reader(offset, 0);
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = ((xv[i]! - m(i)) / Math.sqrt(va(i) + epsilon)) * sc(i) + of(i);
  return { dataId: backend.write(out, xs, 'float32'), shape: xs, dtype: 'float32' };
};

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA_F32 = Math.fround(SELU_ALPHA);
const SELU_SCALE_F32 = Math.fround(SELU_SCALE);

/** What of tfjs-backend-wasm's backend the one-pass loops use (present in 4.22). */
interface WasmHeapBackend {
  wasm: { HEAPF32: Float32Array; wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined; has(id: object): boolean };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * elementwise-wasm.ts's loops on this wasm backend's memory, with the heap addresses of tensors, or undefined (another
 * backend, or no WebAssembly SIMD: the callers keep the backend's own kernels).
 */
function heapPassesOf(backend: object) {
  const be = backend as Partial<WasmHeapBackend>;
  const memory = be.wasm?.wasmMemory ?? be.wasm?.asm?.memory;
  if (typeof WebAssembly === 'undefined' || !(memory instanceof WebAssembly.Memory) || !be.dataIdMap || typeof be.makeOutput !== 'function') return undefined;
  const passes = elementwisePasses(memory, SELU_ALPHA_F32, SELU_SCALE_F32);
  if (!passes) return undefined;
  const { wasm, dataIdMap } = be as WasmHeapBackend;
  const offset = (t: tf.TensorInfo): number => dataIdMap.get(t.dataId)!.memoryOffset;
  return {
    passes,
    offset,
    // HEAPF32 is read on every call: a memory.grow replaces it.
    f32: (t: tf.TensorInfo, size: number): Float32Array => wasm.HEAPF32.subarray(offset(t) / 4, offset(t) / 4 + size),
    makeOutput: (shape: number[]): tf.TensorInfo => (be as WasmHeapBackend).makeOutput(shape, 'float32'),
    live: (id: object): boolean => dataIdMap.has(id),
  };
}

/**
 * selu(x) = scale * (x > 0 ? x : alpha * (exp(x) - 1)) = scale * Prelu(Elu(x), alpha), since Elu(x) < 0
 * exactly where x < 0: three vectorised passes of the backend's own kernels instead of its scalar Selu loop.
 */
function seluFromElu(backendName: string): tf.KernelFunc {
  const own = (name: string): tf.KernelFunc => {
    const k = nativeKernels.get(`${backendName}/${name}`) ?? tf.getKernel(name, backendName);
    if (!k) throw new Error(`${name} is not registered for ${backendName}`);
    return k.kernelFunc;
  };
  return ({ inputs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const elu = own('Elu')({ inputs: { x }, backend, attrs: {} }) as tf.TensorInfo;
    const heap = heapPassesOf(backend);
    if (heap) {
      // One pass over Elu's own output, in place: the same two products per value as Prelu then Multiply gave.
      const start = heap.offset(elu);
      const size = tf.util.sizeFromShape(elu.shape);
      const whole = size & ~3;
      heap.passes.seluTail(start, start, start + whole * 4);
      const f32 = heap.f32(elu, size);
      for (let i = whole; i < size; i++) {
        const e = f32[i]!;
        f32[i] = Math.fround(Math.fround(e * (e > 0 ? 1 : SELU_ALPHA_F32)) * SELU_SCALE_F32);
      }
      return elu;
    }
    // Prelu with one slope per channel (XNNPACK's; LeakyRelu is a scalar loop, 3x slower).
    const channels = x.shape[x.shape.length - 1]!;
    const slopes: tf.TensorInfo = { dataId: backend.write(new Float32Array(channels).fill(SELU_ALPHA), [channels], 'float32'), shape: [channels], dtype: 'float32' };
    const leaky = own('Prelu')({ inputs: { x: elu, alpha: slopes }, backend, attrs: {} }) as tf.TensorInfo;
    backend.disposeData(elu.dataId);
    backend.disposeData(slopes.dataId);
    const scale: tf.TensorInfo = { dataId: backend.write(new Float32Array([SELU_SCALE]), [], 'float32'), shape: [], dtype: 'float32' };
    const out = own('Multiply')({ inputs: { a: leaky, b: scale }, backend, attrs: {} }) as tf.TensorInfo;
    backend.disposeData(leaky.dataId);
    backend.disposeData(scale.dataId);
    return out;
  };
}

/** leakyRelu(x, alpha) = x > 0 ? x : alpha * x = Prelu(x, [alpha, ..., alpha]): XNNPACK's vectorised Prelu instead of the scalar loop. */
function leakyFromPrelu(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const alpha = Number((attrs as { alpha?: number } | undefined)?.alpha ?? 0.2);
    const channels = x.shape[x.shape.length - 1]!;
    const slopes: tf.TensorInfo = { dataId: backend.write(new Float32Array(channels).fill(alpha), [channels], 'float32'), shape: [channels], dtype: 'float32' };
    try {
      return ownKernel(backendName, 'Prelu')({ inputs: { x, alpha: slopes }, backend, attrs: {} }) as tf.TensorInfo;
    } finally {
      backend.disposeData(slopes.dataId);
    }
  };
}

/** A float32 batch norm whose parameters are 1-D along x's last axis (what tfjs-layers passes for channels-last). */
function channelsLastBatchNorm(args: KernelArgs): boolean {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x || !mean || !variance || x.dtype !== 'float32' || x.shape.length < 1 || !x.shape.every((d) => d > 0)) return false;
  const channels = x.shape[x.shape.length - 1]!;
  return [mean, variance, offset, scale].every((p) => p === undefined || (p.dtype === 'float32' && p.shape.length === 1 && p.shape[0] === channels));
}

/**
 * Inference batch norm as y = x * w + b per channel, w = scale / sqrt(variance + epsilon), b = offset - mean * w, folded in
 * float32 as TensorFlow's FusedBatchNorm (and tf.nn.batch_normalization) fold them, instead of tfjs-backend-wasm's
 * per-element square root and division: one SIMD pass on the heap (channels a multiple of 4), else the backend's XNNPACK
 * Multiply and Add (broadcasting along the channels, each about as slow as the one pass; the same float32 products and sums,
 * so the same bits). Not a depthwise 1x1 convolution with bias: tfjs-backend-wasm's depthwise convolution turns NaN into
 * -Infinity.
 */
function batchNormAsMulAdd(backendName: string): tf.KernelFunc {
  const foldedOnHeap = foldedBatchNormCache();
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo | undefined>;
    const channels = x!.shape[x!.shape.length - 1]!;
    const epsilon = Math.fround(Number((attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 0.001));
    const heap = channels % 4 === 0 ? heapPassesOf(backend) : undefined;
    if (heap) {
      // One pass, x * w + b per channel, w and b folded once per set of parameters (a layer's are the same tensors every call).
      const wb = foldedOnHeap(backend, heap.live, [mean!, variance!, scale, offset], epsilon, () => {
        const { w, b } = foldBatchNorm(backend, channels, epsilon, mean!, variance!, scale, offset);
        const both = new Float32Array(2 * channels);
        both.set(w);
        both.set(b, channels);
        return both;
      });
      const out = heap.makeOutput(x!.shape);
      const start = heap.offset(x!);
      heap.passes.affine(start, heap.offset(out), start + tf.util.sizeFromShape(x!.shape) * 4, heap.offset(wb), channels * 4);
      return out;
    }
    const { w, b } = foldBatchNorm(backend, channels, epsilon, mean!, variance!, scale, offset);
    const perChannel = (values: Float32Array): tf.TensorInfo => ({ dataId: backend.write(values, [channels], 'float32'), shape: [channels], dtype: 'float32' });
    const wt = perChannel(w);
    const bt = perChannel(b);
    try {
      const scaled = ownKernel(backendName, 'Multiply')({ inputs: { a: x!, b: wt }, backend, attrs: {} }) as tf.TensorInfo;
      try {
        return ownKernel(backendName, 'Add')({ inputs: { a: scaled, b: bt }, backend, attrs: {} }) as tf.TensorInfo;
      } finally {
        backend.disposeData(scaled.dataId);
      }
    } finally {
      backend.disposeData(wt.dataId);
      backend.disposeData(bt.dataId);
    }
  };
}

/** w = scale / sqrt(variance + epsilon), b = offset - mean * w per channel, in float32 as TensorFlow folds them. */
function foldBatchNorm(backend: tf.KernelBackend, channels: number, epsilon: number, mean: tf.TensorInfo, variance: tf.TensorInfo, scale?: tf.TensorInfo, offset?: tf.TensorInfo) {
  const m = backend.readSync(mean.dataId) as Float32Array;
  const v = backend.readSync(variance.dataId) as Float32Array;
  const s = scale ? (backend.readSync(scale.dataId) as Float32Array) : undefined;
  const o = offset ? (backend.readSync(offset.dataId) as Float32Array) : undefined;
  const w = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const inv = Math.fround(1 / Math.sqrt(Math.fround(v[c]! + epsilon)));
    w[c] = s ? Math.fround(inv * s[c]!) : inv;
    b[c] = Math.fround((o ? o[c]! : 0) - Math.fround(m[c]! * w[c]!));
  }
  return { w, b };
}

/**
 * Folded batch-norm parameters on the backend's heap per set of parameter tensors and epsilon, kept while all four
 * tensors' data live (data never changes under one id: a variable assigned gets a new one). Entries whose sources are
 * gone are freed at the next miss; at most 64 are kept.
 */
function foldedBatchNormCache() {
  const cache = new Map<string, { sources: object[]; folded: tf.TensorInfo }>();
  const ids = new WeakMap<object, number>();
  let next = 0;
  const idOf = (o: object): number => {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = next++));
    return id;
  };
  return (backend: tf.KernelBackend, live: (id: object) => boolean, params: (tf.TensorInfo | undefined)[], epsilon: number, fold: () => Float32Array): tf.TensorInfo => {
    const key = `${params.map((p) => (p ? idOf(p.dataId) : '-')).join(',')}/${epsilon}`;
    const hit = cache.get(key);
    if (hit) return hit.folded;
    for (const [k, kept] of cache) {
      if (cache.size >= 64 || !kept.sources.every(live)) {
        backend.disposeData(kept.folded.dataId);
        cache.delete(k);
      }
    }
    const values = fold();
    const folded: tf.TensorInfo = { dataId: backend.write(values, [values.length], 'float32'), shape: [values.length], dtype: 'float32' };
    cache.set(key, { sources: params.filter((p): p is tf.TensorInfo => p !== undefined).map((p) => p.dataId), folded });
    return folded;
  };
}

/** relu(x) = max(x, 0), relu6(x) = min(max(x, 0), 6) with the backend's own Maximum / Minimum (NaN stays NaN, -Infinity gives 0). */
function reluByMaxMin(backendName: string, cap: number | undefined): tf.KernelFunc {
  return ({ inputs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const scalar = (v: number): tf.TensorInfo => ({ dataId: backend.write(new Float32Array([v]), [], 'float32'), shape: [], dtype: 'float32' });
    const zero = scalar(0);
    try {
      const low = ownKernel(backendName, 'Maximum')({ inputs: { a: x, b: zero }, backend, attrs: {} }) as tf.TensorInfo;
      if (cap === undefined) return low;
      const top = scalar(cap);
      try {
        return ownKernel(backendName, 'Minimum')({ inputs: { a: low, b: top }, backend, attrs: {} }) as tf.TensorInfo;
      } finally {
        backend.disposeData(low.dataId);
        backend.disposeData(top.dataId);
      }
    } finally {
      backend.disposeData(zero.dataId);
    }
  };
}

/** Cumsum / Cumprod on a [before, axis, after] reshape of the input (the same data, so the same numbers), reshaped back. */
function cumulativeOnRank3View(backendName: string, kernelName: string): tf.KernelFunc {
  const reshape = (x: tf.TensorInfo, shape: number[], backend: tf.KernelBackend) =>
    ownKernel(backendName, 'Reshape')({ inputs: { x }, backend, attrs: { shape } }) as tf.TensorInfo;
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const a = attrs as { axis: number } & tf.NamedAttrMap;
    const axis = a.axis < 0 ? a.axis + x.shape.length : a.axis;
    const size = (dims: number[]) => dims.reduce((p, q) => p * q, 1);
    const view = reshape(x, [size(x.shape.slice(0, axis)), x.shape[axis]!, size(x.shape.slice(axis + 1))], backend);
    try {
      const out = ownKernel(backendName, kernelName)({ inputs: { x: view }, backend, attrs: { ...a, axis: 1 } }) as tf.TensorInfo;
      try {
        return reshape(out, x.shape, backend);
      } finally {
        backend.disposeData(out.dataId);
      }
    } finally {
      backend.disposeData(view.dataId);
    }
  };
}

/**
 * The backend's own unary kernel, with NaN where x is NaN: Minimum(f(x), Maximum(x, +Infinity)); the second operand is
 * +Infinity for every x but NaN (the backend's Maximum and Minimum keep NaN, each value on its own), so f(x) passes unchanged.
 */
function nanKept(backendName: string, kernelName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const infinity = { dataId: backend.write(new Float32Array([Infinity]), [], 'float32'), shape: [], dtype: 'float32' as const };
    const made: tf.TensorInfo[] = [infinity];
    try {
      const y = ownKernel(backendName, kernelName)({ inputs: { x }, backend, attrs: attrs ?? {} }) as tf.TensorInfo;
      made.push(y);
      const nanOrInfinity = ownKernel(backendName, 'Maximum')({ inputs: { a: x, b: infinity }, backend, attrs: {} }) as tf.TensorInfo;
      made.push(nanOrInfinity);
      return ownKernel(backendName, 'Minimum')({ inputs: { a: y, b: nanOrInfinity }, backend, attrs: {} }) as tf.TensorInfo;
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
}

/**
 * LeakyRelu (attr alpha) and Prelu (input alpha) as Maximum(x, 0) + alpha * Minimum(x, 0): TensorFlow's x > 0 ? x : alpha * x
 * for every number (an infinity meets alpha or 0 only on its own side; -Infinity * 0 is NaN in TensorFlow too).
 */
function reluPlusSlope(backendName: string): tf.KernelFunc {
  const own = (name: string): tf.KernelFunc => ownKernel(backendName, name);
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const x = inputs['x']!;
    const made: tf.TensorInfo[] = [];
    const run = (name: string, ins: Record<string, tf.TensorInfo>): tf.TensorInfo => {
      const t = own(name)({ inputs: ins, backend, attrs: {} }) as tf.TensorInfo;
      made.push(t);
      return t;
    };
    const scalar = (v: number): tf.TensorInfo => {
      const t = { dataId: backend.write(new Float32Array([v]), [], 'float32'), shape: [], dtype: 'float32' as const };
      made.push(t);
      return t;
    };
    try {
      const zero = scalar(0);
      const alpha = inputs['alpha'] ?? scalar(Number((attrs as { alpha?: number } | undefined)?.alpha ?? 0.2));
      const negative = run('Multiply', { a: run('Minimum', { a: x, b: zero }), b: alpha });
      return own('Add')({ inputs: { a: run('Maximum', { a: x, b: zero }), b: negative }, backend, attrs: {} }) as tf.TensorInfo;
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
}

/** The fused activations webgl gets wrong for NaN or infinities (unfused-activation), and the kernels that compute them alone. */
const UNFUSED_ACTIVATIONS = new Set(['relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu']);
const ACTIVATION_KERNELS: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu' };

/**
 * A fused kernel (FusedConv2D, FusedDepthwiseConv2D, _FusedMatMul) as the backend's own with a linear activation, then the
 * activation's kernel as registered now (savedkeras' replacement where there is one).
 */
function unfusedActivation(backendName: string, kernelName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const a = (attrs ?? {}) as Record<string, unknown>;
    const activation = String(a['activation']);
    const kernel = ACTIVATION_KERNELS[activation];
    if (kernel === undefined) throw new Error(`${kernelName}: activation '${activation}' has no kernel of its own to run`);
    const { preluActivationWeights, ...rest } = inputs;
    const linear = ownKernel(backendName, kernelName)({ inputs: rest, backend, attrs: { ...a, activation: 'linear' } as tf.NamedAttrMap }) as tf.TensorInfo;
    const made: tf.TensorInfo[] = [linear];
    try {
      let alpha = preluActivationWeights;
      // A 1-D slope runs along the channels: the first axis after the batch in NCHW (as the fused kernel aligns it).
      if (alpha && a['dataFormat'] === 'NCHW' && alpha.shape.length === 1 && alpha.shape[0] !== 1) {
        alpha = ownKernel(backendName, 'Reshape')({ inputs: { x: alpha }, backend, attrs: { shape: [alpha.shape[0]!, 1, 1] } }) as tf.TensorInfo;
        made.push(alpha);
      }
      const current = tf.getKernel(kernel, backendName);
      if (!current) throw new Error(`${kernel} is not registered for ${backendName}`);
      return current.kernelFunc({
        inputs: kernel === 'Prelu' ? { x: linear, alpha: alpha! } : { x: linear },
        backend,
        attrs: kernel === 'LeakyRelu' ? { alpha: Number(a['leakyreluAlpha'] ?? 0.2) } : {},
      }) as tf.TensorInfo;
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
}

/** The backend's own kernel `name` (the one registered before savedkeras replaced any). */
function ownKernel(backendName: string, name: string): tf.KernelFunc {
  const k = nativeKernels.get(`${backendName}/${name}`) ?? tf.getKernel(name, backendName);
  if (!k) throw new Error(`${name} is not registered for ${backendName}`);
  return k.kernelFunc;
}

/**
 * Transposed convolution (Conv2DBackpropInput, channels last) as cols = dy [rows, D] x filter [kh*kw*C, D]^T on the
 * backend's own BatchMatMul (XNNPACK on wasm: the same multiply-adds as the direct method, none wasted on the zeros a
 * strided transposed convolution would insert), then col2im: input pixel (i, j) with tap (ky, kx) lands on output pixel
 * (i*strideH + ky - padTop, j*strideW + kx - padLeft), pixels that fall outside the output are dropped (as
 * TensorFlow's padding does). The adds are kh*kw*C per input pixel, a small fraction of the product's.
 */
function conv2dTransposeByMatMul(backendName: string): tf.KernelFunc {
  const own = (name: string): tf.KernelFunc => ownKernel(backendName, name);
  const weightsOf = tapWeightsCache(own);
  return ({ inputs, attrs, backend: from }: KernelArgs) => {
    const backend = from as tf.KernelBackend;
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    const a = (attrs ?? {}) as { strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number] };
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const [n, outH, outW, depth] = dy.shape as [number, number, number, number];
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, inChannels: c, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const taps = kh * kw * c;
    const rows = own('Reshape')({ inputs: { x: dy }, backend, attrs: { shape: [1, n * outH * outW, depth] } }) as tf.TensorInfo;
    const weights = weightsOf(filter, backend, depth, taps);
    let cols: tf.TensorInfo;
    try {
      cols = own('BatchMatMul')({ inputs: { a: rows, b: weights.info }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    } finally {
      backend.disposeData(rows.dataId);
      if (!weights.kept) backend.disposeData(weights.info.dataId);
    }
    const shape = [n, inHeight, inWidth, c];
    const heap = backend as unknown as Partial<WasmHeapAccess>;
    let out: tf.TensorInfo;
    let v: Float32Array;
    let o: Float32Array;
    try {
      if (typeof heap.makeOutput === 'function' && typeof heap.typedArrayFromHeap === 'function') {
        // On the wasm heap: no copy of the products out of it, none of the result into it.
        out = heap.makeOutput(shape, 'float32');
        v = heap.typedArrayFromHeap(cols) as Float32Array; // views made after the last allocation (a heap growth detaches older ones)
        o = heap.typedArrayFromHeap(out) as Float32Array;
        o.fill(0);
      } else {
        v = backend.readSync(cols.dataId) as Float32Array;
        o = new Float32Array(n * inHeight * inWidth * c);
        out = { dataId: {}, shape, dtype: 'float32' };
      }
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < outH; i++) {
          for (let j = 0; j < outW; j++) {
            const src = ((b * outH + i) * outW + j) * taps;
            for (let ky = 0; ky < kh; ky++) {
              const y = i * sh + ky - top;
              if (y < 0 || y >= inHeight) continue;
              for (let kx = 0; kx < kw; kx++) {
                const x = j * sw + kx - left;
                if (x < 0 || x >= inWidth) continue;
                const d = ((b * inHeight + y) * inWidth + x) * c;
                const t = src + (ky * kw + kx) * c;
                for (let ch = 0; ch < c; ch++) o[d + ch] += v[t + ch];
              }
            }
          }
        }
      }
    } finally {
      backend.disposeData(cols.dataId);
    }
    if (typeof heap.makeOutput === 'function' && typeof heap.typedArrayFromHeap === 'function') return out;
    return { dataId: backend.write(o, shape, 'float32'), shape, dtype: 'float32' };
  };
}

/** The attrs tfjs passes Conv2DBackpropInput. */
interface TransposeAttrs { strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string; inputShape: [number, number, number, number] }

/** A call the phase route takes on its shapes (the filter's values decide later: finite only). */
function phaseConvCandidate(attrs: Record<string, unknown>, args: KernelArgs): boolean {
  const { dy, filter } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (dy?.dtype !== 'float32' || filter?.dtype !== 'float32' || attrs['dataFormat'] === 'NCHW') return false;
  if (dy.shape.length !== 4 || filter.shape.length !== 4 || ![...dy.shape, ...filter.shape].every((d) => d > 0)) return false;
  return transposePhases(attrs as unknown as TransposeAttrs, filter.shape as number[], dy.shape as number[]) !== undefined;
}

/**
 * One axis of a stride-s transposed convolution, split by output phase: output index y = q*s + r - before (r = 0..s-1) gets
 * the taps k = r + s*t of input index q - t, so phase r is a stride-1 convolution of the input with those taps flipped
 * (`taps` of them), padded `padBefore` / `padAfter`, whose output m is q = first + m. undefined when a phase would need
 * negative padding (the output crops input rows away) or has no taps or no outputs: those calls keep the matmul route.
 */
interface AxisPhase { r: number; taps: number; first: number; count: number; padBefore: number; padAfter: number }

function axisPhases(inSize: number, outSize: number, kernel: number, stride: number, before: number): AxisPhase[] | undefined {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const taps = Math.ceil((kernel - r) / stride);
    const first = Math.ceil((before - r) / stride);
    const last = Math.floor((outSize - 1 + before - r) / stride);
    const phase = { r, taps, first, count: last - first + 1, padBefore: taps - 1 - first, padAfter: last + 1 - inSize };
    if (taps < 1 || phase.count < 1 || phase.padBefore < 0 || phase.padAfter < 0) return undefined;
    phases.push(phase);
  }
  return phases;
}

function transposePhases(a: TransposeAttrs, filterShape: number[], dyShape: number[]) {
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filterShape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  if (info.inChannels < 2 || info.outHeight !== dyShape[1] || info.outWidth !== dyShape[2]) return undefined;
  const rows = axisPhases(info.outHeight, info.inHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const cols = axisPhases(info.outWidth, info.inWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  return rows && cols ? { info, rows, cols } : undefined;
}

/**
 * Transposed convolution (Conv2DBackpropInput, channels last) as one stride-1 convolution of dy per output phase (axisPhases)
 * on the backend's own Conv2D (XNNPACK on wasm: the same multiply-adds as the direct method, threaded as the backend is; no
 * tap products written out and added up as the matmul route does), each phase's pixels then copied to their places in the
 * output. Padding here is zeros multiplied into the phase filter, so only finite filters go this way (Infinity * 0 would make
 * NaN where TensorFlow adds nothing); the phase filters are kept per filter (derivedTensorsCache) so XNNPACK packs them once.
 */
function conv2dTransposeByPhases(backendName: string, previous: tf.KernelFunc): tf.KernelFunc {
  const conv2d = ownKernel(backendName, 'Conv2D');
  const byStrides = new Map<string, ReturnType<typeof derivedTensorsCache>>();
  return (args: KernelArgs) => {
    const backend = args.backend as tf.KernelBackend;
    const heap = backend as unknown as Partial<WasmHeapAccess>;
    const dy = args.inputs['dy']!;
    const filter = args.inputs['filter']!;
    const plan = transposePhases(args.attrs as unknown as TransposeAttrs, filter.shape as number[], dy.shape as number[]);
    if (plan === undefined || typeof heap.makeOutput !== 'function' || typeof heap.typedArrayFromHeap !== 'function') return previous(args);
    const { info, rows, cols } = plan;
    const { filterWidth: kw, inChannels: c, strideHeight: sh, strideWidth: sw } = info;
    const d = dy.shape[3]!;
    const key = `${sh},${sw}`;
    const cache = byStrides.get(key) ?? derivedTensorsCache();
    byStrides.set(key, cache);
    const filters = cache(filter, backend, (taps) => phaseFiltersOfTranspose(taps, rows, cols, kw, c, d));
    if (filters === undefined) return previous(args);
    const outs: tf.TensorInfo[] = [];
    try {
      for (const [p, rowPhase] of rows.entries()) {
        for (const [q, colPhase] of cols.entries()) {
          const pad = [[0, 0], [rowPhase.padBefore, rowPhase.padAfter], [colPhase.padBefore, colPhase.padAfter], [0, 0]];
          outs.push(conv2d({ inputs: { x: dy, filter: filters[p * cols.length + q]! }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } }) as tf.TensorInfo);
        }
      }
      const [n, outH, outW] = [dy.shape[0]!, info.inHeight, info.inWidth];
      const out = heap.makeOutput([n, outH, outW, c], 'float32');
      const o = heap.typedArrayFromHeap(out) as Float32Array; // views made after the last allocation (a heap growth detaches older ones)
      for (const [p, rowPhase] of rows.entries()) {
        for (const [q, colPhase] of cols.entries()) {
          const ph = heap.typedArrayFromHeap(outs[p * cols.length + q]!) as Float32Array;
          let from = 0;
          for (let b = 0; b < n; b++) {
            for (let m = 0; m < rowPhase.count; m++) {
              const y = (rowPhase.first + m) * sh + rowPhase.r - info.padInfo.top;
              const row = (b * outH + y) * outW;
              // One run per output pixel (per phase row when the width stride is 1); set() is a memmove, 2-3x the loop's speed
              // from ~16 floats on, a new subarray each time costs more below that.
              const run = sw === 1 ? colPhase.count * c : c;
              for (let k = 0; k < colPhase.count; k += run / c, from += run) {
                const to = (row + (colPhase.first + k) * sw + colPhase.r - info.padInfo.left) * c;
                if (run >= 16) o.set(ph.subarray(from, from + run), to);
                else for (let e = 0; e < run; e++) o[to + e] = ph[from + e]!;
              }
            }
          }
        }
      }
      return out;
    } finally {
      for (const t of outs) backend.disposeData(t.dataId);
    }
  };
}

/**
 * The phase filters of a transposed convolution's [kh, kw, c, d] filter, row phase p and column phase q at p * cols + q:
 * [taps_p, taps_q, d, c] (a forward convolution's HWIO, dy's d channels in), tap (u, v) = filter tap (r_p + sh*(taps_p-1-u),
 * r_q + sw*(taps_q-1-v)) with c and d swapped. undefined when a value is not finite.
 */
function phaseFiltersOfTranspose(taps: Float32Array, rows: AxisPhase[], cols: AxisPhase[], kw: number, c: number, d: number): Derived[] | undefined {
  if (!taps.every((v) => Number.isFinite(v))) return undefined;
  const sh = rows.length;
  const sw = cols.length;
  const phases: Derived[] = [];
  for (const rp of rows) {
    for (const cp of cols) {
      const g = new Float32Array(rp.taps * cp.taps * d * c);
      for (let u = 0; u < rp.taps; u++) {
        const ky = rp.r + sh * (rp.taps - 1 - u);
        for (let v = 0; v < cp.taps; v++) {
          const kx = cp.r + sw * (cp.taps - 1 - v);
          const to = (u * cp.taps + v) * d * c;
          const from = (ky * kw + kx) * c * d;
          for (let ci = 0; ci < c; ci++) {
            for (let di = 0; di < d; di++) g[to + di * c + ci] = taps[from + ci * d + di]!;
          }
        }
      }
      phases.push({ values: g, shape: [rp.taps, cp.taps, d, c] });
    }
  }
  return phases;
}

/** What tfjs-backend-wasm's backend offers its own kernels: outputs allocated on the heap, and views of heap data. */
interface WasmHeapAccess {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/**
 * The filter of a transposed convolution as [1, depth, taps] (untransposed: tfjs-backend-wasm runs BatchMatMul on
 * XNNPACK only without transpose flags, a scalar loop otherwise), kept per filter while the filter's data lives: a
 * Keras layer's kernel is the same tensor on every call, so the transpose runs once and XNNPACK, which caches its
 * packed weights per weight tensor, packs them once (a new tensor per call repacked them every call). A filter whose
 * data is gone (disposed, or a variable assigned new data) has its copy freed at the next miss; at most 64 are kept.
 */
function tapWeightsCache(own: (name: string) => tf.KernelFunc) {
  const cache = new Map<object, tf.TensorInfo>();
  return (filter: tf.TensorInfo, backend: tf.KernelBackend, depth: number, taps: number): { info: tf.TensorInfo; kept: boolean } => {
    const hit = cache.get(filter.dataId);
    if (hit) return { info: hit, kept: true };
    const live = (backend as unknown as { dataIdMap?: { has(id: object): boolean } }).dataIdMap;
    for (const [id, kept] of cache) {
      if (live?.has(id) === false || cache.size >= 64) {
        backend.disposeData(kept.dataId);
        cache.delete(id);
      }
    }
    const taps2d = own('Reshape')({ inputs: { x: filter }, backend, attrs: { shape: [taps, depth] } }) as tf.TensorInfo;
    const weights2d = own('Transpose')({ inputs: { x: taps2d }, backend, attrs: { perm: [1, 0] } }) as tf.TensorInfo;
    backend.disposeData(taps2d.dataId);
    const weights = own('Reshape')({ inputs: { x: weights2d }, backend, attrs: { shape: [1, depth, taps] } }) as tf.TensorInfo;
    backend.disposeData(weights2d.dataId);
    if (live) cache.set(filter.dataId, weights);
    return { info: weights, kept: live !== undefined };
  };
}

/** Channels not a multiple of 4 (no SIMD pass): up to this many values, a JS loop on the heap; more keep XNNPACK's add. */
const SMALL_BIAS_ADD = 4096;

/** [x, bias] of an Add call that adds a float32 bias along x's last axis (either operand order), or undefined. */
function biasAddOperands(args: KernelArgs): [tf.TensorInfo, tf.TensorInfo] | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (a?.dtype !== 'float32' || b?.dtype !== 'float32') return undefined;
  // A bias is [C] or [1, ..., 1, C]; the other operand has C channels and is larger (same shapes are a plain add).
  const isBias = (t: tf.TensorInfo) => t.shape.length >= 1 && t.shape.slice(0, -1).every((d) => d === 1);
  const [x, bias] = isBias(b) && b.shape.length <= a.shape.length ? [a, b] : isBias(a) && a.shape.length <= b.shape.length ? [b, a] : [a, undefined];
  const c = x.shape[x.shape.length - 1];
  if (bias === undefined || c === undefined || bias.shape[bias.shape.length - 1] !== c || tf.util.sizeFromShape(x.shape) === c) return undefined;
  const size = tf.util.sizeFromShape(x.shape);
  if (size === 0 || (c % 4 !== 0 && size > SMALL_BIAS_ADD)) return undefined;
  return heapPassesOf(args.backend) ? [x, bias] : undefined;
}

/** x + bias along the last axis on the wasm heap: x + b[c] per value, as float32 (what XNNPACK's add computes). */
function biasAddOnHeap(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const operands = biasAddOperands(args);
    const heap = heapPassesOf(args.backend);
    if (operands === undefined || heap === undefined) return previous(args);
    const [x, bias] = operands;
    const c = x.shape[x.shape.length - 1]!;
    const size = tf.util.sizeFromShape(x.shape);
    const out = heap.makeOutput(x.shape);
    if (c % 4 === 0) {
      heap.passes.biasAdd(heap.offset(x), heap.offset(out), heap.offset(x) + size * 4, heap.offset(bias), c * 4);
      return out;
    }
    // Views made after the allocation (a heap growth detaches older ones); fround of a double sum is the float32 sum.
    const [xs, bs, os] = [heap.f32(x, size), heap.f32(bias, c), heap.f32(out, size)];
    for (let i = 0, k = 0; i < size; i++, k = k + 1 === c ? 0 : k + 1) os[i] = Math.fround(xs[i]! + bs[k]!);
    return out;
  };
}

/**
 * Slice on the wasm heap: a slice that is one continuous run of x (every dimension but the first whole, or only the last
 * cut) is one copy within the heap instead of tfjs-backend-wasm's copy of all of x out of the heap and of the slice back
 * in; a slice of the whole of x shares x's data through the backend's own Reshape (reference counted, as tfjs' reshape
 * shares it: tensors are never written in place). Other slices go to the backend's own kernel.
 */
function sliceOnHeap(backendName: string, previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as tf.KernelBackend;
    const heap = backend as unknown as Partial<WasmHeapAccess>;
    const x = args.inputs['x']!;
    const { begin, size } = (args.attrs ?? {}) as { begin: number | number[]; size?: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    const count = tf.util.sizeFromShape(size_);
    if (typeof heap.makeOutput !== 'function' || typeof heap.typedArrayFromHeap !== 'function' || count === 0 ||
        !tf.slice_util.isSliceContinous(x.shape, begin_, size_)) {
      return previous(args);
    }
    if (size_.every((d, i) => d === x.shape[i])) {
      return ownKernel(backendName, 'Reshape')({ inputs: { x }, backend, attrs: { shape: x.shape } }) as tf.TensorInfo;
    }
    const start = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
    const out = heap.makeOutput(size_, x.dtype);
    // Views made after the allocation (a heap growth detaches older ones).
    heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(x).subarray(start, start + count));
    return out;
  };
}

/** A call Conv2D / FusedConv2D could take as a convolution of a 2x nearest-upsampled image (the input's values decide). */
function upsampledConvCandidate(attrs: Record<string, unknown>, args: KernelArgs): boolean {
  const { x, filter, bias } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (x?.dtype !== 'float32' || filter?.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return false;
  const [, h, w, c] = x.shape as number[];
  const [kh, kw, fc, f] = filter.shape as number[];
  const ones = (v: unknown): boolean => v === undefined || v === null || v === 1 || (Array.isArray(v) && v.every((e) => e === 1));
  return kh === 3 && kw === 3 && fc === c && f! > 0 && c! > 0 && h! >= 2 && w! >= 2 && h! % 2 === 0 && w! % 2 === 0 && x.shape[0]! > 0 &&
    attrs['pad'] === 'same' && ones(attrs['strides']) && ones(attrs['dilations']) && attrs['dataFormat'] !== 'NCHW' &&
    (attrs['activation'] ?? 'linear') !== 'prelu' && (bias === undefined || (bias.dtype === 'float32' && bias.shape.length === 1));
}

// Output phase (a, b) = pixel (2i + a, 2j + b) reads source rows i-1, i (a = 0) or i, i+1 (a = 1), and the same for columns:
// which of the 3 taps land on each of the 2 source rows, and the explicit padding of its 2x2 convolution.
const PHASE_TAPS = [[[0], [1, 2]], [[0, 1], [2]]] as const;
const PHASE_PAD = [[1, 0], [0, 1]] as const;

/**
 * A 3x3 stride-1 SAME convolution of an image U whose every 2x2 block holds one pixel (U = a 2x nearest upsampling of S,
 * Keras UpSampling2D before a Conv2D), computed from S: output phase (a, b) is a 2x2 convolution of S with the taps that
 * land on the same source pixel summed, so 16 multiply-adds per output pixel and channel pair instead of 36. The same sum
 * as the direct convolution except for the float32 rounding of the summed taps. Taken only when every value of U is
 * finite and U's bits repeat in every 2x2 block (tested here: an image that is not upsampled fails at its first differing
 * block), and when the summed taps are finite: with Infinity in the input, the direct sum can be Infinity - Infinity =
 * NaN where the summed tap times Infinity is not. Everything else goes to the backend's own kernel.
 * With 1 or 2 filters the four phases run as the output channels of one 3x3 convolution of S instead (zeros where a
 * phase reads no tap): XNNPACK computes 8 output channels at a time, so four 1-channel convolutions would waste 7/8 of it.
 */
function upsampledConvBySubpixel(previous: tf.KernelFunc): tf.KernelFunc {
  const filtersOf = derivedTensorsCache();
  const biasOf = derivedTensorsCache();
  return (args: KernelArgs) => {
    const backend = args.backend as tf.KernelBackend;
    const heap = backend as unknown as Partial<WasmHeapAccess>;
    if (typeof heap.makeOutput !== 'function' || typeof heap.typedArrayFromHeap !== 'function') return previous(args);
    const x = args.inputs['x']!;
    const filter = args.inputs['filter']!;
    const bias = args.inputs['bias'];
    const [n, uh, uw, c] = x.shape as [number, number, number, number];
    const f = filter.shape[3]!;
    const [h, w] = [uh / 2, uw / 2];
    const passes = c % 4 === 0 ? heapPassesOf(backend) : undefined;
    const repeats = passes
      ? passes.passes.blocksRepeat(passes.offset(x), n * h, 2 * w * c * 4, c * 4) === 1 // the same test, four channels at a time
      : everyBlockRepeats(heap.typedArrayFromHeap(x) as Float32Array, n, h, w, c);
    if (!repeats) return previous(args);
    const asChannels = f <= 2;
    const filters = filtersOf(filter, backend, (taps) => {
      const phases = phaseFilters(taps, c, f);
      return phases && (asChannels ? [phasesAsChannels(phases, c, f)] : phases);
    });
    const tiled = bias && asChannels ? biasOf(bias, backend, (b) => [{ values: Float32Array.from({ length: 4 * f }, (_, i) => b[i % f]!), shape: [4 * f] }]) : undefined;
    if (filters === undefined || (bias && asChannels && tiled === undefined)) return previous(args);
    const small = heap.makeOutput([n, h, w, c], 'float32');
    const outs: tf.TensorInfo[] = [];
    try {
      const s = heap.typedArrayFromHeap(small) as Float32Array;
      const u = heap.typedArrayFromHeap(x) as Float32Array;
      for (let p = 0, q = 0; p < n * h; p++) {
        const row = 2 * p * uw * c; // row p of the small batch is row 2p of the upsampled one
        for (let j = 0; j < w; j++, q += c) {
          for (let k = 0; k < c; k++) s[q + k] = u[row + 2 * j * c + k]!;
        }
      }
      const conv = (filterInfo: tf.TensorInfo, biasInfo: tf.TensorInfo | undefined, pad: 'same' | number[][]): tf.TensorInfo =>
        previous({ ...args, inputs: { ...args.inputs, x: small, filter: filterInfo, ...(biasInfo ? { bias: biasInfo } : {}) }, attrs: { ...args.attrs, pad } }) as tf.TensorInfo;
      if (asChannels) outs.push(conv(filters[0]!, tiled?.[0], 'same'));
      else for (let p = 0; p < 4; p++) outs.push(conv(filters[p]!, bias, [[0, 0], [...PHASE_PAD[p >> 1]!], [...PHASE_PAD[p & 1]!], [0, 0]]));
      const out = heap.makeOutput([n, uh, uw, f], 'float32');
      const o = heap.typedArrayFromHeap(out) as Float32Array;
      for (let p = 0; p < 4; p++) {
        // Phase p = 2a + b: its own output, or channels p*f.. of the combined one.
        const ph = heap.typedArrayFromHeap(outs[asChannels ? 0 : p]!) as Float32Array;
        const [stride, first] = asChannels ? [4 * f, p * f] : [f, 0];
        for (let r = 0, q = first; r < n * h; r++) {
          const row = ((2 * r + (p >> 1)) * uw + (p & 1)) * f;
          for (let j = 0; j < w; j++, q += stride) {
            const d = row + 2 * j * f;
            for (let k = 0; k < f; k++) o[d + k] = ph[q + k]!;
          }
        }
      }
      return out;
    } finally {
      backend.disposeData(small.dataId);
      for (const t of outs) backend.disposeData(t.dataId);
    }
  };
}

/** Whether the [n, 2h, 2w, c] image u repeats every pixel's bits in its 2x2 block, and holds finite values only. */
function everyBlockRepeats(values: Float32Array, n: number, h: number, w: number, c: number): boolean {
  const u = new Int32Array(values.buffer, values.byteOffset, values.length);
  const row = 2 * w * c;
  for (let p = 0; p < n * h; p++) {
    const top = 2 * p * row;
    for (let i = top; i < top + row; i += 2 * c) {
      for (let k = i; k < i + c; k++) {
        const v = u[k]!;
        if ((v & 0x7f800000) === 0x7f800000 || u[k + c] !== v || u[k + row] !== v || u[k + row + c] !== v) return false;
      }
    }
  }
  return true;
}

interface Derived { values: Float32Array; shape: number[] }

/**
 * The four [2, 2, c, f] phase filters of a [3, 3, c, f] filter (HWIO), phase 2a + b: the taps that land on one source pixel
 * summed in float32. undefined when a tap or a sum is not finite.
 */
function phaseFilters(taps: Float32Array, c: number, f: number): Derived[] | undefined {
  if (!taps.every((v) => Number.isFinite(v))) return undefined;
  const phases: Derived[] = [];
  for (let p = 0; p < 4; p++) {
    const g = new Float32Array(4 * c * f);
    for (let ty = 0; ty < 2; ty++) {
      for (let tx = 0; tx < 2; tx++) {
        const to = (ty * 2 + tx) * c * f;
        for (const ky of PHASE_TAPS[p >> 1]![ty]!) {
          for (const kx of PHASE_TAPS[p & 1]![tx]!) {
            const from = (ky * 3 + kx) * c * f;
            for (let e = 0; e < c * f; e++) g[to + e] = Math.fround(g[to + e]! + taps[from + e]!);
          }
        }
      }
    }
    if (!g.every((v) => Number.isFinite(v))) return undefined;
    phases.push({ values: g, shape: [2, 2, c, f] });
  }
  return phases;
}

/** The four phase filters as one [3, 3, c, 4f] filter: phase (a, b)'s tap (ty, tx) at (ty + a, tx + b), output channels p*f... */
function phasesAsChannels(phases: Derived[], c: number, f: number): Derived {
  const out = new Float32Array(9 * c * 4 * f);
  phases.forEach(({ values }, p) => {
    for (let ty = 0; ty < 2; ty++) {
      for (let tx = 0; tx < 2; tx++) {
        const tap = (ty + (p >> 1)) * 3 + tx + (p & 1);
        for (let ci = 0; ci < c; ci++) {
          for (let k = 0; k < f; k++) out[(tap * c + ci) * 4 * f + p * f + k] = values[((ty * 2 + tx) * c + ci) * f + k]!;
        }
      }
    }
  });
  return { values: out, shape: [3, 3, c, 4 * f] };
}

/**
 * Tensors derived from another one's values (a filter's phase filters, a tiled bias), kept while the source's data lives,
 * as the transposed convolution's filters are (tapWeightsCache): a Keras layer's kernel is the same tensor on every call,
 * so the derivation runs once and XNNPACK, which caches packed weights per weight tensor, packs them once. A source whose
 * data is gone has its tensors freed at the next miss; at most 64 sources are kept. undefined (kept too) when derive refuses.
 */
function derivedTensorsCache() {
  const cache = new Map<object, tf.TensorInfo[] | undefined>();
  return (source: tf.TensorInfo, backend: tf.KernelBackend, derive: (values: Float32Array) => Derived[] | undefined): tf.TensorInfo[] | undefined => {
    if (cache.has(source.dataId)) return cache.get(source.dataId);
    const live = (backend as unknown as { dataIdMap?: { has(id: object): boolean } }).dataIdMap;
    if (!live) return undefined; // no way to tell when the source's data is gone
    for (const [id, kept] of cache) {
      if (!live.has(id) || cache.size >= 64) {
        for (const t of kept ?? []) backend.disposeData(t.dataId);
        cache.delete(id);
      }
    }
    const made = derive(backend.readSync(source.dataId) as Float32Array)
      ?.map(({ values, shape }): tf.TensorInfo => ({ dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' }));
    cache.set(source.dataId, made);
    return made;
  };
}

/** What a runtime package's backend choice adds to common's: the kernels replaced on it. */
export interface ReplacedKernels {
  /** tfjs kernels savedkeras replaced on this backend because its own give wrong numbers (docs/backends.md). */
  replacedKernels: string[];
}

/**
 * Backend candidates (backend-node's, backend-web's) whose `load`, once the backend's package is
 * imported (which registers its kernels), installs savedkeras' correct kernels in place of the ones
 * it gets wrong, before the backend runs anything.
 */
export function withKernelFixes<C extends { name: string; load: (context: never) => Promise<void> }>(list: readonly C[]): C[] {
  return list.map((c) => ({
    ...c,
    load: async (context: never) => {
      await c.load(context);
      await installKernelFixes(c.name);
    },
  }));
}
