/**
 * The op layer of @savedkeras/graph: OpDef table, attrs, kernel registry (builtin kernels are
 * installed by registry.ts itself, so importing the registry alone is enough), TensorList ownership.
 */
export { registerKernel, unregisterKernel, getKernel, getOpDef, isBuiltinKernel, kernelNames } from './registry.js';
export { BUILTIN_OP_DEFS } from './op-defs.js';
export { makeAttrs } from './attrs.js';
export { attrValue } from './attr-values.js';
export { releaseTensorList, disposeValue, isTensorList } from './tensor-list-store.js';
