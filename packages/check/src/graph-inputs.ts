import type { Limits, ModelSource } from '@savedkeras/common';
import { Captures } from '@savedkeras/graph';
import type { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader, type FunctionDef, type NodeDef } from '@savedkeras/proto';

/**
 * What the saved graph says an integer or string input may hold: it follows the input forward
 * through the function and every function it calls, to the ops that index with it:
 *  - Gather / GatherV2 / ResourceGather (embedding tables): indices below the size of the table
 *    (a captured variable's shape, or a Const's);
 *  - LookupTableFindV2 (StringLookup / IntegerLookup / TextVectorization): keys of the table, read
 *    by the caller from the table resource (`tables`);
 *  - OneHot: indices below its depth.
 * The reach is the union over every path; the range is the smallest table reached.
 */
export interface GraphInputUse {
  /** Indices must lie in [0, below). */
  below?: number;
  /** Object-graph node ids of the lookup tables the input's values are looked up in. */
  tables: number[];
  /** Ops that index with the input but whose size could not be read from the graph (e.g. "GatherV2 model/gather"). */
  unknown: string[];
  /** The ops that set `below`, for the report (e.g. "ResourceGather embedding_lookup [4]"). */
  from: string[];
  /** The input's strings are split into words before a lookup (TextVectorization): phrases are valid. */
  splits: boolean;
}

/** Ops whose outputs carry their input's values (or a subset / reshuffle of them). */
const PASS_THROUGH = new Set([
  'Identity', 'IdentityN', 'Cast', 'Reshape', 'ExpandDims', 'Squeeze', 'StridedSlice', 'Slice', 'Tile', 'Transpose',
  'ConcatV2', 'Concat', 'Pack', 'Unpack', 'Split', 'SplitV', 'GatherV2', 'Gather', 'Unique', 'StopGradient',
  'EnsureShape', 'PlaceholderWithDefault', 'StringToHashBucketFast', 'RaggedTensorToTensor', 'StringSplit',
  'StringSplitV2', 'RegexReplace', 'StaticRegexReplace', 'StringLower', 'StringStrip', 'Select', 'SelectV2',
  'BroadcastTo', 'Fill', 'MirrorPad', 'Pad', 'PadV2', 'Flatten', 'RaggedGather',
]);
const CALLS = new Set(['StatefulPartitionedCall', 'PartitionedCall']);
const GATHERS = new Set(['Gather', 'GatherV2', 'ResourceGather']);
/** Bound the walk (a graph is finite, but keep a hostile one cheap). */
const MAX_VISITS = 200_000;

interface Frame {
  fn: FunctionDef;
  nodes: Map<string, NodeDef>;
  /** The call node in the parent frame, null at the top. */
  caller: { frame: Frame; node: NodeDef } | null;
  /** Top frame: object-graph node ids bound to the last inputs. */
  boundInputs: number[];
}

/**
 * How input `argIndex` of concrete function `functionName` is used (null when the function is not
 * in the library, e.g. a TF1 main graph).
 */
export function graphInputUse(graph: SavedModelGraph, functionName: string, argIndex: number): GraphInputUse | null {
  const fd = graph.functionDef(functionName);
  if (!fd) return null;
  const use: GraphInputUse = { tables: [], unknown: [], from: [], splits: false };
  const top = frameOf(fd, null, graph.concreteFunction(functionName)?.boundInputs ?? []);
  const arg = fd.signature.inputArg[argIndex];
  if (!arg) return null;
  let visits = 0;
  const seen = new Set<string>();

  /** Marks tensor `ref` (an arg name or "node:out:i") of `frame` as carrying the input, and follows it. */
  const walk = (frame: Frame, refs: string[], depth: number): void => {
    if (depth > 32) return;
    const queue = [...refs];
    const tainted = new Set<string>();
    const key = (r: string) => r;
    while (queue.length > 0) {
      const ref = queue.shift()!;
      if (tainted.has(key(ref))) continue;
      tainted.add(key(ref));
      for (const node of frame.fn.nodeDef) {
        if (++visits > MAX_VISITS) return;
        const inputs = node.input.filter((i) => !i.startsWith('^'));
        const positions = inputs.map((i, k) => (matches(i, ref) ? k : -1)).filter((k) => k >= 0);
        if (positions.length === 0) continue;
        const id = `${frame.fn.signature.name}/${node.name}/${positions.join(',')}/${ref}`;
        if (seen.has(id)) continue;
        seen.add(id);
        if (GATHERS.has(node.op) && positions.includes(1)) {
          const size = gatherSize(graph, frame, node, inputs);
          const label = `${node.op} ${node.name}`;
          if (size === null) use.unknown.push(label);
          else {
            use.below = use.below === undefined ? size : Math.min(use.below, size);
            use.from.push(`${label} [${size}]`);
          }
          // A Gather's output holds table rows, not the input's values.
          if (node.op !== 'ResourceGather' && positions.includes(0)) queue.push(`${node.name}:`);
          continue;
        }
        if (node.op === 'LookupTableFindV2' && positions.includes(1)) {
          const table = resolve(frame, inputs[0]!, 0);
          if (table && 'nodeId' in table) use.tables.push(table.nodeId);
          else use.unknown.push(`${node.op} ${node.name}`);
          continue;
        }
        if (node.op === 'OneHot' && positions.includes(0)) {
          const depth = constInt(frame, inputs[1]);
          if (depth === null) use.unknown.push(`OneHot ${node.name}`);
          else {
            use.below = use.below === undefined ? depth : Math.min(use.below, depth);
            use.from.push(`OneHot ${node.name} [${depth}]`);
          }
          continue;
        }
        const callee = calleeOf(graph, node);
        if (callee) {
          const sub = frameOf(callee, { frame, node }, []);
          const argNames = positions.map((k) => callee.signature.inputArg[k]?.name).filter((n): n is string => !!n);
          walk(sub, argNames, depth + 1);
          continue;
        }
        if (PASS_THROUGH.has(node.op)) {
          if (/^StringSplit/.test(node.op)) use.splits = true;
          queue.push(`${node.name}:`);
        }
      }
    }
  };
  walk(top, [arg.name], 0);
  use.tables = [...new Set(use.tables)];
  return use;
}

function frameOf(fn: FunctionDef, caller: Frame['caller'], boundInputs: number[]): Frame {
  return { fn, nodes: new Map(fn.nodeDef.map((n) => [n.name, n])), caller, boundInputs };
}

/** Whether input string `input` ("x", "node:out:0", "node") reads tensor `ref` (an arg name, or "node:" for any output of node). */
function matches(input: string, ref: string): boolean {
  if (ref.endsWith(':')) return input === ref.slice(0, -1) || input.startsWith(ref);
  return input === ref;
}

function calleeOf(graph: SavedModelGraph, node: NodeDef): FunctionDef | undefined {
  if (CALLS.has(node.op)) {
    const f = node.attr['f']?.func?.name;
    return f ? graph.functionDef(f) : undefined;
  }
  return graph.functionDef(node.op);
}

type Source = { nodeId: number } | { shape: number[]; node: NodeDef } | null;

/** Where tensor `input` of `frame` comes from, through identities, reads and calls: a bound object, or a Const. */
function resolve(frame: Frame, input: string, depth: number): Source {
  if (depth > 32) return null;
  const [name] = input.split(':');
  const argIndex = frame.fn.signature.inputArg.findIndex((a) => a.name === input);
  if (argIndex >= 0) {
    if (!frame.caller) {
      const first = frame.fn.signature.inputArg.length - frame.boundInputs.length;
      const id = frame.boundInputs[argIndex - first];
      return argIndex >= first && id !== undefined ? { nodeId: id } : null;
    }
    const callerInput = frame.caller.node.input.filter((i) => !i.startsWith('^'))[argIndex];
    return callerInput ? resolve(frame.caller.frame, callerInput, depth + 1) : null;
  }
  const node = frame.nodes.get(name!);
  if (!node) return null;
  if (node.op === 'Const') {
    const shape = node.attr['value']?.tensor?.tensorShape?.dim.map((d) => Number(d.size));
    return shape ? { shape, node } : null;
  }
  if (['Identity', 'ReadVariableOp', 'IdentityN'].includes(node.op)) {
    const first = node.input.find((i) => !i.startsWith('^'));
    return first ? resolve(frame, first, depth + 1) : null;
  }
  return null;
}

/** Rows of the params of a Gather (the axis must be a constant 0: embedding lookups). */
function gatherSize(graph: SavedModelGraph, frame: Frame, node: NodeDef, inputs: string[]): number | null {
  if (node.op === 'GatherV2') {
    const axis = constInt(frame, inputs[2]);
    if (axis !== 0) return null;
  }
  if (node.op === 'ResourceGather' && (node.attr['batch_dims']?.i ?? 0) !== 0) return null;
  const src = resolve(frame, inputs[0]!, 0);
  if (!src) return null;
  if ('nodeId' in src) {
    const rows = graph.node(src.nodeId).variable?.shape?.[0];
    return rows !== undefined && rows >= 0 ? rows : null;
  }
  const rows = src.shape[0];
  return rows !== undefined && rows >= 0 ? rows : null;
}

/** A scalar integer Const (through identities), else null. */
function constInt(frame: Frame, input: string | undefined): number | null {
  if (!input) return null;
  const src = resolve(frame, input, 0);
  if (!src || !('node' in src)) return null;
  const t = src.node.attr['value']?.tensor;
  if (!t) return null;
  if (t.intVal.length > 0) return Number(t.intVal[0]);
  if (t.int64Val.length > 0) return Number(t.int64Val[0]);
  if (t.tensorContent.length >= 4) {
    const view = new DataView(t.tensorContent.buffer, t.tensorContent.byteOffset, t.tensorContent.byteLength);
    return t.dtype === 9 ? Number(view.getBigInt64(0, true)) : view.getInt32(0, true);
  }
  return null;
}

/**
 * The keys of the lookup tables `ids` (object-graph resource nodes), as their creator and
 * initializer functions (or the checkpoint) fill them. Tables that cannot be built are left out.
 */
export async function readTableKeys(
  graph: SavedModelGraph,
  source: ModelSource,
  ids: number[],
  limits?: Partial<Limits>,
): Promise<Map<number, (string | number)[]>> {
  const out = new Map<number, (string | number)[]>();
  if (ids.length === 0) return out;
  const ckpt = (await source.size('variables/variables.index')) !== undefined ? await CheckpointReader.open(source, 'variables/variables', limits) : null;
  const ckptGraph = ckpt ? await ckpt.readObjectGraph() : null;
  const captures = new Captures(graph, {
    readVariable: () => {
      throw new Error('a lookup table initializer read a variable');
    },
    checkpoint: ckpt,
    checkpointGraph: ckptGraph,
  });
  try {
    for (const id of ids) {
      try {
        await captures.prepare([id]);
        const v = captures.resolve(id) as { kind?: string; map?: Map<string | number, unknown> };
        if (v.kind === 'table' && v.map) out.set(id, [...v.map.keys()]);
      } catch {
        // Not buildable here: the input falls back to the default values (and the report says so).
      }
    }
  } finally {
    captures.dispose();
  }
  return out;
}
