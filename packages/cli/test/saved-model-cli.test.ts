import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireFixtures } from '@savedkeras/fixtures';
import type { InspectReport } from '../src/inspect/report.js';
import { ensureBuilt, fixturesDir, pool, runCli } from './helpers.js';

// `inspect` against TensorFlow's own `saved_model_cli show --all` on real fixtures: the same tag
// sets, and for each the same SignatureDefs with the same method names and, per input and output,
// the same dtype, shape and graph tensor name; the same op set per meta graph; and the same
// "Concrete Functions" (function names in order, their options, each argument's TensorSpec or Python
// value), where TensorFlow could list them. show-all.json is what saved_model_cli printed
// (saved-model-cli/generate.py, TensorFlow 2.21), parsed; nothing in it comes from savedkeras.
const here = path.dirname(fileURLToPath(import.meta.url));
interface TfTensor {
  dtype: string;
  shape: string;
  name: string;
}
interface TfSignature {
  method: string;
  inputs: Record<string, TfTensor>;
  outputs: Record<string, TfTensor>;
}
/** One argument as saved_model_cli prints it: a TensorSpec (name, shape text, dtype) or a Python value. */
interface TfArgument {
  name?: string;
  shape?: string;
  dtype?: string;
  value?: string;
}
const reference = JSON.parse(readFileSync(path.join(here, 'saved-model-cli', 'show-all.json'), 'utf8')) as {
  models: Record<string, { tags: string[]; signatures: Record<string, TfSignature>; ops: string[]; functions?: Record<string, TfArgument[][]> }[]>;
};

const TF_DTYPES: Record<string, string> = {
  float32: 'DT_FLOAT', float64: 'DT_DOUBLE', int32: 'DT_INT32', int64: 'DT_INT64', uint8: 'DT_UINT8', string: 'DT_STRING', bool: 'DT_BOOL', invalid: 'DT_INVALID',
};
/** saved_model_cli's shape text: `(-1, 3)`, `()`, `(-1)` for one dimension, `unknown_rank`. */
const tfShape = (shape: (number | null)[] | null) => (shape === null ? 'unknown_rank' : `(${shape.map((d) => (d === null || d < 0 ? -1 : d)).join(', ')})`);

/** A TensorSpec's shape as Python prints the TensorShape: `(None, 1)`, `(1,)`, `()`, `<unknown>`. */
const pyShape = (shape: number[] | null | undefined) =>
  shape == null ? '<unknown>' : `(${shape.map((d) => (d < 0 ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;

type SignatureDefs = { name: string; methodName: string; inputs: { name: string; tensor: string; dtype: string; shape: (number | null)[] | null }[]; outputs: SignatureDefs[number]['inputs'] }[];

describe.skipIf(!requireFixtures('the saved_model_cli comparison'))('inspect shows what saved_model_cli show --all shows, on real SavedModels', () => {
  beforeAll(() => ensureBuilt());

  it(`${Object.keys(reference.models).length} fixtures: tag sets, SignatureDefs, method names, dtypes, shapes, tensor names, op sets, concrete functions`, async () => {
    // One inspect per meta graph: the default one, and the others by --tags (saved_model_cli lists them all).
    const jobs = Object.entries(reference.models).flatMap(([slug, graphs]) =>
      graphs.map((g) => ({ slug, tags: g.tags, expected: g.signatures, run: () => runCli(['inspect', path.join(fixturesDir, slug), '--json', '--tags', g.tags.join(',')]) })),
    );
    const runs = await pool(jobs.map((j) => j.run), 2);
    let compared = 0;
    let opSets = 0;
    let functionsCompared = 0;
    for (const [i, job] of jobs.entries()) {
      const what = `${job.slug} [${job.tags.join(', ')}]`;
      expect(runs[i]!.code, `${what}: ${runs[i]!.stderr}`).toBe(0);
      const report = JSON.parse(runs[i]!.stdout) as InspectReport & { signatureDefs: SignatureDefs };
      // The same tag sets (saved_model_cli prints them sorted), the one shown being the one asked for.
      const tagSets = (tags: string[][]) => tags.map((t) => t.join(', ')).sort();
      expect(tagSets(report.metaGraphs.map((g) => g.tags)), what).toEqual(tagSets(reference.models[job.slug]!.map((g) => g.tags)));
      expect(report.metaGraphs.find((g) => g.shown)?.tags, what).toEqual(job.tags);
      const tensors = (list: SignatureDefs[number]['inputs']) =>
        Object.fromEntries(list.map((t) => [t.name, { dtype: TF_DTYPES[t.dtype] ?? t.dtype, shape: tfShape(t.shape), name: t.tensor }]));
      const ours = Object.fromEntries(report.signatureDefs.map((s) => [s.name, { method: s.methodName, inputs: tensors(s.inputs), outputs: tensors(s.outputs) }]));
      expect(ours, what).toEqual(job.expected);
      compared += Object.keys(ours).length;

      // The op set of this meta graph (main graph and function library).
      const tfGraph = reference.models[job.slug]!.find((g) => g.tags.join(',') === job.tags.join(','))!;
      expect(report.ops, `${what}: ops`).toEqual(tfGraph.ops);
      opSets++;

      // Concrete Functions: names in order, one option per concrete function, each argument.
      if (tfGraph.functions) {
        const fns = Object.fromEntries(
          (report.functions ?? []).map((f) => [
            f.name,
            f.options.map((o) =>
              [...o.args, ...o.kwargs].map((a) =>
                a.structure !== undefined ? { value: a.structure } : { name: a.name ?? undefined, shape: pyShape(a.shape), dtype: a.dtype },
              ),
            ),
          ]),
        );
        // saved_model_cli prints a Python value as DType + Value; the value text is what both share.
        const tfFns = Object.fromEntries(
          Object.entries(tfGraph.functions).map(([name, options]) => [name, options.map((args) => args.map((a) => (a.value !== undefined ? { value: a.value } : { name: a.name, shape: a.shape, dtype: a.dtype })))]),
        );
        expect(Object.keys(fns), `${what}: function names`).toEqual(Object.keys(tfFns));
        // Options as a set: saved_model_cli orders them by the names TensorFlow gives the functions when it
        // loads them (new unique suffixes), inspect by the names saved in the file.
        const asSet = (f: Record<string, unknown[]>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.map((o) => JSON.stringify(o)).sort()]));
        expect(asSet(fns), `${what}: concrete functions`).toEqual(asSet(tfFns));
        functionsCompared += Object.values(tfFns).flat().length;
      }
    }
    expect(opSets).toBe(jobs.length);
    expect(functionsCompared).toBeGreaterThan(10);
    expect(compared).toBe(Object.values(reference.models).flat().reduce((n, g) => n + Object.keys(g.signatures).length, 0));
    expect(compared).toBeGreaterThan(20);
  });
});
