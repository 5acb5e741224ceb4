// tf.random.stateless_* in TF 2.x: StatelessRandomGetKeyCounter then a V2 op (alg 1, Philox). The whole
// chain must give TensorFlow's numbers (stateless-random-v2.json, written by tf-reference/generate.py):
// the 64-bit key/counter words travel from one kernel to the next though int64 is carried as int32.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A, DataType, run, tf, tensorOut } from './ops-helpers.js';
import { expectedValues, type RefTensor } from './tf-reference.js';

interface Case { name: string; fn: string; seed: number[]; shape: number[]; minval?: number; maxval?: number; values: RefTensor }
const cases = (JSON.parse(readFileSync(new URL('./stateless-random-v2.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases;
const OPS: Record<string, string> = {
  uniform: 'StatelessRandomUniformV2', normal: 'StatelessRandomNormalV2', truncated: 'StatelessTruncatedNormalV2', uniform_int: 'StatelessRandomUniformIntV2',
};

describe('stateless random V2 chain against TensorFlow', () => {
  for (const c of cases) {
    it(c.name, () => {
      const seed = tf.tensor1d(c.seed, 'int32');
      const [key, counter] = run('StatelessRandomGetKeyCounter', [seed], { Tseed: A.type(DataType.INT32) }).map(tensorOut);
      const shape = tf.tensor1d(c.shape, 'int32');
      const alg = tf.scalar(1, 'int32');
      const int = c.fn === 'uniform_int';
      const extra = int ? [tf.scalar(c.minval!, 'int32'), tf.scalar(c.maxval!, 'int32')] : [];
      const out = tensorOut(run(OPS[c.fn]!, [shape, key!, counter!, alg, ...extra], { dtype: A.type(int ? DataType.INT32 : DataType.FLOAT) })[0]);
      expect(out.shape).toEqual(c.values.shape);
      const want = expectedValues(c.values) as number[];
      const got = Array.from(out.dataSync());
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `element ${i}: ${v} != ${want[i]}`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want[i]!))));
      tf.dispose([seed, key!, counter!, shape, alg, ...extra, out]);
    });
  }
});
