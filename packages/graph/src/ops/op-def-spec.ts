import type { ArgDef, AttrDef, AttrListValue, AttrValue, OpDef, TensorShapeProto } from '@savedkeras/proto';
import { tfTypeFromName } from './dtypes.js';

/**
 * Builds OpDefs (the proto shape of @savedkeras/proto) from the compact text TensorFlow's own op
 * registrations use (REGISTER_OP(...).Input("x: T").Attr("T: type = DT_FLOAT")), so that each table
 * entry reads like the registration it was taken from.
 *
 *   args:  `name: float`          fixed dtype
 *          `name: T`              dtype from type attr T
 *          `name: N * T`          N tensors of type attr T (number_attr)
 *          `name: Tlist`          list attr of type list(type) (type_list_attr)
 *   attrs: `name: type [>= n] [= default]` with type one of type, list(type), int, float, bool, string,
 *          shape, func, tensor, list(int), list(float), list(string), list(shape), list(bool), or a set of
 *          allowed types `{float, double}` / strings `{'NHWC', 'NCHW'}` (the set itself is not kept).
 */
export interface OpSpec {
  in?: string[];
  out?: string[];
  attr?: string[];
  stateful?: boolean;
}

const enc = new TextEncoder();

export function emptyList(): AttrListValue {
  return { s: [], i: [], f: [], b: [], type: [], shape: [], tensor: [], func: [] };
}

export function shapeProto(dims: number[] | null): TensorShapeProto {
  return dims === null ? { dim: [], unknownRank: true } : { dim: dims.map((size) => ({ size, name: '' })), unknownRank: false };
}

function normalizeAttrType(t: string): string {
  const s = t.trim();
  if (s.startsWith('{')) return s.includes("'") || s.includes('"') ? 'string' : 'type';
  const m = /^list\((.*)\)$/.exec(s);
  if (m) return `list(${normalizeAttrType(m[1]!)})`;
  return s;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  return t;
}

function parseShape(s: string): number[] | null {
  const t = s.trim();
  if (t === '?' || t === '<unknown>') return null;
  return splitTopLevel(t.slice(1, -1)).map(Number);
}

function typeOrThrow(name: string, where: string): number {
  const t = tfTypeFromName(unquote(name));
  if (t === undefined) throw new Error(`${where}: unknown dtype ${name}`);
  return t;
}

function parseDefault(type: string, text: string, where: string): AttrValue {
  const t = text.trim();
  switch (type) {
    case 'int': return { value: 'i', i: Number(t) };
    case 'float': return { value: 'f', f: Math.fround(Number(t)) };
    case 'bool': return { value: 'b', b: t === 'true' };
    case 'string': return { value: 's', s: enc.encode(unquote(t)) };
    case 'type': return { value: 'type', type: typeOrThrow(t, where) };
    case 'shape': return { value: 'shape', shape: shapeProto(parseShape(t)) };
  }
  const m = /^list\((.*)\)$/.exec(type);
  if (m) {
    const items = splitTopLevel(t.slice(1, -1));
    const list = emptyList();
    switch (m[1]) {
      case 'int': list.i = items.map(Number); break;
      case 'float': list.f = items.map((x) => Math.fround(Number(x))); break;
      case 'bool': list.b = items.map((x) => x === 'true'); break;
      case 'string': list.s = items.map((x) => enc.encode(unquote(x))); break;
      case 'type': list.type = items.map((x) => typeOrThrow(x, where)); break;
      case 'shape': list.shape = items.map((x) => shapeProto(parseShape(x))); break;
      default: throw new Error(`${where}: no default syntax for ${type}`);
    }
    return { value: 'list', list };
  }
  throw new Error(`${where}: no default syntax for ${type}`);
}

function parseAttr(spec: string, op: string): AttrDef {
  const m = /^(\w+)\s*:\s*(.+?)\s*(?:>=\s*(-?\d+)\s*)?(?:=\s*(.+))?$/s.exec(spec.trim()); // s: a default may hold a newline (PrintV2 end)
  if (!m) throw new Error(`${op}: bad attr spec "${spec}"`);
  const type = normalizeAttrType(m[2]!);
  const def: AttrDef = { name: m[1]!, type, hasMinimum: m[3] !== undefined, minimum: m[3] !== undefined ? Number(m[3]) : 0 };
  if (m[4] !== undefined) def.defaultValue = parseDefault(type, m[4], `${op}.${m[1]}`);
  return def;
}

function parseArg(spec: string, attrs: AttrDef[], op: string): ArgDef {
  const m = /^(\w+)\s*:\s*(?:(\w+)\s*\*\s*)?(\w+)$/.exec(spec.trim());
  if (!m) throw new Error(`${op}: bad arg spec "${spec}"`);
  const arg: ArgDef = { name: m[1]!, type: 0, typeAttr: '', numberAttr: m[2] ?? '', typeListAttr: '', isRef: false };
  const attr = attrs.find((a) => a.name === m[3]);
  if (attr?.type === 'list(type)') arg.typeListAttr = attr.name;
  else if (attr?.type === 'type') arg.typeAttr = attr.name;
  else arg.type = typeOrThrow(m[3]!, `${op}.${m[1]}`);
  if (arg.numberAttr && !attrs.some((a) => a.name === arg.numberAttr && a.type === 'int')) {
    throw new Error(`${op}: number attr ${arg.numberAttr} is not an int attr`);
  }
  return arg;
}

function opDef(name: string, spec: OpSpec): OpDef {
  const attr = (spec.attr ?? []).map((a) => parseAttr(a, name));
  return {
    name,
    inputArg: (spec.in ?? []).map((a) => parseArg(a, attr, name)),
    outputArg: (spec.out ?? []).map((a) => parseArg(a, attr, name)),
    controlOutput: [],
    attr,
    isStateful: spec.stateful ?? false,
  };
}

/** Shorthand for a table: `defs({ MatMul: {...}, ... })`. */
export function defs(table: Record<string, OpSpec>): OpDef[] {
  return Object.entries(table).map(([name, spec]) => opDef(name, spec));
}
