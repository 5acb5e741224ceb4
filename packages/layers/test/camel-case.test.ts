// tfjsCamelCase must give exactly what tfjs-layers' own toCamelCase gives (tfjs converts every config key
// and string value with it), cached or not. Expected values are worked by hand from that rule: a run of
// underscores and the word character after it become the character upper-cased; a run at the end is dropped;
// a run before a non-word character leaves one underscore.
import { describe, expect, it } from 'vitest';
import { tfjsCamelCase } from '../src/index.js';

const CASES: [string, string][] = [
  ['kernel_initializer', 'kernelInitializer'],
  ['batch_input_shape', 'batchInputShape'],
  ['conv2d_1', 'conv2d1'],
  ['a__b', 'aB'],
  ['a__', 'a'],
  ['_a', 'A'],
  ['x__-y', 'x_-y'],
  ['x_-y', 'x_-y'],
  ['é_b_é', 'éB_é'],
  ['_', '_'],
  ['plain', 'plain'],
  ['__operators__.getitem', 'Operators_.getitem'],
];

describe('tfjsCamelCase', () => {
  it('follows tfjs-layers toCamelCase on hand-worked cases, first call and cached call alike', () => {
    for (const [s, want] of CASES) {
      expect(tfjsCamelCase(s), s).toBe(want);
      expect(tfjsCamelCase(s), `${s} (cached)`).toBe(want);
    }
  });
  it('stays right after more distinct strings than the cache keeps, and for long strings it does not cache', () => {
    for (let i = 0; i < 10_000; i++) expect(tfjsCamelCase(`layer_${i}_x`)).toBe(`layer${i}X`);
    const long = `${'a_b'.repeat(200)}`;
    expect(tfjsCamelCase(long)).toBe('aB'.repeat(200));
    for (const [s, want] of CASES) expect(tfjsCamelCase(s), s).toBe(want);
  });
});
