import type { ModelSource } from '@savedkeras/common';
import { CheckpointReader, DataType, type FunctionDef, type OpDef, type TrackableObjectGraph } from '@savedkeras/proto';
// @savedkeras/testing sits below object-graph in the package order (object-graph's own tests may
// use this package), so the tests reach it by path instead of by a workspace dependency.
import { SavedModelGraph, type Structure } from '../../object-graph/src/index.js';

export { SavedModelGraph, type Structure };

export type Checkpoint = CheckpointReader;

/** @savedkeras/proto's CheckpointReader (the reader the loader uses). */
export function openCheckpoint(source: ModelSource): Promise<Checkpoint> {
  return CheckpointReader.open(source);
}

export async function loadGraph(source: ModelSource): Promise<{ graph: SavedModelGraph; ckpt: Checkpoint; tog: TrackableObjectGraph }> {
  const ckpt = await openCheckpoint(source);
  const tog = await ckpt.readObjectGraph();
  if (!tog) throw new Error('checkpoint has no object graph');
  const graph = await SavedModelGraph.load(source, { checkpointGraph: tog });
  return { graph, ckpt, tog };
}

/**
 * Output arg names of the ops generated models use, for ops a stripped_op_list lacks (training
 * ops, and before TF 2.4 every op inside functions).
 */
const EXTRA_OUTPUTS: Record<string, string[]> = {
  Mul: ['z'], Shape: ['output'], RandomUniform: ['output'], GreaterEqual: ['z'], Cast: ['y'],
  Identity: ['output'], NoOp: [], Const: ['output'], ReadVariableOp: ['value'], PartitionedCall: ['output'],
  StatefulPartitionedCall: ['output'], MatMul: ['product'], BiasAdd: ['output'], Relu: ['activations'],
  Sigmoid: ['y'], Tanh: ['y'], Softmax: ['softmax'], ConcatV2: ['output'], Reshape: ['output'],
};

/**
 * Checks every reference inside every FunctionDef: `node:out:k` names a node of the same function
 * whose op has output arg `out` (from the stripped op list, the library or EXTRA_OUTPUTS), plain
 * names are input args, `^name` are nodes, call ops name library functions with matching arity.
 * Returns the problems found (empty when the library is consistent).
 */
export function libraryProblems(library: FunctionDef[], opList: OpDef[]): string[] {
  const problems: string[] = [];
  const fns = new Map(library.map((f) => [f.signature.name, f]));
  const ops = new Map(opList.map((o) => [o.name, o.outputArg.map((a) => a.name)]));
  const outputsOf = (op: string): string[] | undefined =>
    ops.get(op) ?? EXTRA_OUTPUTS[op] ?? (fns.has(op) ? fns.get(op)!.signature.outputArg.map((a) => a.name) : undefined);
  for (const f of library) {
    const where = f.signature.name;
    const args = new Set(f.signature.inputArg.map((a) => a.name));
    const nodes = new Map(f.nodeDef.map((n) => [n.name, n]));
    const check = (ref: string, ctx: string) => {
      if (ref.startsWith('^')) {
        if (!nodes.has(ref.slice(1))) problems.push(`${where}: ${ctx} control input ${ref} names no node`);
        return;
      }
      const parts = ref.split(':');
      if (parts.length === 1) {
        if (!args.has(ref)) problems.push(`${where}: ${ctx} reads ${ref}, not an input arg`);
        return;
      }
      const [name, out, k] = parts;
      const n = nodes.get(name);
      if (!n) return problems.push(`${where}: ${ctx} reads ${ref}: no node ${name}`) as unknown as void;
      const outs = outputsOf(n.op);
      if (!outs) return problems.push(`${where}: no OpDef for ${n.op}`) as unknown as void;
      if (!outs.includes(out)) problems.push(`${where}: ${ctx} reads ${ref}, but ${n.op} has outputs ${outs.join(',')}`);
      if (!/^\d+$/.test(k ?? '')) problems.push(`${where}: ${ctx} reads ${ref} without an output index`);
    };
    for (const n of f.nodeDef) {
      n.input.forEach((i) => check(i, `node ${n.name}`));
      const fn = n.attr['f']?.func?.name;
      if (fn !== undefined) {
        const callee = fns.get(fn);
        if (!callee) problems.push(`${where}: node ${n.name} calls missing function ${fn}`);
        else {
          const dataInputs = n.input.filter((i) => !i.startsWith('^')).length;
          if (dataInputs !== callee.signature.inputArg.length) {
            problems.push(`${where}: node ${n.name} passes ${dataInputs} inputs to ${fn}, which takes ${callee.signature.inputArg.length}`);
          }
          const tin = n.attr['Tin']?.list?.type ?? [];
          if (tin.length !== dataInputs) problems.push(`${where}: node ${n.name} Tin has ${tin.length} types for ${dataInputs} inputs`);
        }
      }
    }
    for (const [name, ref] of Object.entries(f.ret)) {
      if (!f.signature.outputArg.some((a) => a.name === name)) problems.push(`${where}: ret ${name} is not an output arg`);
      check(ref, `ret ${name}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A tiny float64 interpreter for the ops of generated inference functions, to check that the
// saved function library computes what the reference forward pass computes.

interface T {
  shape: number[];
  data: Float64Array;
}

export function runFunction(library: FunctionDef[], name: string, args: (T | { resource: T })[]): T[] {
  const fns = new Map(library.map((f) => [f.signature.name, f]));
  const call = (fname: string, inputs: (T | { resource: T })[], depth: number): (T | { resource: T })[] => {
    if (depth > 16) throw new Error('call depth');
    const f = fns.get(fname);
    if (!f) throw new Error(`no function ${fname}`);
    const env = new Map<string, (T | { resource: T })[]>();
    f.signature.inputArg.forEach((a, i) => env.set(a.name, [inputs[i]]));
    const nodes = new Map(f.nodeDef.map((n) => [n.name, n]));
    const value = (ref: string): T | { resource: T } => {
      const [name, , k] = ref.split(':');
      if (!env.has(name)) evalNode(name);
      return env.get(name)![Number(k ?? 0)];
    };
    const tensor = (ref: string): T => {
      const v = value(ref);
      if ('resource' in v) throw new Error(`${ref} is a resource`);
      return v;
    };
    const evalNode = (name: string): void => {
      const n = nodes.get(name);
      if (!n) throw new Error(`${fname}: no node ${name}`);
      const ins = n.input.filter((i) => !i.startsWith('^'));
      let out: (T | { resource: T })[];
      switch (n.op) {
        case 'ReadVariableOp': {
          const r = value(ins[0]);
          if (!('resource' in r)) throw new Error('ReadVariableOp of a tensor');
          out = [r.resource];
          break;
        }
        case 'Identity':
          out = [value(ins[0])];
          break;
        case 'NoOp':
          out = [];
          break;
        case 'MatMul': {
          const a = tensor(ins[0]);
          const b = tensor(ins[1]);
          const [m, k] = a.shape;
          const nn = b.shape[1];
          const y = new Float64Array(m * nn);
          for (let i = 0; i < m; i++) for (let j = 0; j < nn; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) s += a.data[i * k + q] * b.data[q * nn + j];
            y[i * nn + j] = s;
          }
          out = [{ shape: [m, nn], data: y }];
          break;
        }
        case 'BiasAdd': {
          const x = tensor(ins[0]);
          const b = tensor(ins[1]);
          const w = b.data.length;
          out = [{ shape: x.shape, data: x.data.map((v, i) => v + b.data[i % w]) }];
          break;
        }
        case 'Relu':
        case 'Sigmoid':
        case 'Tanh': {
          const x = tensor(ins[0]);
          const fn = n.op === 'Relu' ? (v: number) => Math.max(0, v) : n.op === 'Sigmoid' ? (v: number) => 1 / (1 + Math.exp(-v)) : Math.tanh;
          out = [{ shape: x.shape, data: x.data.map(fn) }];
          break;
        }
        case 'Softmax': {
          const x = tensor(ins[0]);
          const w = x.shape[x.shape.length - 1];
          const y = new Float64Array(x.data.length);
          for (let r = 0; r < y.length; r += w) {
            let s = 0;
            for (let i = 0; i < w; i++) s += y[r + i] = Math.exp(x.data[r + i]);
            for (let i = 0; i < w; i++) y[r + i] /= s;
          }
          out = [{ shape: x.shape, data: y }];
          break;
        }
        case 'Const': {
          const t = n.attr['value'].tensor!;
          const dims = (t.tensorShape?.dim ?? []).map((d) => d.size);
          const vals = t.dtype === DataType.INT32 ? t.intVal : t.floatVal;
          out = [{ shape: dims, data: Float64Array.from(vals) }];
          break;
        }
        case 'ConcatV2': {
          const xs = ins.slice(0, -1).map(tensor);
          const axis = tensor(ins[ins.length - 1]).data[0];
          if (axis !== xs[0].shape.length - 1) throw new Error('interpreter: ConcatV2 only on the last axis');
          const rows = xs[0].data.length / xs[0].shape[axis];
          const widths = xs.map((x) => x.shape[axis]);
          const total = widths.reduce((a, b) => a + b, 0);
          const y = new Float64Array(rows * total);
          for (let r = 0; r < rows; r++) {
            let o = r * total;
            xs.forEach((x, i) => {
              y.set(x.data.subarray(r * widths[i], (r + 1) * widths[i]), o);
              o += widths[i];
            });
          }
          out = [{ shape: [...xs[0].shape.slice(0, -1), total], data: y }];
          break;
        }
        case 'Reshape': {
          const x = tensor(ins[0]);
          const s = Array.from(tensor(ins[1]).data);
          const known = s.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
          out = [{ shape: s.map((d) => (d < 0 ? x.data.length / known : d)), data: x.data }];
          break;
        }
        case 'StatefulPartitionedCall':
        case 'PartitionedCall':
          out = call(n.attr['f'].func!.name, ins.map(value), depth + 1);
          break;
        default:
          throw new Error(`interpreter: op ${n.op} not supported`);
      }
      env.set(name, out);
    };
    return f.signature.outputArg.map((a) => value(f.ret[a.name]));
  };
  return call(name, args, 0).map((v) => {
    if ('resource' in v) throw new Error('function returned a resource');
    return v;
  });
}

/** float32 little-endian bytes → values. */
export function f32(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
