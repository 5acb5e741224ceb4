import type { CliContext } from './context.js';

/**
 * While a command runs, what libraries print to the console is routed:
 * - console.log / info / debug (tfjs banners and notices) go to stderr, so stdout carries only
 *   results (`--json` must parse);
 * - console.warn from savedkeras' own libraries (their default `warn` prefixes "savedkeras: ")
 *   becomes a `warning:` line;
 * - any other console.warn comes from tfjs (kernel/backend re-registration, platform notices,
 *   tfjs-layers' advice about unroll, serialization, loss dictionaries...): it says nothing the
 *   user can act on, so it is shown only with --debug, marked as tfjs'.
 * Returns the function that puts the console back.
 */
export function routeConsole(ctx: CliContext): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug, warn: console.warn };
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : String(a))).join(' ');
  const toStderr = (...args: unknown[]) => ctx.io.stderr(text(args) + '\n');
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = (...args: unknown[]) => {
    const message = text(args);
    const ours = /^savedkeras: /.exec(message);
    if (ours) ctx.note(ctx.errColor.yellow(`warning: ${message.slice(ours[0].length)}`));
    else if (ctx.globals.debug) ctx.note(ctx.errColor.dim(`tfjs: ${message.trim()}`));
  };
  return () => Object.assign(console, saved);
}
