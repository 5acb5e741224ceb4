// Loads the TensorFlow reference cases of tf-reference/*.json (written by tf-reference/generate.py with
// TensorFlow itself): node attrs as TensorFlow built them, inputs in OpDef order, TensorFlow's outputs.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataType, type AttrValue, type TensorShapeProto } from '@savedkeras/proto';
import { tf } from './ops-helpers.js';

export interface RefTensor { dtype: string; shape: number[]; values: (number | string | boolean)[] }
export interface RefCase {
  name: string;
  op: string;
  via?: string;
  tolerance?: number;
  attrs: Record<string, Record<string, unknown>>;
  inputs: RefTensor[];
  /** null: an output TensorFlow leaves unspecified (e.g. FusedBatchNorm's reserve spaces in inference). */
  outputs: (RefTensor | null)[];
}

const DIR = fileURLToPath(new URL('./tf-reference/', import.meta.url));

export function referenceFiles(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
}

export function readReference(file: string): RefCase[] {
  return (JSON.parse(readFileSync(DIR + file, 'utf8')) as { cases: RefCase[] }).cases;
}

const num = (v: number | string | boolean): number => (typeof v === 'string' ? Number(v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v) : Number(v));

export function jsDtype(tfName: string): tf.DataType {
  if (tfName === 'string' || tfName === 'bool') return tfName;
  if (tfName.startsWith('float') || tfName === 'half' || tfName === 'bfloat16') return 'float32';
  return 'int32';
}

export function refTensor(t: RefTensor): tf.Tensor {
  const dtype = jsDtype(t.dtype);
  if (dtype === 'string') return tf.tensor(t.values as string[], t.shape, 'string');
  if (dtype === 'bool') return tf.tensor(t.values as boolean[], t.shape, 'bool');
  return tf.tensor(t.values.map(num), t.shape, dtype);
}

export function expectedValues(t: RefTensor): (number | string | boolean)[] {
  const dtype = jsDtype(t.dtype);
  if (dtype === 'string' || dtype === 'bool') return t.values;
  return t.values.map((v) => (dtype === 'float32' ? Math.fround(num(v)) : num(v)));
}

const b64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));
const dtypeEnum = (name: string): number => {
  const v = (DataType as Record<string, number>)[name.replace(/^DT_/, '')];
  if (v === undefined) throw new Error(`unknown dtype ${name}`);
  return v;
};
const shapeOf = (s: { dim?: { size?: string }[]; unknownRank?: boolean }): TensorShapeProto => ({
  dim: (s.dim ?? []).map((d) => ({ size: Number(d.size ?? 0), name: '' })),
  unknownRank: Boolean(s.unknownRank),
});

/** protobuf JSON (MessageToDict) AttrValue -> the decoded-proto AttrValue our kernels read. */
function refAttr(a: Record<string, unknown>): AttrValue {
  if ('i' in a) return { value: 'i', i: Number(a.i) };
  if ('f' in a) return { value: 'f', f: num(a.f as number) };
  if ('b' in a) return { value: 'b', b: Boolean(a.b) };
  if ('s' in a) return { value: 's', s: b64(a.s as string) };
  if ('type' in a) return { value: 'type', type: dtypeEnum(a.type as string) };
  if ('shape' in a) return { value: 'shape', shape: shapeOf(a.shape as never) };
  if ('func' in a) return { value: 'func', func: { name: (a.func as { name: string }).name, attr: {} } };
  if ('list' in a) {
    const l = a.list as Record<string, unknown[]>;
    return {
      value: 'list',
      list: {
        s: (l.s ?? []).map((x) => b64(x as string)), i: (l.i ?? []).map(Number), f: (l.f ?? []).map((x) => num(x as number)),
        b: (l.b ?? []).map(Boolean), type: (l.type ?? []).map((x) => dtypeEnum(x as string)), shape: (l.shape ?? []).map((x) => shapeOf(x as never)),
        tensor: [], func: [],
      },
    };
  }
  throw new Error(`unsupported attr ${JSON.stringify(a)}`);
}

export function refAttrs(c: RefCase): Record<string, AttrValue> {
  return Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, refAttr(v)]));
}

