import { DataType as DT } from '@savedkeras/proto';
import type { Shape } from './model-spec.js';

/**
 * Builds FunctionDefs the way TF's function serialization writes them (format reference §5, §10):
 * `node:out:k` references, default attrs stripped, `_output_shapes` on every node, resource reads
 * collected as control outputs behind a `NoOp`, outputs through `Identity` nodes.
 * Everything is a plain object in protobufjs `fromObject` form.
 */
export type Obj = Record<string, unknown>;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The object with its keys in byte order: TF serializes proto maps sorted by key. */
export function sortedMap<V>(m: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const attrs = {
  type: (t: number): Obj => ({ type: t }),
  b: (b: boolean): Obj => ({ b }),
  i: (i: number): Obj => ({ i }),
  s: (s: string | Uint8Array): Obj => ({ s: typeof s === 'string' ? utf8(s) : s }),
  shape: (s: Shape | null): Obj => ({ shape: shapeProto(s) }),
  shapes: (ss: (Shape | null)[]): Obj => ({ list: { shape: ss.map(shapeProto) } }),
  types: (ts: number[]): Obj => ({ list: { type: ts } }),
  ints: (is: number[]): Obj => ({ list: is.length > 0 ? { i: is } : {} }),
  func: (name: string): Obj => ({ func: { name } }),
  tensor: (t: Obj): Obj => ({ tensor: t }),
};

/** TensorShapeProto; null = unknown rank, null dims = -1. */
export function shapeProto(s: Shape | null): Obj {
  if (s === null) return { unknownRank: true };
  return s.length === 0 ? {} : { dim: s.map((d) => ({ size: d ?? -1 })) };
}

export function floatScalar(v: number): Obj {
  return { dtype: DT.FLOAT, tensorShape: {}, floatVal: [v] };
}

export function int32Tensor(values: number[], shape: number[]): Obj {
  return { dtype: DT.INT32, tensorShape: shapeProto(shape), intVal: values };
}

/**
 * The serialized ConfigProto TF attaches to call ops saved on a CPU machine: device_count {CPU: 1,
 * GPU: 1}, gpu_options {visible_device_list: "0", experimental {}}, allow_soft_placement, an empty
 * `experimental`. Loaders ignore it; it is here because real call nodes carry it.
 */
export const CALL_CONFIG_PROTO = new Uint8Array([
  0x0a, 0x07, 0x0a, 0x03, 0x43, 0x50, 0x55, 0x10, 0x01, // device_count { key: "CPU" value: 1 }
  0x0a, 0x07, 0x0a, 0x03, 0x47, 0x50, 0x55, 0x10, 0x01, // device_count { key: "GPU" value: 1 }
  0x32, 0x05, 0x2a, 0x01, 0x30, 0x4a, 0x00, // gpu_options { visible_device_list: "0" experimental {} }
  0x38, 0x01, // allow_soft_placement: true
  0x82, 0x01, 0x00, // experimental {}
]);

export interface FnInput {
  name: string;
  dtype: number;
  shape: Shape | null;
  /** `_user_specified_name` for tensor inputs. */
  userName?: string;
}

export interface FnOutput {
  ref: string;
  dtype: number;
  shape: Shape | null;
}

/** The output arg names of the ops the builder writes (for `node:out:k`). */
const OUT_ARG: Record<string, string> = {
  ReadVariableOp: 'value', MatMul: 'product', BiasAdd: 'output', Relu: 'activations', Sigmoid: 'y',
  Softmax: 'softmax', Tanh: 'y', Identity: 'output', Const: 'output', ConcatV2: 'output', Reshape: 'output',
  Mul: 'z', Shape: 'output', RandomUniform: 'output', GreaterEqual: 'z', Cast: 'y',
  StatefulPartitionedCall: 'output', PartitionedCall: 'output', Conv2D: 'output', MaxPool: 'output', FusedBatchNormV3: 'y',
};

/** How the TF version serializes function bodies. */
export interface FunctionStyle {
  /** TF >= 2.6: control outputs gathered by a `NoOp` (else each Identity lists them). */
  controlNoOp: boolean;
  /** TF >= 2.5: `_construction_context` attr, resource inputs with scalar `_input_shapes`. */
  constructionContext: boolean;
}

export const MODERN_STYLE: FunctionStyle = { controlNoOp: true, constructionContext: true };

export class FunctionBuilder {
  readonly inputs: FnInput[] = [];
  readonly nodes: Obj[] = [];
  /** Ops used in the body (for stripped_op_list). */
  readonly ops = new Set<string>();
  private readonly names = new Set<string>();
  private readonly controlDeps: string[] = [];
  private stateful = false;

  constructor(
    readonly name: string,
    private readonly style: FunctionStyle = MODERN_STYLE,
  ) {}

  input(name: string, dtype: number, shape: Shape | null, userName?: string): string {
    this.inputs.push({ name, dtype, shape, userName });
    this.names.add(name);
    return name;
  }

  /** A name not used yet in this function: `base`, `base_1`, ... (TF's unique_name rule). */
  unique(base: string): string {
    if (!this.names.has(base)) return base;
    for (let i = 1; ; i++) if (!this.names.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  hasName(name: string): boolean {
    return this.names.has(name);
  }

  /** Adds a node; returns the reference of its output `k`. Stateful ops become control outputs. */
  node(
    name: string,
    op: string,
    inputs: string[],
    attr: Obj,
    outShapes: (Shape | null)[],
    opts: { stateful?: boolean; controlOutput?: boolean } = {},
  ): (k?: number) => string {
    if (this.names.has(name)) throw new Error(`duplicate node ${name} in ${this.name}`);
    this.names.add(name);
    const n: Obj = { name, op };
    if (inputs.length > 0) n['input'] = inputs;
    n['attr'] = sortedMap({ ...attr, _output_shapes: attrs.shapes(outShapes) });
    this.nodes.push(n);
    this.ops.add(op);
    if (opts.stateful) this.stateful = true;
    if (opts.controlOutput) this.controlDeps.push(name);
    const out = OUT_ARG[op];
    if (!out) throw new Error(`no output arg name known for ${op}`);
    return (k = 0) => `${name}:${out}:${k}`;
  }

  markStateful(): void {
    this.stateful = true;
  }

  /**
   * Finishes the body: a `NoOp` gathering the control outputs, one `Identity` per output (named
   * `Identity`, `Identity_1`, ...; the output args take the lower-cased names).
   */
  build(outputs: FnOutput[], fnAttrs: Obj = {}): { def: Obj; outputNames: string[] } {
    const deps = [...this.controlDeps].sort();
    const idNames: string[] = [];
    const idNodes: Obj[] = [];
    for (const o of outputs) {
      const name = this.unique('Identity');
      this.names.add(name);
      idNames.push(name);
      const control = deps.length === 0 ? [] : this.style.controlNoOp ? ['^NoOp'] : deps.map((d) => `^${d}`);
      idNodes.push({
        name,
        op: 'Identity',
        input: [o.ref, ...control],
        attr: { T: attrs.type(o.dtype), _output_shapes: attrs.shapes([o.shape]) },
      });
    }
    this.ops.add('Identity');
    const body = [...this.nodes, ...idNodes];
    if (deps.length > 0 && this.style.controlNoOp) {
      body.push({
        name: 'NoOp',
        op: 'NoOp',
        input: deps.map((d) => `^${d}`),
        attr: { _acd_function_control_output: attrs.b(true), _output_shapes: attrs.shapes([]) },
      });
      this.ops.add('NoOp');
    }
    const outNames = idNames.map((n) => n.toLowerCase());
    const signature: Obj = {
      name: this.name,
      inputArg: this.inputs.map((i) => ({ name: i.name, type: i.dtype })),
      outputArg: outputs.map((o, i) => ({ name: outNames[i], type: o.dtype })),
    };
    if (this.stateful || deps.length > 0) signature['isStateful'] = true;
    if (deps.length > 0) signature['controlOutput'] = deps;
    const argAttr: Record<string, Obj> = {};
    this.inputs.forEach((inp, i) => {
      if (inp.dtype === DT.RESOURCE) return;
      argAttr[String(i)] = {
        attr: { _output_shapes: attrs.shapes([inp.shape]), _user_specified_name: attrs.s(inp.userName ?? inp.name) },
      };
    });
    const def: Obj = {
      signature,
      attr: sortedMap({
        ...(this.style.constructionContext ? { _construction_context: attrs.s('kEagerRuntime') } : {}),
        _input_shapes: attrs.shapes(this.inputs.map((i) => (i.dtype !== DT.RESOURCE ? i.shape : this.style.constructionContext ? [] : null))),
        ...fnAttrs,
      }),
      argAttr,
      nodeDef: body,
      ret: sortedMap(Object.fromEntries(outNames.map((n, i) => [n, `${idNames[i]}:output:0`]))),
    };
    if (deps.length > 0) def['controlRet'] = Object.fromEntries(deps.map((d) => [d, d]));
    return { def, outputNames: outNames };
  }
}
