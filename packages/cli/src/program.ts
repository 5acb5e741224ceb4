import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext, GlobalOptions } from './context.js';
import { registerExample } from './commands/example.js';
import { registerInspect } from './commands/inspect.js';
import { registerSummary } from './commands/summary.js';
import { registerPredict } from './commands/predict.js';
import { registerCheck } from './commands/check.js';
import { registerConvert } from './commands/convert.js';
import { registerBench } from './commands/bench.js';
import { registerCoverage } from './commands/coverage.js';

/**
 * A command registers itself on the program; one file per command in src/commands/.
 * To add one (summary, predict, check, convert, bench): write `src/commands/<name>.ts` exporting
 * `register<Name>(program, ctx)`, and add it to COMMANDS below. Actions read the global options
 * from `ctx.globals`, write results with `ctx.out`, notes with `ctx.note`, throw SavedKerasError
 * for user-facing failures, and call `ctx.useBackend()` before computing anything. Import heavy
 * modules inside the action (`await import(...)`) so that startup and --help stay fast.
 */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const COMMANDS: RegisterCommand[] = [registerInspect, registerSummary, registerPredict, registerCheck, registerExample, registerConvert, registerBench, registerCoverage];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('savedkeras');
  program
    .description('Load Keras / TensorFlow SavedModels in TensorFlow.js, without Python.')
    .version(VERSION)
    .addOption(
      new Option('--backend <name>', 'tfjs backend to run on (default: tfjs-node if installed, else wasm, else cpu)').choices([
        'tensorflow',
        'wasm',
        'cpu',
      ]),
    )
    .addOption(
      new Option(
        '--threads <n>',
        'threads of the wasm backend (threaded XNNPACK; 1 = single-threaded; default: $SAVEDKERAS_WASM_THREADS, else one per core, at most 8)',
      ).argParser(threadCount),
    )
    .option('--debug', 'print stack traces for errors')
    .option('--tags <set>', "meta graph to read, by its comma-separated tag set (as saved_model_cli --tag_set; default: 'serve', else the first)")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.io.stderr(s),
      outputError: (s, write) => write(ctx.errColor.red(s)),
    })
    // Global options may come before or after the command name; copy them where actions read them.
    .hook('preAction', (_root, action) => {
      const o = action.optsWithGlobals<GlobalOptions>();
      ctx.globals.backend = o.backend;
      ctx.globals.threads = o.threads;
      ctx.globals.debug = o.debug;
      ctx.globals.tags = o.tags === undefined ? undefined : String(o.tags).split(',').map((t) => t.trim()).filter((t) => t !== '');
    });
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

function threadCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of threads, 1 or more');
  return n;
}

export const VERSION = '0.1.0';
