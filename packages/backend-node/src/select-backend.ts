import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
// tfjs-core is imported when a backend is chosen, not with this package: reading model files
// (NodeFileSource) should not pay for loading tfjs.
type Tf = typeof import('@tensorflow/tfjs-core');
import { BackendError } from '@savedkeras/common';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: string;
  ok: boolean;
  /** Why it could not be used. */
  error?: string;
  /** Time to import, initialise and run a 2x2 matMul, in milliseconds. */
  ms: number;
}

export interface BackendChoice {
  name: BackendName;
  tried: BackendAttempt[];
  /** wasm only: whether the SIMD / multi-threaded binaries are in use. */
  features?: { simd: boolean; threads: boolean };
}

const require = createRequire(import.meta.url);

/**
 * Picks and initialises the tfjs backend for Node: '@tensorflow/tfjs-node' when the user installed
 * it (it is never a dependency of savedkeras), else WebAssembly, else plain JS.
 *
 * With `preferred`, only that backend is tried: an explicit choice is never silently replaced.
 * Each candidate must initialise AND compute a small matMul; when none does, BackendError says
 * why each one failed.
 */
export async function selectBackend(preferred?: string): Promise<BackendChoice> {
  let candidates: string[];
  if (preferred === undefined) candidates = [...BACKEND_NAMES];
  else candidates = [preferred];

  const tf = await import('@tensorflow/tfjs-core');
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    const t0 = performance.now();
    try {
      const features = await initialise(tf, name);
      tried.push({ name, ok: true, ms: performance.now() - t0 });
      return { name: name as BackendName, tried, ...(features ? { features } : {}) };
    } catch (e) {
      tried.push({ name, ok: false, error: e instanceof Error ? e.message : String(e), ms: performance.now() - t0 });
    }
  }
  throw new BackendError(`no usable TensorFlow.js backend: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`, {
    hint:
      preferred !== undefined && !(BACKEND_NAMES as readonly string[]).includes(preferred)
        ? `known backends are ${BACKEND_NAMES.join(', ')}`
        : 'run without --backend to let savedkeras pick one, or install @tensorflow/tfjs-node',
  });
}

async function initialise(tf: Tf, name: string): Promise<{ simd: boolean; threads: boolean } | undefined> {
  switch (name) {
    case 'tensorflow':
      await importTfjsNode();
      await activate(tf, 'tensorflow');
      return undefined;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmFiles());
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

/** tf.setBackend, keeping the reason when initialisation fails (tfjs only console.warns it), then a smoke matMul. */
async function activate(tf: Tf, name: string): Promise<void> {
  if (!tf.findBackendFactory(name)) throw new Error(`backend ${name} is not registered with this copy of @tensorflow/tfjs-core (installed versions differ?)`);
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
  if (v[0] !== 7 || v[3] !== 22) throw new Error(`matMul smoke test computed ${Array.from(v).join(',')}, expected 7,10,15,22`);
}

/**
 * The wasm binaries shipped in the package's own dist/ folder, as file paths (in Node the wasm
 * backend reads them from disk; without this it would look next to the running script).
 */
export function wasmFiles(): Record<string, string> {
  const dist = nodePath.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return Object.fromEntries(files.map((f) => [f, nodePath.join(dist, f)]));
}

/** Imports tfjs-node from our own location first, then from the user's project (cwd). */
async function importTfjsNode(): Promise<void> {
  const specifier: string = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return;
  } catch (first) {
    let resolved: string;
    try {
      resolved = createRequire(nodePath.join(process.cwd(), 'noop.js')).resolve(specifier);
    } catch {
      const msg = first instanceof Error ? first.message.split('\n')[0] : String(first);
      throw new Error(/Cannot find (package|module)/.test(msg) ? `${specifier} is not installed` : msg);
    }
    await import(pathToFileURL(resolved).href);
  }
}
