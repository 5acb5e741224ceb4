export { writeModuleSavedModel, type ModuleSpec, type ModuleTensor } from './module-writer.js';
export * as grammar from './graph-grammar.js';
export type { Part } from './graph-grammar.js';
export { editIndexEntries, relabelDtype, editKerasJson, denseUnits, renameClass, prefixAmplifiedIndex } from './keras-hostile.js';
