import { describe, expect, it } from 'vitest';
import { bundleFuzzChild } from '../src/fuzz/bundle.js';
import { fixtureCorpus, generatedCorpus } from '../src/fuzz/corpus.js';
import { formatSummary, runFuzz } from '../src/fuzz/pool.js';
import { fixturesRoot, requireFixtures } from '../src/fixtures.js';

/**
 * The fixed-seed fuzz batch of the normal test suite: 20,000 mutated models (generated ones, plus
 * small real fixtures when ../shared is there), each loaded end to end in a child process. Every
 * case must end in success or a SavedKerasError, within the timeout and memory bound, and a
 * checkpoint mutation must never load with different weights. `pnpm fuzz` runs the same thing
 * for as long as asked, with any seed.
 */
const SEED = 20240611;
const CASES = 20_000;
/** Small fixtures that load in well under a second, covering Keras revival, tf.Module signatures, TF1-era and Keras 3 exports. */
const FIXTURES = [
  'tfmodule-x-plus-one',
  'tfmodule-regress-example',
  'tfmodule-uint8-input-ref',
  'tfmodule-two-signatures-ref',
  'tfmodule-variables-only-no-signature',
  'legacy-subclassed-tfjs-graph',
  'keras3-export-mlp-tf216',
  'seq-logistic-rmsprop',
  'mlp-dqn-functional-snake',
  'seq-mlp-coinflip-ref',
  'legacy-tf23-cnn-gap-dynamic',
  'seq-normalization-autompg',
];

describe('fuzz batch', () => {
  it(`${CASES} fixed-seed cases end in success or a typed error, without hang, crash, memory spike or wrong weights`, { timeout: 900_000 }, async () => {
    const corpus = [...generatedCorpus(), ...(requireFixtures('fuzz batch on real fixtures') && fixturesRoot() ? fixtureCorpus({ slugs: FIXTURES }) : [])];
    const summary = await runFuzz({ childFile: await bundleFuzzChild(), corpus, seed: SEED, cases: CASES, workers: 2, timeoutMs: 30_000 });
    console.log(formatSummary(summary));
    const failures = summary.failures.map(
      (f) => `case ${f.index} ${f.failure} ${f.model} [${f.mode}] ${f.description}\n    ${f.outcome?.name}: ${f.outcome?.message?.split('\n')[0]}\n${f.outcome?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`,
    );
    expect(failures, `replay one with: pnpm fuzz --seed ${SEED} --case <index> --corpus ${FIXTURES.join(',')}`).toEqual([]);
    expect(summary.cases).toBe(CASES);
    // Every model of the corpus loads unmutated, and the mutations reach every layer: loads that
    // succeed, checksum failures, format errors.
    for (const b of summary.baselines) expect(b.modes.length, `${b.name}: ${JSON.stringify(b.skipped)}`).toBeGreaterThan(0);
    for (const code of ['ok', 'CHECKSUM', 'FORMAT', 'MISSING_FILE']) expect(summary.outcomes[code] ?? 0, code).toBeGreaterThan(100);
  });
});
