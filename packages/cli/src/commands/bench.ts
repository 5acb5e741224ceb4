import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description('time loading a SavedModel against tf.loadLayersModel of the same model, weight reads against fs.readFile, peak memory and predict')
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb)')
    .option('--runs <n>', 'measured runs per timing (medians are reported)', positiveInt, 5)
    .option('--batch <n>', 'batch size of the predict timings', positiveInt, 8)
    .option('--no-rss', 'skip the peak-memory measurement (it loads the model again in two child processes)')
    .option('--json', 'print the numbers as JSON on stdout (field names as in docs/benchmarks.md)')
    .action(async (dir: string, opts: { runs: number; batch: number; rss: boolean; json?: boolean }) => {
      const backend = await ctx.useBackend();
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      await new NodeFileSource(dir).assertFolder();
      const { benchModel } = await import('../bench/measure.js');
      const { renderBench } = await import('../bench/render.js');
      const result = await benchModel(dir, {
        runs: opts.runs,
        batch: opts.batch,
        backend: backend.name,
        rss: opts.rss,
        note: (m) => ctx.note(ctx.errColor.dim(m)),
      });
      ctx.out(opts.json ? JSON.stringify(result, null, 2) + '\n' : renderBench(result, ctx.color));
    });
}
