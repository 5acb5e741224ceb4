export * from './model-spec.js';
export {
  writeKerasSavedModel,
  writeKerasSavedModelDetailed,
  writeToDirectory,
  memorySource,
  type WriteOptions,
  type WrittenModel,
} from './savedmodel-writer.js';
export { layoutFor, type Layout } from './layout.js';
export * from './examples.js';
export { strippedOpList } from './op-defs.js';
export { seededRandom, uniformValues } from './rng.js';
export { pyJson, pyFloat, floatRepr } from './py-json.js';
// Protobuf-object helpers for other SavedModel writers (the hostile-graph writer of @savedkeras/testing).
export { shapeProto, type Obj } from './function-builder.js';
// The checkpoint writers (TensorBundle and its SSTable index), for generated models and for tests of the readers.
export { writeTensorBundle, type BundleTensor, type BundleWriteOptions } from './bundle-writer.js';
export { writeSSTable, type SSTableWriteOptions } from './sstable-writer.js';
// Byte assembly shared with the fuzzer's mutations (@savedkeras/testing).
export { concatBytes } from './bytes.js';
