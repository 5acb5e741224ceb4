import { describe, expect, it } from 'vitest';
import { FormatError, LimitError, UnsupportedFeatureError } from '@savedkeras/common';
import { decodeMessage, encodeMessage } from '../src/messages.js';
import { decodeTensorProto, halfToFloat, valuesFromBytes } from '../src/tensor-values.js';
import type { TensorProto } from '../src/types.js';

/** A TensorProto as protobufjs hands it over after decoding real bytes (defaults filled in). */
function tp(fields: Record<string, unknown>, shape: number[] | null = []): TensorProto {
  const msg = { ...fields, ...(shape ? { tensorShape: { dim: shape.map((size) => ({ size })) } } : {}) };
  return decodeMessage<TensorProto>('TensorProto', encodeMessage('TensorProto', msg), 'test.pb');
}
const plain = (v: unknown) => Array.from(v as ArrayLike<unknown>, (x) => (x instanceof Uint8Array ? [...x] : x));

describe('decodeTensorProto (Const values, format reference §6)', () => {
  it('a scalar', () => {
    const v = decodeTensorProto(tp({ dtype: 1, floatVal: [2.5] }));
    expect(v).toMatchObject({ dtype: 'float32', shape: [] });
    expect(v.values).toBeInstanceOf(Float32Array);
    expect(plain(v.values)).toEqual([2.5]);
  });

  it('fill rule: one value broadcasts, fewer repeat the last, none gives zeros, more are cut', () => {
    expect(plain(decodeTensorProto(tp({ dtype: 1, floatVal: [3] }, [2, 2])).values)).toEqual([3, 3, 3, 3]);
    expect(plain(decodeTensorProto(tp({ dtype: 3, intVal: [1, 2] }, [5])).values)).toEqual([1, 2, 2, 2, 2]);
    expect(plain(decodeTensorProto(tp({ dtype: 2 }, [3])).values)).toEqual([0, 0, 0]);
    expect(plain(decodeTensorProto(tp({ dtype: 3, intVal: [1, 2, 3, 4] }, [2])).values)).toEqual([1, 2]);
    expect(plain(decodeTensorProto(tp({ dtype: 7, stringVal: [new Uint8Array([65])] }, [3])).values)).toEqual([[65], [65], [65]]);
    expect(plain(decodeTensorProto(tp({ dtype: 7 }, [2])).values)).toEqual([[], []]);
    expect(plain(decodeTensorProto(tp({ dtype: 10, boolVal: [true, false] }, [3])).values)).toEqual([1, 0, 0]);
    // complex fills by (re, im) pairs
    expect(plain(decodeTensorProto(tp({ dtype: 8, scomplexVal: [1, 2] }, [3])).values)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('typed fields of each dtype land in the matching typed array', () => {
    const cases: [number, Record<string, unknown>, string, unknown[]][] = [
      [6, { intVal: [-1, 127] }, 'Int8Array', [-1, 127]],
      [4, { intVal: [255, 1] }, 'Uint8Array', [255, 1]],
      [5, { intVal: [-300, 300] }, 'Int16Array', [-300, 300]],
      [17, { intVal: [65535, 0] }, 'Uint16Array', [65535, 0]],
      [22, { uint32Val: [4294967295, 1] }, 'Uint32Array', [4294967295, 1]],
      [9, { int64Val: [-5, 2 ** 40] }, 'BigInt64Array', [-5n, 2n ** 40n]],
      [23, { uint64Val: [7, 2 ** 50] }, 'BigUint64Array', [7n, 2n ** 50n]],
      [2, { doubleVal: [0.1, -0.2] }, 'Float64Array', [0.1, -0.2]],
      [19, { halfVal: [0x3c00, 0xc000] }, 'Uint16Array', [0x3c00, 0xc000]],
    ];
    for (const [dtype, fields, ctor, want] of cases) {
      const v = decodeTensorProto(tp({ dtype, ...fields }, [2]));
      expect(v.values.constructor.name, String(dtype)).toBe(ctor);
      expect(plain(v.values), String(dtype)).toEqual(want);
    }
    expect(plain(decodeTensorProto(tp({ dtype: 19, halfVal: [0x3c00, 0x7c00] }, [2]), { widenHalf: true }).values)).toEqual([1, Infinity]);
    expect(plain(decodeTensorProto(tp({ dtype: 14, halfVal: [0x3f80] }, [1]), { widenHalf: true }).values)).toEqual([1]);
  });

  it('int64 values at the ends of the range stay inside int64 (protobufjs hands over rounded numbers)', () => {
    // Hand-encoded: dtype 9, shape [2], packed int64_val [INT64_MAX, INT64_MIN] (protobufjs cannot encode them from numbers).
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    const min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    const bytes = Uint8Array.from([0x08, 0x09, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x52, max.length + min.length, ...max, ...min]);
    const v = decodeTensorProto(decodeMessage<TensorProto>('TensorProto', bytes, 'test.pb'));
    expect(plain(v.values)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it('tensor_content: little-endian bytes, any alignment', () => {
    const f = new Float32Array([1, -2, 3.5]);
    const v = decodeTensorProto(tp({ dtype: 1, tensorContent: new Uint8Array(f.buffer) }, [3]));
    expect(plain(v.values)).toEqual([1, -2, 3.5]);
    const i = decodeTensorProto(tp({ dtype: 3, tensorContent: Uint8Array.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]) }, [2]));
    expect(plain(i.values)).toEqual([1, -1]);
    // Unaligned source bytes.
    const buf = new Uint8Array(13);
    buf.set(new Uint8Array(f.buffer), 1);
    expect(plain(valuesFromBytes(1, buf.subarray(1), 3))).toEqual([1, -2, 3.5]);
  });

  it('tensor_content of the wrong length -> FormatError naming file and node', () => {
    const t = tp({ dtype: 1, tensorContent: new Uint8Array(8) }, [3]);
    let err: unknown;
    try {
      decodeTensorProto(t, { file: 'saved_model.pb', node: 'dense/Const' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/^saved_model\.pb: dense\/Const: float32 TensorProto of shape \[3\] has 8 content bytes, needs 12/);
  });

  it('hostile shapes are refused before allocating', () => {
    expect(() => decodeTensorProto(tp({ dtype: 1, floatVal: [1] }, [1e6, 1e6]))).toThrow(LimitError);
    expect(() => decodeTensorProto(tp({ dtype: 1, floatVal: [1] }, [10]), { limits: { maxTensorElements: 5 } })).toThrow(LimitError);
    expect(() => decodeTensorProto(tp({ dtype: 1 }, [-1]))).toThrow(FormatError);
    expect(() => decodeTensorProto(tp({ dtype: 1, tensorShape: { unknownRank: true } }, null))).toThrow(/unknown rank/);
  });

  it('resource and variant protos have no plain values', () => {
    expect(() => decodeTensorProto(tp({ dtype: 20 }))).toThrow(UnsupportedFeatureError);
    expect(() => decodeTensorProto(tp({ dtype: 21 }))).toThrow(UnsupportedFeatureError);
  });

  it('halfToFloat', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});
