import { fork, type ChildProcess } from 'node:child_process';
import type { CorpusModel } from './corpus.js';
import type { Baseline, CaseResult, FailureKind } from './cases.js';
import type { ChildMessage, ParentMessage } from './child.js';
import type { MutationOp } from './mutations.js';
import { watchCpu } from './watchdog.js';

/**
 * Runs fuzz cases in child processes. Each child runs one case at a time; a case that does not
 * finish within `timeoutMs` of the child's CPU time (or 10x that wall time; see watchCpu) is a hang (the child is killed and replaced), a child that exits in the
 * middle of a case is a crash. Cases are numbered from `firstIndex`; a case is (seed, index).
 */
export interface FuzzRunOptions {
  childFile: string;
  corpus: CorpusModel[];
  seed: number;
  /** Run exactly these many cases ... */
  cases?: number;
  /** ... or as many as fit in this many seconds. */
  seconds?: number;
  firstIndex?: number;
  workers?: number;
  timeoutMs?: number;
  ops?: MutationOp[];
  /** V8 heap limit of each child, in MB (typed arrays are outside it; RSS is checked per case). */
  maxOldSpaceMb?: number;
  onResult?: (r: CaseResult) => void;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  elapsedMs: number;
  /** 'ok', or the SavedKerasError code, or 'untyped:<Error name>'. */
  outcomes: Record<string, number>;
  byOp: Record<string, number>;
  failures: CaseResult[];
  counts: Record<FailureKind, number>;
  /** Typed errors that name neither a file nor a node (and a few of their messages). */
  unlocated: number;
  unlocatedSamples: string[];
  peakRss: number;
  slowest: { index: number; ms: number; model: string; op: string } | undefined;
  baselines: Baseline[];
}

interface Slot {
  proc: ChildProcess;
  current?: { index: number; start?: Extract<ChildMessage, { type: 'start' }>; stop?: () => void };
  stderr: string;
}

export async function runFuzz(o: FuzzRunOptions): Promise<FuzzSummary> {
  const workers = o.workers ?? 2;
  const timeoutMs = o.timeoutMs ?? 20_000;
  const first = o.firstIndex ?? 0;
  const deadline = o.seconds !== undefined ? Date.now() + o.seconds * 1000 : Infinity;
  const end = o.cases !== undefined ? first + o.cases : Infinity;
  const corpus = o.corpus.map((m) => ({ name: m.name, files: [...m.files] as [string, Uint8Array][] }));
  const summary: FuzzSummary = {
    seed: o.seed,
    cases: 0,
    elapsedMs: 0,
    outcomes: {},
    byOp: {},
    failures: [],
    counts: { crash: 0, hang: 0, untyped: 0, memory: 0, 'wrong-weights': 0, 'checksum-bypassed': 0 },
    unlocated: 0,
    unlocatedSamples: [],
    peakRss: 0,
    slowest: undefined,
    baselines: [],
  };
  const t0 = Date.now();
  let next = first;
  let baselines: Baseline[] | undefined;
  let fatal: Error | undefined;

  const record = (r: CaseResult) => {
    summary.cases++;
    const key = r.failure === 'crash' || r.failure === 'hang' ? r.failure : r.outcome!.kind === 'ok' ? 'ok' : r.outcome!.kind === 'typed' ? r.outcome!.code! : `untyped:${r.outcome!.name}`;
    summary.outcomes[key] = (summary.outcomes[key] ?? 0) + 1;
    summary.byOp[r.op] = (summary.byOp[r.op] ?? 0) + 1;
    if (r.outcome?.kind === 'typed' && !r.outcome.located) {
      summary.unlocated++;
      const m = `${r.outcome.code}: ${r.outcome.message?.split('\n')[0]?.slice(0, 120)}`;
      if (summary.unlocatedSamples.length < 5 && !summary.unlocatedSamples.includes(m)) summary.unlocatedSamples.push(m);
    }
    summary.peakRss = Math.max(summary.peakRss, r.peakRss);
    if (!summary.slowest || r.ms > summary.slowest.ms) summary.slowest = { index: r.index, ms: r.ms, model: r.model, op: r.op };
    if (r.failure) {
      summary.counts[r.failure]++;
      summary.failures.push(r);
    }
    o.onResult?.(r);
  };

  await new Promise<void>((resolveAll) => {
    let live = 0;
    const finish = () => {
      if (--live === 0) resolveAll();
    };

    const spawn = (): void => {
      live++;
      const proc = fork(o.childFile, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: ['--enable-source-maps', `--max-old-space-size=${o.maxOldSpaceMb ?? 4096}`],
      });
      const slot: Slot & { ready?: boolean } = { proc, stderr: '' };
      proc.stderr!.on('data', (d: Buffer) => {
        slot.stderr = (slot.stderr + d.toString()).slice(-4000);
      });
      const sendNext = () => {
        if (fatal || next >= end || Date.now() >= deadline) {
          slot.current = undefined;
          proc.send({ type: 'exit' } satisfies ParentMessage);
          return;
        }
        const index = next++;
        slot.current = { index };
        slot.current.stop = watchCpu(proc.pid, timeoutMs, (why) => {
          const cur = slot.current;
          if (!cur || cur.index !== index) return;
          (slot as { hung?: string }).hung = why;
          proc.kill('SIGKILL'); // the exit handler records the hang and starts a new child
        });
        proc.send({ type: 'case', index } satisfies ParentMessage);
      };
      proc.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') {
          slot.ready = true;
          baselines ??= m.baselines;
          sendNext();
        } else if (m.type === 'start') {
          if (slot.current) slot.current.start = m;
        } else if (m.type === 'done') {
          slot.current?.stop?.();
          record(m.result);
          sendNext();
        } else if (m.type === 'error') {
          fatal = new Error(`fuzz child failed outside a case: ${m.message}`);
          proc.kill('SIGKILL');
        }
      });
      proc.on('exit', (code, signal) => {
        if (!slot.ready && code !== 0) fatal ??= new Error(`fuzz child died while loading the corpus (code ${code}, signal ${signal}): ${slot.stderr}`);
        const cur = slot.current;
        if (cur) {
          cur.stop?.();
          const hungWhy = (slot as { hung?: string }).hung;
          const hung = hungWhy !== undefined;
          const s = cur.start;
          record({
            seed: o.seed,
            index: cur.index,
            model: s?.model ?? '?',
            mode: s?.mode ?? 'keras',
            op: s?.op ?? '?',
            description: s?.description ?? '(the child died before describing the case)',
            failure: hung ? 'hang' : 'crash',
            outcome: {
              kind: 'untyped',
              stage: 'load',
              name: hung ? 'Timeout' : 'Crash',
              message: hung ? hungWhy : `child exited (code ${code}, signal ${signal}): ${slot.stderr.slice(-1500)}`,
            },
            rssBefore: 0,
            peakRss: 0,
            ms: hung ? timeoutMs : 0,
          });
          if (!fatal && next < end && Date.now() < deadline) spawn();
        }
        finish();
      });
      proc.send({ type: 'init', seed: o.seed, corpus, ops: o.ops, baselines } satisfies ParentMessage);
    };
    for (let i = 0; i < workers; i++) spawn();
  });
  if (fatal) throw fatal;
  summary.elapsedMs = Date.now() - t0;
  summary.baselines = baselines ?? [];
  return summary;
}

export function formatSummary(s: FuzzSummary): string {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const lines = [
    `fuzz seed ${s.seed}: ${s.cases} cases in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.cases ? ((s.elapsedMs / s.cases) * 1000 / 1000).toFixed(1) : '-'} s per 1000 cases)`,
    `outcomes: ${Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `ops: ${Object.entries(s.byOp).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `crashes ${s.counts.crash}, hangs ${s.counts.hang}, untyped errors ${s.counts.untyped}, memory spikes ${s.counts.memory}, wrong weights ${s.counts['wrong-weights']}, checksum bypassed ${s.counts['checksum-bypassed']}`,
    `typed errors naming no file or node: ${s.unlocated}${s.unlocatedSamples.map((m) => `\n  ${m}`).join('')}`,
    `peak RSS of a child: ${mb(s.peakRss)}${s.slowest ? `; slowest case ${s.slowest.index} (${s.slowest.model}, ${s.slowest.op}) ${s.slowest.ms.toFixed(0)} ms` : ''}`,
  ];
  const skipped = s.baselines.flatMap((b) => Object.entries(b.skipped).map(([mode, why]) => `${b.name} (${mode}): ${why}`));
  if (skipped.length) lines.push(`not fuzzed (the unmutated model does not load that way):`, ...skipped.map((l) => `  ${l.slice(0, 160)}`));
  return lines.join('\n');
}
