/**
 * The op layer of @savedkeras/graph: OpDef table, attrs, kernel registry (builtin kernels are
 * installed by registry.ts itself, so importing the registry alone is enough), TensorList ownership.
 */
export { BUILTIN_KERNELS } from './builtin-kernels.js';

export { registerKernel, unregisterKernel, getKernel, getOpDef, isBuiltinKernel, kernelNames } from './registry.js';
export { BUILTIN_OP_DEFS } from './op-defs.js';
export { makeAttrs } from './attrs.js';
export { attrValue } from './attr-values.js';
export { opDef, defs, type OpSpec } from './op-def-spec.js';
export { tfjsDtype } from './dtypes.js';
export { tensorFromProto } from './tensor-proto.js';
export { releaseTensorList, disposeValue, isTensorList, newTensorList } from './tensor-list-store.js';
