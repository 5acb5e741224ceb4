import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeSavedMetadata, decodeSavedModel, encodeMessage, messageType, type MessageName, type OpList } from '@savedkeras/proto';
import { strippedOpList } from '@savedkeras/savedmodel-writer';
import { fixtureDir, fsSource, memorySource, requireFixtures, writeKerasSavedModel, type ModelSpec, type WriteOptions } from '../src/index.js';
import { openCheckpoint } from './helpers.js';

/**
 * The generated layout against real Keras SavedModels of the same architecture: the object
 * graph, Keras metadata, concrete functions, function bodies and signatures must be the ones
 * TensorFlow wrote, up to function uids, weights and the checkpoint save/restore functions
 * (which the generator does not write).
 */
const HAVE = requireFixtures('testing: generated layout vs real fixtures');

const coinflip: ModelSpec = {
  kind: 'Sequential',
  name: 'sequential',
  input: { shape: [20] },
  layers: [
    { className: 'Dense', name: 'dense', units: 16, activation: 'relu' },
    { className: 'Dense', name: 'dense_1', units: 12, activation: 'relu' },
    { className: 'Dense', name: 'dense_2', units: 1, activation: 'sigmoid' },
  ],
  compile: { optimizer: { className: 'Adam', learningRate: 0.001 }, loss: 'binary_crossentropy', metrics: ['accuracy'], trained: true },
};

const legacyMlp: ModelSpec = {
  kind: 'Sequential',
  name: 'sequential',
  input: { shape: [20] },
  layers: [
    { className: 'Dense', name: 'dense', units: 128, activation: 'relu' },
    { className: 'Dense', name: 'dense_1', units: 128, activation: 'relu' },
    { className: 'Dense', name: 'dense_2', units: 1 },
  ],
  compile: { optimizer: { className: 'Adam', learningRate: 0.0001 }, loss: 'custom_loss', metrics: ['mae', 'mse'], trained: true },
};

const dqn: ModelSpec = {
  kind: 'Functional',
  name: 'model',
  layers: [
    { className: 'InputLayer', name: 'input_1', shape: [20] },
    { className: 'Dense', name: 'dense', units: 50, activation: 'relu', inbound: [['input_1']] },
    { className: 'Dense', name: 'dense_1', units: 3, activation: 'softmax', inbound: [['dense']] },
  ],
  inputs: ['input_1'],
  outputs: ['dense_1'],
  compile: { optimizer: { className: 'Adam', learningRate: 0.001 }, loss: null, metrics: ['accuracy'] },
};

/** Function uids (`_5196`) → `_N`; the per-machine ConfigProto of call ops dropped. */
const normalize = (s: string) => s.replace(/(__inference_[A-Za-z0-9_]*?|dense(?:_\d)?)_\d{3,}\b/g, '$1_N').replace(/"config_proto":\{"s":"[^"]*"\},?/g, '');
const plain = (name: MessageName, v: unknown) => messageType(name).toObject(v as never, { defaults: false, longs: Number, bytes: String });
const GENERATED_OPS = [
  'BiasAdd', 'ConcatV2', 'Const', 'Identity', 'MatMul', 'NoOp', 'PartitionedCall', 'Placeholder', 'ReadVariableOp',
  'Relu', 'Reshape', 'Sigmoid', 'Softmax', 'StatefulPartitionedCall', 'Tanh', 'VarHandleOp',
];
const SAVER_OPS = ['AssignVariableOp', 'Const', 'MergeV2Checkpoints', 'Pack', 'RestoreV2', 'SaveV2', 'Select', 'ShardedFilename', 'StaticRegexFullMatch', 'StringJoin'];

function summarize(pb: Uint8Array, kerasMetadata?: Uint8Array) {
  const mg = decodeSavedModel(pb).metaGraphs[0];
  const og = mg.objectGraphDef!;
  const nodes = og.nodes.map((n) => normalize(JSON.stringify(plain('SavedObject', { ...n, userObject: n.userObject ? { ...n.userObject, metadata: '' } : undefined }))));
  const metadata = new Map<number, unknown>();
  if (kerasMetadata) for (const n of decodeSavedMetadata(kerasMetadata).nodes) metadata.set(n.nodeId, { path: n.nodePath, id: n.identifier, json: JSON.parse(n.metadata) });
  og.nodes.forEach((n, i) => {
    if (n.userObject?.metadata) metadata.set(i, { legacy: JSON.parse(n.userObject.metadata) });
  });
  const concrete = Object.entries(og.concreteFunctions).map(([k, v]) => normalize(`${k} ${JSON.stringify(plain('SavedObjectGraph', { nodes: [], concreteFunctions: { x: v } }))}`)).sort();
  const functions = mg.graphDef!.library!.function.filter((f) => !/__traced_(save|restore)/.test(f.signature.name)).map((f) => normalize(JSON.stringify(plain('FunctionDef', f)))).sort();
  const saverNodes = /^(Const|saver_filename|StatefulPartitionedCall_[12])$/;
  const mainGraph = mg.graphDef!.node.filter((n) => !saverNodes.test(n.name)).map((n) => normalize(JSON.stringify(plain('NodeDef', n)))).sort();
  const signatures = normalize(JSON.stringify(plain('MetaGraphDef', { signatureDef: mg.signatureDef })));
  const ops = mg.metaInfoDef!.strippedOpList!.op.map((o) => o.name);
  return { nodes, metadata, concrete, functions, mainGraph, signatures, ops, version: mg.metaInfoDef!.tensorflowVersion, producer: mg.graphDef!.versions!.producer };
}

const CASES: [slug: string, spec: ModelSpec, options: WriteOptions, compareObjectGraph: boolean][] = [
  ['seq-mlp-coinflip-ref', coinflip, { tfVersion: '2.10.0' }, true],
  ['legacy-tf24-custom-loss-mlp', legacyMlp, { tfVersion: '2.4.0', legacy: true }, true],
  // The real model's root also tracks a `loss` dict (its custom loss), which shifts node ids.
  ['mlp-dqn-functional-snake', dqn, { tfVersion: '2.9.1' }, false],
];

describe.skipIf(!HAVE).each(CASES)('generated model like fixture %s', (slug, spec, options, compareObjectGraph) => {
  const dir = HAVE ? fixtureDir(slug) : '';
  const files = writeKerasSavedModel(spec, options);
  const realMd = join(dir, 'keras_metadata.pb');
  const real = () => summarize(readFileSync(join(dir, 'saved_model.pb')), options.legacy ? undefined : readFileSync(realMd));
  const gen = () => summarize(files.get('saved_model.pb')!, files.get('keras_metadata.pb'));

  it('has the same Keras metadata JSON on the same nodes', () => {
    const r = real();
    const g = gen();
    if (compareObjectGraph) expect(new Map(g.metadata)).toEqual(r.metadata);
    else expect([...g.metadata.values()]).toEqual([...r.metadata.values()]);
    expect(g.version).toBe(r.version);
    expect(g.producer).toBe(r.producer);
  });

  it('has the same function library, concrete functions and signatures', () => {
    const r = real();
    const g = gen();
    expect(g.functions).toEqual(r.functions);
    expect(g.signatures).toEqual(r.signatures);
    if (compareObjectGraph) {
      expect(g.concrete).toEqual(r.concrete);
      expect(g.mainGraph).toEqual(r.mainGraph);
    }
    // The op list misses exactly the ops of the checkpoint save/restore functions.
    expect(r.ops.filter((o) => !g.ops.includes(o))).toEqual(r.ops.filter((o) => SAVER_OPS.includes(o)));
    expect(g.ops.every((o) => r.ops.includes(o))).toBe(true);
  });

  it.runIf(compareObjectGraph)('has the same object graph, node by node', () => {
    expect(gen().nodes).toEqual(real().nodes);
  });

  it.runIf(compareObjectGraph)('has the same checkpoint object graph and keys', async () => {
    const rc = await openCheckpoint(fsSource(dir));
    const gc = await openCheckpoint(memorySource(files));
    expect(gc.keys()).toEqual(rc.keys());
    const norm = (t: unknown) => JSON.stringify(plain('TrackableObjectGraph', t));
    expect(norm(await gc.readObjectGraph())).toEqual(norm(await rc.readObjectGraph()));
    for (const k of rc.keys()) {
      if (k === '' || k === '_CHECKPOINTABLE_OBJECT_GRAPH') continue;
      const [re, ge] = [rc.entry(k)!, gc.entry(k)!];
      expect([ge.dtype, ge.shape]).toEqual([re.dtype, re.shape]);
    }
  });
});

describe.skipIf(!HAVE)('the OpDef table of the generator', () => {
  it('equals the OpDefs TF 2.10 wrote into real stripped_op_lists', () => {
    const covered = new Set<string>();
    for (const slug of ['seq-mlp-coinflip-ref', 'memnet-babi-multi-input', 'cnn-mnist-bn']) {
      const real = decodeSavedModel(readFileSync(join(fixtureDir(slug), 'saved_model.pb'))).metaGraphs[0].metaInfoDef!.strippedOpList!.op;
      for (const op of real) {
        if (!GENERATED_OPS.includes(op.name)) continue;
        const mine = decodeMessage<OpList>('OpList', encodeMessage('OpList', { op: strippedOpList([op.name]) }), 'generated').op[0];
        expect(plain('OpList', { op: [mine] }), `${slug}: ${op.name}`).toEqual(plain('OpList', { op: [op] }));
        covered.add(op.name);
      }
    }
    expect([...covered].sort()).toEqual([...GENERATED_OPS].sort());
  });
});
