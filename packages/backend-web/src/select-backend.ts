import * as tf from '@tensorflow/tfjs-core';
import { selectBackendFrom, type BackendCandidate, type BackendChoice as Choice, type TfCoreLike } from '@savedkeras/common';
import { installedFixes, withKernelFixes, type ReplacedKernels } from '@savedkeras/kernels';
export type { BackendAttempt } from '@savedkeras/common';

// The backends are imported when one is chosen, each on its own, so a bundler splits them into
// chunks and a page that ends on wasm never downloads the webgpu or webgl kernels.

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** Fastest first: the order tried when nothing is preferred. */
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export type BackendChoice = Choice<BackendName> & ReplacedKernels;

export interface SelectBackendOptions {
  /**
   * Where the wasm backend finds its .wasm binaries: a URL prefix ending in '/' or a map from
   * file name (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`,
   * `tfjs-backend-wasm-threaded-simd.wasm`) to URL. A bundled app passes the URLs its bundler
   * emitted (Vite: `import u from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'`).
   * Without it, tfjs looks next to the running script: same origin, never a CDN.
   */
  wasmPaths?: string | Record<string, string>;
  /** Give up on one backend after this long (a GPU driver can hang initialisation). Default 20 s. */
  timeoutMs?: number;
  /**
   * Accept WebGL drawn in software (SwiftShader, llvmpipe: what headless or GPU-less browsers
   * offer). It is many times slower than wasm, so by default it is skipped unless webgl is the one
   * backend asked for.
   */
  allowSoftwareWebGL?: boolean;
  /**
   * XNNPACK threads of the wasm backend on a cross-origin-isolated page (where tfjs loads its threaded
   * build). tfjs-backend-wasm 4.22 caps its pool at half of navigator.hardwareConcurrency, read once when
   * the module starts (it assumes two hyper-threads per core): 1 thread on a 2-core machine, whatever
   * setThreadsCount asks. With this option navigator.hardwareConcurrency reads at least twice the count
   * while the module starts (restored right after), so XNNPACK gets it (at most 8). Default: tfjs' own.
   */
  wasmThreads?: number;
  /**
   * Where the warning goes when wasm could not start and the choice fell to the cpu backend (default
   * console.warn): a wrong or missing `wasmPaths` would otherwise cost a silent 30-100x slowdown.
   */
  warn?: (message: string) => void;
}

/** Failures seen in this page, so a later call does not pay for a hanging WebGPU / WebGL start again. */
const failed = new Map<string, string>();

/** Forget remembered failures (after the user changed a browser flag, for tests). */
export function forgetBackendFailures(): void {
  failed.clear();
}

/**
 * Picks and initialises a tfjs backend for the browser: webgpu > webgl > wasm > cpu.
 *
 * `preferred` overrides the order: one name tries only that one (an explicit choice is never
 * silently replaced), a list tries those in its order. Each candidate must initialise AND compute a
 * small matMul correctly (@savedkeras/common's selectBackendFrom); one that failed before in this
 * page is skipped with its old reason. When none works, BackendError lists why each one failed.
 */
export async function selectBackend(
  preferred?: string | readonly string[],
  options: SelectBackendOptions = {},
): Promise<BackendChoice> {
  const choice = await selectBackendFrom<BackendName>(tf as unknown as TfCoreLike, withKernelFixes(candidates(options)), preferred, {
    timeoutMs: options.timeoutMs ?? 20_000,
    remember: failed,
    preferredFailedHint: 'let savedkeras pick a backend (no preference), or try wasm / cpu',
    noneWorkedHint: 'this browser offers neither WebGPU, WebGL, WebAssembly nor plain JS backends; try another browser',
  });
  const wasm = choice.tried.find((t) => t.name === 'wasm' && !t.ok);
  if (wasm && choice.name === 'cpu') {
    (options.warn ?? ((m: string) => console.warn(m)))(
      `savedkeras: the wasm backend could not start (${wasm.error}); running on the cpu backend instead, ` +
        'typically 30-100x slower. Serve the .wasm files with the page and pass their URLs as selectBackend\'s wasmPaths ' +
        '(or ask for wasm explicitly to get an error instead of the fallback)',
    );
  }
  return { ...choice, replacedKernels: installedFixes(choice.name) };
}

/** The browser's candidates, fastest first; the order is BACKEND_NAMES. */
function candidates(options: SelectBackendOptions): BackendCandidate[] {
  return [
    {
      name: 'webgpu',
      load: async () => {
        const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
        if (!gpu) throw new Error('WebGPU is not available in this browser');
        // tfjs would fail later with "Cannot read properties of null"; say what is wrong instead.
        if (!(await gpu.requestAdapter())) throw new Error('WebGPU offers no adapter (no usable GPU)');
        await import('@tensorflow/tfjs-backend-webgpu');
      },
    },
    {
      name: 'webgl',
      load: async ({ explicit }) => {
        const renderer = webglRenderer();
        if (renderer === null) throw new Error('WebGL is not available in this browser');
        if (!(options.allowSoftwareWebGL ?? explicit) && SOFTWARE_RENDERER.test(renderer)) {
          throw new Error(`WebGL is drawn in software (${renderer}), slower than wasm; ask for webgl explicitly to use it anyway`);
        }
        await import('@tensorflow/tfjs-backend-webgl');
      },
      // Without float32 textures tfjs computes in float16: results drift by ~1e-3.
      features: async () => ({ float32: Boolean(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) }),
    },
    {
      name: 'wasm',
      load: async () => {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
        const threads = Math.min(Math.floor(options.wasmThreads ?? 0), 8);
        if (threads >= 1) {
          wasm.setThreadsCount(threads);
          undoCoreCount = reportLogicalCoresAtLeast(2 * threads);
        }
        wasmFetches = watchWasmFetches();
      },
      afterStart: () => {
        undoCoreCount?.();
        undoCoreCount = null;
        wasmFetches?.stop();
      },
      // tfjs only says "Make sure the server can serve the .wasm file": name the URL it fetched and what came back.
      describeFailure: (message) => {
        const fetches = wasmFetches?.seen ?? [];
        wasmFetches = null;
        const where = options.wasmPaths === undefined ? ' (no wasmPaths given: tfjs looked next to the page\'s script)' : '';
        const bad = fetches.find((f) => f.failure !== undefined);
        if (bad) return `the WebAssembly binary could not be fetched from ${bad.url}: ${bad.failure}${where}; ${message}`;
        const notWasm = fetches.find((f) => f.contentType !== undefined && !/wasm/i.test(f.contentType));
        if (notWasm) return `${notWasm.url} was served as ${notWasm.contentType}, not a .wasm binary${where}; ${message}`;
        return fetches.length > 0 ? `${message} (fetched ${fetches.map((f) => f.url).join(', ')})` : message;
      },
      // Which binary tfjs loaded and what XNNPACK got: tfjs picks the threaded SIMD build when the page
      // can share memory with workers (a cross-origin-isolated page: COOP same-origin + COEP
      // require-corp); XNNPACK then runs on getThreadsCount() threads (tfjs' default pool is half the
      // logical cores: 1 on a 2-core machine, unless `wasmThreads` asks for more).
      features: async () => {
        const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        const threadedBuild = simd && Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        return { simd, threadedBuild, threads: wasm.getThreadsCount() > 1 };
      },
    },
    { name: 'cpu', load: async () => void (await import('@tensorflow/tfjs-backend-cpu')) },
  ];
}

let undoCoreCount: (() => void) | null = null;

interface WasmFetch {
  url: string;
  /** Why it gave no binary: an HTTP status that is not ok, or the network error. */
  failure?: string;
  contentType?: string;
}
let wasmFetches: { seen: WasmFetch[]; stop(): void } | null = null;

/**
 * Records the `.wasm` requests made through globalThis.fetch (tfjs-backend-wasm's Emscripten loader fetches its
 * binary there) until stop(), which puts the page's own fetch back. Every request passes through unchanged.
 */
function watchWasmFetches(): { seen: WasmFetch[]; stop(): void } | null {
  const original = globalThis.fetch;
  if (typeof original !== 'function') return null;
  const seen: WasmFetch[] = [];
  const watching: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!/\.wasm(?:$|[?#])/.test(url)) return original(input, init);
    const entry: WasmFetch = { url: absoluteUrl(url) };
    seen.push(entry);
    try {
      const response = await original(input, init);
      if (!response.ok) entry.failure = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      entry.contentType = response.headers.get('content-type') ?? undefined;
      return response;
    } catch (e) {
      entry.failure = e instanceof Error ? e.message : String(e);
      throw e;
    }
  };
  globalThis.fetch = watching;
  return {
    seen,
    stop: () => {
      if (globalThis.fetch === watching) globalThis.fetch = original;
    },
  };
}

/**
 * Makes navigator.hardwareConcurrency read at least `n` (an own property shadowing Navigator's getter) until
 * the returned function is called. Nothing to do where it already does, or without navigator.
 */
function reportLogicalCoresAtLeast(n: number): (() => void) | null {
  const nav = globalThis.navigator as (Navigator & { hardwareConcurrency?: number }) | undefined;
  if (!nav || typeof nav.hardwareConcurrency !== 'number' || nav.hardwareConcurrency >= n) return null;
  if (Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency')) return null; // someone else's override: leave it
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => n });
  return () => void delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
}

/** `url` resolved against the page's address (Emscripten fetches relative names), when there is one. */
function absoluteUrl(url: string): string {
  try {
    return typeof location === 'undefined' ? url : new URL(url, location.href).href;
  } catch {
    return url;
  }
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** The WebGL renderer's name (unmasked where the browser allows), or null without WebGL. */
function webglRenderer(): string | null {
  if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') return null;
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  // Free the probe context now: browsers cap live WebGL contexts (about 16).
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}
