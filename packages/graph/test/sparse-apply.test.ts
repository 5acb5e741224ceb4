// ResourceSparseApply*: the variable and its slots after the op must be what TensorFlow's CPU kernels left
// (sparse-apply.json, written by tf-reference/generate.py `sparse_apply`; a repeated index updates its row twice).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Value } from '../src/kernel.js';
import { A, run, tf } from './ops-helpers.js';
import { expectedValues, refTensor, type RefTensor } from './tf-reference.js';

interface Input extends RefTensor { resource?: string }
interface Case { name: string; op: string; attrs: Record<string, boolean>; inputs: Input[]; after: RefTensor[] }
const cases = (JSON.parse(readFileSync(new URL('./sparse-apply.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases;

describe('ResourceSparseApply* against TensorFlow', () => {
  it('covers the seven sparse optimizers TF has for the dense ones we run', () => {
    expect(new Set(cases.map((c) => c.op)).size).toBe(7);
  });
  for (const c of cases) {
    it(`${c.op}: ${c.name}`, () => {
      const variables: tf.Variable[] = [];
      const inputs: Value[] = c.inputs.map((t) => {
        if (!t.resource) return refTensor(t);
        const v = tf.variable(refTensor(t));
        variables.push(v);
        return { kind: 'variable', name: t.resource, variable: v };
      });
      const attrs = Object.fromEntries(Object.entries(c.attrs).map(([k, b]) => [k, A.b(b)]));
      expect(run(c.op, inputs, attrs)).toEqual([]);
      c.after.forEach((e, k) => {
        const got = Array.from(variables[k]!.dataSync());
        const want = expectedValues(e) as number[];
        const worst = Math.max(...want.map((w, i) => Math.abs(got[i]! - w) / Math.max(1, Math.abs(w))));
        expect(worst, `variable ${k} (${c.inputs.filter((i) => i.resource)[k]!.resource})`).toBeLessThan(2e-6);
      });
      tf.dispose(variables);
    });
  }
  it('refuses an index outside the variable', () => {
    const v = tf.variable(tf.zeros([3, 2]));
    const a = tf.variable(tf.ones([3, 2]));
    expect(() => run('ResourceSparseApplyAdagrad', [
      { kind: 'variable', name: 'v', variable: v }, { kind: 'variable', name: 'a', variable: a },
      tf.scalar(0.1), tf.ones([1, 2]), tf.tensor1d([3], 'int32'),
    ])).toThrow(/index 3 is out of range \[0, 3\)/);
    tf.dispose([v, a]);
  });
});
