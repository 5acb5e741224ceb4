import { selectBackend, type BackendChoice } from '@savedkeras/backend-web';
// The wasm binaries come from the installed @tensorflow/tfjs-backend-wasm, emitted by Vite as
// files of this page (dist/assets/*.wasm): served with the page, never fetched from a CDN.
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': new URL(wasmUrl, document.baseURI).href,
  'tfjs-backend-wasm-simd.wasm': new URL(wasmSimdUrl, document.baseURI).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreadedSimdUrl, document.baseURI).href,
};

/** The backend the page asks for: `?backend=wasm` in the address, else automatic. */
export function requestedBackend(): string {
  return new URLSearchParams(location.search).get('backend') ?? 'auto';
}

export function chooseBackend(requested: string): Promise<BackendChoice> {
  // Every logical core for XNNPACK on a cross-origin-isolated page (tfjs alone takes half of them: 1 on 2 cores).
  return selectBackend(requested === 'auto' ? undefined : requested, { wasmPaths: WASM_PATHS, wasmThreads: threadsWanted() });
}

/** `?threads=N` in the address, else navigator.hardwareConcurrency. */
function threadsWanted(): number {
  const asked = Number(new URLSearchParams(location.search).get('threads'));
  return Number.isInteger(asked) && asked >= 1 ? asked : navigator.hardwareConcurrency;
}

export function describeChoice(c: BackendChoice): string {
  return c.tried
    .map((t) => (t.ok ? `${t.name} ✓ ${Math.round(t.ms)} ms` : `${t.name} ✗ ${t.error ?? ''}${t.remembered ? ' (earlier)' : ''}`))
    .join(' · ');
}

export function describeFeatures(c: BackendChoice): string {
  const f = c.features;
  if (!f) return '';
  return Object.entries(f)
    .filter(([, on]) => on)
    .map(([k]) => k)
    .join(', ');
}
