// @savedkeras/proto must not change protobufjs' module-wide settings (other protobufjs users share
// them in one process), yet its decodes must stay bounded in nesting and give 64-bit fields as numbers.
// Messages are written by hand on the wire (protobuf encoding spec), not by proto's own encoder.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { LimitError } from '@savedkeras/common';

const enc = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
/** A length-delimited field (wire type 2). */
function field(no: number, body: Uint8Array | string): Uint8Array {
  const b = typeof body === 'string' ? enc.encode(body) : body;
  return Uint8Array.from([...varint((no << 3) | 2), ...varint(b.length), ...b]);
}
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** StructuredValue { list_value { values { ... none_value {} } } }, `levels` list levels deep (2 messages each). */
function deepStructuredValue(levels: number): Uint8Array {
  let sv = field(1, new Uint8Array(0));
  for (let i = 0; i < levels; i++) sv = field(51, field(1, sv));
  return sv;
}
/** AttrValue { func { name: "f" attr { key: "k" value { func { ... } } } } }: nesting that passes through a map. */
function deepAttrValue(levels: number): Uint8Array {
  let av = field(2, 'leaf'); // s
  for (let i = 0; i < levels; i++) av = field(10, cat(field(1, 'f'), field(2, cat(field(1, 'k'), field(2, av)))));
  return av;
}

describe('protobufjs global settings', () => {
  it('importing and using proto leaves Long, the recursion limit and the reader methods as they were', async () => {
    protobuf.Reader.recursionLimit = 1000; // another user's setting
    const long = protobuf.util.Long;
    const int64 = protobuf.Reader.prototype.int64;
    const bufferInt64 = protobuf.BufferReader.prototype.int64;
    expect(long).toBeTruthy(); // protobufjs ships with long.js

    const proto = await import('@savedkeras/proto');
    // Dim { size: 2^40 + 3 } inside TensorShapeProto { dim }: field 1 varint.
    const dim = Uint8Array.from([0x08, ...varint(2 ** 40 + 3)]);
    const shape = proto.decodeMessage<{ dim: { size: number }[]; unknownRank: boolean }>('TensorShapeProto', cat(field(2, dim), field(2, new Uint8Array(0))), 'shape.pb');
    expect(shape.dim.map((d) => d.size)).toEqual([2 ** 40 + 3, 0]); // numbers, the absent one a number 0 too
    expect(typeof shape.dim[1]!.size).toBe('number');
    expect(() => proto.decodeMessage('StructuredValue', deepStructuredValue(80), 'deep.pb')).toThrow(LimitError);

    expect(protobuf.Reader.recursionLimit).toBe(1000);
    expect(protobuf.util.Long).toBe(long);
    expect(protobuf.Reader.prototype.int64).toBe(int64);
    expect(protobuf.BufferReader.prototype.int64).toBe(bufferInt64);
    // Another user's own schema still decodes int64 to Long, as protobufjs does by default.
    const other = protobuf.parse('syntax = "proto3"; message M { int64 v = 1; }').root.lookupType('M');
    const m = other.decode(Uint8Array.from([0x08, 5])) as unknown as { v: unknown };
    expect(long!.isLong(m.v)).toBe(true);
  });
});

describe('nesting stays bounded per decode', () => {
  it('a StructuredValue nested past 100 messages is a LimitError; one within decodes', async () => {
    const { decodeMessage } = await import('@savedkeras/proto');
    expect(() => decodeMessage('StructuredValue', deepStructuredValue(45), 'ok.pb')).not.toThrow();
    const err = (() => {
      try {
        decodeMessage('StructuredValue', deepStructuredValue(60), 'deep.pb');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LimitError);
    expect(String((err as Error).message)).toContain('nests deeper than 100 levels');
  });

  it('nesting through map values (AttrValue -> NameAttrList.attr -> AttrValue) counts too: 300 levels is a LimitError', async () => {
    const { decodeMessage } = await import('@savedkeras/proto');
    expect(() => decodeMessage('AttrValue', deepAttrValue(10), 'ok.pb')).not.toThrow();
    expect(() => decodeMessage('AttrValue', deepAttrValue(300), 'deep.pb')).toThrow(LimitError);
  });

  it('the bound holds when another user raised the global limit', async () => {
    protobuf.Reader.recursionLimit = 100_000;
    try {
      const { decodeMessage } = await import('@savedkeras/proto');
      expect(() => decodeMessage('StructuredValue', deepStructuredValue(60), 'deep.pb')).toThrow(LimitError);
      expect(() => decodeMessage('AttrValue', deepAttrValue(300), 'deep.pb')).toThrow(LimitError);
    } finally {
      protobuf.Reader.recursionLimit = protobuf.util.recursionLimit;
    }
  });
});

describe('oneof accessors', () => {
  // SavedObject's `kind` oneof: user_object = 4, variable = 7. Two members on the wire: the last wins (protobuf spec).
  it('every message class with a oneof (also those with map fields, built early) gets the accessors that touch present members only', async () => {
    const { messageType, decodeMessage } = await import('../src/messages.js');
    const protobufjsSetter = String((protobuf.util as unknown as { oneOfSetter: (n: string[]) => unknown }).oneOfSetter(['a']));
    for (const name of ['SavedObject', 'StructuredValue', 'AttrValue'] as const) {
      const t = messageType(name);
      const oneof = t.oneofsArray[0]!.name;
      const d = Object.getOwnPropertyDescriptor(t.ctor.prototype, oneof)!;
      expect(String(d.set), `${name}.${oneof}`).not.toBe(protobufjsSetter);
    }
    const both = cat(field(4, field(1, '_tf_keras_layer')), field(7, cat(Uint8Array.from([0x08, 0x01]))));
    const o = decodeMessage<{ kind: string; userObject?: unknown; variable?: { dtype: number } }>('SavedObject', both, 'x');
    expect(o.kind).toBe('variable');
    expect(Object.prototype.hasOwnProperty.call(o, 'userObject')).toBe(false);
    expect(o.variable!.dtype).toBe(1);
  });
});

describe('string fields', () => {
  // SavedObject.children (1) = ObjectReference { node_id = 1, local_name = 2 }; UTF-8 by the protobuf spec.
  it('short ASCII, short non-ASCII and long strings read as UTF-8 says; invalid UTF-8 is a FormatError', async () => {
    const { decodeMessage } = await import('../src/messages.js');
    const { FormatError } = await import('@savedkeras/common');
    const names = ['layer_with_weights-0', 'ŝĉ-é→', 'x'.repeat(63), 'y'.repeat(64), `${'z'.repeat(70)}é`, ''];
    const bytes = cat(...names.map((n) => field(1, field(2, n))));
    // From a Buffer (Node's reader) and from a plain Uint8Array copy: the same strings.
    for (const input of [Buffer.from(bytes), Uint8Array.from(bytes)]) {
      const o = decodeMessage<{ children: { localName: string }[] }>('SavedObject', input, 'x');
      expect(o.children.map((c) => c.localName)).toEqual(names);
    }
    const bad = cat(field(1, field(2, Uint8Array.from([0x61, 0xff, 0x62]))));
    expect(() => decodeMessage('SavedObject', Buffer.from(bad), 'models/z/saved_model.pb')).toThrow(FormatError);
  });
});
