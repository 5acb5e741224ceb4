import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SourceIOError } from '@savedkeras/common';
import type { CliContext } from '../context.js';

export function registerCoverage(program: Command, ctx: CliContext): void {
  program
    .command('coverage')
    .description('list what savedkeras runs: graph ops (and the TensorFlow ops it lacks), Keras layer classes, TFOpLambda functions (Markdown)')
    .option('--write <file>', 'write the Markdown to this file instead of stdout (docs/coverage.md is made this way)')
    .action(async (opts: { write?: string }) => {
      const { coverageMarkdown } = await import('../supported/coverage-doc.js');
      const text = coverageMarkdown();
      if (!opts.write) return ctx.out(text);
      await writeFile(opts.write, text).catch((e: Error) => {
        throw new SourceIOError(`cannot write ${opts.write}: ${e.message}`);
      });
      ctx.note(ctx.errColor.dim(`wrote ${opts.write}`));
    });
}
