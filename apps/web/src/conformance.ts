// The backend conformance suite (@savedkeras/conformance) in the browser: packages/e2e opens this
// page in Chromium and runs it on wasm and webgl, with savedkeras' kernel fixes installed as
// selectBackend installs them for users.
import { selectBackend } from '@savedkeras/backend-web';
import { GRAPH_CASES, LAYER_CASES, describeFailures, renderKernelTable, runConformance, runTfPins } from '@savedkeras/conformance';
import { WASM_PATHS } from './backend.js';
import type { ConformanceHooks } from './hook.js';

declare global {
  interface Window extends ConformanceHooks {}
}

/** The kernel fixes of `backends` against TensorFlow's numbers (the e2e test passes the stored file). */
window.__tfPins = async (file, backends) => {
  await selectBackend('cpu');
  for (const b of backends) await selectBackend(b, { wasmPaths: WASM_PATHS, allowSoftwareWebGL: true });
  return runTfPins(file, backends);
};

/** Runs every case of the suite on `backends` (no sampling: a case left out could hide a wrong kernel). */
window.__conformance = async (backends) => {
  const t0 = performance.now();
  await selectBackend('cpu');
  const ran: string[] = [];
  const unavailable: Record<string, string> = {};
  for (const b of backends) {
    try {
      await selectBackend(b, { wasmPaths: WASM_PATHS, allowSoftwareWebGL: true });
      ran.push(b);
    } catch (e) {
      unavailable[b] = e instanceof Error ? e.message : String(e);
    }
  }
  const outcomes = await runConformance({ graph: GRAPH_CASES, layers: LAYER_CASES }, ran);
  const out = document.getElementById('out');
  const failures = describeFailures(outcomes);
  const table = renderKernelTable(outcomes, ran);
  if (out) out.textContent = `${failures.length} failures\n${failures.join('\n')}\n\n${table}`;
  return { backends: ran, unavailable, outcomes, failures, table, ms: performance.now() - t0 };
};
