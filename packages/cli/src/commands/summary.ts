import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerSummary(program: Command, ctx: CliContext): void {
  program
    .command('summary')
    .description('load a Keras SavedModel and print its Keras-style summary: layers, output shapes, parameters, how each layer was revived')
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .option('--json', 'print the summary as JSON on stdout (layers, totals, revived objects)')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const { loadKerasModelWithReport, openSavedModel, readKerasModelFile, UnsupportedFeatureError } = await import('savedkeras');
      // A .keras / .h5 file is always a Keras model; a SavedModel folder may hold none.
      const graph = (await readKerasModelFile(source)) ? undefined : (await openSavedModel(source)).graph;
      if (graph && !graph.root?.keras) {
        // Keras layers saved without Keras metadata: list them with their saved weights, as far as the object graph tells.
        const { summarizeObjectGraph, renderObjectGraphSummary } = await import('../summary/object-graph-summary.js');
        const layers = summarizeObjectGraph(graph);
        if (layers) return ctx.out(opts.json ? JSON.stringify(layers, null, 2) + '\n' : renderObjectGraphSummary(layers, ctx.color, ctx.width));
        throw new UnsupportedFeatureError('this SavedModel holds no Keras model (no Keras metadata on its root object): there are no layers to list', {
          hint: `\`savedkeras inspect ${dir}\` lists its signatures; \`savedkeras predict ${dir} --signature NAME --input in.json\` runs one`,
        });
      }
      const backend = await ctx.useBackend();
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
          // The checkpoint route reads no saved_model.pb: its graph has no serving signature; the one opened above has.
          const report = summarize(graph ? { ...loaded, graph } : loaded, backend.name);
          ctx.out(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderSummary(report, ctx.color, ctx.width));
        } finally {
          loaded.model.dispose();
        }
      } finally {
        bar.stop();
      }
    });
}
