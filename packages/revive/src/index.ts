import './chained-ops.js';
export * from './keras-object-loader.js';
export { kerasIoNames, type ReviveReport, type RevivedHow, type RevivedObjectReport } from './revive-report.js';
export * from './class-registry.js';
export * from './keras-config.js';
export * from './compile.js';
export * from './weights.js';
export { RevivedLayer, type RevivedLayerArgs } from './revived-layer.js';
