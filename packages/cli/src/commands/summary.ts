import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerSummary(program: Command, ctx: CliContext): void {
  program
    .command('summary')
    .description('load a Keras SavedModel and print its Keras-style summary: layers, output shapes, parameters, how each layer was revived')
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb)')
    .option('--json', 'print the summary as JSON on stdout (layers, totals, revived objects)')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const backend = await ctx.useBackend();
      const { loadKerasModelWithReport } = await import('savedkeras');
      const { summarize } = await import('../summary/report.js');
      const { renderSummary } = await import('../summary/render.js');
      const { loadProgress } = await import('../load-progress.js');
      const { onProgress, bar } = await loadProgress(ctx, source, 'loading weights', !opts.json);
      try {
        const loaded = await loadKerasModelWithReport(source, {
          onProgress,
          warn: (m) => {
            bar.stop();
            ctx.note(ctx.errColor.yellow(`warning: ${m}`));
          },
          compile: false,
        });
        bar.stop();
        try {
          const report = summarize(loaded, backend.name);
          ctx.out(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderSummary(report, ctx.color));
        } finally {
          loaded.model.dispose();
        }
      } finally {
        bar.stop();
      }
    });
}
