import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';

/**
 * TensorFlow's own predict time of a bench model (issue 15: convolutions <= 2x TensorFlow CPU on the default
 * backend), measured by tools/bench/tf_predict.py with the Python of a TensorFlow install. Only `pnpm bench`
 * uses it; tests and CI never need Python.
 */
export interface TfTiming {
  /** Median wall time of serving_default on one batch, outputs read back. */
  ms: number;
  /** Median process CPU time of the same calls (every thread). */
  cpuMs: number;
  calls: number;
  /** 1, or 'default' (TensorFlow's own choice: one thread per core). */
  threads: number | 'default';
  loader: string;
  tf: string;
}

/** The Python to time TensorFlow with: SAVEDKERAS_BENCH_PYTHON, else ../tfvenv/bin/python beside the repository; null when neither exists. */
export function findTfPython(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env['SAVEDKERAS_BENCH_PYTHON'];
  if (given) return given;
  const beside = nodePath.resolve(repoRoot, '../tfvenv/bin/python');
  return existsSync(beside) ? beside : null;
}

/** Runs tf_predict.py on `dir` with `threads` (1, or 0 for TensorFlow's default); an error message when it fails. */
export function timeInTensorFlow(python: string, repoRoot: string, dir: string, threads: number, batch: number): Promise<TfTiming | { error: string }> {
  const script = nodePath.join(repoRoot, 'tools/bench/tf_predict.py');
  return new Promise((resolve) => {
    execFile(python, [script, '--threads', String(threads), '--batch', String(batch), dir], { maxBuffer: 1 << 20, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (err || !last.startsWith('{')) resolve({ error: (stderr.trim().split('\n').pop() || err?.message || 'no output').slice(0, 200) });
      else resolve(JSON.parse(last) as TfTiming);
    });
  });
}
