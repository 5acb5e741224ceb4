import * as nodePath from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export const DEFAULT_EXAMPLE_DIR = 'example-model';

export function registerExample(program: Command, ctx: CliContext): void {
  program
    .command('example')
    .description('write the built-in example Keras SavedModel (a small generated model) and print its path')
    .argument('[dir]', 'where to write it', DEFAULT_EXAMPLE_DIR)
    .action(async (dir: string) => {
      const target = nodePath.resolve(dir);
      const testing = (await import('@savedkeras/testing')) as { writeExampleModel?: (dir: string) => Promise<unknown> };
      // PARTIAL until @savedkeras/testing exports writeExampleModel (being written by another helper).
      if (!testing.writeExampleModel) throw new Error('@savedkeras/testing does not export writeExampleModel yet');
      await testing.writeExampleModel(target);
      ctx.note(ctx.errColor.green(`wrote the example model to ${target}`));
      ctx.out(target + '\n');
    });
}
