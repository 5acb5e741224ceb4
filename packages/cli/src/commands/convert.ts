import { readdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { Command } from 'commander';
import { SavedKerasError } from '@savedkeras/common';
import type { CliContext } from '../context.js';
import { createProgress } from '../progress.js';

export function registerConvert(program: Command, ctx: CliContext): void {
  program
    .command('convert')
    .description('write a Keras SavedModel as a TensorFlow.js layers model (model.json + 4 MB weight shards) for tf.loadLayersModel')
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .argument('<out>', 'folder to write model.json and group1-shard*.bin into')
    .option('--force', 'write even if the output folder already holds files')
    .option('--no-verify', 'skip loading the result back with tf.loadLayersModel and comparing predictions')
    .option('--json', 'print what was written as JSON on stdout')
    .action(async (dir: string, out: string, opts: { force?: boolean; verify: boolean; json?: boolean }) => {
      const target = nodePath.resolve(out);
      const existing = await readdir(target).catch(() => [] as string[]);
      if (existing.length > 0 && !opts.force) {
        throw new SavedKerasError('IO', `${target} already exists and is not empty`, { hint: 'pass --force to write into it anyway, or name another folder' });
      }
      const backend = await ctx.useBackend();
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const { convertSavedModel } = await import('../convert/convert-model.js');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const progress = createProgress(ctx, 'reading weights', !opts.json);
      const warn = (m: string) => ctx.note(ctx.errColor.yellow(`warning: ${m}`));
      let result;
      try {
        result = await convertSavedModel(source, target, {
          verify: opts.verify,
          warn,
          onProgress: (p) => progress.update(p.loadedBytes, p.totalBytes),
        });
      } finally {
        progress.stop();
      }
      const { files, weightBytes, pluginClasses, maxAbsDiff } = result;
      if (opts.json) {
        ctx.out(JSON.stringify({ out: target, files, weightBytes, pluginClasses, maxAbsDiff, backend: backend.name }, null, 2) + '\n');
        return;
      }
      const c = ctx.color;
      const size = weightBytes < 1e6 ? `${(weightBytes / 1e3).toFixed(1)} kB` : `${(weightBytes / 1e6).toFixed(1)} MB`;
      ctx.out(`${c.green('wrote')} ${target}: model.json + ${files.length - 1} shard(s), ${size} of weights\n`);
      if (maxAbsDiff !== null) ctx.out(`checked: tf.loadLayersModel loads it and predicts the same (largest difference ${maxAbsDiff})\n`);
      else if (opts.verify) ctx.out(c.yellow('not checked: the model takes string inputs, no sample batch is generated for them\n'));
      if (pluginClasses.length > 0) {
        ctx.out(
          c.yellow(`needs @savedkeras/layers for ${pluginClasses.join(', ')}: import '@savedkeras/layers' before tf.loadLayersModel (also noted in model.json userDefinedMetadata)\n`),
        );
      }
    });
}
