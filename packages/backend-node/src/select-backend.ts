import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { selectBackendFrom, type BackendCandidate, type BackendChoice as Choice, type TfCoreLike } from '@savedkeras/common';
import { installedFixes, withKernelFixes, type ReplacedKernels } from '@savedkeras/kernels';
import { prepareWasmThreads, wasmThreadsRequested } from './wasm-threads.js';
export type { BackendAttempt } from '@savedkeras/common';

// tfjs-core is imported when a backend is chosen; trying candidates, the smoke test and the failure
// report are @savedkeras/common's selectBackendFrom. This file only lists Node's candidates.

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
export type BackendChoice = Choice<BackendName> & ReplacedKernels;

const require = createRequire(import.meta.url);

type Tf = typeof import('@tensorflow/tfjs-core');

/** Options of the Node backend selection. */
export interface SelectBackendOptions {
  /**
   * XNNPACK threads of the wasm backend (threaded SIMD build, see wasm-threads.ts); 0 or 1 = the
   * single-threaded build. Default: SAVEDKERAS_WASM_THREADS, else single-threaded. Only the first wasm
   * initialisation of a process counts.
   */
  wasmThreads?: number;
}

function candidates(tf: Tf, options: SelectBackendOptions): BackendCandidate[] {
  return [
    { name: 'tensorflow', load: importTfjsNode },
    {
      name: 'wasm',
      load: async () => {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(wasmFiles());
        // Opt-in threaded XNNPACK (SAVEDKERAS_WASM_THREADS=2): tfjs never enables it in Node by itself.
        const threads = wasmThreadsRequested(options.wasmThreads);
        try {
          undoThreadShims = threads > 0 ? prepareWasmThreads(tf, wasm, threads) : null;
        } catch {
          undoThreadShims = null; // no writable temp folder for the worker scripts: the single-threaded build
        }
        // Emscripten adds its own process handlers when the module starts (in setBackend).
        processHandlersBefore = snapshotProcessHandlers();
      },
      // Emscripten's handlers rethrow a user's uncaught error from inside the handler (Node then exits
      // with code 7 and a dump) and turn every unhandled rejection into that: taken off again, so the
      // process behaves as it would without savedkeras. (tfjs' own cleanup of them never matches.)
      afterActivate: () => {
        undoThreadShims?.();
        undoThreadShims = null;
        removeAddedProcessHandlers(processHandlersBefore);
      },
      // `threads`: XNNPACK runs on more than one thread (wasmThreads / SAVEDKERAS_WASM_THREADS in Node).
      features: async () => ({
        simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        threads: (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() > 1,
      }),
    },
    { name: 'cpu', load: async () => void (await import('@tensorflow/tfjs-backend-cpu')) },
  ];
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Handlers = Record<(typeof PROCESS_EVENTS)[number], unknown[]>;
let processHandlersBefore: Handlers | null = null;
let undoThreadShims: (() => void) | null = null;

function snapshotProcessHandlers(): Handlers {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

function removeAddedProcessHandlers(before: Handlers | null): void {
  if (!before) return;
  for (const event of PROCESS_EVENTS) {
    const emitter = process as NodeJS.EventEmitter;
    for (const listener of emitter.listeners(event) as ((...args: unknown[]) => void)[]) {
      if (!before[event].includes(listener)) emitter.removeListener(event, listener);
    }
  }
}

/**
 * Picks and initialises the tfjs backend for Node: '@tensorflow/tfjs-node' when the user installed
 * it (it is never a dependency of savedkeras), else WebAssembly, else plain JS.
 *
 * With `preferred`, only that backend is tried: an explicit choice is never silently replaced.
 * Each candidate must initialise AND compute a small matMul; when none does, BackendError says
 * why each one failed.
 */
export async function selectBackend(preferred?: string, options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const tf = await import('@tensorflow/tfjs-core');
  const choice = await selectBackendFrom<BackendName>(tf as unknown as TfCoreLike, withKernelFixes(candidates(tf, options)), preferred, {
    noneWorkedHint: 'run without --backend to let savedkeras pick one, or install @tensorflow/tfjs-node',
    preferredFailedHint: 'run without --backend to let savedkeras pick one, or install @tensorflow/tfjs-node',
  });
  return { ...choice, replacedKernels: installedFixes(choice.name) };
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
