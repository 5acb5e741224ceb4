// Shared set-up of the tools/perf/predict-*.mjs scripts (dev tools, never run by tests or CI): tfjs and savedkeras
// resolved from the CLI package's dependencies, the wasm backend single-threaded unless THREADS is set.
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// SAVEDKERAS_ROOT: another built checkout to measure (A/B of two trees, the scripts staying here).
const root = process.env.SAVEDKERAS_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const req = createRequire(path.join(root, 'packages/cli/package.json'));
const load = (name) => import(pathToFileURL(req.resolve(name)).href);
export const tf = await load('@tensorflow/tfjs-core');
export const tfl = await load('@tensorflow/tfjs-layers');
export const { selectBackend } = await load('@savedkeras/backend-node');
export const { loadKerasModel } = await load('savedkeras');
export const fixture = (name) => path.join(root, '../shared/fixtures/savedmodels', name);

export async function useWasm() {
  const threads = Number(process.env.THREADS ?? 1);
  await selectBackend('wasm', threads > 1 ? { wasmThreads: threads } : {});
  return tf.getBackend();
}

export const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * The A/B loop of the predict-*-ab scripts: `calls` rounds of `use('native')`, `run()`, `use('fixed')`, `run()`
 * (nativeSwitch's `use`; the switch is not timed), each run timed in process CPU ms; the medians, their ratio and
 * the load average over the loop.
 */
export function alternate(calls, run, use) {
  const A = [], B = [];
  const l0 = os.loadavg()[0];
  for (let i = 0; i < calls; i++) {
    use('native'); let c = cpuMs(); run(); A.push(cpuMs() - c);
    use('fixed'); c = cpuMs(); run(); B.push(cpuMs() - c);
  }
  const med = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];
  return { nativeCpuMs: +med(A).toFixed(2), fixedCpuMs: +med(B).toFixed(2), ratio: +(med(B) / med(A)).toFixed(3), load: `${l0.toFixed(1)}-${os.loadavg()[0].toFixed(1)}` };
}

/**
 * The wasm backend's own kernel configs for `names`, taken before selectBackend installs savedkeras' fixes, and a
 * switch between them and the fixes (for A/B in one process): `use('native' | 'fixed')`.
 */
export async function nativeSwitch(names) {
  await load('@tensorflow/tfjs-backend-wasm');
  const native = names.map((n) => tf.getKernel(n, 'wasm'));
  await useWasm();
  const fixed = names.map((n) => tf.getKernel(n, 'wasm'));
  return (which) => {
    const list = which === 'native' ? native : fixed;
    names.forEach((n, i) => { tf.unregisterKernel(n, 'wasm'); tf.registerKernel(list[i]); });
  };
}

/** Random inputs of batch `batch` for a model's inputs (unknown dims 8, ints 0). */
export function randomInputs(model, batch) {
  const x = model.inputs.map((i) => {
    const shape = [batch, ...i.shape.slice(1).map((d) => d ?? 8)];
    return i.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape, 0, 1, 'float32', 8);
  });
  return x.length === 1 ? x[0] : x;
}

/** A fixture slug, or a `pnpm bench` generated model (`generated-cnn-50mb`, ...) written once into /tmp. */
export async function modelDir(name) {
  if (!name.startsWith('generated-')) return fixture(name);
  const fs = await import('node:fs');
  const dir = path.join(os.tmpdir(), `savedkeras-perf-${name}`);
  if (!fs.existsSync(path.join(dir, 'saved_model.pb'))) {
    const { GENERATED_BENCH_MODELS } = await import(pathToFileURL(path.join(root, 'packages/cli/dist/bench/generated-models.js')).href);
    const { writeKerasSavedModel, writeToDirectory } = await load('@savedkeras/savedmodel-writer');
    await writeToDirectory(writeKerasSavedModel(GENERATED_BENCH_MODELS.find((g) => g.name === name).spec()), dir);
  }
  return dir;
}
