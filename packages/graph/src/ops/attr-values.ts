import type { AttrValue } from '@savedkeras/proto';
import { emptyList, shapeProto } from './op-def-spec.js';

const enc = new TextEncoder();

/**
 * AttrValue builders in the decoded-proto shape the kernels read (what `makeAttrs` takes), for code
 * that calls kernels without a GraphDef: the conformance suite and the kernel tests.
 */
export const attrValue = {
  i: (i: number): AttrValue => ({ value: 'i', i }),
  f: (f: number): AttrValue => ({ value: 'f', f }),
  b: (b: boolean): AttrValue => ({ value: 'b', b }),
  s: (s: string): AttrValue => ({ value: 's', s: enc.encode(s) }),
  type: (type: number): AttrValue => ({ value: 'type', type }),
  shape: (dims: number[] | null): AttrValue => ({ value: 'shape', shape: shapeProto(dims) }),
  ints: (i: number[]): AttrValue => ({ value: 'list', list: { ...emptyList(), i } }),
  floats: (f: number[]): AttrValue => ({ value: 'list', list: { ...emptyList(), f } }),
  strs: (s: string[]): AttrValue => ({ value: 'list', list: { ...emptyList(), s: s.map((x) => enc.encode(x)) } }),
  types: (type: number[]): AttrValue => ({ value: 'list', list: { ...emptyList(), type } }),
  shapes: (shapes: (number[] | null)[]): AttrValue => ({ value: 'list', list: { ...emptyList(), shape: shapes.map(shapeProto) } }),
  func: (name: string): AttrValue => ({ value: 'func', func: { name, attr: {} } }),
} as const;
