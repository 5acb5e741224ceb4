import type { AttrValue } from '@savedkeras/proto';

const enc = new TextEncoder();
const emptyList = () => ({ s: [], i: [], f: [], b: [], type: [], shape: [], tensor: [], func: [] });

/** AttrValue builders in the decoded-proto shape the graph kernels read. */
export const A = {
  i: (i: number): AttrValue => ({ value: 'i', i }),
  f: (f: number): AttrValue => ({ value: 'f', f }),
  b: (b: boolean): AttrValue => ({ value: 'b', b }),
  s: (s: string): AttrValue => ({ value: 's', s: enc.encode(s) }),
  type: (type: number): AttrValue => ({ value: 'type', type }),
  ints: (i: number[]): AttrValue => ({ value: 'list', list: { ...emptyList(), i } }),
  floats: (f: number[]): AttrValue => ({ value: 'list', list: { ...emptyList(), f } }),
} as const;

/** TensorFlow DataType enum values used by the cases. */
export const DT = { float: 1, int32: 3, bool: 10, int64: 9 } as const;
