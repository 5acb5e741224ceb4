import { readFileSync } from 'node:fs';

/**
 * The CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (Linux; fields
 * 14 and 15 in clock ticks of 1/100 s, the kernel's USER_HZ), or undefined where there is no /proc.
 */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Wall time may run this many times the CPU budget (a case waiting on nothing uses no CPU). */
export const WALL_FACTOR = 10;
const POLL_MS = 250;

/**
 * Calls `onHang` once the process has used `budgetMs` of CPU time since the call, or after
 * `budgetMs * WALL_FACTOR` of wall time, whichever comes first; on a machine without /proc, after
 * `budgetMs` of wall time. A case's budget is then its own work: the same case on a machine whose
 * 2 cores are shared by 8 busy processes is not a hang because it waited for a core. Returns a
 * function that stops watching.
 */
export function watchCpu(pid: number | undefined, budgetMs: number, onHang: (why: string) => void): () => void {
  const cpu0 = cpuMsOf(pid);
  const wall0 = performance.now();
  const wallBudget = cpu0 === undefined ? budgetMs : budgetMs * WALL_FACTOR;
  const timer = setInterval(() => {
    const wall = performance.now() - wall0;
    const cpuNow = cpuMsOf(pid);
    const cpu = cpu0 === undefined || cpuNow === undefined ? undefined : cpuNow - cpu0;
    let why: string | undefined;
    if (cpu !== undefined && cpu >= budgetMs) why = `no answer after ${cpu} ms of CPU time (budget ${budgetMs} ms; ${wall.toFixed(0)} ms wall)`;
    else if (wall >= wallBudget) why = `no answer within ${wall.toFixed(0)} ms wall${cpu !== undefined ? ` (${cpu} ms of CPU time; budget ${budgetMs} ms CPU, ${wallBudget} ms wall)` : ''}`;
    if (why) {
      clearInterval(timer);
      onHang(why);
    }
  }, Math.min(POLL_MS, budgetMs));
  return () => clearInterval(timer);
}
