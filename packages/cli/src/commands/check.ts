import { InvalidArgumentError, type Command } from 'commander';
import { UnsupportedFeatureError } from '@savedkeras/common';
import type { CliContext } from '../context.js';

export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description(
      'will this model give the same answers in JavaScript? Runs the model as savedkeras loads it and its own saved graph on the same seeded input and compares',
    )
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .option('--json', 'print the result as JSON on stdout (ok, kind, revived, reference, maxAbsDiff, tolerance, outputs, ...)')
    .option('--tolerance <t>', 'an element passes when |got - want| <= t * (1 + |want|)', parseNumber('tolerance', 0), 1e-4)
    .option('--seed <s>', 'seed of the input values and of random ops', parseNumber('seed', -(2 ** 31), true), 0)
    .action(async (dir: string, opts: { json?: boolean; tolerance: number; seed: number }) => {
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const backend = await ctx.useBackend();
      const { checkModel } = await import('@savedkeras/check');
      const { renderCheck } = await import('../check/render.js');
      const { loadProgress } = await import('../load-progress.js');
      const { onProgress, bar } = await loadProgress(ctx, source, 'loading weights', !opts.json);
      let result;
      try {
        result = await checkModel(source, {
          tolerance: opts.tolerance,
          seed: opts.seed,
          onProgress,
          warn: (m) => {
            bar.stop();
            ctx.note(ctx.errColor.yellow(`warning: ${m}`));
          },
        });
      } finally {
        bar.stop();
      }
      result.backend = backend.name;
      ctx.out(opts.json ? JSON.stringify(result, null, 2) + '\n' : renderCheck(result, ctx.color));
      if (!result.ok) {
        // Exit 1 with a typed error: the model runs, but savedkeras does not reproduce its saved graph.
        throw new UnsupportedFeatureError(`check failed: ${result.problems[0] ?? 'outputs differ from the saved graph'}`, {
          hint: 'the outputs above show where the JavaScript model differs; --tolerance loosens the comparison',
        });
      }
    });
}

function parseNumber(what: string, min: number, integer = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${what} must be ${integer ? 'an integer' : 'a number'}${min === 0 ? ' >= 0' : ''}`);
    }
    return n;
  };
}
