import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@savedkeras/backend-node';
import { SavedKerasError } from '@savedkeras/common';
import { isNpy, MAX_NPY_HEADER_BYTES, parseLiteral, parseNpy } from '../src/npy.js';
import { fromTensor, parseInputs, toTensor } from '../src/tensor-json.js';

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'npy');
/** What numpy itself reads back from each file (generate.py wrote the files and this with numpy). */
const expected = JSON.parse(readFileSync(path.join(here, 'expected.json'), 'utf8')) as Record<string, { descr: string; shape: number[]; value: unknown }>;

beforeAll(async () => {
  await selectBackend('cpu');
});

/** A .npy file by hand: preamble, header padded to 64 with spaces and "\n", then `data`. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), version: 1 | 2 | 3 = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  const pre = 8 + lenBytes;
  let h = header;
  while ((pre + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(pre + hb.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hb.length, true);
  else dv.setUint32(8, hb.length, true);
  out.set(hb, pre);
  out.set(data, pre + hb.length);
  return out;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SavedKerasError);
    return `${(e as SavedKerasError).code}: ${(e as Error).message}`;
  }
  throw new Error('did not throw');
}

const TF_DTYPE: Record<string, string> = {
  '<f4': 'float32', '<i8': 'int64', '|b1': 'bool', '|u1': 'uint8', '<f2': 'float16', '>f8': 'float64', '<U5': 'string', '|S3': 'string', '<f8': 'float64',
};

describe('.npy inputs (NumPy format spec)', () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`${file} (written by numpy ${want.descr} ${JSON.stringify(want.shape)}) reads as numpy reads it`, async () => {
      const bytes = new Uint8Array(readFileSync(path.join(here, file)));
      expect(isNpy(bytes)).toBe(true);
      const json = parseNpy(bytes, file);
      expect(json.dtype).toBe(TF_DTYPE[want.descr]);
      expect(json.shape).toEqual(want.shape);
      const t = toTensor('x', json);
      try {
        const back = await fromTensor(t, json.dtype);
        // float16 / float32 through tfjs' float32 carrier: numpy's values are exactly representable here.
        expect(back.value).toEqual(want.value);
        expect(back.shape).toEqual(want.shape);
      } finally {
        t.dispose();
      }
    });
  }

  it('hand-made: little-endian float32, v1/v2/v3 headers, header keys in any order, one-element tuple', () => {
    const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    for (const v of [1, 2, 3] as const) {
      const j = parseNpy(npy("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", data, v), 'a.npy');
      expect(j).toMatchObject({ dtype: 'float32', shape: [2] });
      expect(Array.from(j.value as Float32Array)).toEqual([1.5, -2]);
    }
  });

  it('hand-made: int64 outside int32 is refused by the tensor conversion, not wrapped', () => {
    const data = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
    const j = parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data), 'big.npy');
    expect(codeOf(() => toTensor('k', j))).toMatch(/^INPUT_MISMATCH: .*outside/);
  });

  it('hand-made: bad headers are FORMAT errors naming the file', () => {
    const f4 = new Uint8Array(8);
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('{"x": 1}'), /does not start/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}").subarray(0, 9), /ends inside/],
      [(() => { const b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4); b[6] = 9; return b; })(), /version 9\.0/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", f4), /needs more than the 8 bytes of data/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", f4), /needs 4 bytes/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904)}", f4), /not a tuple of integers|needs more than/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", f4), /not a tuple of integers >= 0/],
      [npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", f4), /fortran_order/],
      [npy("{'descr': '<f4', 'shape': (2,)}", f4), /exactly descr, fortran_order, shape/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f4), /exactly descr/],
      [npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4), /given twice/],
      [npy("{'descr': 'float', 'fortran_order': False, 'shape': (2,)}", f4), /not a numpy type string/],
      [npy("__import__('os').system('true')", f4), /not a Python dict literal/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", f4), /not a Python dict literal/],
      [npy('['.repeat(40) + ']'.repeat(40), f4), /nested too deeply/],
      [npy("{'__proto__': '<f4', 'fortran_order': False, 'shape': (2,)}", f4), /exactly descr/],
    ];
    for (const [bytes, want] of cases) expect(codeOf(() => parseNpy(bytes, 'bad.npy'))).toMatch(new RegExp(`^FORMAT: bad\\.npy.*: not a valid \\.npy file: .*${want.source}`));
    // The header does not end with "\n".
    const noNewline = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4);
    noNewline[noNewline.length - f4.length - 1] = 0x20;
    expect(codeOf(() => parseNpy(noNewline, 'bad.npy'))).toMatch(/^FORMAT: .*newline/);
  });

  it('hand-made: a header over numpy\'s 10,000 bytes is a LIMIT before it is decoded; object and complex dtypes are unsupported', () => {
    const huge = npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (0,)${' '.repeat(MAX_NPY_HEADER_BYTES)}}`, undefined, 2);
    expect(codeOf(() => parseNpy(huge, 'h.npy'))).toMatch(/^LIMIT: h\.npy @ byte 8: the \.npy header is \d+ bytes/);
    expect(codeOf(() => parseNpy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(8)), 'o.npy'))).toMatch(/^UNSUPPORTED_FEATURE: .*\|O/);
    expect(codeOf(() => parseNpy(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(8)), 'c.npy'))).toMatch(/^UNSUPPORTED_FEATURE: .*<c8/);
    expect(codeOf(() => parseNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", new Uint8Array(4)), 's.npy'))).toMatch(/^UNSUPPORTED_FEATURE: .*structured/);
  });

  it('hand-made: big-endian int16 in Fortran order is reordered to row-major', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column: 1 4 2 5 3 6, big-endian.
    const be = new Uint8Array([0, 1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6]);
    const j = parseNpy(npy("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", be), 'f.npy');
    expect(Array.from(j.value as Int16Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('hand-made: S bytes that are not UTF-8 come as value_base64 and reach the tensor unchanged', () => {
    const j = parseNpy(npy("{'descr': '|S2', 'fortran_order': False, 'shape': (2,)}", new Uint8Array([0xff, 0x00, 0x61, 0x62])), 'b.npy');
    expect(j.value_base64).toEqual(['/w==', 'YWI=']);
    const t = toTensor('s', j);
    expect((tf.backend().readSync(t.dataId) as unknown as Uint8Array[]).map((b) => Array.from(b))).toEqual([[0xff], [0x61, 0x62]]);
    t.dispose();
  });

  it('the header literal parser keeps keys in a Map (no prototype) and never evaluates', () => {
    const m = parseLiteral("{'constructor': 1, 'toString': (2, True, None), 'hasOwnProperty': []}") as Map<unknown, unknown>;
    expect(m).toBeInstanceOf(Map);
    expect([...m.keys()]).toEqual(['constructor', 'toString', 'hasOwnProperty']);
    expect(m.get('toString')).toEqual([2n, true, null]);
  });
});

describe('JSON inputs named like Object.prototype members', () => {
  it('__proto__, constructor, toString and hasOwnProperty are kept as inputs, and absent ones are not found', () => {
    // Written as text: an object literal's `__proto__:` would set the prototype, not make a key.
    const text =
      '{"__proto__": {"dtype": "float32", "shape": [1], "value": [1]}, "constructor": {"dtype": "float32", "shape": [1], "value": [2]},' +
      ' "toString": {"dtype": "int32", "shape": [1], "value": [3]}, "hasOwnProperty": {"dtype": "bool", "shape": [1], "value": [true]}}';
    const { cases } = parseInputs(text, 'in.json');
    const c = cases[0]!;
    expect(Object.keys(c).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect(c['__proto__']!.value).toEqual([1]);
    expect(Object.hasOwn(c, 'valueOf')).toBe(false);
    expect((c as Record<string, unknown>)['valueOf']).toBeUndefined();
    const t = toTensor('__proto__', c['__proto__']!);
    expect(Array.from(t.dataSync())).toEqual([1]);
    t.dispose();
  });
});
