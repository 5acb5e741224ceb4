import { availableParallelism } from 'node:os';
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
  /** --threads: XNNPACK threads of the wasm backend (see cliWasmThreads). */
  threads?: number;
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
        const { selectBackend, MAX_WASM_THREADS } = await import('@savedkeras/backend-node');
        const threads = Math.min(cliWasmThreads(ctx.globals.threads, io.env), MAX_WASM_THREADS);
        const choice = await selectBackend(ctx.globals.backend, { wasmThreads: threads });
        const extra = choice.features ? ` (simd ${choice.features.simd ? 'on' : 'off'}, threads ${choice.features.threads ? `on: ${threads}` : 'off'})` : '';
        ctx.note(ctx.errColor.dim(`backend: ${choice.name}${extra}`));
        return choice;
      })();
      return backend;
    },
  };
  return ctx;
}

/**
 * XNNPACK threads the CLI asks of the wasm backend: --threads, else SAVEDKERAS_WASM_THREADS, else one per core
 * (1 = the single-threaded build). On by default in the CLI only: the CLI owns its process, and the threaded
 * build patches process-wide globals (backend-node's wasm-threads.ts) that a library must not touch behind an
 * application's back. Costs ~0.25 s of CPU and ~70 MB at start-up (8 pthread workers); 1.25-1.6x on conv models.
 */
function cliWasmThreads(flag: number | undefined, env: Record<string, string | undefined>): number {
  if (flag !== undefined) return flag;
  const raw = env['SAVEDKERAS_WASM_THREADS'];
  if (raw !== undefined && raw !== '') return Number.isInteger(Number(raw)) ? Number(raw) : 1;
  return availableParallelism();
}

function terminalWidth(io: CliIO): number {
  const given = io.columns || Number(io.env['COLUMNS']);
  if (given > 0) return Math.max(40, given);
  return io.stdoutIsTTY ? 80 : Number.POSITIVE_INFINITY;
}
