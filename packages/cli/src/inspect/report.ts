import { createHash } from 'node:crypto';
import { MissingFileError, type ModelSource } from '@savedkeras/common';
import { KERAS_IDENTIFIERS, SavedModelGraph, formatStructure, shapeOf, type Structure } from '@savedkeras/object-graph';
import { CheckpointReader, dtypeName, type TensorInfo } from '@savedkeras/proto';

/**
 * What `savedkeras inspect --json` prints. These field names are a contract (scripts and tests
 * read them): add fields freely, never rename or remove one.
 */
export interface InspectReport {
  /** What was inspected: a SavedModel folder, a Keras 3 `.keras` zip, or an `.h5` file. */
  format?: 'savedmodel' | 'keras-zip' | 'hdf5';
  /** For `.keras` / `.h5` files: the layout (`keras-3` / `keras-2`), Keras backend, save date, optimizer, assets. */
  kerasFile?: { layout: string; backend: string | null; dateSaved: string | null; modelClass: string; optimizer: string | null; assets: string[] };
  tensorflowVersion: string;
  kerasVersion: string | null;
  kerasMetadataSource: 'keras_metadata.pb' | 'object-graph' | null;
  /** Every object-graph node with a Keras identifier, in node order (the root, when Keras, is `root`). */
  objects: InspectObject[];
  /** Every variable node of the object graph. */
  variables: InspectVariable[];
  /** The serving signatures (never __saved_model_init_op), inputs/outputs named as the signature declares. */
  signatures: InspectSignature[];
  /** Number of tensors in the checkpoint (variables/variables.index), null when there is none. */
  checkpointTensors: number | null;
  /** Tag set of every meta graph in saved_model.pb; `shown` marks the one this report describes (`--tags`). */
  metaGraphs?: { tags: string[]; shown: boolean }[];
  /**
   * Every SignatureDef of the shown meta graph as saved (what `saved_model_cli show --all` lists,
   * `__saved_model_init_op` included): method name, and per input/output key the graph tensor, dtype and shape.
   */
  signatureDefs?: InspectSignatureDef[];
  /**
   * Every op type in the shown meta graph: its GraphDef's nodes and its function library's, sorted
   * (the set `saved_model_cli show --all` prints as "contains the following ops").
   */
  ops?: string[];
  /**
   * The root object's saved functions, by name, as `saved_model_cli show --all` lists them under
   * "Concrete Functions": one option per concrete function (ordered by its saved name; saved_model_cli
   * orders by the names TensorFlow gives them at load), with the positional
   * arguments (`args`) and named arguments (`kwargs`) of its input signature.
   */
  functions?: InspectFunction[];
}

interface InspectFunction {
  name: string;
  options: { concreteFunction: string; args: InspectArgument[]; kwargs: InspectArgument[] }[];
}

/** One argument of a saved function: a tensor spec, or (nested or Python values) its structure as text. */
export interface InspectArgument {
  /** The keyword for named arguments; the TensorSpec's name for positional tensor arguments (may be null). */
  name: string | null;
  dtype?: string;
  /** -1 for unknown dimensions; null for unknown rank. */
  shape?: number[] | null;
  /** For arguments that are not one TensorSpec: `formatStructure`'s text. */
  structure?: string;
}

interface InspectSignatureDef {
  name: string;
  methodName: string;
  inputs: (InspectTensor & { tensor: string })[];
  outputs: (InspectTensor & { tensor: string })[];
}

export interface InspectObject {
  nodeId: number;
  path: string;
  identifier: string;
  className: string | null;
  hasConfig: boolean;
}

export interface InspectVariable {
  /**
   * Object path, breadth-first from the root (ObjectNode.checkpointPath): `root.layer_with_weights-0.kernel`.
   * Optimizer slot variables, which no child edge reaches, get `<optimizer path>.slots.<slot>[<variable path>]`.
   */
  path: string;
  /** The variable's own name as saved (`dense/kernel`, `Adam/dense/kernel/m`). */
  name: string;
  /** Key in the checkpoint, from the checkpoint's own object graph; null when the checkpoint lacks it. */
  checkpointKey: string | null;
  dtype: string;
  /** Unknown dims are -1; null for unknown rank. */
  shape: number[] | null;
  trainable: boolean;
  /** Hex sha256 of the tensor's bytes exactly as stored (crc32c-verified), null without a checkpoint value. */
  sha256: string | null;
}

export interface InspectTensor {
  name: string;
  dtype: string;
  shape: number[] | null;
}

export interface InspectSignature {
  name: string;
  inputs: InspectTensor[];
  outputs: InspectTensor[];
}

export interface InspectOptions {
  /** The meta graph to describe, by its exact tag set (default: `serve`, else the first). */
  tags?: readonly string[];
  /** Called as variables are hashed: (bytes done, bytes total). */
  onProgress?: (done: number, total: number) => void;
  /** Called for things worth telling the user that do not stop the report. */
  onWarning?: (message: string) => void;
}

export async function inspectModel(source: ModelSource, options: InspectOptions = {}): Promise<InspectReport> {
  // Only a source opened on one file can be a .keras / .h5 (the facade, with tfjs, is loaded only then).
  if (source.file !== undefined) {
    const { readKerasModelFile } = await import('savedkeras');
    const kerasFile = await readKerasModelFile(source);
    if (kerasFile) return inspectKerasModelFile(kerasFile.bytes, kerasFile.file);
  }
  const checkpoint = await openCheckpointIfPresent(source);
  const checkpointGraph = checkpoint ? await checkpoint.readObjectGraph() : null;
  const graph = await SavedModelGraph.load(source, { checkpointGraph, tags: options.tags });
  if (!checkpoint) options.onWarning?.('no variables/variables.index: variables are listed without checkpoint keys or hashes');

  // Breadth-first paths: the rule of checkpoint keys (`root.layer-0.kernel` goes with `layer-0/kernel/...`).
  const paths = graph.nodes.map((n) => n.checkpointPath ?? undefined);
  const objects: InspectObject[] = [];
  for (const n of graph.nodes) {
    const identifier = n.keras?.identifier ?? n.identifier;
    if (!identifier || !KERAS_IDENTIFIERS.has(identifier)) continue;
    objects.push({
      nodeId: n.id,
      path: paths[n.id] ?? n.path,
      identifier,
      className: n.keras?.className ?? null,
      hasConfig: n.keras?.hasConfig ?? false,
    });
  }

  const variableNodes = graph.variableNodes();
  const slotPaths = slotVariablePaths(graph, paths);
  const present = (key: string | null): key is string => key !== null && checkpoint?.entry(key) !== undefined;
  const total = variableNodes.reduce((s, n) => {
    const key = n.variable?.checkpointKey ?? null;
    return s + (present(key) ? checkpoint!.entry(key)!.size : 0);
  }, 0);
  let done = 0;
  const variables: InspectVariable[] = [];
  for (const n of variableNodes) {
    const v = n.variable;
    const key = v?.checkpointKey ?? null;
    let sha256: string | null = null;
    let shape = v?.shape ?? null;
    let dtype = v?.dtype ?? 'unknown';
    if (present(key)) {
      const entry = checkpoint!.entry(key)!;
      // The object graph may leave dims unknown; the stored tensor always knows them.
      if (shape === null || shape.includes(-1)) shape = entry.shape;
      if (!v) dtype = entry.dtypeName;
      sha256 = createHash('sha256').update(await checkpoint!.readRaw(key)).digest('hex');
      done += entry.size;
      options.onProgress?.(done, total);
    }
    variables.push({
      path: slotPaths.get(n.id) ?? paths[n.id] ?? n.path,
      name: v?.name ?? '',
      checkpointKey: present(key) ? key : null,
      dtype,
      shape,
      trainable: v?.trainable ?? false,
      sha256,
    });
  }

  return {
    tensorflowVersion: graph.tensorflowVersion,
    kerasVersion: graph.kerasVersion,
    kerasMetadataSource: graph.kerasMetadataSource,
    objects,
    variables,
    signatures: graph.signatures.map((s) => ({ name: s.name, inputs: s.inputs, outputs: s.outputs })),
    checkpointTensors: checkpoint ? checkpoint.keys().length : null,
    metaGraphs: graph.metaGraphTags.map((tags) => ({ tags, shown: sameTags(tags, graph.metaGraph.metaInfoDef?.tags ?? []) })),
    signatureDefs: Object.keys(graph.metaGraph.signatureDef)
      .sort()
      .map((name) => {
        const def = graph.metaGraph.signatureDef[name]!;
        const tensors = (m: Record<string, TensorInfo>) =>
          Object.keys(m)
            .sort()
            .map((key) => ({ name: key, tensor: m[key]!.name ?? '', dtype: dtypeName(m[key]!.dtype), shape: shapeOf(m[key]!.tensorShape) }));
        return { name, methodName: def.methodName, inputs: tensors(def.inputs), outputs: tensors(def.outputs) };
      }),
    ops: opsUsed(graph),
    functions: rootFunctions(graph),
  };
}

/**
 * Op types the shown meta graph uses, by saved_model_cli's rule (`ops_used_by_graph_def`): the main
 * graph's nodes, and the nodes of every library function reached from them by name (a node whose op
 * is a function) or through a (Stateful)PartitionedCall's `f`; function names themselves are not ops.
 */
function opsUsed(graph: SavedModelGraph): string[] {
  const def = graph.metaGraph.graphDef;
  const library = new Map((def?.library?.function ?? []).map((f) => [f.signature.name, f] as const));
  const used = new Set<string>();
  const pending: string[] = [];
  const mark = (op: string) => {
    if (!used.has(op) && library.has(op)) pending.push(op);
    used.add(op);
  };
  const visit = (node: { op: string; attr?: Record<string, { func?: { name?: string } | null }> }) => {
    mark(node.op);
    if (node.op === 'PartitionedCall' || node.op === 'StatefulPartitionedCall') {
      const f = node.attr?.['f']?.func?.name;
      if (f) mark(f);
    }
  };
  for (const n of def?.node ?? []) visit(n);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) for (const n of library.get(name)?.nodeDef ?? []) visit(n);
  return [...used].filter((op) => !library.has(op)).sort();
}

/** The root's function children sorted by name, each with its concrete functions sorted by name (saved_model_cli's order). */
function rootFunctions(graph: SavedModelGraph): InspectFunction[] {
  const root = graph.nodes[0];
  if (!root) return [];
  const out: InspectFunction[] = [];
  for (const child of [...root.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const node = graph.nodes[child.id];
    if (!node || (node.kind !== 'function' && node.kind !== 'bareConcreteFunction')) continue;
    const options = [...node.concreteFunctions]
      .sort()
      .flatMap((fnName) => {
        const fn = graph.concreteFunction(fnName);
        if (!fn) return [];
        const sig = fn.inputSignature;
        const [args, kwargs] = sig.kind === 'tuple' || sig.kind === 'list' ? sig.items : [];
        const positional = args && (args.kind === 'tuple' || args.kind === 'list') ? args.items.map((a) => argument(null, a)) : [];
        const named = kwargs && kwargs.kind === 'dict' ? Object.entries(kwargs.fields).map(([k, v]) => argument(k, v)) : [];
        return [{ concreteFunction: fnName, args: positional, kwargs: named }];
      });
    out.push({ name: child.name, options });
  }
  return out;
}

function argument(keyword: string | null, s: Structure): InspectArgument {
  if (s.kind === 'tensorSpec') return { name: keyword ?? s.name, dtype: s.dtype, shape: s.shape };
  return { name: keyword, structure: formatStructure(s) };
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t) => b.includes(t));
}

/** A model without variables/ (rare: TF writes it even when empty) still inspects; a broken checkpoint does not. */
async function openCheckpointIfPresent(source: ModelSource): Promise<CheckpointReader | null> {
  if ((await source.size('variables/variables.index')) === undefined) return null;
  try {
    return await CheckpointReader.open(source);
  } catch (e) {
    if (e instanceof MissingFileError && e.file === 'variables/variables.index') return null;
    throw e;
  }
}

/** Paths for optimizer slot variables (reached only through an optimizer's slot_variables, never a child edge). */
function slotVariablePaths(graph: SavedModelGraph, paths: (string | undefined)[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const owner of graph.nodes) {
    for (const ref of owner.proto.slotVariables ?? []) {
      const slot = ref.slotVariableNodeId;
      const original = paths[ref.originalVariableNodeId];
      const optimizer = paths[owner.id];
      if (paths[slot] !== undefined || original === undefined || optimizer === undefined) continue;
      out.set(slot, `${optimizer}.slots.${ref.slotName}[${original}]`);
    }
  }
  return out;
}

/** A `.keras` / `.h5` file in the same report shape: layers as objects, stored arrays as variables (no signatures). */
async function inspectKerasModelFile(bytes: Uint8Array, fileName: string): Promise<InspectReport> {
  const { inspectKerasFile } = await import('savedkeras');
  const info = await inspectKerasFile(bytes, { fileName });
  return {
    format: info.format,
    kerasFile: { layout: info.layout, backend: info.backend, dateSaved: info.dateSaved, modelClass: info.modelClass, optimizer: info.optimizer, assets: info.assets },
    tensorflowVersion: '',
    kerasVersion: info.kerasVersion,
    kerasMetadataSource: null,
    objects: [
      { nodeId: 0, path: 'root', identifier: 'keras_model', className: info.modelClass, hasConfig: true },
      ...info.layers.map((l, i) => ({ nodeId: i + 1, path: `root.${l.path.split('/').join('.')}`, identifier: 'keras_layer', className: l.className, hasConfig: true })),
    ],
    variables: info.weights.map((w) => ({
      path: w.path,
      name: w.path,
      checkpointKey: w.path,
      dtype: w.dtype,
      shape: w.shape,
      trainable: !w.optimizer,
      sha256: w.sha256,
    })),
    signatures: [],
    checkpointTensors: info.weights.length,
  };
}
