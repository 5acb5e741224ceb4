import { CommanderError } from 'commander';
import { createContext, type CliIO } from './context.js';
import { EXIT_USAGE, reportError } from './errors.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI on `args` (without `node bin.js`) and returns the exit code:
 * 0 ok, 1 a SavedKerasError (bad model, missing file, unsupported...) or a check that failed, 2 usage,
 * 70 internal error.
 */
export async function main(args: string[], io: CliIO = processIO()): Promise<number> {
  const ctx = createContext(io);
  const restore = keepStdoutForResults(io);
  try {
    const program = buildProgram(ctx);
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; anything else commander rejects is a usage error.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(e, ctx);
  } finally {
    restore();
  }
}

export function processIO(): CliIO {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}

/**
 * stdout carries only command results (JSON must parse): anything a library prints with
 * console.log/info/debug (tfjs banners, notices) goes to stderr instead while a command runs.
 */
function keepStdoutForResults(io: CliIO): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toStderr = (...args: unknown[]) => io.stderr(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ') + '\n');
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return () => Object.assign(console, saved);
}
