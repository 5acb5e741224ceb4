import pc from 'picocolors';
import type { BackendChoice } from '@savedkeras/backend-node';

export type Colors = ReturnType<typeof pc.createColors>;

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** The terminal's width (process.stdout.columns); undefined when stdout is not a terminal. */
  columns?: number;
}

/** Options every command accepts (declared once on the program, see program.ts). */
export interface GlobalOptions {
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  debug?: boolean;
  /** --tags: the meta graph's tag set (inspect, summary, predict). */
  tags?: string[];
}

/** What a command gets: where to write, colours, the global options and the backend. */
export interface CliContext {
  io: CliIO;
  /** Results, on stdout. */
  out(text: string): void;
  /** Progress, warnings and notes, on stderr. */
  note(text: string): void;
  /** Colours for stdout / stderr; plain when that stream is not a terminal or NO_COLOR is set. */
  color: Colors;
  errColor: Colors;
  /**
   * What tables fit: the terminal's columns, else $COLUMNS (never below 40), else 80 in a terminal
   * that does not say; Infinity when stdout is not a terminal (a pipe, a file): nothing wraps, so
   * `savedkeras inspect DIR | grep NAME` finds whole names.
   */
  width: number;
  globals: GlobalOptions;
  /**
   * Initialises the tfjs backend (honouring --backend) and says on stderr which one runs.
   * Commands that compute call it once and also put `backend` into their --json output.
   */
  useBackend(): Promise<BackendChoice>;
  /** Set by a command whose result is a failure it has already reported (e.g. `check` that disagrees): the exit code. */
  exitCode?: number;
}

export function createContext(io: CliIO): CliContext {
  const colorOn = (tty: boolean) =>
    !('NO_COLOR' in io.env) && io.env['TERM'] !== 'dumb' && ('FORCE_COLOR' in io.env || tty);
  let backend: Promise<BackendChoice> | null = null;
  const ctx: CliContext = {
    io,
    out: (t) => io.stdout(t),
    note: (t) => io.stderr(t.endsWith('\n') ? t : t + '\n'),
    color: pc.createColors(colorOn(io.stdoutIsTTY)),
    errColor: pc.createColors(colorOn(io.stderrIsTTY)),
    width: terminalWidth(io),
    globals: {},
    useBackend() {
      backend ??= (async () => {
        // Imported here so commands that compute nothing never load tfjs.
        const { selectBackend } = await import('@savedkeras/backend-node');
        const choice = await selectBackend(ctx.globals.backend);
        const extra = choice.features ? ` (simd ${choice.features.simd ? 'on' : 'off'}, threads ${choice.features.threads ? 'on' : 'off'})` : '';
        ctx.note(ctx.errColor.dim(`backend: ${choice.name}${extra}`));
        return choice;
      })();
      return backend;
    },
  };
  return ctx;
}

function terminalWidth(io: CliIO): number {
  const given = io.columns || Number(io.env['COLUMNS']);
  if (given > 0) return Math.max(40, given);
  return io.stdoutIsTTY ? 80 : Number.POSITIVE_INFINITY;
}
