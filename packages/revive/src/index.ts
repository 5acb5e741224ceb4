import './chained-ops.js';
export * from './keras-object-loader.js';
export * from './class-registry.js';
export * from './keras-config.js';
export * from './compile.js';
export * from './weights.js';
export { RevivedLayer, type RevivedLayerArgs } from './revived-layer.js';
