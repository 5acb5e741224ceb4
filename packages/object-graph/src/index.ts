export * from './saved-model-graph.js';
export * from './structure.js';
export * from './keras-json.js';
export type { KeyedLayer, KeyedWeight, KeyedEntries } from './checkpoint-keys.js';
