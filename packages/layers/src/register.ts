import { registerActivations } from './activations.js';
import { registerPluginObject, type SerializableClass } from './keras-registry.js';
import { BatchNormalization } from './batch-normalization.js';
import { DepthwiseConv2D } from './depthwise-conv.js';
import { UpSampling2D } from './upsampling.js';
import { Bidirectional, Conv1D, Conv2D, Conv2DTranspose, Conv3D, ELU, Embedding, LayerNormalization, ReLU, SeparableConv2D, Softmax, StackedRNNCells } from './builtin-overrides.js';
import { CategoryEncoding } from './category-encoding.js';
import { CenterCrop } from './center-crop.js';
import { Discretization } from './discretization.js';
import { GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D } from './global-pooling.js';
import { AdditiveAttention, Attention } from './dense-attention.js';
import { EinsumDense } from './einsum-dense.js';
import { GRU, GRUCell } from './gru.js';
import {
  RandomBrightness,
  RandomContrast,
  RandomFlip,
  RandomHeight,
  RandomRotation,
  RandomTranslation,
  RandomWidth,
  RandomZoom,
  RandomGrayscale,
  RandomHue,
  RandomSaturation,
  RandomSharpness,
  RandomShear,
  RandomColorJitter,
  RandomColorDegeneration,
  RandomGaussianBlur,
  RandomErasing,
  RandomPerspective,
  RandomElasticTransform,
  RandomInvert,
  RandomPosterization,
  Solarization,
  RandAugment,
  AugMix,
  Equalization,
} from './image-augmentation.js';
import { RMSNormalization } from './rms-normalization.js';
import { ReversibleEmbedding } from './reversible-embedding.js';
import { AutoContrast } from './auto-contrast.js';
import { AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D, AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D } from './adaptive-pooling.js';
import { IntegerLookup } from './integer-lookup.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { Normalization } from './normalization.js';
import { RandomCrop } from './random-crop.js';
import { Resizing } from './resizing.js';
import { registerRegularizers } from './regularizers.js';
import { SlicingOpLambda } from './slicing-op-lambda.js';
import { StringLookup } from './string-lookup.js';
import { Subtract } from './subtract.js';
import { TextVectorization } from './text-vectorization.js';
import { TFOpLambda } from './tf-op-lambda.js';
import { TimeDistributed } from './time-distributed.js';
import { installChainedOps, installExecutorMaskFix } from './tfjs-shims.js';
import { GroupNormalization, UnitNormalization } from './group-normalization.js';
import { SpatialDropout2D, SpatialDropout3D } from './spatial-dropout.js';
import { ActivityRegularization } from './activity-regularization.js';
import { Conv1DTranspose, DepthwiseConv1D, SeparableConv1D } from './conv1d-variants.js';
import { Cropping1D, Cropping3D, UpSampling1D, UpSampling3D, ZeroPadding1D, ZeroPadding3D } from './reshaping-1d-3d.js';
import { Hashing, HashedCrossing } from './hashing.js';
import { ConvLSTM1D } from './conv-lstm1d.js';
import { Identity } from './identity.js';
import { GlobalAveragePooling1D } from './global-pooling-1d.js';
import { LayerScale, StochasticDepth } from './layer-scale.js';

/**
 * Every layer class of this package by Keras class name. Some replace tfjs-layers' own class of
 * the same name: GRU / GRUCell (reset_after), BatchNormalization (ranks above 4), Conv1D (causal padding),
 * ELU (any alpha), ReLU (negative_slope, threshold), Softmax (any axis), SeparableConv2D (channels_first), Embedding (a gradient
 * that trains on every backend), CategoryEncoding (TF 2.4 configs),
 * MultiHeadAttention (Keras weights and configs), Resizing (batched output shape), RandomWidth,
 * TimeDistributed (one call on batch·time instead of a per-step loop).
 */
export const LAYER_CLASSES: Readonly<Record<string, SerializableClass>> = {
  TFOpLambda,
  SlicingOpLambda,
  Subtract,
  Normalization,
  EinsumDense,
  MultiHeadAttention,
  Attention,
  AdditiveAttention,
  RandomFlip,
  RandomRotation,
  RandomZoom,
  RandomTranslation,
  RandomContrast,
  RandomBrightness,
  RandomCrop,
  CenterCrop,
  Resizing,
  RandomHeight,
  RandomWidth,
  StringLookup,
  IntegerLookup,
  TextVectorization,
  CategoryEncoding,
  GRU,
  GRUCell,
  Discretization,
  GlobalAveragePooling3D,
  GlobalMaxPooling3D,
  BatchNormalization,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  ELU,
  LayerNormalization,
  StackedRNNCells,
  Bidirectional,
  ReLU,
  Softmax,
  SeparableConv2D,
  TimeDistributed,
  Embedding,
  DepthwiseConv2D,
  UpSampling2D,
  // Keras layers tfjs-layers lacks (session 5).
  GroupNormalization,
  UnitNormalization,
  SpatialDropout2D,
  SpatialDropout3D,
  ActivityRegularization,
  Conv1DTranspose,
  DepthwiseConv1D,
  SeparableConv1D,
  Cropping1D,
  Cropping3D,
  ZeroPadding1D,
  ZeroPadding3D,
  UpSampling1D,
  UpSampling3D,
  Hashing,
  HashedCrossing,
  ConvLSTM1D,
  // Session 6.
  Identity,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  // Session 7: keras.applications ConvNeXt's own layers.
  LayerScale,
  StochasticDepth,
  Conv3D,
  // Session 8: Keras 3's newer layers (RMSNormalization, adaptive pooling, the 3.8+ augmentation layers).
  RMSNormalization,
  ReversibleEmbedding,
  AutoContrast,
  AdaptiveAveragePooling1D,
  AdaptiveAveragePooling2D,
  AdaptiveAveragePooling3D,
  AdaptiveMaxPooling1D,
  AdaptiveMaxPooling2D,
  AdaptiveMaxPooling3D,
  RandomGrayscale,
  RandomHue,
  RandomSaturation,
  RandomSharpness,
  RandomShear,
  RandomColorJitter,
  RandomColorDegeneration,
  RandomGaussianBlur,
  RandomErasing,
  RandomPerspective,
  RandomElasticTransform,
  RandomInvert,
  RandomPosterization,
  Solarization,
  RandAugment,
  AugMix,
  Equalization,
};

/** Layer class names tfjs' serialization map holds for another kind of object (tfjs' Identity initializer). */
const TFJS_NAME_CLASHES: ReadonlySet<string> = new Set(['Identity']);

/**
 * tfjs-layers built-ins overridden only to fill gaps (configs tfjs-layers throws on or computes
 * wrong: BatchNormalization above rank 4, causal and channels_first Conv1D, grouped Conv1D/Conv2D/Conv3D, dilated Conv2DTranspose, LayerNormalization rms_scaling, StackedRNNCells state order, Bidirectional's zeroed outputs at masked steps, ELU alpha, ReLU negative_slope/threshold, Softmax axis, channels_first
 * SeparableConv2D, dilated DepthwiseConv2D, bilinear UpSampling2D, Embedding's gradient, GlobalAveragePooling1D's masked mean and keepdims, keepdims of the 2D global poolings and GlobalMaxPooling1D (+ its data_format)) or to run faster with the same results (TimeDistributed); other
 * configs behave as tfjs' own class, so plain tfjs can load them.
 */
export const BUILTIN_OVERRIDES: ReadonlySet<string> = new Set(['BatchNormalization', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'LayerNormalization', 'StackedRNNCells', 'Bidirectional', 'ELU', 'ReLU', 'Softmax', 'SeparableConv2D', 'TimeDistributed', 'Embedding', 'DepthwiseConv2D', 'UpSampling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Conv3D']);

/** Keras class names this package provides (for docs and for revive's reports). */
export const SUPPORTED_LAYERS: readonly string[] = Object.freeze(Object.keys(LAYER_CLASSES));

let registered = false;

/**
 * Registers every layer, activation and regularizer of this package in the Keras object registry,
 * which puts the classes into tfjs' serialization map too (overriding tfjs' own classes of the
 * same name, see LAYER_CLASSES), and installs the chained tensor methods tfjs-layers needs
 * (tfjs-shims.ts). Idempotent; importing the package calls it.
 */
export function registerAllLayers(): void {
  if (registered) return;
  registered = true;
  installChainedOps();
  installExecutorMaskFix();
  for (const [name, cls] of Object.entries(LAYER_CLASSES)) registerPluginObject('layer', name, cls, !TFJS_NAME_CLASHES.has(name));
  registerActivations();
  registerRegularizers();
}
