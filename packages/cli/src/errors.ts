import { SavedKerasError } from '@savedkeras/common';
import type { CliContext } from './context.js';

export const EXIT_ERROR = 1; // the model or the input is at fault (a SavedKerasError)
export const EXIT_USAGE = 2; // bad command line
export const EXIT_INTERNAL = 70; // a bug in savedkeras (EX_SOFTWARE)

const CODES = new Set([
  'FORMAT', 'CHECKSUM', 'MISSING_FILE', 'PATH_ESCAPE', 'LIMIT', 'UNSUPPORTED_LAYER', 'UNSUPPORTED_OP',
  'UNSUPPORTED_FEATURE', 'INPUT_MISMATCH', 'NOT_SAVED', 'BACKEND', 'IO',
]);

/** A SavedKerasError, also when it comes from a second copy of @savedkeras/common (then instanceof fails). */
export function asSavedKerasError(e: unknown): SavedKerasError | null {
  if (e instanceof SavedKerasError) return e;
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  if (typeof code === 'string' && CODES.has(code)) return e as SavedKerasError;
  return null;
}

/**
 * Prints an error on stderr and returns the exit code. A SavedKerasError is the user's problem
 * with a message that says what to do: `error [CODE]: message` and its hint, no stack unless
 * --debug. Anything else is our bug: full stack, exit 70.
 */
export function reportError(e: unknown, ctx: CliContext): number {
  const c = ctx.errColor;
  const known = asSavedKerasError(e);
  if (known) {
    const [message, ...hint] = known.message.split('\n');
    ctx.note(`${c.red(c.bold('error'))} [${known.code}]: ${message}`);
    if (hint.length > 0) ctx.note(c.yellow(hint.join('\n')));
    if (ctx.globals.debug) ctx.note(c.dim(stackOf(known)));
    return EXIT_ERROR;
  }
  ctx.note(`${c.red(c.bold('internal error'))} (a bug in savedkeras; please report it with this output):`);
  ctx.note(stackOf(e));
  return EXIT_INTERNAL;
}

function stackOf(e: unknown): string {
  let text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    text += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}
