import { readdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { Option, type Command } from 'commander';
import { SavedKerasError } from '@savedkeras/common';
import type { CliContext } from '../context.js';

const DEFAULT_EXAMPLE_DIR = 'example-model';
/** Names of @savedkeras/savedmodel-writer's EXAMPLES (kept here so --help needs no import of the generator). */
const EXAMPLE_NAMES = ['mlp', 'two-inputs', 'mlp-legacy', 'cnn'];

export function registerExample(program: Command, ctx: CliContext): void {
  program
    .command('example')
    .description('write a built-in example Keras SavedModel (small, generated without Python) and print its path')
    .argument('[dir]', 'folder to write', DEFAULT_EXAMPLE_DIR)
    .addOption(new Option('--model <name>', 'which example').choices(EXAMPLE_NAMES).default('mlp'))
    .option('--force', 'write even if the folder already holds files (they are overwritten)')
    .action(async (dir: string, opts: { model: string; force?: boolean }) => {
      const target = nodePath.resolve(dir);
      const existing = await readdir(target).catch(() => [] as string[]);
      if (existing.length > 0 && !opts.force) {
        throw new SavedKerasError('IO', `${target} already exists and is not empty`, {
          hint: 'pass --force to overwrite it, or name another folder',
        });
      }
      const { writeExampleModel } = await import('@savedkeras/savedmodel-writer');
      await writeExampleModel(target, opts.model);
      ctx.note(ctx.errColor.green(`wrote the example model "${opts.model}" to ${target}`));
      ctx.out(target + '\n');
    });
}
