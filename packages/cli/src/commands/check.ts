import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { EXIT_ERROR } from '../errors.js';

export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description(
      'will this model give the same answers in JavaScript? Runs the model as savedkeras loads it and its own saved graph on the same seeded input and compares; ' +
        'a .keras / .h5 file (no saved graph) is compared with itself on the reference backend, and with Keras\' outputs given by --expected',
    )
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .option('--json', 'print the result as JSON on stdout (ok, kind, revived, reference, maxAbsDiff, tolerance, outputs, ...)')
    .option('--tolerance <t>', 'an element passes when |got - want| <= t * (1 + |want|)', parseNumber('tolerance', 0), 1e-4)
    .option('--seed <s>', 'seed of the input values and of random ops', parseNumber('seed', -(2 ** 31), true), 0)
    .addOption(
      new Option('--reference-backend <name>', 'the tfjs backend the saved graph (the reference) runs on; the model runs on --backend')
        .choices(['tensorflow', 'wasm', 'cpu'])
        .default('cpu'),
    )
    .option(
      '--input <file>',
      'feed these inputs instead of generated ones ({"name": {"dtype", "shape", "value"}}, as for predict; a list: its first case; or .npy files, NAME=file.npy for each input)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--expected <file>', ".keras / .h5 files: also compare with Keras' outputs in this file ({\"cases\": [{\"inputs\", \"outputs\", \"tolerance\"}]}, as a fixture's reference/expected.json)")
    .option('--layers', "also compare each layer revived from its config with its own saved call function, on the inputs it receives in the model; names the first that disagrees")
    .action(async (dir: string, opts: { json?: boolean; tolerance: number; seed: number; referenceBackend: string; input?: string[]; expected?: string; layers?: boolean }) => {
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const backend = await ctx.useBackend();
      if (opts.referenceBackend !== backend.name && opts.referenceBackend !== 'cpu') {
        // Initialise the reference backend (tfjs keeps it), then make the backend under test active again.
        const { selectBackend } = await import('@savedkeras/backend-node');
        await selectBackend(opts.referenceBackend);
        await selectBackend(backend.name);
      }
      const { checkModel, parseExpected } = await import('@savedkeras/check');
      // Files the user names are read as --input files are: regular files only, size-capped.
      const { readInputFile, readInputs } = await import('../input-file.js');
      let inputs;
      if (opts.input !== undefined) inputs = (await readInputs(opts.input)).cases[0];
      const expected = opts.expected !== undefined ? parseExpected(new TextDecoder().decode(await readInputFile(opts.expected)), opts.expected) : undefined;
      const { renderCheck } = await import('../check/render.js');
      const { loadProgress } = await import('../load-progress.js');
      const { onProgress, bar } = await loadProgress(ctx, source, 'loading weights', !opts.json);
      let result;
      try {
        result = await checkModel(source, {
          tolerance: opts.tolerance,
          seed: opts.seed,
          referenceBackend: opts.referenceBackend,
          inputs,
          expected,
          layers: opts.layers === true,
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
        // Not an error of the model file: the check ran and its answer is "no". Exit 1, the verdict on stderr.
        const c = ctx.errColor;
        ctx.note(`${c.red(c.bold('check failed'))}: ${result.problems[0] ?? 'outputs differ from the saved graph'}`);
        const layer = result.problems.find((p) => p.startsWith('first layer that disagrees'));
        if (layer && layer !== result.problems[0]) ctx.note(`  ${layer}`);
        ctx.note(
          c.yellow(
            result.kind === 'keras-file'
              ? `the model (on ${result.backend}) does not give the answers of ${result.reference}; the outputs above show where; --tolerance loosens the comparison`
              : `the model (on ${result.backend}) does not give the answers of its saved graph (on ${result.referenceBackend}); ` +
                  'the outputs above show where; --tolerance loosens the comparison',
          ),
        );
        ctx.exitCode = EXIT_ERROR;
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
