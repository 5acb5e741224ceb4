import cliProgress from 'cli-progress';
import type { CliContext } from './context.js';

export interface Progress {
  /** `done` of `total` units (bytes). */
  update(done: number, total: number): void;
  stop(): void;
}

/** Work under this long shows no bar: it would only flicker. */
const SHOW_AFTER_MS = 400;

/**
 * A progress bar on stderr, shown only when stderr is a terminal (never in pipes, CI or tests)
 * and only once the work has taken a moment.
 */
export function createProgress(ctx: CliContext, label: string, enabled = true): Progress {
  if (!enabled || !ctx.io.stderrIsTTY) return { update() {}, stop() {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total) {
      if (!bar) {
        if (Date.now() - started < SHOW_AFTER_MS || done >= total) return;
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% {value}/{total} MiB`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(mib(total), mib(done));
      }
      bar.update(mib(done));
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}
