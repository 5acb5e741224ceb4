import type { CorpusModel } from './corpus.js';
import { ModelInfo } from './model-info.js';
import { mutate, type Mutation, type MutationOp } from './mutations.js';
import { Prng } from './prng.js';
import type { Mode, Outcome } from './target.js';

/** A corpus model with the modes its unmutated files load in and the weight digest of each. */
export interface Baseline {
  name: string;
  modes: Mode[];
  digests: Partial<Record<Mode, number>>;
  totalBytes: number;
  /** Why a mode did not load unmutated (such a mode is not fuzzed). */
  skipped: Partial<Record<Mode, string>>;
}

export interface FuzzCase {
  seed: number;
  index: number;
  model: string;
  mode: Mode;
  mutation: Mutation;
}

export type FailureKind = 'crash' | 'hang' | 'untyped' | 'memory' | 'wrong-weights' | 'checksum-bypassed';

export interface CaseResult {
  seed: number;
  index: number;
  model: string;
  mode: Mode;
  op: string;
  description: string;
  outcome?: Outcome;
  failure?: FailureKind;
  /** Process RSS when the case started and the process's peak RSS after it, in bytes. */
  rssBefore: number;
  peakRss: number;
  ms: number;
}

/** Everything a child needs to rebuild any case from (seed, index). */
export class CaseFactory {
  readonly infos: ModelInfo[];

  constructor(
    readonly seed: number,
    readonly models: CorpusModel[],
    readonly baselines: Baseline[],
    readonly ops?: MutationOp[],
  ) {
    this.infos = models.map((m) => new ModelInfo(m));
  }

  /** The models that load unmutated in at least one mode. */
  private usable(): number[] {
    return this.baselines.map((b, i) => (b.modes.length > 0 ? i : -1)).filter((i) => i >= 0);
  }

  make(index: number): FuzzCase {
    const rng = new Prng(this.seed, index);
    const usable = this.usable();
    if (usable.length === 0) throw new Error('no corpus model loads unmutated: nothing to fuzz');
    const k = rng.pick(usable);
    const b = this.baselines[k];
    const mode = rng.pick(b.modes);
    const others = this.models.filter((_, i) => i !== k);
    const op = this.ops ? rng.pick(this.ops) : undefined;
    return { seed: this.seed, index, model: b.name, mode, mutation: mutate(rng, this.infos[k], others, op) };
  }

  baseline(name: string): Baseline {
    return this.baselines.find((b) => b.name === name)!;
  }
}

/** RSS growth a case may cause: 16x the model's total file size + 200 MB. */
function memoryBound(modelBytes: number): number {
  return 16 * modelBytes + 200 * 1024 * 1024;
}

/** The failure an outcome shows, if any (crash and hang are decided by the parent). */
export function judge(c: FuzzCase, outcome: Outcome, baseline: Baseline, rssBefore: number, peakBefore: number, peakAfter: number): FailureKind | undefined {
  if (outcome.kind === 'untyped') return 'untyped';
  if (peakAfter > peakBefore && peakAfter - rssBefore > memoryBound(baseline.totalBytes)) return 'memory';
  // Checkpoint bytes are covered by crc32c: a load that succeeds after they changed must hold the
  // same weights as the unmutated model.
  if (outcome.kind === 'ok' && c.mutation.weightsOnly && outcome.digest !== baseline.digests[c.mode]) return 'wrong-weights';
  // Bytes under a crc32c: either the load never read them (same weights, checked above) or the
  // checksum (or the structure around it) caught the change; any other error means a check was skipped.
  if (outcome.kind === 'typed' && c.mutation.checksummed && outcome.code !== 'CHECKSUM' && outcome.code !== 'FORMAT') return 'checksum-bypassed';
  return undefined;
}
