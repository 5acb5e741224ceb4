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

// Op registry (the kernels themselves live in ./ops).
export { registerKernel as registerOp, registerKernel, unregisterKernel, getKernel, getOpDef, kernelNames, makeAttrs, attrValue } from './ops/index.js';

export { disposeLibraryOf, FunctionLibrary, libraryOf, type UnsupportedOp } from './executor/function-library.js';
export { compileFunction, parseRef, EXECUTOR_OPS, type FunctionPlan, type PlanNode, type PlanNodeKind } from './executor/plan.js';
export { Executor, type ExecutorOptions } from './executor/executor.js';
export { setPlanFusion, type Fusion } from './executor/fusion.js';
export type { CallGuard } from './executor/budget.js';
export { Captures, type CaptureResolver, type CaptureSources } from './captures.js';
export { storedToTensor, type StoredTensor } from './checkpoint-values.js';
export {
  ConcreteFunction,
  SavedFunction,
  argNamesOf,
  type CallOptions,
  type ConcreteFunctionOptions,
} from './concrete-function.js';
export {
  selectConcreteFunction,
  matchCall,
  packOutputs,
  flatSpecs,
  carrierDtype,
  type Match,
  type MatchOptions,
} from './structure-match.js';
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
export { mainGraphFunction, tf1VariableKeys, type MainGraphFunction } from './main-graph.js';
