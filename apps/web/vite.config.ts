import { defineConfig } from 'vite';

// The page bundles workspace packages from their TypeScript sources (the "source" export
// condition, as the tests do), so `vite build` never picks up a stale dist/.
// Cross-origin isolation (COOP + COEP) lets tfjs-backend-wasm load its threaded SIMD build; the
// dev and preview servers send it. A static host serving dist/ has to send the same two headers.
const crossOriginIsolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // tfjs is large; the backends are split into their own chunks by dynamic import.
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
    reportCompressedSize: false,
    // The .wasm binaries are emitted as files next to the chunks (never inlined, never from a CDN).
    assetsInlineLimit: 0,
    // The demo page, and the backend conformance page the e2e test runs in Chromium.
    rollupOptions: { input: { main: 'index.html', conformance: 'conformance.html' } },
  },
});
