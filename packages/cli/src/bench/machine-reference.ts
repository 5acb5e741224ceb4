import { readFileSync } from 'node:fs';
import { round } from './stats.js';

/**
 * How fast the machine itself ran while `pnpm bench` measured: a fixed reference workload (a CPU loop and a
 * memory-copy loop) timed before the first row, between rows and after the last, and the CPU steal time the
 * kernel reports in /proc/stat. On a virtual machine a contended host slows TensorFlow's timings and ours alike
 * while this VM's load average stays low (session 9's after-run: both doubled at load 1.3-2.2); the reference
 * slows with them, so a row measured then is marked as not comparable instead of read as slower code.
 */

/** Bumped whenever the workload changes: references of another version are not compared. */
export const REFERENCE_WORKLOAD = 'v2: 2e7-step integer/float loop; 8 copies of 32 MiB; fastest of 7';

/** A row is not comparable when the reference around it ran this much slower than the run's baseline (fastest)... */
export const NOT_COMPARABLE_SLOWDOWN = 0.25;
/** ...or when the CPUs spent this share of their time stolen by the host while it ran. */
export const NOT_COMPARABLE_STEAL = 0.05;

/** The cumulative CPU tick counters of /proc/stat's `cpu` line (all CPUs). */
export interface CpuTicks {
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is counted in user). */
  total: number;
  steal: number;
}

/** One timing of the reference workload. */
export interface ReferenceCheckpoint {
  /** ISO time it was taken. */
  at: string;
  /** Index of the row it was taken before (rows.length: after the last). */
  beforeRow: number;
  /** Wall ms of the CPU loop and of the memory loop: the fastest of REPEATS each. */
  cpuLoopMs: number;
  memoryLoopMs: number;
  /** Process CPU time over wall time while the workload ran (below 1: it waited for a CPU). */
  cpuShare: number;
  /** /proc/stat's counters when it was taken (null: not Linux, or no steal field). */
  ticks: CpuTicks | null;
}

export interface ReferenceBaseline {
  cpuLoopMs: number;
  memoryLoopMs: number;
  /** 'this run', or `the run of <date>`: the earlier run whose reference was faster. */
  from: string;
}

/** What the reference says about one row: measured between checkpoints `before` and `after`. */
export interface RowReference {
  /** The slower of the two checkpoints around the row, against the baseline (0.3: 30 % slower). */
  slowdown: number;
  /** Share of CPU time stolen by the host between the two checkpoints (null: not reported). */
  steal: number | null;
  /** Why the row is not comparable with other runs, when it is not. */
  notComparable?: string;
}

/** The counters of the `cpu` line of /proc/stat's text; null when there is no such line or it has no steal field. */
export function parseCpuTicks(procStat: string): CpuTicks | null {
  const line = procStat.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice]: steal is the 8th (Linux 2.6.11+).
  if (f.length < 8 || f.slice(0, 8).some((x) => !Number.isFinite(x))) return null;
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7]! };
}

/** Share of CPU time stolen between two readings (null when either is missing or no time passed). */
export function stealShare(a: CpuTicks | null, b: CpuTicks | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  return Math.max(0, (b.steal - a.steal) / (b.total - a.total));
}

/**
 * The reference the rows are judged against: the fastest CPU loop and the fastest memory loop of this run, or of
 * the previous run when that was faster (same workload, CPU model and Node: a run contended from start to end
 * then still shows it).
 */
function referenceBaseline(checkpoints: readonly ReferenceCheckpoint[], previous?: ReferenceBaseline | null): ReferenceBaseline | null {
  if (checkpoints.length === 0) return previous ?? null;
  const own = { cpuLoopMs: Math.min(...checkpoints.map((c) => c.cpuLoopMs)), memoryLoopMs: Math.min(...checkpoints.map((c) => c.memoryLoopMs)) };
  if (!previous) return { ...own, from: 'this run' };
  return {
    cpuLoopMs: Math.min(own.cpuLoopMs, previous.cpuLoopMs),
    memoryLoopMs: Math.min(own.memoryLoopMs, previous.memoryLoopMs),
    from: previous.cpuLoopMs < own.cpuLoopMs || previous.memoryLoopMs < own.memoryLoopMs ? previous.from : 'this run',
  };
}

/** How much slower one checkpoint ran than the baseline: the larger of its two loops' slowdowns. */
function slowdown(c: ReferenceCheckpoint, base: ReferenceBaseline): number {
  return Math.max(c.cpuLoopMs / base.cpuLoopMs, c.memoryLoopMs / base.memoryLoopMs) - 1;
}

/** Below this share of its wall time on a CPU, the reference waited for one: other processes of this VM had the cores. */
const WAITED_CPU_SHARE = 0.9;

/**
 * The reference's verdict on a row measured between checkpoints `before` and `after` (either may be missing), with
 * the likely cause when it is not comparable: the reference waited for a CPU (this VM's own load), the host stole
 * CPU time (steal), or its own CPU time ran slower (a contended host that the kernel does not report as steal).
 */
function judgeRow(before: ReferenceCheckpoint | undefined, after: ReferenceCheckpoint | undefined, base: ReferenceBaseline): RowReference {
  const around = [before, after].filter((c): c is ReferenceCheckpoint => c !== undefined);
  const slowest = around.reduce<ReferenceCheckpoint | undefined>((w, c) => (w === undefined || slowdown(c, base) > slowdown(w, base) ? c : w), undefined);
  const slow = slowest ? slowdown(slowest, base) : 0;
  const steal = stealShare(before?.ticks ?? null, after?.ticks ?? null);
  const stolen = steal !== null && steal > NOT_COMPARABLE_STEAL;
  const reasons: string[] = [];
  if (slow > NOT_COMPARABLE_SLOWDOWN) {
    const cause =
      slowest!.cpuShare < WAITED_CPU_SHARE
        ? `it was on a CPU ${Math.round(slowest!.cpuShare * 100)} % of the time: other processes of this machine had the cores`
        : stolen
          ? 'the host took the CPU (steal)'
          : 'its own CPU time was slower: a contended host (or a slower clock), not this machine\'s processes';
    reasons.push(`the machine reference ran ${Math.round(slow * 100)} % slower than its baseline (${cause})`);
  }
  if (stolen) reasons.push(`the host stole ${(steal * 100).toFixed(1)} % of the CPU time`);
  return { slowdown: round(slow, 3), steal: steal === null ? null : round(steal, 4), ...(reasons.length > 0 ? { notComparable: reasons.join('; ') } : {}) };
}

/** Reads /proc/stat's counters (null off Linux). */
function readCpuTicks(): CpuTicks | null {
  try {
    return parseCpuTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

const CPU_LOOP_STEPS = 20_000_000;
const MEMORY_BYTES = 32 << 20;
const MEMORY_COPIES = 8;
const REPEATS = 7;
let memoryBuffers: [Float64Array, Float64Array] | undefined;

/** A fixed integer and float loop (xorshift32 feeding a float recurrence): no allocation, no memory traffic. */
function cpuLoop(steps: number): number {
  let x = 2463534242;
  let acc = 0;
  for (let i = 0; i < steps; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc = acc * 0.999 + (x & 0xffff) * 1e-5;
  }
  return acc;
}

/** Copies between two buffers larger than the caches: memory bandwidth (what the large models' loads and kernels lean on). */
function memoryLoop(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < MEMORY_COPIES; i++) (i % 2 === 0 ? b : a).set(i % 2 === 0 ? a : b);
  return a[a.length - 1]! + b[0]!;
}

// The fastest repeat, not the median: a quiet session-10 run (load 1-2, on a CPU 98-100 % of the time, steal 0.3 %)
// had medians 47-66 ms (CPU loop) and 27-57 ms (memory loop) from check to check, enough to mark 21 of 35 rows; this
// process's own background work (V8's GC and compiler threads after a large model) slows a repeat or two, whereas a
// contended host slows every one of them.
const fastest = (xs: number[]) => Math.min(...xs);

/** Times the reference workload (one warm-up, then REPEATS of each loop, alternating; the fastest of each): under a second. */
export function timeReference(beforeRow: number): ReferenceCheckpoint {
  // The same two buffers for every check of the process: fresh ones would time the kernel's page faults too.
  memoryBuffers ??= [new Float64Array(MEMORY_BYTES / 8).fill(1), new Float64Array(MEMORY_BYTES / 8)];
  const [a, b] = memoryBuffers;
  let sink = cpuLoop(CPU_LOOP_STEPS) + memoryLoop(a, b);
  const cpuTimes: number[] = [];
  const memTimes: number[] = [];
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < REPEATS; r++) {
    let t = performance.now();
    sink += cpuLoop(CPU_LOOP_STEPS);
    cpuTimes.push(performance.now() - t);
    t = performance.now();
    sink += memoryLoop(a, b);
    memTimes.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  const u = process.cpuUsage(u0);
  if (!Number.isFinite(sink)) throw new Error('reference workload: non-finite result');
  return {
    at: new Date().toISOString(),
    beforeRow,
    cpuLoopMs: round(fastest(cpuTimes), 2),
    memoryLoopMs: round(fastest(memTimes), 2),
    cpuShare: round((u.user + u.system) / 1000 / wall, 3),
    ticks: readCpuTicks(),
  };
}

/** The reference part of a suite's results (machine.reference in bench/results.json). */
export interface MachineReference {
  workload: string;
  checkpoints: ReferenceCheckpoint[];
  /** What the rows are judged against (null: no checkpoint yet). */
  baseline: ReferenceBaseline | null;
  /** This run's own fastest loops: the next run's baseline when faster than its own. */
  fastest: { cpuLoopMs: number; memoryLoopMs: number } | null;
  /** The slowest checkpoint against the baseline (0.3: 30 % slower). */
  slowest: number | null;
  /** Share of CPU time the host stole from the first checkpoint to the last (null: not reported). */
  steal: number | null;
}

/** The reference of a suite run so far, and each row's verdict (rows[i] ran between the checkpoints before rows i and i + 1). */
export function judgeRun(
  checkpoints: readonly ReferenceCheckpoint[],
  rowCount: number,
  previous: ReferenceBaseline | null,
): { reference: MachineReference; rows: (RowReference | undefined)[] } {
  const baseline = referenceBaseline(checkpoints, previous);
  const at = (row: number) => checkpoints.find((c) => c.beforeRow === row);
  const rows = Array.from({ length: rowCount }, (_, i) => (baseline ? judgeRow(at(i), at(i + 1), baseline) : undefined));
  const own = referenceBaseline(checkpoints, null);
  const first = checkpoints[0];
  const last = checkpoints[checkpoints.length - 1];
  const steal = stealShare(first?.ticks ?? null, last?.ticks ?? null);
  return {
    reference: {
      workload: REFERENCE_WORKLOAD,
      checkpoints: [...checkpoints],
      baseline,
      fastest: own ? { cpuLoopMs: own.cpuLoopMs, memoryLoopMs: own.memoryLoopMs } : null,
      slowest: baseline && checkpoints.length > 0 ? round(Math.max(...checkpoints.map((c) => slowdown(c, baseline))), 3) : null,
      steal: steal === null ? null : round(steal, 4),
    },
    rows,
  };
}

/**
 * The baseline an earlier run's results (bench/results.json before this run rewrites it) offer: its own fastest
 * loops, when it timed the same workload on the same CPU model with the same Node; else null.
 */
export function previousBaseline(old: unknown, machine: { cpu: string; node: string }): ReferenceBaseline | null {
  if (!old || typeof old !== 'object') return null;
  const o = old as { date?: unknown; machine?: { cpu?: unknown; node?: unknown; reference?: Partial<MachineReference> } };
  const ref = o.machine?.reference;
  if (!ref || ref.workload !== REFERENCE_WORKLOAD || o.machine?.cpu !== machine.cpu || o.machine?.node !== machine.node) return null;
  const f = ref.fastest;
  if (!f || !(f.cpuLoopMs > 0) || !(f.memoryLoopMs > 0) || typeof o.date !== 'string') return null;
  return { cpuLoopMs: f.cpuLoopMs, memoryLoopMs: f.memoryLoopMs, from: `the run of ${o.date.slice(0, 10)}` };
}
