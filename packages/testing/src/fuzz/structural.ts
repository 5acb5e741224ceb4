import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { Limits, ModelSource } from '@savedkeras/common';
import { DataType } from '@savedkeras/proto';
import { EXAMPLES, referencePredict, writeKerasSavedModel, type ModelSpec } from '@savedkeras/savedmodel-writer';
import * as g from '../hostile/graph-grammar.js';
import { denseUnits, editKerasJson, prefixAmplifiedIndex, relabelDtype, renameClass } from '../hostile/keras-hostile.js';
import { h5Edit } from '../hostile/h5-grammar.js';
import { writeModuleSavedModel } from '../hostile/module-writer.js';
import { Prng } from './prng.js';

/**
 * The structural fuzzer: random draws over the grammar of valid-but-hostile saved functions
 * (nested loops, call fan-outs, deep call chains, huge computed shapes, string splats) and the
 * structurally valid Keras edits (checkpoint dtype lies, huge Dense units, class names that are
 * Object.prototype members, prefix-amplified indexes, deep JSON). Mutating bytes never makes these
 * (CRCs and references stay right), so each reaches the loader's work and memory bounds.
 *
 * A case passes when it ends in a SavedKerasError or in the right answer (a hand formula for
 * graphs, an independent float64 reference for Keras models), frees every tensor it made, and
 * stays within the time and memory bounds the driver checks. Replayable from (seed, index).
 */

type StructuralExpect =
  /** Must end in a SavedKerasError (a value would be a lie or a missed bound). */
  | { kind: 'error' }
  /** y for x = [1, 2, 3], or a LIMIT (sizes near a limit may be refused). */
  | { kind: 'value'; y: number[] }
  /** The edited Keras model: a SavedKerasError, or predictions equal to the unedited model's reference. */
  | { kind: 'error-or-reference' }
  /** A SavedKerasError or any answer (an .h5 edit that moves data addresses: HDF5 checksums no data, h5py would read other numbers too). */
  | { kind: 'error-or-any' };

export interface StructuralCase {
  seed: number;
  index: number;
  what: string;
  mode: 'signature' | 'keras' | 'keras-file';
  files: Map<string, Uint8Array>;
  /** mode keras-file: the edit of config.json (and the zip) made to the writer's .keras of the same mlp. */
  kerasFile?: KerasFileEdit;
  expect: StructuralExpect;
}

type Json = Record<string, unknown>;
interface KerasFileEdit {
  config(c: Json): void;
  dropWeights?: boolean;
  /**
   * An edit of model.weights.h5 chosen from the writer's file (its layout decides what can be
   * edited): resolved by prepareStructuralCase, which also sets the case's `what` and `expect`.
   */
  h5?: (weights: Uint8Array) => { what: string; apply(bytes: Uint8Array): Uint8Array; sameAnswerOrError: boolean };
  h5Apply?: (bytes: Uint8Array) => Uint8Array;
}

const KERAS_SPEC = (): ModelSpec => EXAMPLES['mlp']!.spec();
/** The input every Keras case predicts on (2 rows of the mlp's 4 features). */
const KERAS_INPUT = [0.5, -1, 2, 0.25, 1.5, -0.5, 3, 1];

/** Sizes on both sides of each limit, so cases that must compute and cases that must stop both come up. */
function graphCore(r: Prng): g.Part {
  switch (r.int(8)) {
    case 0: {
      const depth = r.range(1, 3);
      return g.nestedWhile(depth, r.pick(depth === 1 ? [3, 1000, 2_000_000] : [3, 30, 1_000_000]));
    }
    case 1:
      return g.callFanOut(r.pick([1, 3, 6, 12, 25, 40, 45]), r.float() < 0.5);
    case 2:
      return g.outerProduct(r.pick([4, 64, 1024, 16384, 65536]));
    case 3:
      return g.broadcast(r.pick([4, 64, 1024, 16384, 65536]));
    case 4:
      return g.einsum(r.pick([4, 64, 1024, 16384, 65536]));
    case 5:
      return g.concatDoubling(r.pick([1, 4, 12, 30, 40]), r.pick([1, 3, 1024]));
    case 6:
      return g.stringSplat(r.pick([1, 7, 1000, 2 ** 20, 2 ** 28]));
    default:
      // A chain well inside or well past maxCallDepth (64): never at the edge, where the count of wrappers matters.
      return g.deepCalls(r.pick([1, 10, 40, 80, 500]));
  }
}

function graphCase(r: Prng): { what: string; files: Map<string, Uint8Array>; expect: StructuralExpect } {
  let part = graphCore(r);
  for (let n = r.pick([0, 0, 1, 2, 3]); n > 0; n--) part = g.wrap(part, r.pick(['call', 'if', 'while'] as const));
  const files = writeModuleSavedModel(g.moduleOf(part));
  return { what: part.what, files, expect: part.expect === 'limit' ? { kind: 'error' } : { kind: 'value', y: part.expect.y } };
}

/** Nests `v` in `depth` lists. */
function deepList(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function kerasCase(r: Prng): { what: string; files: Map<string, Uint8Array>; expect: StructuralExpect } {
  const base = writeKerasSavedModel(KERAS_SPEC());
  switch (r.int(6)) {
    case 0: {
      const key = r.pick(['kernel', 'bias']);
      const [name, dt] = r.pick([['int32', DataType.INT32], ['float64', DataType.DOUBLE], ['float16', DataType.HALF], ['int64', DataType.INT64], ['bool', DataType.BOOL], ['string', DataType.STRING]] as const);
      return { what: `checkpoint ${key} relabelled ${name}`, files: relabelDtype(base, key, dt), expect: { kind: 'error' } };
    }
    case 1: {
      const units = r.pick([0, -1, 3, 100_000, 12_500_000, 100_000_000, 2 ** 31]);
      return { what: `Dense units ${units}`, files: denseUnits(base, units), expect: { kind: 'error-or-reference' } };
    }
    case 2: {
      const name = r.pick(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'UnknownDense', 'Sequential', 'InputLayer']);
      return { what: `Dense renamed ${name}`, files: renameClass(base, 'Dense', name), expect: { kind: 'error-or-reference' } };
    }
    case 3: {
      const keys = r.pick([100, 10_000, 120_000]);
      const files = new Map(base);
      files.set('variables/variables.index', prefixAmplifiedIndex(keys));
      return { what: `variables.index of ${keys} prefix-amplified keys`, files, expect: { kind: 'error' } };
    }
    case 4: {
      // Past the parser's maxNestingDepth (100), but shallow enough for JSON.stringify to write it here.
      const depth = r.pick([10, 90, 150, 1500]);
      const files = editKerasJson(base, (json) => {
        json['savedkeras_fuzz_deep'] = deepList(depth);
        return true;
      });
      return { what: `Keras metadata JSON nested ${depth} deep`, files, expect: { kind: 'error-or-reference' } };
    }
    default: {
      // Both: a class name lie on a model whose checkpoint also lies.
      const files = relabelDtype(renameClass(base, 'Dense', r.pick(['constructor', 'UnknownDense'])), 'kernel', DataType.INT32);
      return { what: 'renamed class and relabelled kernel', files, expect: { kind: 'error' } };
    }
  }
}

const kLayers = (c: Json) => (c['config'] as { layers: Json[] }).layers;
const kLayer = (className: string, config: Json): Json => ({ module: 'keras.layers', class_name: className, config: { trainable: true, dtype: 'float32', ...config }, registered_name: null });
const denseEntries = (c: Json) => kLayers(c).filter((l) => l['class_name'] === 'Dense');

/**
 * Edits of a Keras 3 `.keras` file's config.json that stay valid JSON in a valid zip: what the
 * config alone sizes (weights tfjs makes while building, layer outputs), networks nested deep,
 * config keys that are Object.prototype members, class names, code layers, a missing weights file.
 */
function kerasFileCase(r: Prng): { what: string; kerasFile: KerasFileEdit; expect: StructuralExpect } {
  const any = { kind: 'error-or-reference' } as const;
  const error = { kind: 'error' } as const;
  switch (r.int(11)) {
    case 0: {
      const units = r.pick([0, 3, 1_000_000, 100_000_000, 2 ** 31 - 1]);
      const which = r.int(2);
      return { what: `.keras Dense units ${units}`, kerasFile: { config: (c) => { ((denseEntries(c)[which] ?? denseEntries(c)[0]!)['config'] as Json)['units'] = units; } }, expect: any };
    }
    case 1: {
      const n = r.pick([1_000_000, 1_000_000_000, 2 ** 40]);
      return { what: `.keras input of ${n} features`, kerasFile: { config: (c) => { (kLayers(c)[0]!['config'] as Json)['batch_shape'] = [null, n]; } }, expect: error };
    }
    case 2: {
      const n = r.pick([1, 100_000_000, 2 ** 31 - 1]);
      return { what: `.keras RepeatVector n ${n} appended`, kerasFile: { config: (c) => { kLayers(c).push(kLayer('RepeatVector', { name: 'fuzz_repeat', n })); } }, expect: n === 1 ? any : error };
    }
    case 3: {
      const target = r.pick([[1_000_000_000, 3], [100_000, 100_000], [7]]);
      return { what: `.keras Reshape to [${target.join(', ')}] appended`, kerasFile: { config: (c) => { kLayers(c).push(kLayer('Reshape', { name: 'fuzz_reshape', target_shape: target })); } }, expect: error };
    }
    case 4: {
      const dim = r.pick([10_000_000, 1_000_000_000]);
      return { what: `.keras Embedding input_dim ${dim} inserted`, kerasFile: { config: (c) => { kLayers(c).splice(1, 0, kLayer('Embedding', { name: 'fuzz_embedding', input_dim: dim, output_dim: 4 })); } }, expect: error };
    }
    case 5: {
      const k = r.pick([3, 50, 400]);
      const dense = (i: number) => kLayer('Dense', { name: `fuzz_dense_${i}`, units: 1000, activation: 'linear', use_bias: true });
      return { what: `.keras ${k} Dense(1000) layers inserted`, kerasFile: { config: (c) => { kLayers(c).splice(1, 0, ...Array.from({ length: k }, (_, i) => dense(i))); } }, expect: error };
    }
    case 6: {
      const key = r.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
      const lie = { units: 1000, activation: 'softmax', use_bias: false, batch_input_shape: [null, 9], layers: [] };
      const put = (o: Json) => Object.defineProperty(o, key, { value: lie, enumerable: true, writable: true, configurable: true });
      return {
        what: `.keras config keys ${key} everywhere`,
        kerasFile: { config: (c) => { put(c); put(c['config'] as Json); for (const l of kLayers(c)) { put(l); put(l['config'] as Json); } } },
        expect: any,
      };
    }
    case 7: {
      const name = r.pick(['constructor', 'toString', '__proto__', 'valueOf', 'Lambda', 'Sequential', 'Functional', 'InputLayer']);
      return { what: `.keras Dense renamed ${name}`, kerasFile: { config: (c) => { (denseEntries(c)[0]!['class_name'] = name); } }, expect: any };
    }
    case 8:
      return { what: '.keras without model.weights.h5', kerasFile: { config: () => {}, dropWeights: true }, expect: error };
    case 9: {
      // Networks nested inside networks, each a Sequential holding the next (past the 64 the builder allows at 70, 500).
      const depth = r.pick([1, 10, 70, 500]);
      return {
        what: `.keras layers nested in ${depth} Sequentials`,
        kerasFile: {
          config: (c) => {
            const [input, ...rest] = kLayers(c);
            let inner: Json[] = rest;
            for (let i = 0; i < depth; i++) inner = [{ module: 'keras', class_name: 'Sequential', config: { name: `fuzz_nest_${i}`, trainable: true, layers: inner }, registered_name: null }];
            (c['config'] as Json)['layers'] = [input, ...inner];
          },
        },
        expect: any,
      };
    }
    default: {
      // Deeper lists overflow the generator's own JSON.stringify in the child (the loader itself takes 20,000 levels: measured via the CLI).
      const depth = r.pick([10, 150, 1500]);
      return { what: `.keras config.json nested ${depth} deep`, kerasFile: { config: (c) => { (c['savedkeras_fuzz_deep'] = deepList(depth)); } }, expect: any };
    }
  }
}

/** Case `index` of `seed`: the same on every machine. */
export function structuralCase(seed: number, index: number): StructuralCase {
  const r = new Prng(seed, index, 0x5712);
  const keras = r.float() < 0.35;
  const c = keras ? kerasCase(r) : graphCase(r);
  // A third draw (so that the cases of seeds run before keep their meaning): a share of the Keras
  // cases become .keras-file cases.
  if (keras && new Prng(seed, index, 0x4b46).float() < 0.5) {
    // A fourth draw: a share of the .keras-file cases edit model.weights.h5 instead of config.json.
    if (new Prng(seed, index, 0x4835).float() < 0.4) {
      const h5 = (weights: Uint8Array) => h5Edit(new Prng(seed, index, 0x4836), weights);
      return { seed, index, mode: 'keras-file', files: new Map(), what: '.h5 (edit chosen from the writer’s file)', kerasFile: { config: () => {}, h5 }, expect: { kind: 'error-or-any' } };
    }
    const k = kerasFileCase(new Prng(seed, index, 0x4b47));
    return { seed, index, mode: 'keras-file', files: new Map(), ...k };
  }
  return { seed, index, mode: keras ? 'keras' : 'signature', ...c };
}

/** config.json of `zip` edited by `edit`, entries stored as Keras writes them. */
function editKerasZip(zip: Uint8Array, edit: KerasFileEdit): Uint8Array {
  const files = unzipSync(zip);
  const config = JSON.parse(strFromU8(files['config.json']!)) as Json;
  edit.config(config);
  files['config.json'] = strToU8(JSON.stringify(config));
  if (edit.dropWeights) delete files['model.weights.h5'];
  if (edit.h5Apply) files['model.weights.h5'] = edit.h5Apply(files['model.weights.h5']!);
  return zipSync(files, { level: 0 });
}

/** Resolves a case's .h5 edit against the writer's file (sets its `what` and `expect`); other cases are left as they are. */
export async function prepareStructuralCase(facade: StructuralFacade, c: StructuralCase): Promise<StructuralCase> {
  const edit = c.kerasFile?.h5;
  if (!edit || c.kerasFile?.h5Apply) return c;
  const weights = unzipSync(await baseKerasFile(facade))['model.weights.h5']!;
  const e = edit(weights);
  c.what = e.what;
  c.expect = e.sameAnswerOrError ? { kind: 'error-or-reference' } : { kind: 'error-or-any' };
  c.kerasFile!.h5Apply = (b) => e.apply(b);
  return c;
}

/** The writer's .keras of the mlp (saved once per process from the SavedModel of the same spec). */
let kerasFileBase: Promise<Uint8Array> | undefined;
function baseKerasFile(facade: StructuralFacade): Promise<Uint8Array> {
  kerasFileBase ??= (async () => {
    const model = await facade.loadKerasModel(new facade.MemorySource(writeKerasSavedModel(KERAS_SPEC()), 'mlp'), { compile: false, warn: () => {} });
    try {
      return await facade.encodeKerasFile(model as never, { warn: () => {} });
    } finally {
      model.dispose();
    }
  })();
  return kerasFileBase;
}

// ---------------------------------------------------------------------------------------------
// Running a case through the facade (injected: @savedkeras/testing cannot depend on `savedkeras`).

interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
export interface StructuralTf {
  tensor1d(values: number[]): TensorLike;
  tensor2d(values: number[], shape: [number, number]): TensorLike;
  memory(): { numTensors: number };
}
export interface StructuralFacade {
  loadSavedModel(source: ModelSource, options: object): Promise<{ signatures: Record<string, (x: Record<string, TensorLike>, o?: object) => Record<string, TensorLike>>; dispose(): void }>;
  loadKerasModel(source: ModelSource, options: object): Promise<{ predict(x: TensorLike): TensorLike | TensorLike[]; dispose(): unknown }>;
  loadKerasFile(bytes: Uint8Array, options: object): Promise<{ model: { predict(x: TensorLike): TensorLike | TensorLike[]; dispose(): unknown } }>;
  encodeKerasFile(model: never, options: object): Promise<Uint8Array>;
  MemorySource: new (files: Map<string, Uint8Array>, description?: string) => ModelSource;
  SavedKerasError: abstract new (...args: never[]) => Error & { code: string };
}

export interface StructuralOutcome {
  /** ok: ran and answered; typed: a SavedKerasError; untyped: anything else. */
  kind: 'ok' | 'typed' | 'untyped';
  code?: string;
  message?: string;
  stack?: string;
  y?: number[];
  ms: number;
  /** Tensors alive after the case minus before (must be 0). */
  leaked: number;
}

export interface StructuralRunOptions {
  limits?: Partial<Limits>;
  /** Wall-clock guard for each call (the loader's timeoutMs). */
  timeoutMs?: number;
}

export async function runStructuralCase(facade: StructuralFacade, tf: StructuralTf, c: StructuralCase, o: StructuralRunOptions = {}): Promise<StructuralOutcome> {
  // Made before counting: the base file's model is loaded and freed once per process.
  await prepareStructuralCase(facade, c);
  const kerasBytes = c.kerasFile ? editKerasZip(await baseKerasFile(facade), c.kerasFile) : undefined;
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const source = new facade.MemorySource(c.files, `structural case ${c.seed}/${c.index}`);
  let y: number[] | undefined;
  let error: unknown;
  try {
    if (c.mode === 'signature') {
      const m = await facade.loadSavedModel(source, { limits: o.limits, timeoutMs: o.timeoutMs });
      const x = tf.tensor1d([1, 2, 3]);
      try {
        const out = m.signatures['serving_default']!({ x });
        y = Array.from(out['y']!.dataSync());
        for (const t of Object.values(out)) t.dispose();
      } finally {
        x.dispose();
        m.dispose();
      }
    } else {
      const model = kerasBytes
        ? (await facade.loadKerasFile(kerasBytes, { compile: false, limits: o.limits, warn: () => {}, fileName: `structural-${c.seed}-${c.index}.keras` })).model
        : await facade.loadKerasModel(source, { compile: false, limits: o.limits, warn: () => {} });
      const x = tf.tensor2d(KERAS_INPUT, [2, 4]);
      try {
        const out = model.predict(x);
        const first = Array.isArray(out) ? out[0]! : out;
        y = Array.from(first.dataSync());
        for (const t of Array.isArray(out) ? out : [out]) t.dispose();
      } finally {
        x.dispose();
        model.dispose();
      }
    }
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const leaked = tf.memory().numTensors - before;
  if (error === undefined) return { kind: 'ok', y, ms, leaked };
  const err = error as Error & { code?: string };
  const typed = err instanceof facade.SavedKerasError;
  return { kind: typed ? 'typed' : 'untyped', code: typed ? err.code : undefined, message: String(err?.message ?? err), stack: err?.stack, ms, leaked };
}

/** The independent float64 reference of the unedited Keras model on KERAS_INPUT. */
function kerasReference(): number[] {
  return Array.from(Object.values(referencePredict(KERAS_SPEC(), [KERAS_INPUT]))[0]!.values);
}

/** Why a case failed, or undefined when it passed. */
export function judgeStructural(c: StructuralCase, out: StructuralOutcome): string | undefined {
  if (out.kind === 'untyped') return `untyped error: ${out.message?.split('\n')[0]}`;
  if (out.leaked !== 0) return `${out.leaked} tensors left alive`;
  if (out.kind === 'typed') {
    if (c.expect.kind === 'value' && out.code !== 'LIMIT') return `expected y=${JSON.stringify(c.expect.y)} or LIMIT, got ${out.code}: ${out.message?.split('\n')[0]}`;
    return undefined;
  }
  const y = out.y ?? [];
  switch (c.expect.kind) {
    case 'error':
      return `expected a SavedKerasError, got a value ${JSON.stringify(y.slice(0, 6))}`;
    case 'value': {
      const want = c.expect.y;
      const ok = y.length === want.length && y.every((v, i) => Math.abs(v - want[i]!) <= 1e-6 * (1 + Math.abs(want[i]!)));
      return ok ? undefined : `wrong value: got ${JSON.stringify(y.slice(0, 6))}, want ${JSON.stringify(want)}`;
    }
    case 'error-or-any':
      return undefined;
    case 'error-or-reference': {
      const want = kerasReference();
      const ok = y.length === want.length && y.every((v, i) => Math.abs(v - want[i]!) <= 1e-4);
      return ok ? undefined : `wrong predictions: got ${JSON.stringify(y.slice(0, 6))}, want ${JSON.stringify(want.slice(0, 6))}`;
    }
  }
}

/** A following real load and predict in the same process gives the reference answer (undefined), or what went wrong. */
export async function healthCheck(facade: StructuralFacade, tf: StructuralTf): Promise<string | undefined> {
  const c: StructuralCase = { seed: 0, index: -1, what: 'health', mode: 'keras', files: writeKerasSavedModel(KERAS_SPEC()), expect: { kind: 'error-or-reference' } };
  const out = await runStructuralCase(facade, tf, c);
  if (out.kind !== 'ok') return `the healthy model failed to load or run: ${out.message}`;
  return judgeStructural(c, out);
}
