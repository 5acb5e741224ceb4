import { closeSync, openSync, writeSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { SourceIOError } from '@savedkeras/common';
import type { CliContext } from '../context.js';

export function registerPredict(program: Command, ctx: CliContext): void {
  program
    .command('predict')
    .description('run a SavedModel on inputs from a JSON file: the revived Keras model, or a serving signature')
    .argument('<dir>', 'SavedModel folder (holds saved_model.pb), or a Keras .keras / .h5 file')
    .requiredOption(
      '--input <file>',
      'JSON file mapping input names to {"dtype", "shape", "value"} ("value_base64" for bytes); a JSON list of such maps runs each. ' +
        'Or a .npy file for a model with one input, or NAME=file.npy once per input',
      collect, // no default: a default value would satisfy requiredOption, and a missing --input must stay a usage error
    )
    .option('--batch-size <n>', 'run the inputs in batches of n rows (default: all rows as one batch)', parseBatchSize)
    .option('--signature <name>', 'run this signature of the saved graph instead of the Keras model')
    .option('--json', 'print the outputs as JSON on stdout (same form as the inputs, keyed by output name)')
    .option('--output <file>', 'also write the outputs JSON to this file')
    .option('--no-shape-check', 'feed inputs whose shapes differ from the declared ones (the graph may still reject them)')
    .action(async (dir: string, opts: { input: string[]; batchSize?: number; signature?: string; json?: boolean; output?: string; shapeCheck: boolean }) => {
      const { NodeFileSource } = await import('@savedkeras/backend-node');
      const source = new NodeFileSource(dir);
      await source.assertFolder();
      const { readInputs } = await import('../input-file.js');
      const { cases, many } = await readInputs(opts.input);
      const backend = await ctx.useBackend();
      const tf = await import('@tensorflow/tfjs-core');
      const { predict } = await import('../predict/run.js');
      const { renderPredict } = await import('../predict/render.js');
      const { loadProgress } = await import('../load-progress.js');
      const { onProgress, bar } = await loadProgress(ctx, source, 'loading weights', !opts.json);
      let result;
      try {
        result = await predict(tf, source, cases, {
          signature: opts.signature,
          checkShapes: opts.shapeCheck,
          batchSize: opts.batchSize,
          tags: ctx.globals.tags,
          onProgress,
          warn: (m) => {
            bar.stop();
            ctx.note(ctx.errColor.yellow(`warning: ${m}`));
          },
        });
      } finally {
        bar.stop();
      }
      const what = result.ran === 'keras' ? 'the Keras model' : `signature ${result.signature}`;
      const times = result.ms.map((ms) => `${ms.toFixed(1)} ms`).join(', ');
      ctx.note(ctx.errColor.dim(`ran ${what} on ${backend.name} in ${times}`));
      // A list of cases in, a list of outputs out; one case in, its outputs alone. Written in chunks
      // (writeOutputsJson): a large output's JSON text is longer than a JS string can be.
      const { writeOutputsJson } = await import('../predict/output-values.js');
      const doc = many ? result.outputs : result.outputs[0];
      if (opts.output) {
        const file = opts.output;
        const cannot = (e: Error) => new SourceIOError(`cannot write ${file}: ${e.message}`);
        let fd: number;
        try {
          fd = openSync(file, 'w');
        } catch (e) {
          throw cannot(e as Error);
        }
        try {
          writeOutputsJson(doc, (chunk) => writeSync(fd, chunk));
        } catch (e) {
          throw cannot(e as Error);
        } finally {
          closeSync(fd);
        }
        ctx.note(ctx.errColor.dim(`wrote ${opts.output}`));
      }
      if (opts.json) writeOutputsJson(doc, (chunk) => ctx.out(chunk));
      else ctx.out(renderPredict(result, ctx.color));
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseBatchSize(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('batch size must be an integer >= 1');
  return n;
}
