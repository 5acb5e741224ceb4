export {
  checkModel,
  DEFAULT_CHECK_TOLERANCE,
  type CheckOptions,
  type CheckResult,
  type CheckedOutput,
  type CheckedInput,
} from './check-model.js';
export { lookupTablesOf, planInputs, makeInputs, type InputSpec, type InputValues, type PlannedInput, type PlanOptions } from './plan-inputs.js';
export { checkLayers, type CheckedLayer } from './layer-check.js';
export { graphInputUse, readTableKeys, type GraphInputUse } from './graph-inputs.js';
export { planModelInputs, predictValues, sampleModelInputs, MODEL_FREE_DIM } from './model-inputs.js';
export { compareAll, diff, maxAbsDiff, sameValues, type Compared } from './compare.js';
export { carrierOf, flatten, fromTensor, nameInputs, nest, parseInputs, toTensor, UNNAMED_INPUT, type TensorJson } from './tensor-json.js';
export { isNpy, parseNpy, MAX_NPY_HEADER_BYTES } from './npy.js';
export { parseExpected, type ExpectedCase } from './keras-file-check.js';
