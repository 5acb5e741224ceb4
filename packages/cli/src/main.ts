import { CommanderError } from 'commander';
import { createContext, type CliIO } from './context.js';
import { EXIT_USAGE, reportError } from './errors.js';
import { buildProgram } from './program.js';
import { routeConsole } from './console-routing.js';

/**
 * Runs the CLI on `args` (without `node bin.js`) and returns the exit code:
 * 0 ok, 1 a SavedKerasError (bad model, missing file, unsupported...) or a check that failed, 2 usage,
 * 70 internal error.
 */
export async function main(args: string[], io: CliIO = processIO()): Promise<number> {
  const ctx = createContext(io);
  const restore = routeConsole(ctx);
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
    columns: process.stdout.columns,
  };
}
