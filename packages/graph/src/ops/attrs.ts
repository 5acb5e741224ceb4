import type { AttrListValue, AttrValue, OpDef } from '@savedkeras/proto';
import { FormatError } from '@savedkeras/common';
import type { Attrs } from '../kernel.js';
import { tfjsDtype } from './dtypes.js';

const dec = new TextDecoder();
const SCALAR_KEYS = ['s', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'list', 'func', 'placeholder'] as const;

/**
 * Which member of the AttrValue oneof is set. Decoded messages name it in `value`; hand-made ones may
 * not, so fall back to the object's OWN fields (a decoded message also shows prototype defaults such
 * as `i: 0` and `s: []`, which must not count: an AttrValue with nothing set is an empty list).
 */
function kindOf(v: AttrValue): AttrValue['value'] | undefined {
  if (v.value !== undefined) return v.value;
  for (const k of SCALAR_KEYS) if (Object.prototype.hasOwnProperty.call(v, k) && v[k] !== undefined && v[k] !== null) return k;
  return undefined;
}

/**
 * Attrs of one node: the node's own attr map, then the OpDef's default for any attr the node lacks
 * (SavedModels strip attrs equal to their default, e.g. FusedBatchNormV3 is_training=true).
 * `node` names the node in errors.
 */
export function makeAttrs(attr: Record<string, AttrValue>, def?: OpDef, node?: string): Attrs {
  const where = node ?? def?.name ?? 'node';
  const lookup = (name: string): AttrValue | undefined => {
    const own = attr[name];
    if (own !== undefined && own !== null) return own;
    return def?.attr.find((a) => a.name === name)?.defaultValue ?? undefined;
  };
  const missing = (name: string, want: string): never => {
    throw new FormatError(`attr "${name}" (${want}) is missing or of another kind`, { node: where });
  };
  const list = (name: string): AttrListValue | undefined => {
    const v = lookup(name);
    if (v === undefined) return undefined;
    // An AttrValue with no member set is an empty list (TF writes empty lists that way).
    const kind = kindOf(v);
    if (kind === undefined) return undefined;
    if (kind !== 'list') return missing(name, 'list');
    return v.list ?? undefined;
  };
  const listOf = <K extends keyof AttrListValue>(name: string, key: K): AttrListValue[K] => {
    const l = list(name);
    return (l?.[key] ?? []) as AttrListValue[K];
  };
  /** A scalar member; proto3 scalars at their zero value may be absent from a decoded message. */
  function scalar(name: string, key: 'i' | 'f' | 'b' | 's' | 'type', want: string): number | boolean | Uint8Array | undefined {
    const v = lookup(name);
    if (v === undefined) return undefined;
    const kind = kindOf(v);
    if (kind === undefined) return undefined;
    if (kind !== key) return missing(name, want);
    const x = v[key];
    if (x !== undefined && x !== null) return x;
    return key === 's' ? new Uint8Array(0) : key === 'b' ? false : 0;
  }
  function need<T>(x: T | undefined, name: string, want: string): T {
    return x === undefined ? missing(name, want) : x;
  }
  return {
    has: (name) => lookup(name) !== undefined,
    raw: (name) => lookup(name),
    int: (name, fallback) => Number(need(scalar(name, 'i', 'int') ?? fallback, name, 'int')),
    float: (name, fallback) => Number(need(scalar(name, 'f', 'float') ?? fallback, name, 'float')),
    bool: (name, fallback) => Boolean(need(scalar(name, 'b', 'bool') ?? fallback, name, 'bool')),
    str: (name, fallback) => {
      const v = scalar(name, 's', 'string');
      return v === undefined ? need(fallback, name, 'string') : dec.decode(v as Uint8Array);
    },
    dtype: (name, fallback) => {
      const v = scalar(name, 'type', 'type');
      return v === undefined ? need(fallback, name, 'type') : tfjsDtype(Number(v));
    },
    tfType: (name) => {
      const v = lookup(name);
      return v !== undefined && kindOf(v) === 'type' ? (v.type ?? 0) : undefined;
    },
    ints: (name) => listOf(name, 'i').map(Number),
    floats: (name) => listOf(name, 'f').map(Number),
    strs: (name) => listOf(name, 's').map((b) => dec.decode(b)),
    types: (name) => listOf(name, 'type').map(Number),
    shape: (name) => {
      const v = lookup(name);
      if (v === undefined || kindOf(v) !== 'shape' || !v.shape) return missing(name, 'shape');
      return v.shape.unknownRank ? null : v.shape.dim.map((d) => Number(d.size));
    },
    func: (name) => {
      const v = lookup(name);
      return v !== undefined && kindOf(v) === 'func' ? v.func?.name : undefined;
    },
  };
}
