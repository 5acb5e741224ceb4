import { DataType as DT } from '@savedkeras/proto';
import { shapeProto, sortedMap, type Obj } from './function-builder.js';
import type { Shape } from './model-spec.js';

/** StructuredValue builders (nested_structure_coder, format reference §4), protobufjs `fromObject` form. */
export const sv = {
  none: (): Obj => ({ noneValue: {} }),
  bool: (b: boolean): Obj => ({ boolValue: b }),
  str: (s: string): Obj => ({ stringValue: s }),
  tuple: (values: Obj[]): Obj => ({ tupleValue: values.length > 0 ? { values } : {} }),
  list: (values: Obj[]): Obj => ({ listValue: values.length > 0 ? { values } : {} }),
  dict: (fields: Record<string, Obj>): Obj => ({ dictValue: Object.keys(fields).length > 0 ? { fields: sortedMap(fields) } : {} }),
  tensorSpec: (name: string | null, shape: Shape, dtype: number = DT.FLOAT): Obj => ({
    tensorSpecValue: { ...(name ? { name } : {}), shape: shapeProto(shape), dtype },
  }),
  namedTuple: (name: string, pairs: [string, Obj][]): Obj => ({
    namedTupleValue: { name, values: pairs.map(([key, value]) => ({ key, value })) },
  }),
};

/** `FullArgSpec(args, varargs, varkw, defaults, kwonlyargs, kwonlydefaults, annotations)` of a Python function. */
export function fullArgSpec(o: { args: string[]; varargs?: string; varkw?: string; defaults?: Obj[] | null; kwonlyDefaultsDict?: boolean }): Obj {
  return sv.namedTuple('FullArgSpec', [
    ['args', sv.list(o.args.map(sv.str))],
    ['varargs', o.varargs ? sv.str(o.varargs) : sv.none()],
    ['varkw', o.varkw ? sv.str(o.varkw) : sv.none()],
    ['defaults', o.defaults ? sv.list(o.defaults) : sv.none()],
    ['kwonlyargs', sv.list([])],
    ['kwonlydefaults', o.kwonlyDefaultsDict ? sv.dict({}) : sv.none()],
    ['annotations', sv.dict({})],
  ]);
}
