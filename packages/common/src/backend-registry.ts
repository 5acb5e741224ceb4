import { BackendError } from './errors.js';

/**
 * The part of @tensorflow/tfjs-core backend selection needs. @savedkeras/common does not depend on
 * tfjs: the runtime packages pass their tfjs-core in.
 */
export interface TfCoreLike {
  findBackendFactory(name: string): unknown;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  backend(): unknown;
  tensor2d(values: number[], shape: [number, number]): TensorLike;
  matMul(a: TensorLike, b: TensorLike): TensorLike;
}
interface TensorLike {
  data(): Promise<unknown>;
  dispose(): void;
}

/**
 * One backend a runtime offers. The runtime packages (backend-node, backend-web) only list their
 * candidates; trying them in order, the smoke test and the failure report live here, once.
 */
export interface BackendCandidate {
  name: string;
  /**
   * Imports the backend (registering it with tfjs) and anything it needs; throws with the reason
   * it cannot be used here. Returns what the caller may want to know (wasm SIMD, WebGL float32)
   * after `activate`, via `features`.
   */
  load(context: { explicit: boolean }): Promise<void>;
  /** Read once the backend is active: properties that change results or speed. */
  features?(): Promise<Record<string, boolean>>;
  /** Run once the backend is active and passed its smoke test (e.g. undo a library's process hooks). */
  afterActivate?(): void;
  /** Run when the attempt to start it ends, whether it worked or not (undo what `load` patched for the start). */
  afterStart?(): void;
  /** The reason it failed, with what the runtime knows besides tfjs' message (the wasm binary's URL and status). */
  describeFailure?(message: string): string;
}

export interface BackendAttempt {
  name: string;
  ok: boolean;
  /** Why it could not be used. */
  error?: string;
  /** true when it was not tried again because it failed earlier in this process / page. */
  remembered?: boolean;
  /** Time to import, initialise and run a 2x2 matMul, in milliseconds. */
  ms: number;
}

export interface BackendChoice<Name extends string = string> {
  name: Name;
  tried: BackendAttempt[];
  /** What the chosen backend offers that changes results or speed. */
  features?: Record<string, boolean>;
}

export interface SelectFromOptions {
  /** Give up on one backend after this long (a GPU driver can hang initialisation). */
  timeoutMs?: number;
  /** Failures remembered between calls (a hanging WebGPU start is not paid for twice). */
  remember?: Map<string, string>;
  /** The hint of the BackendError when nothing works and nothing was asked for. */
  noneWorkedHint: string;
  /** The hint when an explicitly asked-for backend failed. */
  preferredFailedHint: string;
}

/**
 * Tries `candidates` in order (or only `preferred`: one name tries only that one, so an explicit
 * choice is never silently replaced; a list tries those in its order). Each must load, become
 * tfjs' active backend AND compute a small matMul correctly. When none does, BackendError lists why
 * each one failed.
 */
export async function selectBackendFrom<Name extends string>(
  tf: TfCoreLike,
  candidates: readonly BackendCandidate[],
  preferred: string | readonly string[] | undefined,
  options: SelectFromOptions,
): Promise<BackendChoice<Name>> {
  const known = candidates.map((c) => c.name);
  const names = preferred === undefined ? known : typeof preferred === 'string' ? [preferred] : [...preferred];
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const earlier = options.remember?.get(name);
    if (earlier !== undefined) {
      tried.push({ name, ok: false, error: earlier, remembered: true, ms: 0 });
      continue;
    }
    const t0 = now();
    try {
      const candidate = candidates.find((c) => c.name === name);
      if (!candidate) throw new Error(`unknown backend ${JSON.stringify(name)} (known: ${known.join(', ')})`);
      const attempt = (async () => {
        try {
          await candidate.load({ explicit: typeof preferred === 'string' });
          await activateBackend(tf, name);
        } finally {
          candidate.afterStart?.();
        }
        candidate.afterActivate?.();
        return candidate.features ? await candidate.features() : undefined;
      })();
      const features = options.timeoutMs === undefined ? await attempt : await withTimeout(attempt, options.timeoutMs);
      tried.push({ name, ok: true, ms: now() - t0 });
      return { name: name as Name, tried, ...(features ? { features } : {}) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const error = candidates.find((c) => c.name === name)?.describeFailure?.(message) ?? message;
      // Unknown names are the caller's typo, not a property of this runtime: not remembered.
      if (known.includes(name)) options.remember?.set(name, error);
      tried.push({ name, ok: false, error, ms: now() - t0 });
    }
  }
  const unknown = names.filter((n) => !known.includes(n));
  throw new BackendError(`no usable TensorFlow.js backend: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`, {
    hint: unknown.length > 0 ? `known backends are ${known.join(', ')}` : preferred !== undefined ? options.preferredFailedHint : options.noneWorkedHint,
  });
}

/** tf.setBackend, keeping the reason when initialisation fails (tfjs only console.warns it), then the smoke matMul. */
async function activateBackend(tf: TfCoreLike, name: string): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(`backend ${name} did not register (this runtime lacks what it needs, or installed tfjs-core versions differ)`);
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
  if (name === 'cpu') (tf.backend() as { firstUse?: boolean }).firstUse = false;
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const p = tf.matMul(a, a);
  let v: number[];
  try {
    v = Array.from((await p.data()) as ArrayLike<number>);
  } finally {
    a.dispose();
    p.dispose();
  }
  if (v.length !== 4 || v[0] !== 7 || v[1] !== 10 || v[2] !== 15 || v[3] !== 22) {
    throw new Error(`matMul smoke test computed ${v.join(',')}, expected 7,10,15,22`);
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
