import { fork, type ChildProcess } from 'node:child_process';
import type { Limits } from '@savedkeras/common';
import type { StructuralChildMessage, StructuralParentMessage } from './structural-child.js';
import { watchCpu } from './watchdog.js';

export interface StructuralRunOptions {
  childFile: string;
  seed: number;
  count: number;
  /** First case index (to replay one case: first = I, count = 1). */
  first?: number;
  /**
   * A case that has not answered after this much CPU time of the child (or ten times it in wall
   * time) is a hang: the child is killed and replaced. Counted from the case's start, after the
   * child's start-up, so a loaded machine does not turn slow cases into hangs.
   */
  caseTimeoutMs?: number;
  /** The child's peak RSS may not pass this (default 2 GiB). */
  maxRssBytes?: number;
  limits?: Partial<Limits>;
  onResult?: (r: StructuralResult) => void;
}

interface StructuralResult {
  index: number;
  what: string;
  mode: string;
  /** ok / a SavedKerasError code / untyped / hang / crash. */
  outcome: string;
  ms: number;
  peakRss: number;
  failure?: string;
}

export interface StructuralSummary {
  seed: number;
  results: StructuralResult[];
  failures: StructuralResult[];
  outcomes: Record<string, number>;
  /** The health check after the last case (undefined: healthy). */
  health?: string;
  peakRss: number;
  ms: number;
}

/**
 * Runs structural cases in one child process at a time (bundled by bundleFuzzChild('structural')):
 * a hang (no answer within caseTimeoutMs) or a crash (the child exits) fails the case and a new
 * child takes the next; a child whose peak RSS passes maxRssBytes fails the case that did it.
 */
export async function runStructuralFuzz(o: StructuralRunOptions): Promise<StructuralSummary> {
  const t0 = performance.now();
  const maxRss = o.maxRssBytes ?? 2 * 2 ** 30;
  const timeout = o.caseTimeoutMs ?? 20_000;
  const results: StructuralResult[] = [];
  let proc: ChildProcess | null = null;
  let peak = 0;
  const spawn = () => {
    // The heap may grow past the RSS bound: the bound is checked from outside, not by V8 aborting.
    const p = fork(o.childFile, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--enable-source-maps', '--max-old-space-size=4096'] });
    return p;
  };
  type Answer<T extends StructuralChildMessage['type']> =
    | Extract<StructuralChildMessage, { type: T }>
    | { type: 'hang'; why: string }
    | { type: 'crash'; code: number | null; signal: string | null };
  /** Sends `msg` (if any) and waits for a `want` message within `ms` of the child's CPU time. */
  const ask = <T extends StructuralChildMessage['type']>(p: ChildProcess, msg: StructuralParentMessage | undefined, want: T, ms: number) =>
    new Promise<Answer<T>>((resolve) => {
      const onMessage = (m: StructuralChildMessage) => {
        if (m.type !== want) return;
        done();
        resolve(m as Extract<StructuralChildMessage, { type: T }>);
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        resolve({ type: 'crash', code, signal });
      };
      const stop = watchCpu(p.pid, ms, (why) => {
        done();
        p.kill('SIGKILL');
        resolve({ type: 'hang', why });
      });
      const done = () => {
        stop();
        p.off('message', onMessage);
        p.off('exit', onExit);
      };
      p.on('message', onMessage);
      p.on('exit', onExit);
      if (msg) p.send(msg);
    });
  /** A child that has finished starting up (its start-up is not charged to the first case). */
  const ready = async (): Promise<ChildProcess> => {
    const p = spawn();
    const r = await ask(p, undefined, 'ready', Math.max(120_000, 6 * timeout));
    if (r.type !== 'ready') throw new Error(`fuzz child did not start: ${r.type === 'hang' ? r.why : `exit code ${r.code}, signal ${r.signal}`}`);
    return p;
  };

  const first = o.first ?? 0;
  for (let index = first; index < first + o.count; index++) {
    proc ??= await ready();
    const t = performance.now();
    const r = await ask(proc, { type: 'case', seed: o.seed, index, limits: o.limits }, 'done', timeout);
    let result: StructuralResult;
    if (r.type === 'done') {
      peak = Math.max(peak, r.peakRss);
      const outcome = r.outcome.kind === 'ok' ? 'ok' : r.outcome.kind === 'typed' ? r.outcome.code! : 'untyped';
      const failure = r.failure ?? (r.peakRss > maxRss ? `peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB > ${(maxRss / 2 ** 20).toFixed(0)} MiB` : undefined);
      result = { index, what: r.what, mode: r.mode, outcome, ms: r.outcome.ms, peakRss: r.peakRss, failure };
      if (r.peakRss > maxRss) {
        // Peak RSS only grows: the next cases get a fresh process.
        proc.kill('SIGKILL');
        proc = null;
      }
    } else {
      proc = null;
      const what = r.type === 'hang' ? r.why : `the process exited (code ${r.code}, signal ${r.signal})`;
      result = { index, what: '(see replay)', mode: '?', outcome: r.type, ms: performance.now() - t, peakRss: 0, failure: what };
    }
    results.push(result);
    o.onResult?.(result);
  }
  proc ??= await ready();
  const h = await ask(proc, { type: 'health' }, 'health', 60_000);
  const health = h.type === 'health' ? h.failure : `health check: ${h.type === 'hang' ? h.why : 'crash'}`;
  if (h.type === 'health') peak = Math.max(peak, h.peakRss);
  proc.send({ type: 'exit' } satisfies StructuralParentMessage);
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return { seed: o.seed, results, failures: results.filter((r) => r.failure), outcomes, health, peakRss: peak, ms: performance.now() - t0 };
}

export function formatStructuralSummary(s: StructuralSummary): string {
  const slowest = [...s.results].sort((a, b) => b.ms - a.ms)[0];
  return [
    `structural fuzz: seed ${s.seed}, ${s.results.length} cases in ${(s.ms / 1000).toFixed(1)} s, ${s.failures.length} failed`,
    `  outcomes: ${Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  peak RSS ${(s.peakRss / 2 ** 20).toFixed(0)} MiB; slowest case ${slowest ? `${slowest.index} (${slowest.what}) ${slowest.ms.toFixed(0)} ms` : '-'}`,
    `  health afterwards: ${s.health ?? 'a real load and predict gave the reference answer'}`,
  ].join('\n');
}
