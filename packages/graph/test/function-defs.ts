// Tiny FunctionDef builder for executor tests: decoded-proto shaped objects (as decodeSavedModel
// returns them), so the executor sees exactly what it sees for real files.
import { DataType, type AttrValue, type FunctionDef, type NodeDef, type TensorProto } from '@savedkeras/proto';
import { A } from './ops-helpers.js';

export { A, DataType };

const arg = (name: string, type: number) => ({ name, type, typeAttr: '', numberAttr: '', typeListAttr: '', isRef: false });

export function node(name: string, op: string, input: string[] = [], attr: Record<string, AttrValue> = {}): NodeDef {
  return { name, op, input, device: '', attr };
}

export function fn(
  name: string,
  inputs: [string, number][],
  outputs: [string, number][],
  nodeDef: NodeDef[],
  ret: Record<string, string>,
  controlRet: Record<string, string> = {},
): FunctionDef {
  return {
    signature: {
      name,
      inputArg: inputs.map(([n, t]) => arg(n, t)),
      outputArg: outputs.map(([n, t]) => arg(n, t)),
      controlOutput: Object.keys(controlRet),
      attr: [],
      isStateful: false,
    },
    attr: {},
    argAttr: {},
    nodeDef,
    ret,
    controlRet,
  };
}

function proto(dtype: number, shape: number[], fill: Partial<TensorProto>): TensorProto {
  return {
    dtype,
    tensorShape: { dim: shape.map((size) => ({ size, name: '' })), unknownRank: false },
    tensorContent: new Uint8Array(0),
    halfVal: [], floatVal: [], doubleVal: [], intVal: [], stringVal: [], scomplexVal: [], int64Val: [], boolVal: [],
    dcomplexVal: [], uint32Val: [], uint64Val: [], float8Val: new Uint8Array(0),
    ...fill,
  };
}

export function constF(name: string, values: number[], shape: number[] = [values.length]): NodeDef {
  return node(name, 'Const', [], { dtype: A.type(DataType.FLOAT), value: { value: 'tensor', tensor: proto(DataType.FLOAT, shape, { floatVal: values }) } });
}
export function constI(name: string, values: number[], shape: number[] = [values.length]): NodeDef {
  return node(name, 'Const', [], { dtype: A.type(DataType.INT32), value: { value: 'tensor', tensor: proto(DataType.INT32, shape, { intVal: values }) } });
}
export function constB(name: string, value: boolean): NodeDef {
  return node(name, 'Const', [], { dtype: A.type(DataType.BOOL), value: { value: 'tensor', tensor: proto(DataType.BOOL, [], { boolVal: [value] }) } });
}
