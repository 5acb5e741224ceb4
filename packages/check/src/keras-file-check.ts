import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputMismatchError, type ModelSource } from '@savedkeras/common';
import { loadKerasModelWithReport } from 'savedkeras';
import type { CheckedInput, CheckedOutput, CheckOptions } from './check-model.js';
import { compareAll } from './compare.js';
import { makeInputs, type PlannedInput } from './plan-inputs.js';
import { planModelInputs } from './model-inputs.js';
import { parseInputs, toTensor, type TensorJson } from './tensor-json.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `check` on a `.keras` / `.h5` file. Such a file holds no TensorFlow graph to compare with, so
 * there are two references, each reported separately:
 *
 * - the same file loaded a second time on the reference backend (cpu: plain JS kernels), run on the
 *   same input: catches kernels of the backend under test that disagree (always done);
 * - Keras' own predictions, when the caller passes cases in the form of a fixture's
 *   reference/expected.json (`{cases: [{inputs, outputs, tolerance?}]}`): catches a wrong load
 *   (config, weights, layer semantics) on the backend under test.
 */

/** One case of an expected-outputs file: inputs by input name, Keras' outputs by output name. */
export interface ExpectedCase {
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  /** Per case tolerance (the file's), else the check's. */
  tolerance?: number;
}

/** Reads `{cases: [{inputs, outputs, tolerance?}]}` (a fixture's reference/expected.json) or a list of such cases. */
export function parseExpected(text: string, file: string): ExpectedCase[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputMismatchError(`${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
  const list = isObject(doc) && Array.isArray(doc['cases']) ? (doc['cases'] as unknown[]) : Array.isArray(doc) ? doc : undefined;
  if (!list || list.length === 0 || !list.every((c) => isObject(c) && isObject(c['inputs']) && isObject(c['outputs']))) {
    throw new InputMismatchError(`${file} holds no cases with inputs and outputs`, {
      file,
      hint: 'write {"cases": [{"inputs": {"x": {"dtype", "shape", "value"}}, "outputs": {"y": {...}}, "tolerance": 1e-4}]}, as a fixture\'s reference/expected.json',
    });
  }
  const inputs = parseInputs(JSON.stringify(list.map((c) => (c as Record<string, unknown>)['inputs'])), file).cases;
  const outputs = parseInputs(JSON.stringify(list.map((c) => (c as Record<string, unknown>)['outputs'])), `${file} (outputs)`).cases;
  return list.map((c, i) => {
    const t = (c as Record<string, unknown>)['tolerance'];
    return { inputs: inputs[i]!, outputs: outputs[i]!, ...(typeof t === 'number' && t >= 0 ? { tolerance: t } : {}) };
  });
}

export interface KerasFileCheckContext {
  tolerance: number;
  seed: number;
  unknownDimSize: number;
  onReference(): Promise<void>;
  onModel(): Promise<void>;
}

export interface KerasFileCheck {
  revived: { fromConfig: number; fromSavedFunctions: number; fromPlugins: number };
  inputs: CheckedInput[];
  outputs: CheckedOutput[];
  problems: string[];
  timings: { loadMs: number; referenceLoadMs: number; runMs: number };
}

type Outputs = Record<string, tf.Tensor>;

export async function checkKerasFile(
  source: ModelSource,
  options: CheckOptions,
  c: KerasFileCheckContext,
  warn: (m: string) => void,
): Promise<KerasFileCheck> {
  const load = () => loadKerasModelWithReport(source, { customObjects: options.customObjects, onProgress: options.onProgress, warn, limits: options.limits, compile: false });
  let t0 = performance.now();
  const { model, report } = await load();
  const loadMs = performance.now() - t0;
  let reference: tfl.LayersModel | undefined;
  try {
    // A second copy whose weights live on the reference backend (tfjs places variables on the backend active when they are made).
    t0 = performance.now();
    await c.onReference();
    try {
      reference = (await load()).model;
    } finally {
      await c.onModel();
    }
    const referenceLoadMs = performance.now() - t0;
    const names = report.inputNames;
    const run = (m: tfl.LayersModel, x: Outputs): Outputs => {
      const xs = names.map((n, i) => (x[n]!.dtype === m.inputs[i]!.dtype || x[n]!.dtype === 'string' ? x[n]! : tf.cast(x[n]!, m.inputs[i]!.dtype)));
      try {
        // predict() as users call it; apply() where tfjs' predict cannot (string inputs, rank-1 inputs it would expand).
        const arg = xs.length === 1 ? xs[0]! : xs;
        const direct = xs.some((t) => t.dtype === 'string' || t.rank < 2);
        const y = (direct ? m.apply(arg, { training: false }) : m.predict(arg)) as tf.Tensor | tf.Tensor[];
        const ys = Array.isArray(y) ? y : [y];
        return Object.fromEntries(ys.map((t, i) => [report.outputNames[i] ?? `output_${i}`, t]));
      } finally {
        xs.forEach((t, i) => t !== x[names[i]!] && t.dispose());
      }
    };

    t0 = performance.now();
    const planned = planKerasFileInputs(model, names, options.inputs, c.unknownDimSize);
    const x = makeInputs(planned, c.seed);
    let got: Outputs | undefined;
    let want: Outputs | undefined;
    const outputs: CheckedOutput[] = [];
    const problems: string[] = [];
    try {
      got = run(model, x);
      await c.onReference();
      try {
        want = run(reference, x);
      } finally {
        await c.onModel();
      }
      const vsReference = compareAll(got, want, null, c.tolerance, report.outputNames, undefined);
      outputs.push(...vsReference.outputs);
      problems.push(...vsReference.problems.map((p) => `against the reference backend: ${p}`));
    } finally {
      tf.dispose([...Object.values(x), ...Object.values(got ?? {}), ...Object.values(want ?? {})]);
    }

    for (const [i, expected] of (options.expected ?? []).entries()) {
      const missing = names.filter((n) => !(n in expected.inputs));
      if (missing.length > 0) {
        throw new InputMismatchError(`expected case ${i} lacks the model's inputs ${missing.join(', ')} (the model takes ${names.join(', ')})`, {
          hint: 'name every input as the model names it (its input layers)',
        });
      }
      const xs: Outputs = Object.fromEntries(names.map((n) => [n, toTensor(n, expected.inputs[n]!)]));
      const wantCase: Outputs = Object.fromEntries(Object.entries(expected.outputs).map(([n, t]) => [n, toTensor(n, t)]));
      let gotCase: Outputs | undefined;
      try {
        gotCase = run(model, xs);
        const cmp = compareAll(gotCase, wantCase, null, expected.tolerance ?? c.tolerance, report.outputNames, undefined);
        outputs.push(...cmp.outputs.map((o) => ({ ...o, expectedCase: i })));
        problems.push(...cmp.problems.map((p) => `against expected case ${i}: ${p}`));
      } finally {
        tf.dispose([...Object.values(xs), ...Object.values(wantCase), ...Object.values(gotCase ?? {})]);
      }
    }
    return {
      revived: { fromConfig: report.fromConfig, fromSavedFunctions: report.fromSavedFunctions, fromPlugins: report.fromPlugins },
      inputs: planned,
      outputs,
      problems,
      timings: { loadMs, referenceLoadMs, runMs: performance.now() - t0 },
    };
  } finally {
    model.dispose();
    reference?.dispose();
  }
}

/** The given inputs (checked against the model's input names), else seeded ones from the model's own input layers. */
function planKerasFileInputs(model: tfl.LayersModel, names: string[], given: Record<string, TensorJson> | undefined, unknownDimSize: number): PlannedInput[] {
  if (given) {
    const missing = names.filter((n) => !(n in given));
    const extra = Object.keys(given).filter((n) => !names.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new InputMismatchError(
        `the model takes inputs ${names.join(', ')}; the given inputs${missing.length ? ` lack ${missing.join(', ')}` : ''}${extra.length ? ` have unknown ${extra.join(', ')}` : ''}`,
        { hint: 'name every input as the model names it (its input layers)' },
      );
    }
    return names.map((n) => ({ name: n, dtype: given[n]!.dtype, shape: [...given[n]!.shape], guessedDims: [], values: 'given', given: given[n]! }));
  }
  const numeric = planModelInputs(model, { batch: 2, unknownDimSize });
  if (numeric) return numeric.map((p, i) => ({ ...p, name: names[i] ?? p.name }));
  // String inputs: words of the model's own vocabulary (a TextVectorization / StringLookup layer), else made-up words.
  const vocabulary = stringVocabulary(model);
  return model.inputs.map((input, k) => {
    const shape = input.shape.map((d, i) => (i === 0 ? 2 : d !== null && d >= 0 ? d : unknownDimSize));
    const name = names[k] ?? input.name;
    if (input.dtype === 'string') return { name, dtype: 'string', shape, guessedDims: [], values: 'words', vocabulary: vocabulary ?? ['the', 'a', 'model'], ...(vocabulary ? { from: 'the model vocabulary' } : {}) };
    if (input.dtype === 'int32') return { name, dtype: 'int32', shape, guessedDims: [], values: 'integers', range: [0, 2] };
    return { name, dtype: input.dtype, shape, guessedDims: [], values: 'normal' };
  });
}

function stringVocabulary(model: tfl.LayersModel): string[] | undefined {
  for (const layer of model.layers) {
    const lookup = layer as unknown as { getVocabulary?: () => unknown[] };
    if (typeof lookup.getVocabulary !== 'function') continue;
    const words = lookup.getVocabulary().filter((w): w is string => typeof w === 'string' && w !== '' && !/^\[.*\]$/.test(w));
    if (words.length > 0) return words.slice(0, 64);
  }
  return undefined;
}
