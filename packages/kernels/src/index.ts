/**
 * @savedkeras/kernels: correct kernels for the tfjs backends where the backend's own kernel gives
 * wrong numbers. The runtime packages (backend-node, backend-web) install them when they select a
 * backend, so no known-wrong kernel is reachable through savedkeras. The table docs/backends.md
 * lists them; the conformance suite (@savedkeras/conformance) finds them. Also the gather whose
 * gradient trains on every backend (`gatherRows`), shared by graph's kernels and layers' Embedding.
 */
export { gatherRows } from './gather-rows.js';
export { KERNEL_FIXES, fixesFor, installKernelFixes, installedFixes, withKernelFixes, type KernelFix, type ReplacedKernels } from './fixes.js';
export { fingerprint64, fingerprintCat64, sipHash24 } from './string-hash.js';
export { winogradPaysOnThreads, winogradStats } from './winograd.js';
export { resizeArea, resizeBicubic, type ResizeOptions } from './resize.js';
