import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExpected, type ExpectedCase as Case, type TensorJson } from '@savedkeras/fixtures';
import { ensureBuilt, fixturesDir, loadManifest, pool, runCli, type CliRun, type ManifestModel } from './helpers.js';

/**
 * `savedkeras predict --json` (on wasm, the default backend; Keras models both revived and through
 * their saved serving graph) reproduces every case of every fixture's reference/expected.json
 * (the author's printed outputs, tfjs-node test values, NumPy re-implementations) within each
 * case's tolerance: |got - want| <= tol + tol * |want|, exact when the case gives none.
 */

const manifest = loadManifest();
const withReference = (manifest ?? []).filter((m) => readExpected(m.dir) !== undefined);

/** One CLI run: the cases of one fixture that share a signature and whether they fit its declared shapes, fed as a list. */
interface Job {
  model: ManifestModel;
  signature: string | undefined;
  fits: boolean;
  cases: { c: Case; id: string }[];
  args: string[];
  run?: CliRun;
}
const jobs: Job[] = [];
let tmp: string;

function casesOf(m: ManifestModel): { signature: string | undefined; c: Case; label: string }[] {
  const exp = readExpected(m.dir)!;
  const keras = m.metadata_source !== 'none';
  // Keras models run as the revived LayersModel (no --signature); others run the named signature.
  const main = keras ? undefined : exp.signature;
  const out = [
    ...exp.cases.map((c, i) => ({ signature: main, c, label: `case ${i}` })),
    ...(exp.numpy_cases ?? []).map((c, i) => ({ signature: main, c, label: `numpy case ${i}` })),
  ];
  // Keras models: the saved graph as well (`--signature`), on the same backend: the revived model and the
  // graph run different kernels (a graph-only fusion or kernel bug would pass unseen otherwise).
  const graphSig = exp.signature ?? 'serving_default';
  if (keras && m.signatures[graphSig]) {
    out.push(...exp.cases.map((c, i) => ({ signature: graphSig, c, label: `saved graph ${graphSig} case ${i}` })));
  }
  for (const [sig, other] of Object.entries(exp.other_signatures ?? {})) {
    out.push(...other.cases.map((c, i) => ({ signature: sig, c, label: `${sig} case ${i}` })));
  }
  return out;
}

/** A case fed with another rank than the signature declares (tfjs-node's test feeds [3] to a scalar input) runs with a warning, as in TensorFlow. */
function fitsSignature(m: ManifestModel, signature: string, c: Case): boolean {
  const sig = m.signatures[signature];
  if (!sig) return true;
  return Object.entries(c.inputs).every(([name, t]) => {
    const shape = sig.inputs[name]?.shape;
    return !shape || (shape.length === t.shape.length && shape.every((d, i) => d < 0 || d === t.shape[i]));
  });
}

describe.skipIf(manifest === null)('savedkeras predict reproduces reference/expected.json', () => {
  beforeAll(async () => {
    ensureBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-predict-'));
    for (const m of withReference) {
      const groups = new Map<string, Job>();
      for (const { signature, c, label } of casesOf(m)) {
        const fits = fitsSignature(m, signature ?? 'serving_default', c);
        const key = `${signature} ${fits}`;
        let job = groups.get(key);
        if (!job) {
          const args = ['--backend', 'wasm', 'predict', path.join(fixturesDir, m.slug), '--input', '', '--json'];
          if (signature) args.push('--signature', signature);
          job = { model: m, signature, fits, cases: [], args };
          groups.set(key, job);
          jobs.push(job);
        }
        job.cases.push({ c, id: `${m.slug} ${label}` });
      }
    }
    for (const [i, job] of jobs.entries()) {
      const file = path.join(tmp, `${i}.json`);
      await writeFile(file, JSON.stringify(job.cases.map((x) => x.c.inputs)));
      job.args[job.args.indexOf('--input') + 1] = file;
    }
    await pool(jobs.map((j) => async () => void (j.run = await runCli(j.args))), 2);
    const slow = jobs.filter((j) => j.run!.ms > 3000).map((j) => `${j.model.slug} ${(j.run!.ms / 1000).toFixed(1)}s`);
    const cases = jobs.reduce((n, j) => n + j.cases.length, 0);
    process.stderr.write(`[cli tests] predict: ${cases} cases in ${jobs.length} runs${slow.length ? `; slow: ${slow.join(', ')}` : ''}\n`);
  }, 600_000); // many CLI runs; under load on 2 cores they take minutes, not the default 2
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('covers every fixture with a reference, including the tf.Module examples', () => {
    const slugs = new Set(jobs.map((j) => j.model.slug));
    expect(slugs.size).toBe(withReference.length);
    for (const s of ['tfmodule-regress-example', 'tfmodule-x-plus-one', 'tfmodule-uint8-input-ref', 'tfmodule-two-signatures-ref']) {
      expect(slugs.has(s)).toBe(true);
    }
  });

  it.each(withReference)('$slug', (m: ManifestModel) => {
    for (const j of jobs.filter((x) => x.model.slug === m.slug)) {
      const run = j.run!;
      expect(run.stderr, j.cases[0]!.id).not.toMatch(/error/);
      expect(run.code, j.cases[0]!.id).toBe(0);
      // Shapes the signature does not declare run as tfjs-node's loadSavedModel runs them, with a warning.
      if (j.fits) expect(run.stderr, j.cases[0]!.id).not.toMatch(/the signature declares/);
      else expect(run.stderr, j.cases[0]!.id).toMatch(/input x has shape \[3\], the signature declares \[\]; running it as TensorFlow would/);
      const results = JSON.parse(run.stdout) as Record<string, TensorJson>[];
      expect(results).toHaveLength(j.cases.length);
      j.cases.forEach(({ c, id }, k) => expectOutputs(results[k]!, c, id));
    }
  });
});

function expectOutputs(got: Record<string, TensorJson>, c: Case, id: string): void {
  expect(Object.keys(got).sort(), id).toEqual(Object.keys(c.outputs).sort());
  const tol = c.tolerance ?? 0;
  for (const [name, want] of Object.entries(c.outputs)) {
    const g = got[name]!;
    expect(g.shape, `${id} ${name}`).toEqual(want.shape);
    const gv = flat(g.value_base64 ?? g.value);
    const wv = flat(want.value_base64 ?? want.value);
    expect(gv.length).toBe(wv.length);
    let worst = 0;
    wv.forEach((w, i) => {
      if (typeof w !== 'number') return expect(gv[i], `${id} ${name}[${i}]`).toEqual(w);
      worst = Math.max(worst, Math.abs((gv[i] as number) - w) - (tol + tol * Math.abs(w)));
    });
    expect(worst, `${id} ${name}: largest excess over the tolerance ${tol}`).toBeLessThanOrEqual(0);
  }
}

function flat(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flat(Infinity as 1) : [v];
}
