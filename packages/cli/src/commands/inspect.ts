import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { createProgress } from '../progress.js';

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description("show a SavedModel's or Keras file's versions, Keras objects, weights (with sha256) and signatures, without running it")
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .option('--json', 'print the report as JSON on stdout (a stable format)')
    .action(async (dir: string, opts: { json?: boolean }) => {
      // Loaded on use so `savedkeras --help` and other commands start fast.
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const { inspectModel } = await import('../inspect/report.js');
      const { renderInspect } = await import('../inspect/render.js');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const progress = createProgress(ctx, 'hashing weights', !opts.json);
      try {
        // A TF Serving folder shows its highest version (and says so); a tfjs folder is refused naming its format.
        const { locateSavedModel } = await import('@savedkeras/common');
        const located = source.file === undefined ? await locateSavedModel(source, { warn: (m) => ctx.note(ctx.errColor.yellow(`note: ${m}`)) }) : source;
        const report = await inspectModel(located, {
          tags: ctx.globals.tags,
          onProgress: (done, total) => progress.update(done, total),
          onWarning: (m) => ctx.note(ctx.errColor.yellow(`warning: ${m}`)),
        });
        progress.stop();
        // inspect reads protobufs and hashes bytes: no tfjs backend runs, so none is chosen or named.
        ctx.out(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderInspect(report, source.file ? `${source.root}/${source.file}` : source.root, ctx.color, ctx.width));
      } finally {
        progress.stop();
      }
    });
}
