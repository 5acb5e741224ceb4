import { crc32cExtend } from '@savedkeras/proto';
import type { ModelSource } from '@savedkeras/common';

/**
 * What a fuzz case runs: the whole loader through the `savedkeras` facade, as a user would. The
 * facade and tfjs come in as arguments (the child process bundles them), so @savedkeras/testing
 * keeps depending on common + proto only.
 */

/** The parts of tfjs-core the runner uses. */
export interface TfLike {
  tensor(values: unknown, shape?: number[], dtype?: string): TensorLike;
  engine(): { startScope(): void; endScope(): void };
  disposeVariables(): void;
}
interface TensorLike {
  shape: number[];
  dtype: string;
  dataSync(): ArrayLike<unknown>;
  dispose(): void;
}
interface LayersModelLike {
  inputs: { shape: (number | null)[]; dtype: string }[];
  weights: { read(): TensorLike }[];
  predict(x: TensorLike | TensorLike[]): TensorLike | TensorLike[];
  apply(x: TensorLike | TensorLike[], kwargs?: object): unknown;
  dispose(): unknown;
}
interface SignatureLike {
  (inputs: Record<string, TensorLike>): Record<string, TensorLike>;
  inputs: { name: string; tfjsDtype: string; shape: number[] | null }[];
}
interface HandleLike {
  signatures: Record<string, SignatureLike>;
  variables: Map<string, TensorLike>;
  dispose(): void;
}

/** The parts of the `savedkeras` facade the runner uses. */
export interface FacadeLike {
  loadKerasModelWithReport(source: ModelSource, options: object): Promise<{ model: LayersModelLike }>;
  loadSavedModel(source: ModelSource, options: object): Promise<HandleLike>;
  MemorySource: new (files: Map<string, Uint8Array>, description?: string) => ModelSource;
  SavedKerasError: abstract new (...args: never[]) => Error & { code: string; file?: string; node?: string };
}

export type Mode = 'keras' | 'savedmodel';

export interface Outcome {
  /** ok: loaded and ran; typed: a SavedKerasError; untyped: anything else (a bug). */
  kind: 'ok' | 'typed' | 'untyped';
  stage: 'load' | 'run';
  code?: string;
  name?: string;
  message?: string;
  stack?: string;
  /** crc32c of every weight the loaded model holds (ok only): equal weights, equal digest. */
  digest?: number;
  /** The typed error names a file or node (the standard asks every error to say where). */
  located?: boolean;
  /** The run step was skipped (an input would be too large to make). */
  ranSkipped?: boolean;
}

/**
 * Inputs larger than this are not built: a mutated input spec may claim billions of elements, and
 * a real model with 512x512 images takes seconds per call on the cpu backend.
 */
const MAX_INPUT_ELEMENTS = 1 << 16;

function digestOf(tensors: TensorLike[]): number {
  let crc = 0;
  for (const t of tensors) {
    const data = t.dataSync();
    if (ArrayBuffer.isView(data)) {
      const v = data as unknown as ArrayBufferView;
      crc = crc32cExtend(crc, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else {
      crc = crc32cExtend(crc, new TextEncoder().encode(JSON.stringify(Array.from(data, (x) => String(x)))));
    }
  }
  return crc >>> 0;
}

function makeInput(tf: TfLike, shape: number[], dtype: string): TensorLike | undefined {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n) || n > MAX_INPUT_ELEMENTS) return undefined;
  // Empty strings: valid text, and a valid (empty) serialized tf.Example for parsing signatures.
  if (dtype === 'string') return tf.tensor(Array.from({ length: n }, () => ''), shape, 'string');
  if (dtype === 'bool') return tf.tensor(Array.from({ length: n }, (_, i) => i % 2 === 0), shape, 'bool');
  if (dtype === 'int32') return tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 2), shape, 'int32');
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 11 - 0.4), shape, 'float32');
}

/** Loads `files` in `mode`, makes one predict / signature call on a tiny input, and classifies what happened. */
export async function runModel(facade: FacadeLike, tf: TfLike, files: Map<string, Uint8Array>, mode: Mode): Promise<Outcome> {
  const source = new facade.MemorySource(files, 'fuzz');
  let stage: Outcome['stage'] = 'load';
  tf.engine().startScope();
  let dispose: (() => unknown) | undefined;
  try {
    if (mode === 'keras') {
      const { model } = await facade.loadKerasModelWithReport(source, { compile: false, warn: () => {} });
      dispose = () => model.dispose();
      const digest = digestOf(model.weights.map((w) => w.read()));
      stage = 'run';
      const xs = model.inputs.map((inp) =>
        makeInput(tf, inp.shape.map((d, i) => (d === null || d < 0 ? (i === 0 ? 1 : 2) : d)), inp.dtype),
      );
      if (xs.some((x) => x === undefined)) return { kind: 'ok', stage, digest, ranSkipped: true };
      const x = xs.length === 1 ? xs[0]! : (xs as TensorLike[]);
      // tfjs predict() expands rank-1 inputs to [n, 1] (then refuses them) and slices batches with an op
      // that has no string kernel; apply() runs such models as saved.
      const direct = model.inputs.some((i) => i.shape.length < 2 || i.dtype === 'string');
      const out = (direct ? model.apply(x, { training: false }) : model.predict(x)) as TensorLike | TensorLike[];
      for (const o of Array.isArray(out) ? out : [out]) o.dataSync();
      return { kind: 'ok', stage, digest };
    }
    let counter = 1;
    const handle = await facade.loadSavedModel(source, { random: () => ((counter = (counter * 48271) % 2147483647) / 2147483647) });
    dispose = () => handle.dispose();
    const digest = digestOf([...handle.variables.keys()].sort().map((k) => handle.variables.get(k)!));
    stage = 'run';
    const names = Object.keys(handle.signatures);
    const sig = handle.signatures['serving_default'] ?? handle.signatures[names.sort()[0]];
    if (!sig) return { kind: 'ok', stage, digest };
    const inputs: Record<string, TensorLike> = {};
    for (const inp of sig.inputs) {
      const x = makeInput(tf, (inp.shape ?? [1]).map((d, i) => (d < 0 ? (i === 0 ? 1 : 2) : d)), inp.tfjsDtype);
      if (!x) return { kind: 'ok', stage, digest, ranSkipped: true };
      inputs[inp.name] = x;
    }
    const out = sig(inputs);
    for (const t of Object.values(out)) t.dataSync();
    return { kind: 'ok', stage, digest };
  } catch (e) {
    if (e instanceof facade.SavedKerasError) {
      return {
        kind: 'typed',
        stage,
        code: e.code,
        name: e.name,
        message: e.message.slice(0, 500),
        located: e.file !== undefined || e.node !== undefined,
      };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    return { kind: 'untyped', stage, name: err.name, message: err.message.slice(0, 500), stack: err.stack?.slice(0, 3000) };
  } finally {
    try {
      dispose?.();
    } catch {
      // a model that failed half-way may not dispose cleanly; the scope and disposeVariables free the rest
    }
    tf.engine().endScope();
    tf.disposeVariables();
  }
}
