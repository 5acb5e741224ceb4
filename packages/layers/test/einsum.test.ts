import './helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { einsum2, parseEinsum } from '../src/einsum.js';
import { expectClose, rand } from './helpers.js';

/** Einsum by enumerating every index assignment: slow, obviously correct, independent of einsum2. */
function naiveEinsum(eq: string, a: { shape: number[]; data: number[] }, b: { shape: number[]; data: number[] }): { shape: number[]; data: number[] } {
  const [lhs, out] = eq.split('->');
  const [sa, sb] = lhs.split(',');
  const size = new Map<string, number>();
  [...sa].forEach((c, i) => size.set(c, a.shape[i]));
  [...sb].forEach((c, i) => size.set(c, b.shape[i]));
  const letters = [...size.keys()];
  const outShape = [...out].map((c) => size.get(c)!);
  const res = new Array(outShape.reduce((p, d) => p * d, 1)).fill(0);
  const offset = (spec: string, shape: number[], idx: Map<string, number>) => [...spec].reduce((o, c, i) => o * shape[i] + idx.get(c)!, 0);
  const idx = new Map<string, number>();
  const walk = (k: number) => {
    if (k === letters.length) {
      res[offset(out, outShape, idx)] += a.data[offset(sa, a.shape, idx)] * b.data[offset(sb, b.shape, idx)];
      return;
    }
    for (let v = 0; v < size.get(letters[k])!; v++) {
      idx.set(letters[k], v);
      walk(k + 1);
    }
  };
  walk(0);
  return { shape: outShape, data: res };
}

describe('einsum2', () => {
  const cases: [string, number[], number[]][] = [
    ['abc,cde->abde', [2, 3, 4], [4, 2, 5]], // EinsumDense query/key/value projection
    ['abcd,cde->abe', [2, 3, 2, 5], [2, 5, 4]], // attention_output projection
    ['aecd,abcd->acbe', [2, 4, 3, 5], [2, 3, 3, 5]], // MHA scores (key, query)
    ['acbe,aecd->abcd', [2, 3, 4, 5], [2, 5, 3, 6]], // MHA combine (scores, value)
    ['ab,bc->ac', [3, 4], [4, 2]],
    ['ab,cd->abcd', [2, 3], [3, 2]], // outer product
    ['abc,cd->ad', [2, 3, 4], [4, 5]], // b summed away on one side only
    ['abc,c->ab', [2, 3, 4], [4]],
    ['bca,ab->cb', [3, 4, 2], [2, 3]], // batch letter a not leading
  ];
  for (const [eq, sa, sb] of cases) {
    it(`matches index enumeration for ${eq}`, () => {
      const na = sa.reduce((p, d) => p * d, 1);
      const nb = sb.reduce((p, d) => p * d, 1);
      const a = { shape: sa, data: rand(na, 11) };
      const b = { shape: sb, data: rand(nb, 29) };
      const want = naiveEinsum(eq, a, b);
      const got = einsum2(eq, tf.tensor(a.data, sa), tf.tensor(b.data, sb));
      expectClose(got, want.data, 1e-5, want.shape);
    });
  }

  it('expands a left ellipsis by operand rank', () => {
    const a = { shape: [2, 3, 4], data: rand(24, 3) };
    const b = { shape: [4, 5], data: rand(20, 4) };
    const got = einsum2('...b,bc->...c', tf.tensor(a.data, a.shape), tf.tensor(b.data, b.shape));
    const want = naiveEinsum('xyb,bc->xyc', a, b);
    expectClose(got, want.data, 1e-5, [2, 3, 5]);
  });

  it('rejects diagonals and malformed equations', () => {
    expect(() => parseEinsum('aa,ab->b', 2, 2)).toThrow(/repeated/);
    expect(() => parseEinsum('abc', 3, 3)).toThrow(/two-operand/);
    expect(() => parseEinsum('ab,bc->ad', 2, 2)).toThrow(/neither operand/);
    expect(() => einsum2('ab,bc->ac', tf.zeros([2, 3]), tf.zeros([4, 2]))).toThrow(/sizes 3 and 4/);
  });
});
