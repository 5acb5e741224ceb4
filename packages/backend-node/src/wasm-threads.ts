import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Threaded XNNPACK for tfjs-backend-wasm 4.22 in Node. Opt-in for library users (SAVEDKERAS_WASM_THREADS=<n>, or
 * selectBackend's `wasmThreads`): it patches globals of the process (below). The savedkeras CLI, which owns its
 * process, turns it on by default (one thread per core; `--threads 1` or SAVEDKERAS_WASM_THREADS=1 to turn it off).
 *
 * The package ships a threaded SIMD binary and its Emscripten glue supports Node worker_threads,
 * but four things stop it in Node, each worked around here for the moment of initialisation:
 *  1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired false when IS_NODE (tfjs issue 3830): set to true.
 *  2. The pthread worker script is handed to `new Worker()` as a `blob:` URL, which Node's Worker
 *     refuses (ERR_WORKER_PATH): URL.createObjectURL returns a temp file holding that script instead.
 *  3. Each worker is sent the main script as a Blob, which it cannot import in Node: the `load`
 *     message gets the path of a temp file with the same script. The workers are unref'd once the
 *     backend is up, or they keep the process alive after the model is done (the CLI would never exit).
 *  4. backend.cc caps the pool at `emscripten_num_logical_cores() / 2` (it assumes hyper-threading),
 *     which Node answers with os.cpus().length: on a 2-core machine that is one thread. os.cpus()
 *     reports every core twice while the module starts.
 * Everything patched is restored once the backend is up.
 */
export function wasmThreadsRequested(explicit?: number): number {
  const raw = explicit ?? process.env['SAVEDKERAS_WASM_THREADS'];
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 2 ? Math.min(n, MAX_WASM_THREADS) : 0;
}

/** backend.cc pre-creates 8 pthread workers: more threads than that are never used. */
export const MAX_WASM_THREADS = 8;

type WasmModule = { setThreadsCount(n: number): void };
type TfEnv = { env(): { set(flag: string, value: boolean): void } };

/** Prepares the shims above before `tf.setBackend('wasm')`; the returned function undoes them. */
export function prepareWasmThreads(tf: TfEnv, wasm: WasmModule, threads: number): () => void {
  const require = createRequire(import.meta.url);
  const dir = nodePath.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const { wasmWorkerContents } = require(nodePath.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const factory = require(nodePath.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js')) as { default?: unknown };
  const tmp = mkdtempSync(nodePath.join(os.tmpdir(), 'savedkeras-wasm-threads-'));
  const workerFile = nodePath.join(tmp, 'worker.js');
  const mainFile = nodePath.join(tmp, 'main.js');
  // tfjs escapes the newlines inside the worker's string literals the same way before making its Blob.
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  writeFileSync(mainFile, `var WasmBackendModuleThreadedSimd = ${String(factory.default ?? factory)}`);

  const url = URL as unknown as { createObjectURL: (b: unknown) => string };
  const createObjectURL = url.createObjectURL;
  url.createObjectURL = () => workerFile;
  const proto = Worker.prototype as unknown as { postMessage: (msg: unknown, ...rest: unknown[]) => void };
  const postMessage = proto.postMessage;
  // Unref'd only once the backend is up: setBackend awaits the workers' "loaded" replies.
  const workers: Worker[] = [];
  let started = false;
  proto.postMessage = function (this: Worker, msg: unknown, ...rest: unknown[]) {
    const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
    if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
      if (started) this.unref();
      else workers.push(this);
      return postMessage.call(this, { ...m, urlOrBlob: mainFile }, ...rest);
    }
    return postMessage.call(this, msg, ...rest);
  };
  const osModule = require('node:os') as { cpus: typeof os.cpus };
  const cpus = osModule.cpus;
  osModule.cpus = () => [...cpus(), ...cpus()];

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    url.createObjectURL = createObjectURL;
    osModule.cpus = cpus;
    started = true;
    for (const w of workers) w.unref();
    // postMessage stays patched: workers the pool adds later need the same file paths.
  };
}
