import { FormatError, nameRecord } from '@savedkeras/common';
import { dtypeName, type StructuredValue, type TensorShapeProto } from '@savedkeras/proto';

/**
 * Decoded StructuredValue (nested_structure_coder): the argument and return structures of saved
 * functions. Leaves are TensorSpecs (graph inputs), TypeSpecs (composite tensors) or plain
 * Python values baked into the trace (bool, None, numbers, strings).
 */
export interface TensorSpec {
  kind: 'tensorSpec';
  name: string | null;
  /** -1 for unknown dimensions; null for unknown rank. */
  shape: number[] | null;
  dtype: string;
  /** BoundedTensorSpec minimum/maximum are not decoded (not needed to call a function). */
  bounded?: boolean;
}

export interface TypeSpecLeaf {
  kind: 'typeSpec';
  className: string;
  typeSpecClass: number;
  /** How many flat tensors this composite expands to. */
  numFlatComponents: number;
}

export type Structure =
  | TensorSpec
  | TypeSpecLeaf
  | { kind: 'list'; items: Structure[] }
  | { kind: 'tuple'; items: Structure[] }
  | { kind: 'dict'; fields: Record<string, Structure> }
  | { kind: 'namedTuple'; name: string; fields: [string, Structure][] }
  | { kind: 'none' }
  | { kind: 'value'; value: number | string | boolean }
  | { kind: 'shape'; shape: number[] | null }
  | { kind: 'dtype'; dtype: string }
  | { kind: 'tensor' };

export function shapeOf(s: TensorShapeProto | null | undefined): number[] | null {
  if (!s) return [];
  if (s.unknownRank) return null;
  return s.dim.map((d) => (d.size < 0 ? -1 : d.size));
}

export function decodeStructure(v: StructuredValue | null | undefined, where = 'structured value', depth = 0): Structure {
  if (depth > 100) throw new FormatError('structured value nests deeper than 100 levels', { node: where });
  if (!v || !v.kind) return { kind: 'none' };
  const rec = (x: StructuredValue) => decodeStructure(x, where, depth + 1);
  switch (v.kind) {
    case 'noneValue':
      return { kind: 'none' };
    case 'float64Value':
      return { kind: 'value', value: v.float64Value ?? 0 };
    case 'int64Value':
      return { kind: 'value', value: v.int64Value ?? 0 };
    case 'stringValue':
      return { kind: 'value', value: v.stringValue ?? '' };
    case 'boolValue':
      return { kind: 'value', value: v.boolValue ?? false };
    case 'tensorShapeValue':
      return { kind: 'shape', shape: shapeOf(v.tensorShapeValue) };
    case 'tensorDtypeValue':
      return { kind: 'dtype', dtype: dtypeName(v.tensorDtypeValue ?? 0) };
    case 'tensorSpecValue':
    case 'boundedTensorSpecValue': {
      const s = (v.kind === 'tensorSpecValue' ? v.tensorSpecValue : v.boundedTensorSpecValue)!;
      return {
        kind: 'tensorSpec',
        name: s.name ? s.name : null,
        shape: shapeOf(s.shape),
        dtype: dtypeName(s.dtype),
        ...(v.kind === 'boundedTensorSpecValue' ? { bounded: true } : {}),
      };
    }
    case 'typeSpecValue': {
      const t = v.typeSpecValue!;
      return {
        kind: 'typeSpec',
        className: t.typeSpecClassName,
        typeSpecClass: t.typeSpecClass,
        numFlatComponents: t.numFlatComponents > 0 ? t.numFlatComponents : 1,
      };
    }
    case 'listValue':
      return { kind: 'list', items: (v.listValue?.values ?? []).map(rec) };
    case 'tupleValue':
      return { kind: 'tuple', items: (v.tupleValue?.values ?? []).map(rec) };
    case 'dictValue': {
      const fields = nameRecord<Structure>(); // keys from the file (`__proto__` is a key like any other)
      for (const [k, x] of Object.entries(v.dictValue?.fields ?? {})) fields[k] = rec(x);
      return { kind: 'dict', fields };
    }
    case 'namedTupleValue':
      return {
        kind: 'namedTuple',
        name: v.namedTupleValue?.name ?? '',
        fields: (v.namedTupleValue?.values ?? []).map((p) => [p.key, rec(p.value)] as [string, Structure]),
      };
    case 'tensorValue':
    case 'numpyValue':
      return { kind: 'tensor' };
    default:
      return { kind: 'none' };
  }
}

/**
 * The flat leaves in TensorFlow's nest.flatten order: lists and tuples in order, dict keys
 * sorted, named tuples in field order. Non-tensor leaves are included (callers filter them).
 */
export function flattenStructure(s: Structure): Structure[] {
  const out: Structure[] = [];
  const walk = (x: Structure) => {
    switch (x.kind) {
      case 'list':
      case 'tuple':
        x.items.forEach(walk);
        break;
      case 'dict':
        for (const k of Object.keys(x.fields).sort()) walk(x.fields[k]);
        break;
      case 'namedTuple':
        x.fields.forEach(([, v]) => walk(v));
        break;
      default:
        out.push(x);
    }
  };
  walk(s);
  return out;
}

/** The tensor leaves that become graph inputs/outputs (TypeSpecs expand to their component count). */
export function tensorLeaves(s: Structure): (TensorSpec | TypeSpecLeaf)[] {
  return flattenStructure(s).filter((x): x is TensorSpec | TypeSpecLeaf => x.kind === 'tensorSpec' || x.kind === 'typeSpec');
}

export function countGraphTensors(s: Structure): number {
  return tensorLeaves(s).reduce((n, l) => n + (l.kind === 'typeSpec' ? l.numFlatComponents : 1), 0);
}

/** `((TensorSpec(shape=(-1, 784), float32, name='inputs'), False, None), {})`-style text, for messages. */
export function formatStructure(s: Structure): string {
  switch (s.kind) {
    case 'tensorSpec':
      return `TensorSpec(shape=${s.shape ? `(${s.shape.join(', ')})` : '<unknown>'}, ${s.dtype}${s.name ? `, name='${s.name}'` : ''})`;
    case 'typeSpec':
      return `${s.className || 'TypeSpec'}(${s.numFlatComponents})`;
    case 'list':
      return `[${s.items.map(formatStructure).join(', ')}]`;
    case 'tuple':
      return `(${s.items.map(formatStructure).join(', ')}${s.items.length === 1 ? ',' : ''})`;
    case 'dict':
      return `{${Object.entries(s.fields).map(([k, v]) => `'${k}': ${formatStructure(v)}`).join(', ')}}`;
    case 'namedTuple':
      return `${s.name}(${s.fields.map(([k, v]) => `${k}=${formatStructure(v)}`).join(', ')})`;
    case 'none':
      return 'None';
    case 'value':
      return typeof s.value === 'boolean' ? (s.value ? 'True' : 'False') : JSON.stringify(s.value);
    case 'shape':
      return `TensorShape(${s.shape ? JSON.stringify(s.shape) : 'None'})`;
    case 'dtype':
      return s.dtype;
    case 'tensor':
      return '<tensor>';
  }
}
