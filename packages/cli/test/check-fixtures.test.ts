import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@savedkeras/check';
import { ensureBuilt, fixturesDir, loadManifest, pool, runCli, type CliRun, type ManifestModel } from './helpers.js';

/**
 * `savedkeras check --json` on every real fixture: the model as savedkeras loads it against the
 * model's own saved graph on the same seeded input. Each fixture must pass, except the ones listed
 * in EXPECTED_FAILURES with the typed error they must fail with.
 */
const manifest = loadManifest();

const EXPECTED_FAILURES: Record<string, { code: string; reason: string }> = {
  'tfmodule-variables-only-no-signature': {
    code: 'NOT_SAVED',
    reason: 'a tf.Module with variables only: no Keras metadata, no signature, no function, so nothing can run',
  },
};

/**
 * Backends: wasm (what users get without tfjs-node) for every fixture. The text models also prove the
 * graph's own RaggedTensorToTensor densifying on wasm, where tfjs registers no kernel for it.
 */
const CPU_ONLY = new Set<string>();

/**
 * The reference (the saved graph) runs on the cpu backend, the model on wasm, for every fixture but
 * these: on tfjs' plain-JS kernels this U-Net's transposed convolutions take about 4 minutes (15 s on
 * wasm). Their saved graph is checked on wasm; the cpu reference is proven by check-backends.test.ts.
 */
const REFERENCE_ON_WASM = new Set(['unet-denoise-autoencoder']);

/** The models whose outputs depend on random ops (VAE sampling, StyleGAN noise inputs): both paths are seeded alike. */
const RANDOM = new Set(['subclassed-betavae-sampling', 'legacy-tf21-stylegan-custom-layers']);

const runs = new Map<string, CliRun>();

describe.skipIf(manifest === null)('savedkeras check on every real fixture', () => {
  beforeAll(async () => {
    ensureBuilt();
    // The slowest first, so that the pool does not end on them.
    const order = [...manifest!].sort((a, b) => weight(b) - weight(a));
    await pool(
      order.map((m) => async () => {
        const backend = CPU_ONLY.has(m.slug) ? 'cpu' : 'wasm';
        const reference = REFERENCE_ON_WASM.has(m.slug) ? ['--reference-backend', 'wasm'] : [];
        runs.set(m.slug, await runCli(['--backend', backend, 'check', path.join(fixturesDir, m.slug), '--json', ...reference]));
      }),
      2,
    );
    const times = [...runs.entries()].map(([slug, r]) => `${slug} ${(r.ms / 1000).toFixed(1)}s`);
    process.stderr.write(`[cli tests] check --json wall time per fixture: ${times.join(', ')}\n`);
  }, 900_000); // many CLI runs; under load on 2 cores they take minutes, not the default 2

  it.each(manifest ?? [])('$slug', (m: ManifestModel) => {
    const run = runs.get(m.slug)!;
    const expectedFailure = EXPECTED_FAILURES[m.slug];
    if (expectedFailure) {
      expect(run.code, expectedFailure.reason).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`error [${expectedFailure.code}]`);
      return;
    }
    expect(run.stderr).not.toMatch(/internal error/);
    const result = JSON.parse(run.stdout) as CheckResult;
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(run.code).toBe(0);

    expect(result.tolerance).toBe(1e-4);
    expect(result.backend).toBe(CPU_ONLY.has(m.slug) ? 'cpu' : 'wasm');
    expect(result.referenceBackend).toBe(REFERENCE_ON_WASM.has(m.slug) ? 'wasm' : 'cpu');
    expect(typeof result.maxAbsDiff).toBe('number');
    expect(result.maxRelDiff!).toBeLessThanOrEqual(result.tolerance); // |a-b| <= tol * (1 + |b|) for every element
    const keras = m.metadata_source !== 'none';
    expect(result.kind).toBe(keras ? 'keras' : 'signatures');
    if (keras) {
      // Compared with the serving signature, output by output, under the signature's own names.
      expect(result.reference).toBe('serving_default');
      const revived = result.revived!;
      expect(revived.fromConfig + revived.fromSavedFunctions + revived.fromPlugins).toBeGreaterThan(0);
      const want = Object.keys(m.signatures['serving_default']!.outputs).sort();
      expect(result.outputs.map((o) => o.name).sort()).toEqual(want);
    } else {
      expect(result.revived).toBeNull();
      const withOutputs = Object.entries(m.signatures).filter(([, s]) => Object.keys(s.outputs).length > 0);
      const checked = new Set(result.outputs.map((o) => o.signature));
      expect([...checked].sort()).toEqual(withOutputs.map(([name]) => name).sort());
    }
    for (const o of result.outputs) {
      expect(o.compared).toBe(true);
      expect(o.ok).toBe(true);
      expect(o.shape[0] === undefined || o.shape.every((d) => d > 0)).toBe(true);
    }
    expect(result.randomOutputs).toBe(RANDOM.has(m.slug) ? 'seeded' : 'none');
  });
});

/** Rough cost: the big convolutional models take seconds. */
function weight(m: ManifestModel): number {
  const big: Record<string, number> = {
    'custom-argmax-nested-autoencoder-tf29': 100,
    'legacy-tf21-stylegan-custom-layers': 50,
    'unet-denoise-autoencoder': 40,
    'functional-lstm-tfoplambda': 25,
    'timedistributed-lrcn-video-tf27': 25,
  };
  return big[m.slug] ?? m.variable_tensors / 10;
}
