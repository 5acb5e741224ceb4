import { describe, expect, it } from 'vitest';
import {
  judgeRun,
  NOT_COMPARABLE_SLOWDOWN,
  parseCpuTicks,
  previousBaseline,
  REFERENCE_WORKLOAD,
  stealShare,
  type ReferenceCheckpoint,
} from '../src/bench/machine-reference.js';
import { renderResultsMarkdown } from '../src/bench/markdown.js';
import type { BenchResult } from '../src/bench/measure.js';
import type { SuiteResults } from '../src/bench/suite.js';

/** The bench's machine reference judged on given numbers (no timing here): what makes a row not comparable, and what the table says. */

// /proc/stat as Linux writes it (proc(5): user nice system idle iowait irq softirq steal guest guest_nice, in ticks).
const PROC_STAT = `cpu  4989953 390943 548461 2487402 5003 0 4061 67397 0 0
cpu0 2486005 184854 270178 1269367 1739 0 599 33605 0 0
intr 123 0 0
`;

const cp = (beforeRow: number, cpuLoopMs: number, memoryLoopMs: number, cpuShare = 1, ticks: { total: number; steal: number } | null = null): ReferenceCheckpoint => ({
  at: `2026-12-04T20:0${beforeRow}:00.000Z`,
  beforeRow,
  cpuLoopMs,
  memoryLoopMs,
  cpuShare,
  ticks,
});

describe('machine reference: /proc/stat', () => {
  it('sums the first eight counters of the cpu line and takes steal as the eighth', () => {
    expect(parseCpuTicks(PROC_STAT)).toEqual({ total: 4989953 + 390943 + 548461 + 2487402 + 5003 + 0 + 4061 + 67397, steal: 67397 });
  });

  it('gives null without a cpu line or without a steal field (kernels before 2.6.11)', () => {
    expect(parseCpuTicks('cpu0 1 2 3 4 5 6 7 8\n')).toBeNull();
    expect(parseCpuTicks('cpu  1 2 3 4 5 6 7\n')).toBeNull();
    expect(parseCpuTicks('')).toBeNull();
  });

  it('steal share is stolen ticks over all ticks between two readings', () => {
    expect(stealShare({ total: 1000, steal: 10 }, { total: 3000, steal: 110 })).toBe(0.05);
    expect(stealShare({ total: 1000, steal: 10 }, { total: 1000, steal: 10 })).toBeNull();
    expect(stealShare(null, { total: 3000, steal: 110 })).toBeNull();
  });
});

describe('machine reference: which rows are comparable', () => {
  it('judges each row by the slower checkpoint around it against the fastest of the run', () => {
    // Fastest: cpu 40 ms (checkpoint 0), memory 50 ms (checkpoint 3). Row 1 ends at checkpoint 2: cpu 56 ms = 40 % slower.
    const checkpoints = [cp(0, 40, 52), cp(1, 44, 55), cp(2, 56, 51, 1), cp(3, 41, 50)];
    const { reference, rows } = judgeRun(checkpoints, 3, null);
    expect(reference.baseline).toEqual({ cpuLoopMs: 40, memoryLoopMs: 50, from: 'this run' });
    expect(reference.slowest).toBe(0.4);
    expect(rows.map((r) => r?.slowdown)).toEqual([0.1, 0.4, 0.4]);
    expect(rows[0]!.notComparable).toBeUndefined();
    // Its CPU time itself was slower (on a CPU the whole time, no steal reported): the host, not this machine's load.
    expect(rows[1]!.notComparable).toMatch(/^the machine reference ran 40 % slower than its baseline \(its own CPU time was slower: a contended host/);
    expect(rows[2]!.notComparable).toBe(rows[1]!.notComparable);
  });

  it('names this machine\'s own load when the reference waited for a CPU, and the host when it stole time', () => {
    const waited = judgeRun([cp(0, 40, 50), cp(1, 40, 75, 0.6)], 1, null).rows[0]!;
    expect(waited.slowdown).toBe(0.5);
    expect(waited.notComparable).toMatch(/50 % slower .*on a CPU 60 % of the time: other processes of this machine had the cores/);
    // 8 % steal between the checkpoints, the reference itself no slower: not comparable for the steal alone.
    const stolen = judgeRun([cp(0, 40, 50, 1, { total: 10_000, steal: 100 }), cp(1, 41, 50, 1, { total: 20_000, steal: 900 })], 1, null).rows[0]!;
    expect(stolen.steal).toBe(0.08);
    expect(stolen.notComparable).toBe('the host stole 8.0 % of the CPU time');
  });

  it(`keeps a row ${NOT_COMPARABLE_SLOWDOWN * 100} % slower comparable, and one just over it not`, () => {
    const { rows } = judgeRun([cp(0, 40, 50), cp(1, 50, 50), cp(2, 50.4, 50)], 2, null);
    expect(rows[0]!.notComparable).toBeUndefined();
    expect(rows[1]!.notComparable).toMatch(/26 % slower/);
  });

  it('a run slow from start to end is caught against the previous run of the same workload, CPU and Node', () => {
    const old = {
      date: '2026-12-03T10:00:00.000Z',
      machine: { cpu: 'Xeon', node: 'v20.20.2', reference: { workload: REFERENCE_WORKLOAD, fastest: { cpuLoopMs: 40, memoryLoopMs: 50 } } },
    };
    const previous = previousBaseline(old, { cpu: 'Xeon', node: 'v20.20.2' });
    expect(previous).toEqual({ cpuLoopMs: 40, memoryLoopMs: 50, from: 'the run of 2026-12-03' });
    // Session 9's after-run: everything twice as slow, evenly: against itself every row looks fine, against the previous run none is.
    const evenlySlow = [cp(0, 80, 100), cp(1, 82, 101), cp(2, 81, 100)];
    expect(judgeRun(evenlySlow, 2, null).rows.every((r) => r!.notComparable === undefined)).toBe(true);
    const judged = judgeRun(evenlySlow, 2, previous);
    expect(judged.rows.every((r) => /ran 10[0-5] % slower/.test(r!.notComparable ?? ''))).toBe(true);
    expect(judged.reference.fastest).toEqual({ cpuLoopMs: 80, memoryLoopMs: 100 }); // this run's own, for the next run
    expect(previousBaseline(old, { cpu: 'Xeon', node: 'v22.0.0' })).toBeNull();
    expect(previousBaseline(old, { cpu: 'EPYC', node: 'v20.20.2' })).toBeNull();
    expect(previousBaseline({ ...old, machine: { ...old.machine, reference: { ...old.machine.reference, workload: 'v0' } } }, { cpu: 'Xeon', node: 'v20.20.2' })).toBeNull();
    expect(previousBaseline(undefined, { cpu: 'Xeon', node: 'v20.20.2' })).toBeNull();
  });
});

describe('machine reference in docs/benchmarks.md', () => {
  const row = (model: string, over: Partial<BenchResult> = {}): BenchResult => ({
    model,
    backend: 'wasm',
    runs: 3,
    batch: 8,
    weightBytes: 1e6,
    variables: 2,
    shardBytes: 1e6,
    loadMs: 10,
    tfjsLoadMs: 20,
    loadRatio: 0.5,
    readMs: 1,
    rawReadMs: 1,
    readRatio: 1,
    readMBps: 1000,
    rawReadMBps: 1000,
    peakRssBytes: 2e6,
    baselineRssBytes: 1e6,
    rssOverWeights: 1,
    tfjsRssOverWeights: 1,
    predictMs: 1,
    predictCalls: 100,
    savedFunctionPredictMs: 1,
    graphRatio: 1,
    graphMaxAbsDiff: 0,
    notes: [],
    ...over,
  });

  it('says in the header what the machine did, and marks the rows measured while it was slow', () => {
    const checkpoints = [cp(0, 40, 50), cp(1, 41, 50), cp(2, 60, 50, 0.5)];
    const judged = judgeRun(checkpoints, 2, null);
    const suite: SuiteResults = {
      date: '2026-12-04T20:00:00.000Z',
      machine: { cpu: 'Test CPU', cores: 2, memoryBytes: 2 ** 34, os: 'linux', node: 'v20', reference: judged.reference },
      runs: 3,
      models: [],
      results: [
        { ...row('quiet'), reference: judged.rows[0] },
        { ...row('busy'), reference: judged.rows[1] },
      ],
    };
    const md = renderResultsMarkdown(suite);
    expect(md).toMatch(/Machine reference .*baseline 40 ms and 50 ms \(this run's fastest\), the slowest check 50 % slower; it was on a CPU 50-100 % of the time it ran/);
    expect(md).toMatch(/\*\*1 of 2 rows ran while the reference was more than 25 % slower/);
    expect(md.split('\n').find((l) => l.startsWith('| quiet |'))).toMatch(/\| met \|$/);
    expect(md.split('\n').find((l) => l.startsWith('| busy |'))).toMatch(/\| \*\*not comparable\*\* \(machine 50 % slower\): met \|$/);
    expect(md).toMatch(/- busy \(wasm\): not comparable with other runs: the machine reference ran 50 % slower than its baseline \(it was on a CPU 50 % of the time/);
  });
});
