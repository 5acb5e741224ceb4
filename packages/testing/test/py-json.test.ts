import { describe, expect, it } from 'vitest';
import { floatRepr, pyFloat, pyJson } from '../src/index.js';

describe('Python json.dumps formatting', () => {
  it('writes floats as Python repr does', () => {
    // Expected strings printed by CPython 3 `repr(float)`.
    const cases: [number, string][] = [
      [1e-7, '1e-07'], [0.001, '0.001'], [Math.fround(0.001), '0.0010000000474974513'], [100, '100.0'],
      [1e16, '1e+16'], [123456789012345.6, '123456789012345.6'], [0.0001, '0.0001'], [0.00001, '1e-05'],
      [-0.5, '-0.5'], [1.5e300, '1.5e+300'], [0.3, '0.3'], [2 / 3, '0.6666666666666666'], [1e22, '1e+22'], [5e-324, '5e-324'],
    ];
    for (const [v, s] of cases) expect(floatRepr(v)).toBe(s);
  });

  it('uses the default separators and escapes non-ASCII like json.dumps', () => {
    // CPython: json.dumps({'a': [1, 2.5, None, True, 'xé'], 'b': {'-1': 20}})
    expect(pyJson({ a: [1, 2.5, null, true, 'x\u00e9'], b: { '-1': 20 } })).toBe('{"a": [1, 2.5, null, true, "x\\u00e9"], "b": {"-1": 20}}');
    expect(pyJson([pyFloat(0), pyFloat(3), 3])).toBe('[0.0, 3.0, 3]');
  });
});
