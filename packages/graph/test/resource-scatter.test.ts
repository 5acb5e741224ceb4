// ResourceScatter{Add,Sub,Mul,Div,Min,Max,Update}: the variable after the op must be what TensorFlow left
// (resource-scatter.json, written by tf-reference/generate.py; a repeated row applies twice).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, tf } from './ops-helpers.js';
import { expectedValues, refTensor, type RefTensor } from './tf-reference.js';

interface Case { name: string; op: string; variable: RefTensor; indices: RefTensor; updates: RefTensor; after: RefTensor }
const cases = (JSON.parse(readFileSync(new URL('./resource-scatter.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases;

describe('ResourceScatter* against TensorFlow', () => {
  for (const c of cases) {
    it(`${c.op}: ${c.name}`, () => {
      const v = tf.variable(refTensor(c.variable));
      const idx = refTensor(c.indices);
      const upd = refTensor(c.updates);
      expect(run(c.op, [{ kind: 'variable', name: 'v', variable: v }, idx, upd])).toEqual([]);
      expect(v.shape).toEqual(c.after.shape);
      expect(Array.from(v.dataSync())).toEqual(expectedValues(c.after));
      tf.dispose([v, idx, upd]);
    });
  }
});
