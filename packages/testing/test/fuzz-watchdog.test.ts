import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuMsOf, WALL_FACTOR, watchCpu } from '../src/fuzz/watchdog.js';

// The fuzzers' per-case budget counts the child's CPU time (from /proc), so a case that waits for a
// core on a loaded machine is not a hang; a child that waits on nothing is still caught by wall time.
describe.runIf(cpuMsOf(process.pid) !== undefined)('fuzz case watchdog', () => {
  it('reads a process’s CPU time, which grows with its work', () => {
    const before = cpuMsOf(process.pid)!;
    let x = 0;
    // Work until the kernel has charged at least 50 ms more (ticks of 10 ms): bounded by work, not by a clock.
    while (cpuMsOf(process.pid)! < before + 50) for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    expect(cpuMsOf(process.pid)! - before).toBeGreaterThanOrEqual(50);
    expect(cpuMsOf(2 ** 31 - 2)).toBeUndefined(); // no such process
  });

  it('a child that uses no CPU is a hang only after WALL_FACTOR times the budget, and says so', async () => {
    const child = fork('-e', ['setInterval(() => {}, 1000)'], { stdio: 'ignore', execArgv: [] });
    try {
      const why = await new Promise<string>((resolve) => watchCpu(child.pid, 200, resolve));
      expect(why).toMatch(new RegExp(`^no answer within \\d+ ms wall \\(\\d+ ms of CPU time; budget 200 ms CPU, ${200 * WALL_FACTOR} ms wall\\)$`));
      const wall = Number(/within (\d+) ms wall/.exec(why)![1]);
      expect(wall).toBeGreaterThanOrEqual(200 * WALL_FACTOR);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
