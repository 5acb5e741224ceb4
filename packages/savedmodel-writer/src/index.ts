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
