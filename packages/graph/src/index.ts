/**
 * @savedkeras/graph: runs the saved concrete functions of a SavedModel (its FunctionDef library)
 * synchronously on tfjs-core ops — serving signatures, Keras layer call functions, TF1 main graphs.
 */
export type {
  Attrs,
  Kernel,
  KernelContext,
  OpDefinition,
  Resource,
  TableResource,
  TensorListValue,
  Value,
  VariableResource,
} from './kernel.js';
export { isTensorValue } from './kernel.js';

// Op registry (the kernels themselves live in ./ops): what kernel authors and the conformance tables use.
export { registerKernel as registerOp, unregisterKernel, getKernel, getOpDef, kernelNames, makeAttrs, attrValue } from './ops/index.js';

// The executor's own pieces (Executor, plans, fusion, FunctionLibrary, structure matching, TF1 main graphs) stay
// internal: other packages run functions through ConcreteFunction / SavedFunction / loadSignatures.
export { disposeLibraryOf } from './executor/function-library.js';
export { EXECUTOR_OPS } from './executor/plan.js';
export { Captures, type CaptureResolver, type CaptureSources } from './captures.js';
export { ConcreteFunction, SavedFunction, type CallOptions, type ConcreteFunctionOptions } from './concrete-function.js';
export {
  checkpointCaptures,
  loadSignatures,
  variableFromCheckpoint,
  type LoadedSavedModel,
  type LoadSignaturesOptions,
  type SignatureCallOptions,
  type SignatureFunction,
  type SignatureTensor,
} from './saved-model-functions.js';
