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
export * from './fixtures.js';
export { seededRandom, uniformValues } from './rng.js';
export { pyJson, pyFloat, floatRepr } from './py-json.js';
export * from './hostile/index.js';
