import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// The facade comes from its sources by path: @savedkeras/testing cannot depend on it (its tests depend on testing).
import * as facade from '../../savedkeras/src/index.js';
import { bundleFuzzChild } from '../src/fuzz/bundle.js';
import { judgeStructural, runStructuralCase, structuralCase, type StructuralFacade, type StructuralTf } from '../src/fuzz/structural.js';
import { formatStructuralSummary, runStructuralFuzz } from '../src/fuzz/structural-pool.js';

/**
 * The fixed-seed structural fuzz batch (issue 14): valid-but-hostile graphs and Keras edits from
 * the grammar, each in a child process that must answer within the case timeout and stay under
 * 2 GiB RSS, with a SavedKerasError or the right answer and no tensor left alive; afterwards a
 * real load and predict in the same child gives the reference answer. Smaller work limits than
 * the defaults keep the batch fast; `pnpm fuzz --structural` runs with the defaults.
 */
const SEED = 14;
const COUNT = 48;
const LIMITS = { maxKernelLaunches: 20_000, maxLiveBytes: 256 * 2 ** 20 };

describe('structural fuzz', () => {
  it('the grammar is deterministic and reaches every kind of case', () => {
    const a = structuralCase(SEED, 3);
    const b = structuralCase(SEED, 3);
    expect(a.what).toBe(b.what);
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    const whats = Array.from({ length: COUNT }, (_, i) => structuralCase(SEED, i));
    const kinds = new Set(whats.map((c) => c.what));
    // Loops, fan-outs, big shapes, splats, deep calls, checkpoint lies, class names, indexes, deep JSON, .keras config edits.
    for (const k of [/While nested/, /calling the next twice/, /outer product|broadcast|Einsum/, /ConcatV2 doubling/, /string Const splat/, /call chain/, /relabelled/, /Dense renamed/, /prefix-amplified/, /JSON nested \d+ deep/, /^\.keras /]) {
      expect([...kinds].some((w) => k.test(w)), `${k} among the cases of seed ${SEED}`).toBe(true);
    }
    expect(whats.some((c) => c.what.includes('inside'))).toBe(true);
  });

  it(`${COUNT} fixed-seed cases end in a typed error or the right answer, in time, under 2 GiB, and the process stays healthy`, { timeout: 600_000 }, async () => {
    const summary = await runStructuralFuzz({ childFile: await bundleFuzzChild(undefined, 'structural'), seed: SEED, count: COUNT, caseTimeoutMs: 30_000, limits: LIMITS });
    console.log(formatStructuralSummary(summary));
    expect(summary.failures.map((f) => `case ${f.index} [${f.mode}] ${f.what}: ${f.outcome}: ${f.failure}`), `replay: pnpm fuzz --structural --seed ${SEED} --case <index>`).toEqual([]);
    expect(summary.health).toBeUndefined();
    expect(summary.peakRss).toBeLessThan(2 * 2 ** 30);
    // Both sides are reached: cases that must stop (LIMIT, FORMAT, ...) and cases that compute.
    expect(summary.outcomes['LIMIT'] ?? 0).toBeGreaterThan(5);
    expect(summary.outcomes['ok'] ?? 0).toBeGreaterThan(5);
  });

  it('the judge fails what it must: a value where an error was due, a wrong value, an untyped error, a leak', async () => {
    await tf.setBackend('cpu');
    const sk = facade as unknown as StructuralFacade;
    // Find a value case and an error case of the seed, run one for real, then falsify its outcome.
    const cases = Array.from({ length: COUNT }, (_, i) => structuralCase(SEED, i));
    const valueCase = cases.find((c) => c.expect.kind === 'value' && c.mode === 'signature')!;
    const errorCase = cases.find((c) => c.expect.kind === 'error')!;
    const out = await runStructuralCase(sk, tf as unknown as StructuralTf, valueCase, { limits: LIMITS });
    expect(judgeStructural(valueCase, out)).toBeUndefined();
    expect(out.kind === 'ok' || out.code === 'LIMIT').toBe(true);
    if (out.kind === 'ok') {
      expect(judgeStructural(valueCase, { ...out, y: out.y!.map((v) => v + 1) })).toMatch(/wrong value/);
      expect(judgeStructural(errorCase, out)).toMatch(/expected a SavedKerasError/);
    }
    expect(judgeStructural(valueCase, { kind: 'untyped', message: 'TypeError: x', ms: 1, leaked: 0 })).toMatch(/untyped/);
    expect(judgeStructural(errorCase, { kind: 'typed', code: 'LIMIT', ms: 1, leaked: 2 })).toMatch(/2 tensors left alive/);
  });
});
