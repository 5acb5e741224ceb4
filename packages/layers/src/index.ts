import { registerAllLayers } from './register.js';

export { registerAllLayers, SUPPORTED_LAYERS, LAYER_CLASSES, BUILTIN_OVERRIDES } from './register.js';
export { installChainedOps } from './tfjs-shims.js';
export {
  INPUT_REF_KEY,
  FIRST_ARG_CONSTANT_KEY,
  KwargsRecordingLayer,
  isInputRef,
  kerasKwargs,
  splitInputs,
  type InputRef,
  type Kwargs,
} from './call-args.js';
export { TFOpLambda, type TFOpLambdaArgs } from './tf-op-lambda.js';
export { lookupTfOp, tfOpSignatures, type TfOp, type OpArgs } from './tf-op-table.js';
export { SlicingOpLambda, applySlice, parseSliceSpec, slicedShape, type SliceEntry, type SlicingOpLambdaArgs } from './slicing-op-lambda.js';
export { Subtract } from './subtract.js';
export { Normalization, type NormalizationArgs } from './normalization.js';
export { einsum2, parseEinsum } from './einsum.js';
export { EinsumDense, analyzeEinsumDense, type EinsumDenseArgs } from './einsum-dense.js';
export { MultiHeadAttention, buildAttentionEquation, buildProjEquation, type MultiHeadAttentionArgs } from './multi-head-attention.js';
export { Attention, AdditiveAttention, type DenseAttentionArgs } from './dense-attention.js';
export {
  RandomFlip,
  RandomRotation,
  RandomZoom,
  RandomTranslation,
  RandomContrast,
  RandomBrightness,
  RandomHeight,
  RandomWidth,
} from './image-augmentation.js';
export { RandomCrop, resizeImages, smartResize, type RandomCropArgs } from './random-crop.js';
export { Resizing, type ResizingArgs } from './resizing.js';
export { IndexLookup, type IndexLookupArgs, type Token } from './index-lookup.js';
export { StringLookup, type StringLookupArgs } from './string-lookup.js';
export { IntegerLookup, type IntegerLookupArgs } from './integer-lookup.js';
export {
  TextVectorization,
  registerTextStandardizer,
  registerTextSplitter,
  type TextVectorizationArgs,
  type Standardizer,
  type Splitter,
} from './text-vectorization.js';
export { CategoryEncoding, encodeCategorical, normalizeOutputMode, type CategoryEncodingArgs, type EncodingMode } from './category-encoding.js';
export { Discretization, type DiscretizationArgs } from './discretization.js';
export { GlobalAveragePooling3D, GlobalMaxPooling3D } from './global-pooling.js';
export { GRU, GRUCell, type GRUArgs, type GRUCellArgs } from './gru.js';
export { registerActivation, registerActivations, geluExact, geluApproximate, EXTRA_ACTIVATIONS } from './activations.js';
export { L1, L2, registerRegularizers } from './regularizers.js';
export { tfjsCamelCase, tfjsDtype } from './keras-objects.js';
export {
  KERAS_OBJECT_KINDS,
  activationClass,
  isSerializableClass,
  registerKerasObject,
  registerPluginObject,
  registeredBaseName,
  registeredNames,
  resolveKerasObject,
  withCustomObjects,
  type ActivationFn,
  type CustomObjects,
  type KerasObject,
  type KerasObjectKind,
  type LossOrMetricFn,
  type Registration,
  type RegistrationOrigin,
  type SerializableClass,
} from './keras-registry.js';

// Importing the package registers its classes (idempotent; registerAllLayers() does the same).
registerAllLayers();
export { KerasOperation, KERAS_OPERATIONS } from './keras-operations.js';
