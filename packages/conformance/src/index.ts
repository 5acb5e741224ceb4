/**
 * @savedkeras/conformance: runs every graph kernel savedkeras registers and every built-in layer it
 * revives on a tfjs backend and compares each answer with the cpu backend's. The Node test runs it
 * on wasm (and tfjs-node when installed), the e2e test in Chromium on wasm and webgl; the table in
 * docs/backends.md is rendered from its results.
 */
export { GRAPH_CASES, BACKEND_NEUTRAL_OPS, NOT_YET_COVERED_OPS, type GraphCase } from './graph-cases.js';
export { LAYER_CASES, type LayerCase } from './layer-cases.js';
export { runConformance, type CaseOutcome, type CaseStatus, type RunOptions } from './run.js';
export { renderKernelTable, renderFixesTable, renderNotCovered, kernelStates, describeFailures, type KernelState } from './table.js';
export { NODE_TABLE_BACKENDS, BROWSER_TABLE_BACKENDS, replaceTable } from './docs.js';
export { runTfPins, type PinFile, type PinCase, type PinOutcome } from './tf-pins.js';
export { valuesOf, tensorOf, type InputSpec, type Domain } from './values.js';
