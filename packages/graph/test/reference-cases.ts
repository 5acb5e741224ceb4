// Runs the signature cases of every fixture's reference/expected.json (shared by the
// signatures-reference-*.test.ts files, which split the fixtures so vitest can run them in parallel).
import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { InputMismatchError } from '@savedkeras/common';
import { listFixtures, requireFixtures } from '@savedkeras/testing';
import { loadSignatures, type SignatureFunction } from '../src/index.js';
import { caseTensor, compare, openFixture, readExpected, type ExpectedCase } from './fixture-model.js';

/** Too slow for unit tests on the cpu backend. */
const SKIP = new Set(['unet-denoise-autoencoder']);

function fitsSignature(sig: SignatureFunction, inputs: Record<string, tf.Tensor>): boolean {
  return sig.inputs.every((i) => {
    const t = inputs[i.name]!;
    return i.shape === null || (i.shape.length === t.rank && i.shape.every((d, k) => d < 0 || d === t.shape[k]));
  });
}

export function referenceTests(label: string, pick: (slug: string) => boolean): void {
  const present = requireFixtures(`graph signature reference cases (${label})`);
  const slugs = present ? listFixtures().map((f) => f.slug).filter((s) => !SKIP.has(s) && pick(s) && readExpected(s)) : [];
  describe.skipIf(!present)(`signatures match reference/expected.json (${label})`, () => {
    const table: string[] = [];
    test.each(slugs)('%s', async (slug) => {
      const exp = readExpected(slug)!;
      const { graph, checkpoint } = await openFixture(slug);
      const model = await loadSignatures(graph, checkpoint);
      try {
        const groups: [string, ExpectedCase[]][] = [[exp.signature, exp.cases], ...Object.entries(exp.other_signatures ?? {}).map(([k, v]) => [k, v.cases] as [string, ExpectedCase[]])];
        for (const [name, cases] of groups) {
          const sig = model.signatures[name];
          expect(sig, `signature ${name}`).toBeDefined();
          expect(sig!.unsupportedOps()).toEqual([]);
          let worst = 0;
          for (const c of cases) {
            const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, caseTensor(v)]));
            // A case fed with a shape the signature does not declare (tfjs-node's own test does that)
            // is refused when asked to, and runs by default with a warning, as in TensorFlow.
            const strict = fitsSignature(sig!, inputs);
            if (!strict) expect(() => sig!(inputs, { checkShapes: true })).toThrow(InputMismatchError);
            const warnings: string[] = [];
            const out = sig!(inputs, { warn: (m) => warnings.push(m) });
            expect(warnings.length > 0, 'a warning for an undeclared shape').toBe(!strict);
            expect(Object.keys(out).sort()).toEqual(Object.keys(c.outputs).sort());
            for (const [k, e] of Object.entries(c.outputs)) {
              const r = compare(out[k]!, e, c.tolerance ?? 0);
              expect(r.ok, `${name}.${k}: max |diff| ${r.maxAbs} ${r.why ?? ''}`).toBe(true);
              worst = Math.max(worst, r.maxAbs);
            }
            tf.dispose(Object.values(out));
            // Again, to count tensors: the first call also caches the graph's Const values.
            const before = tf.memory().numTensors;
            tf.dispose(Object.values(sig!(inputs, { checkShapes: false })));
            expect(tf.memory().numTensors, 'tensors left behind by a call').toBe(before);
            tf.dispose(Object.values(inputs));
          }
          table.push(`${slug} ${name}: ${cases.length} case(s), max |diff| ${worst.toExponential(2)}`);
        }
      } finally {
        model.dispose();
      }
    });
    test.skipIf(slugs.length === 0)('summary', () => {
      console.log(`[graph] reference cases (${label}):\n  ${table.sort().join('\n  ')}`);
    });
  });
}
