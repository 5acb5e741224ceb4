import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@savedkeras/common';

// The backends are imported when one is chosen, each on its own, so a bundler splits them into
// chunks and a page that ends on wasm never downloads the webgpu or webgl kernels.
type Tf = typeof tf;

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** Fastest first: the order tried when nothing is preferred. */
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: string;
  ok: boolean;
  /** Why it could not be used. */
  error?: string;
  /** true when it was not tried again because it failed earlier in this page. */
  remembered?: boolean;
  /** Time to import, initialise and run a 2x2 matMul, in milliseconds. */
  ms: number;
}

export interface BackendChoice {
  name: BackendName;
  tried: BackendAttempt[];
  /** What the chosen backend offers that changes results or speed. */
  features?: Record<string, boolean>;
}

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
 * small matMul correctly; one that failed before in this page is skipped with its old reason. When
 * none works, BackendError lists why each one failed.
 */
export async function selectBackend(
  preferred?: string | readonly string[],
  options: SelectBackendOptions = {},
): Promise<BackendChoice> {
  const candidates = preferred === undefined ? [...BACKEND_NAMES] : typeof preferred === 'string' ? [preferred] : [...preferred];
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    const earlier = failed.get(name);
    if (earlier !== undefined) {
      tried.push({ name, ok: false, error: earlier, remembered: true, ms: 0 });
      continue;
    }
    const t0 = now();
    try {
      const explicit = typeof preferred === 'string';
      const opts = { ...options, allowSoftwareWebGL: options.allowSoftwareWebGL ?? explicit };
      const features = await withTimeout(initialise(tf, name, opts), options.timeoutMs ?? 20_000);
      tried.push({ name, ok: true, ms: now() - t0 });
      return { name: name as BackendName, tried, ...(features ? { features } : {}) };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      // Unknown names are the caller's typo, not a property of this browser: not remembered.
      if ((BACKEND_NAMES as readonly string[]).includes(name)) failed.set(name, error);
      tried.push({ name, ok: false, error, ms: now() - t0 });
    }
  }
  const unknown = candidates.filter((c) => !(BACKEND_NAMES as readonly string[]).includes(c));
  throw new BackendError(`no usable TensorFlow.js backend: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`, {
    hint:
      unknown.length > 0
        ? `known backends are ${BACKEND_NAMES.join(', ')}`
        : preferred !== undefined
          ? 'let savedkeras pick a backend (no preference), or try wasm / cpu'
          : 'this browser offers neither WebGPU, WebGL, WebAssembly nor plain JS backends; try another browser',
  });
}

async function initialise(tf: Tf, name: string, options: SelectBackendOptions): Promise<Record<string, boolean> | undefined> {
  switch (name) {
    case 'webgpu': {
      const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
      if (!gpu) throw new Error('WebGPU is not available in this browser');
      // tfjs would fail later with "Cannot read properties of null"; say what is wrong instead.
      if (!(await gpu.requestAdapter())) throw new Error('WebGPU offers no adapter (no usable GPU)');
      await import('@tensorflow/tfjs-backend-webgpu');
      await activate(tf, 'webgpu');
      return undefined;
    }
    case 'webgl': {
      const renderer = webglRenderer();
      if (renderer === null) throw new Error('WebGL is not available in this browser');
      if (!options.allowSoftwareWebGL && SOFTWARE_RENDERER.test(renderer)) {
        throw new Error(`WebGL is drawn in software (${renderer}), slower than wasm; ask for webgl explicitly to use it anyway`);
      }
      await import('@tensorflow/tfjs-backend-webgl');
      await activate(tf, 'webgl');
      // Without float32 textures tfjs computes in float16: results drift by ~1e-3.
      return { float32: Boolean(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) };
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
      await activate(tf, 'wasm');
      return {
        simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
      };
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await activate(tf, 'cpu');
      return undefined;
    default:
      throw new Error(`unknown backend ${JSON.stringify(name)} (known: ${BACKEND_NAMES.join(', ')})`);
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

/** tf.setBackend, keeping the reason when initialisation fails (tfjs only console.warns it), then a smoke matMul. */
async function activate(tf: Tf, name: string): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(`backend ${name} did not register (this browser lacks what it needs, or tfjs-core versions differ)`);
  }
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warnings.filter((w) => !/^Initialization of backend/.test(w)).map((w) => w.split('\n')[0]);
    throw new Error(`initialisation failed${why.length ? `: ${why.join(' / ')}` : ''}`);
  }
  // The cpu backend prints an "install tfjs-node" banner on its first tensor; here it was chosen on purpose.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const p = tf.matMul(a, a);
  const v = await p.data();
  tf.dispose([a, p]);
  if (v[0] !== 7 || v[1] !== 10 || v[2] !== 15 || v[3] !== 22) {
    throw new Error(`matMul smoke test computed ${Array.from(v).join(',')}, expected 7,10,15,22`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`initialisation did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
