import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { MemorySource } from '@savedkeras/common';
import { crc32c, DataType as DT, encodeMessage } from '@savedkeras/proto';
import { concatBytes } from './bytes.js';
import { attrs, CALL_CONFIG_PROTO, shapeProto, sortedMap, type Obj } from './function-builder.js';
import { generateFunctions, type ModelFunctions } from './keras-functions.js';
import { buildKerasMetadata } from './keras-metadata.js';
import { buildKerasObjectGraph } from './keras-object-graph.js';
import { layoutFor, type Layout } from './layout.js';
import { resolveModel, type ModelSpec, type ResolvedModel } from './model-spec.js';
import { strippedOpList } from './op-defs.js';
import {
  checkpointKeys,
  kerasNodePaths,
  numberNodes,
  savedObjectGraph,
  trackableObjectGraph,
  type NumberedGraph,
  type TNode,
} from './trackable-graph.js';
import { writeCheckpoint } from './checkpoint.js';

export interface WriteOptions {
  /** TensorFlow version the files imitate (default '2.10.0'; '2.4.0' with `legacy`). */
  tfVersion?: string;
  /** TF 2.4 style: Keras JSON in SavedUserObject.metadata, no keras_metadata.pb. */
  legacy?: boolean;
  /**
   * Save the layer and model call functions (Keras `save_traces=True`, the default). Without them
   * only the serving signature and `_default_save_signature` are saved, as with `save_traces=False`.
   */
  withFunctions?: boolean;
  /** Data shards of the checkpoint (default 1). */
  numShards?: number;
  /** Write fingerprint.pb (default: when tfVersion >= 2.11, as TF does). */
  fingerprint?: boolean;
}

/** What was written, for tests that check the files against their own expectations. */
export interface WrittenModel {
  files: Map<string, Uint8Array>;
  model: ResolvedModel;
  layout: Layout;
  /** Keras node path → checkpoint key of each variable node. */
  checkpointKeys: Map<string, string>;
  /** Object-graph node id → Keras node path (keras_metadata.pb node_path). */
  nodePaths: string[];
}

const F = DT.FLOAT;

/**
 * Writes the files of a Keras SavedModel for `spec`, laid out as the given TF version writes
 * them: saved_model.pb (MetaGraphDef with object graph, function library, signatures),
 * keras_metadata.pb, variables/variables.index + data shards, fingerprint.pb.
 * Returns relative path → bytes.
 */
export function writeKerasSavedModel(spec: ModelSpec, options: WriteOptions = {}): Map<string, Uint8Array> {
  return writeKerasSavedModelDetailed(spec, options).files;
}

export function writeKerasSavedModelDetailed(spec: ModelSpec, options: WriteOptions = {}): WrittenModel {
  const legacy = options.legacy ?? false;
  const layout = layoutFor(options.tfVersion ?? (legacy ? '2.4.0' : '2.10.0'), legacy);
  const model = resolveModel(spec);
  const metadata = buildKerasMetadata(model, layout);
  let next = 1000;
  const uid = () => (next += 7);
  const fns = generateFunctions(model, uid, options.withFunctions ?? true, layout);
  const og = buildKerasObjectGraph(model, layout, metadata, fns);
  const graph = numberNodes(og.root, layout.functionsInCheckpoint);
  const keys = checkpointKeys(graph, layout.functionsInCheckpoint);
  const paths = kerasNodePaths(graph);

  const files = new Map<string, Uint8Array>();
  const { bytes: savedModel, graphPart, signaturePart } = encodeSavedModel(model, layout, fns, graph, og.variables);
  files.set('saved_model.pb', savedModel);

  if (layout.kerasMetadataFile) {
    const nodes = graph.nodes
      .filter((n) => n.data.kind === 'user' && n.data.keras)
      .map((n) => {
        const k = (n.data as { keras: { identifier: string; json: string } }).keras;
        return {
          nodeId: n.id,
          nodePath: paths[n.id],
          identifier: k.identifier,
          metadata: k.json,
          version: { producer: layout.metadataProducer, minConsumer: 1 },
        };
      });
    files.set('keras_metadata.pb', encodeMessage('SavedMetadata', { nodes }));
  }

  const tog = encodeMessage('TrackableObjectGraph', trackableObjectGraph(graph, keys, layout.functionsInCheckpoint));
  const tensors = og.variables.map((n) => {
    const v = (n.data as Extract<TNode['data'], { kind: 'variable' }>).variable;
    return { key: keys.get(n)!, dtype: v.dtype, shape: v.shape, bytes: v.bytes };
  });
  const ckpt = writeCheckpoint(tensors, tog, options.numShards ?? 1);
  for (const [p, b] of ckpt) files.set(`variables/${p}`, b);

  if (options.fingerprint ?? layout.fingerprint) {
    // Stand-in hashes: TF stores farmhash fingerprints; loaders treat the file as informational.
    const index = files.get('variables/variables.index')!;
    files.set(
      'fingerprint.pb',
      encodeMessage('FingerprintDef', {
        savedModelChecksum: crc32c(savedModel),
        graphDefProgramHash: crc32c(graphPart),
        signatureDefHash: crc32c(signaturePart),
        savedObjectGraphHash: crc32c(tog),
        checkpointHash: crc32c(index),
        version: { producer: 1 },
      }),
    );
  }

  const checkpointKeyByPath = new Map<string, string>();
  for (const [n, k] of keys) checkpointKeyByPath.set(paths[n.id] ?? `<slot ${n.id}>`, k);
  return { files, model, layout, checkpointKeys: checkpointKeyByPath, nodePaths: paths };
}

/** `<key>_<input>` with characters outside [A-Za-z0-9_.-] replaced (signature placeholder names). */
const placeholderName = (key: string, input: string) => `${key}_${input}`.replace(/[^A-Za-z0-9_.\-]/g, '_');

function encodeSavedModel(
  model: ResolvedModel,
  layout: Layout,
  fns: ModelFunctions,
  graph: NumberedGraph,
  variables: TNode[],
): { bytes: Uint8Array; graphPart: Uint8Array; signaturePart: Uint8Array } {
  // Main graph: a VarHandleOp (+ read) per variable, the signature placeholders and the call.
  const nodes: Obj[] = [];
  const handleName = new Map<TNode, string>();
  for (const n of [...variables].reverse()) {
    const v = (n.data as Extract<TNode['data'], { kind: 'variable' }>).variable;
    handleName.set(n, v.graphName);
    nodes.push({
      name: v.graphName,
      op: 'VarHandleOp',
      attr: sortedMap({
        _output_shapes: attrs.shapes([[]]),
        dtype: attrs.type(v.dtype),
        shape: attrs.shape(v.shape),
        shared_name: attrs.s(v.graphName),
      }),
    });
    nodes.push({
      name: `${v.graphName}/Read/ReadVariableOp`,
      op: 'ReadVariableOp',
      input: [v.graphName],
      attr: { _output_shapes: attrs.shapes([v.shape]), dtype: attrs.type(v.dtype) },
    });
  }
  const sortedInputs = [...model.inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sortedOutputs = [...model.outputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const inp of sortedInputs) {
    nodes.push({
      name: placeholderName('serving_default', inp.name),
      op: 'Placeholder',
      attr: { _output_shapes: attrs.shapes([inp.shape]), dtype: attrs.type(F), shape: attrs.shape(inp.shape) },
    });
  }
  const nodeOfVariable = new Map<object, TNode>();
  for (const n of variables) {
    const src = (n.data as Extract<TNode['data'], { kind: 'variable' }>).variable.source;
    if (src) nodeOfVariable.set(src, n);
  }
  const captured = fns.signature.captured.map((v) => handleName.get(nodeOfVariable.get(v)!)!);
  const callOp = captured.length > 0 ? 'StatefulPartitionedCall' : 'PartitionedCall';
  nodes.push({
    name: callOp,
    op: callOp,
    input: [...sortedInputs.map((i) => placeholderName('serving_default', i.name)), ...captured],
    attr: sortedMap({
      Tin: attrs.types([...sortedInputs.map(() => F), ...captured.map(() => DT.RESOURCE)]),
      Tout: attrs.types(sortedOutputs.map(() => F)),
      _collective_manager_ids: attrs.ints([]),
      _output_shapes: attrs.shapes(sortedOutputs.map((o) => o.shape)),
      _read_only_resource_inputs: attrs.ints(captured.map((_, i) => sortedInputs.length + i)),
      config_proto: attrs.s(CALL_CONFIG_PROTO),
      f: attrs.func(fns.signature.name),
    }),
  });
  nodes.push({ name: 'NoOp', op: 'NoOp' });

  const ops = new Set<string>(['VarHandleOp', 'ReadVariableOp', 'Placeholder', 'NoOp', callOp]);
  // TF >= 2.4 also lists the ops of functions reached through call ops from the main graph.
  if (layout.opListIncludesCallees) for (const op of fns.servingOps) ops.add(op);

  const tensorInfo = (name: string, shape: (number | null)[]) => ({ name, dtype: F, tensorShape: shapeProto(shape) });
  const signatureDef = {
    __saved_model_init_op: { outputs: { __saved_model_init_op: { name: 'NoOp', tensorShape: { unknownRank: true } } } },
    serving_default: {
      inputs: Object.fromEntries(sortedInputs.map((i) => [i.name, tensorInfo(`${placeholderName('serving_default', i.name)}:0`, i.shape)])),
      outputs: Object.fromEntries(sortedOutputs.map((o, k) => [o.name, tensorInfo(`${callOp}:${k}`, o.shape)])),
      methodName: 'tensorflow/serving/predict',
    },
  };

  const v = layout.tfVersion;
  const head = encodeMessage('MetaGraphDef', {
    metaInfoDef: {
      strippedOpList: { op: strippedOpList(ops) },
      tags: ['serve'],
      tensorflowVersion: v,
      tensorflowGitVersion: `v${v}-0-g0000000`,
      strippedDefaultAttrs: true,
    },
    graphDef: { node: nodes, library: { function: fns.library }, versions: { producer: layout.graphProducer, minConsumer: 12 } },
  });
  const tail = encodeMessage('MetaGraphDef', { signatureDef, objectGraphDef: savedObjectGraph(graph) });
  // collection_def (field 4) is not in the trimmed schema: {"saved_model_main_op": node_list ["NoOp"]}.
  const w = protobuf.Writer.create();
  w.uint32((4 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string('saved_model_main_op');
  w.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('NoOp').ldelim().ldelim();
  w.ldelim();
  const metaGraph = concatBytes([head, w.finish(), tail]);

  const sm = protobuf.Writer.create();
  sm.uint32((1 << 3) | 0).int64(1); // saved_model_schema_version
  sm.uint32((2 << 3) | 2).bytes(metaGraph); // meta_graphs
  return { bytes: sm.finish(), graphPart: head, signaturePart: tail };
}

/** Writes `files` under `dir` (creating folders). Returns the absolute paths written. */
export async function writeToDirectory(files: Map<string, Uint8Array>, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, bytes] of files) {
    const p = join(dir, ...rel.split('/'));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, bytes);
    written.push(p);
  }
  return written;
}

/** The files as a MemorySource (description `generated:<name>`). */
export function memorySource(files: Map<string, Uint8Array>, name = 'model'): MemorySource {
  return new MemorySource(files, `generated:${name}`);
}
