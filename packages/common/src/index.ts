export * from './errors.js';
export * from './limits.js';
export * from './paths.js';
export * from './source.js';
export * from './random.js';
export * from './model-format.js';
export * from './backend-registry.js';
export * from './own.js';
