import * as tf from '@tensorflow/tfjs-core';
import { registerActivations } from './activations.js';
import { CategoryEncoding } from './category-encoding.js';
import { Discretization, GlobalAveragePooling3D, GlobalMaxPooling3D } from './discretization.js';
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
} from './image-augmentation.js';
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

type LayerClass = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

/**
 * Every layer class of this package by Keras class name. Some replace tfjs-layers' own class of
 * the same name: GRU / GRUCell (reset_after), CategoryEncoding (TF 2.4 configs),
 * MultiHeadAttention (Keras weights and configs), Resizing (batched output shape), RandomWidth.
 */
export const LAYER_CLASSES: Readonly<Record<string, LayerClass>> = {
  TFOpLambda: TFOpLambda as unknown as LayerClass,
  SlicingOpLambda: SlicingOpLambda as unknown as LayerClass,
  Subtract: Subtract as unknown as LayerClass,
  Normalization: Normalization as unknown as LayerClass,
  EinsumDense: EinsumDense as unknown as LayerClass,
  MultiHeadAttention: MultiHeadAttention as unknown as LayerClass,
  Attention: Attention as unknown as LayerClass,
  AdditiveAttention: AdditiveAttention as unknown as LayerClass,
  RandomFlip: RandomFlip as unknown as LayerClass,
  RandomRotation: RandomRotation as unknown as LayerClass,
  RandomZoom: RandomZoom as unknown as LayerClass,
  RandomTranslation: RandomTranslation as unknown as LayerClass,
  RandomContrast: RandomContrast as unknown as LayerClass,
  RandomBrightness: RandomBrightness as unknown as LayerClass,
  RandomCrop: RandomCrop as unknown as LayerClass,
  Resizing: Resizing as unknown as LayerClass,
  RandomHeight: RandomHeight as unknown as LayerClass,
  RandomWidth: RandomWidth as unknown as LayerClass,
  StringLookup: StringLookup as unknown as LayerClass,
  IntegerLookup: IntegerLookup as unknown as LayerClass,
  TextVectorization: TextVectorization as unknown as LayerClass,
  CategoryEncoding: CategoryEncoding as unknown as LayerClass,
  GRU: GRU as unknown as LayerClass,
  GRUCell: GRUCell as unknown as LayerClass,
  Discretization: Discretization as unknown as LayerClass,
  GlobalAveragePooling3D: GlobalAveragePooling3D as unknown as LayerClass,
  GlobalMaxPooling3D: GlobalMaxPooling3D as unknown as LayerClass,
};

/** Keras class names this package provides (for docs and for revive's reports). */
export const SUPPORTED_LAYERS: readonly string[] = Object.freeze(Object.keys(LAYER_CLASSES));

let registered = false;

/**
 * Registers every layer, activation and regularizer of this package with tfjs' serialization map
 * (overriding tfjs' own classes of the same name, see LAYER_CLASSES). Idempotent; importing the
 * package calls it.
 */
export function registerAllLayers(): void {
  if (registered) return;
  registered = true;
  for (const cls of Object.values(LAYER_CLASSES)) tf.serialization.registerClass(cls);
  registerActivations();
  registerRegularizers();
}
