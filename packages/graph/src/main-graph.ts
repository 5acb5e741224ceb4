import { FormatError, UnsupportedFeatureError, nameRecord } from '@savedkeras/common';
import { DataType, type AttrValue, type FunctionDef, type GraphDef, type NodeDef, type SignatureDef } from '@savedkeras/proto';

/**
 * TF1-style SavedModels (e.g. tf.keras.experimental.export_saved_model, TF 2.0 beta) have no object
 * graph: a signature names Placeholders and output tensors of the main GraphDef, and variables are
 * VarHandleOps restored by the graph's own saver. To run such a signature we turn the main graph
 * into one synthetic FunctionDef: Placeholders and VarHandleOps become its inputs, the signature's
 * output tensors its outputs; the usual plan compiler then keeps only the nodes the outputs need.
 */
export interface MainGraphFunction {
  def: FunctionDef;
  /** Placeholder node names, in input order (first inputs). */
  feeds: string[];
  /** VarHandleOp node names, in input order (after the feeds). */
  variables: string[];
}

function tensorNode(name: string): string {
  const i = name.lastIndexOf(':');
  return i < 0 ? name : name.slice(0, i);
}

export function mainGraphFunction(graphDef: GraphDef, signature: SignatureDef, fnName: string): MainGraphFunction {
  const byName = new Map(graphDef.node.map((n) => [n.name, n]));
  const feeds = Object.keys(signature.inputs).sort().map((k) => {
    const t = signature.inputs[k]!;
    if (t.encoding && t.encoding !== 'name') throw new UnsupportedFeatureError(`signature input ${k} is a ${t.encoding} tensor; only dense tensors are supported`, { node: fnName });
    const node = tensorNode(t.name ?? '');
    if (!byName.has(node)) throw new FormatError(`signature input ${k} names ${JSON.stringify(t.name)}, absent from the graph`, { node: fnName });
    return node;
  });
  const feedSet = new Set(feeds);
  const variables = graphDef.node.filter((n) => n.op === 'VarHandleOp').map((n) => n.name);
  const varSet = new Set(variables);
  const outKeys = Object.keys(signature.outputs).sort();
  const ret = nameRecord<string>();
  outKeys.forEach((k, i) => {
    const t = signature.outputs[k]!;
    if (t.encoding && t.encoding !== 'name') throw new UnsupportedFeatureError(`signature output ${k} is a ${t.encoding} tensor; only dense tensors are supported`, { node: fnName });
    ret[`output_${i}`] = t.name ?? '';
  });
  const arg = (name: string, type: number) => ({ name, type, typeAttr: '', numberAttr: '', typeListAttr: '', isRef: false });
  const nodeDef: NodeDef[] = graphDef.node.filter((n) => !feedSet.has(n.name) && !varSet.has(n.name));
  return {
    def: {
      signature: {
        name: fnName,
        inputArg: [
          ...feeds.map((f) => arg(f, (byName.get(f)!.attr['dtype'] as AttrValue | undefined)?.type ?? DataType.FLOAT)),
          ...variables.map((v) => arg(v, DataType.RESOURCE)),
        ],
        outputArg: outKeys.map((_, i) => arg(`output_${i}`, signature.outputs[outKeys[i]!]!.dtype)),
        controlOutput: [],
        attr: [],
        isStateful: true,
      },
      attr: {},
      argAttr: {},
      nodeDef,
      ret,
      controlRet: {},
    },
    feeds,
    variables,
  };
}

/**
 * Checkpoint key of each VarHandleOp of a TF1 graph: its shared_name when the checkpoint has it,
 * else the tensor name its saver restores into it (AssignVariableOp(handle, Identity(RestoreV2:i))
 * with RestoreV2's tensor_names constant).
 */
export function tf1VariableKeys(graphDef: GraphDef, has: (key: string) => boolean): Map<string, string> {
  const byName = new Map(graphDef.node.map((n) => [n.name, n]));
  const out = new Map<string, string>();
  const dec = new TextDecoder();
  for (const n of graphDef.node) {
    if (n.op !== 'VarHandleOp') continue;
    const shared = n.attr['shared_name']?.s ? dec.decode(n.attr['shared_name'].s) : n.name;
    if (has(shared)) out.set(n.name, shared);
  }
  for (const n of graphDef.node) {
    if (n.op !== 'AssignVariableOp' || n.input.length < 2) continue;
    const handle = tensorNode(n.input[0]!);
    if (out.has(handle) || byName.get(handle)?.op !== 'VarHandleOp') continue;
    let src = n.input[1]!;
    let srcNode = byName.get(tensorNode(src));
    while (srcNode && srcNode.op === 'Identity') {
      src = srcNode.input[0]!;
      srcNode = byName.get(tensorNode(src));
    }
    if (!srcNode || srcNode.op !== 'RestoreV2') continue;
    const idx = src.includes(':') ? Number(src.slice(src.lastIndexOf(':') + 1)) : 0;
    const names = byName.get(tensorNode(srcNode.input[1] ?? ''))?.attr['value']?.tensor?.stringVal ?? [];
    const key = names[idx] ? dec.decode(names[idx]) : undefined;
    if (key !== undefined && has(key)) out.set(handle, key);
  }
  return out;
}
