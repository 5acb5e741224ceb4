import { describe, expect, it } from 'vitest';
import { DataType, decodeSavedModel, decodeSavedMetadata, type FunctionDef } from '@savedkeras/proto';
import {
  exampleFunctionalTwoInputs,
  exampleMlp,
  memorySource,
  referencePredict,
  resolveModel,
  writeKerasSavedModelDetailed,
  type ModelSpec,
  type WriteOptions,
} from '../src/index.js';
import { f32, libraryProblems, loadGraph, runFunction, type Structure } from './helpers.js';

const CASES: [string, () => ModelSpec, WriteOptions][] = [
  ['Sequential MLP, TF 2.10', exampleMlp, {}],
  ['Sequential MLP, TF 2.4 legacy metadata', exampleMlp, { legacy: true }],
  ['Sequential MLP, TF 2.2', exampleMlp, { tfVersion: '2.2.0' }],
  ['Sequential MLP, TF 2.5 (metadata in both places)', exampleMlp, { tfVersion: '2.5.0' }],
  ['Sequential MLP, TF 2.7', exampleMlp, { tfVersion: '2.7.0' }],
  ['Sequential MLP, two shards', exampleMlp, { numShards: 2 }],
  ['Sequential MLP, no layer functions', exampleMlp, { withFunctions: false }],
  ['Functional two inputs / two outputs, TF 2.10', exampleFunctionalTwoInputs, {}],
  ['Functional two inputs / two outputs, TF 2.6', exampleFunctionalTwoInputs, { tfVersion: '2.6.0' }],
  ['Functional two inputs / two outputs, TF 2.4 legacy metadata', exampleFunctionalTwoInputs, { legacy: true }],
  ['Functional two inputs, TF 2.11 (fingerprint)', exampleFunctionalTwoInputs, { tfVersion: '2.11.0' }],
];

describe.each(CASES)('%s', (_name, specFn, options) => {
  const spec = specFn();
  const written = writeKerasSavedModelDetailed(spec, options);
  const { files, layout } = written;
  const model = resolveModel(spec);
  const source = memorySource(files);

  it('writes the files of its TF version', () => {
    expect(files.has('saved_model.pb')).toBe(true);
    expect(files.has('variables/variables.index')).toBe(true);
    expect(files.has('keras_metadata.pb')).toBe(layout.kerasMetadataFile);
    expect(files.has('fingerprint.pb')).toBe(layout.fingerprint);
    const shards = [...files.keys()].filter((k) => k.startsWith('variables/variables.data-'));
    const n = options.numShards ?? 1;
    expect(shards.sort()).toEqual(Array.from({ length: n }, (_, i) => `variables/variables.data-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`));
  });

  it('resolves with SavedModelGraph: Keras node paths equal the recorded node_path', async () => {
    const { graph } = await loadGraph(source);
    expect(graph.tensorflowVersion).toBe(layout.tfVersion);
    expect(graph.kerasMetadataSource).toBe(layout.kerasMetadataFile ? 'keras_metadata.pb' : 'object-graph');
    const keras = graph.kerasNodes();
    expect(keras.length).toBeGreaterThan(model.layers.length);
    for (const n of keras) {
      expect(n.keras!.nodePath).toBe(n.path);
      expect(n.keras!.identifier).toBe(n.identifier);
      expect(n.keras!.hasConfig).toBe(true);
    }
    expect(graph.root!.keras!.className).toBe(spec.kind);
    // layer-N children in order, with the spec's classes and names
    const layers = graph.layerIds(0).map((id) => graph.node(id).keras!);
    expect(layers.map((k) => [k.className, k.metadata['name']])).toEqual(model.layers.map((l) => [l.className, l.name]));
    if (layout.metadataInObjectGraph && layout.kerasMetadataFile) {
      // TF 2.5 writes both; they must agree.
      const md = decodeSavedMetadata(files.get('keras_metadata.pb')!);
      const og = decodeSavedModel(files.get('saved_model.pb')!).metaGraphs[0].objectGraphDef!;
      for (const n of md.nodes) expect(og.nodes[n.nodeId].userObject!.metadata).toBe(n.metadata);
    }
  });

  it('gives every variable a checkpoint key whose tensor holds the spec weights', async () => {
    const { graph, ckpt, tog } = await loadGraph(source);
    const vars = graph.variableNodes();
    const keys = new Set<string>();
    for (const v of vars) {
      const key = v.variable!.checkpointKey;
      expect(key, v.path).toBeTruthy();
      keys.add(key!);
      const entry = ckpt.entry(key!)!;
      expect(entry, key!).toBeDefined();
      expect(entry.shape).toEqual(v.variable!.shape);
      expect(entry.dtypeName).toBe(v.variable!.dtype);
    }
    // no tensor in the bundle that no variable names
    expect(ckpt.keys().filter((k) => k !== '_CHECKPOINTABLE_OBJECT_GRAPH' && k !== '').sort()).toEqual([...keys].sort());
    for (const l of model.layers) {
      for (const w of l.variables) {
        const node = graph.child(0, `layer_with_weights-${l.weightIndex}`, w.attr)!;
        expect(node.variable!.name).toBe(w.name);
        expect(node.variable!.checkpointKey).toBe(`layer_with_weights-${l.weightIndex}/${w.attr}/.ATTRIBUTES/VARIABLE_VALUE`);
        expect(Array.from(f32(await ckpt.readRaw(node.variable!.checkpointKey!)))).toEqual(Array.from(w.values));
      }
    }
    // node ids: the same objects in both graphs (TF >= 2.8: same length and children)
    const og = graph.objectGraph!;
    if (layout.functionsInCheckpoint) {
      expect(tog.nodes.length).toBe(og.nodes.length);
      tog.nodes.forEach((n, i) => expect(n.children.map((c) => [c.localName, c.nodeId])).toEqual(og.nodes[i].children.map((c) => [c.localName, c.nodeId])));
    } else {
      expect(tog.nodes.length).toBeLessThan(og.nodes.length);
      for (let i = tog.nodes.length; i < og.nodes.length; i++) expect(['function', 'bareConcreteFunction']).toContain(og.nodes[i].kind);
    }
    if (spec.compile?.trained) {
      const opt = graph.child(0, 'optimizer')!;
      expect(opt.proto.slotVariables.length).toBe(2 * model.variables.length);
      const slot = graph.node(opt.proto.slotVariables[0].slotVariableNodeId);
      expect(slot.variable!.checkpointKey).toBe('layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE');
    }
  });

  it('lists the serving signature with sorted input names, output names and shapes', async () => {
    const { graph } = await loadGraph(source);
    expect(graph.signatures.map((s) => s.name)).toEqual(['serving_default']);
    const sig = graph.signatures[0];
    expect(sig.methodName).toBe('tensorflow/serving/predict');
    expect(sig.functionName).toMatch(/^__inference_signature_wrapper_\d+$/);
    const inputs = [...model.inputs].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(sig.inputs).toEqual(inputs.map((i) => ({ name: i.name, dtype: 'float32', shape: i.shape.map((d) => d ?? -1) })));
    const outputs = [...model.outputs].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(sig.outputs).toEqual(outputs.map((o) => ({ name: o.name, dtype: 'float32', shape: o.shape.map((d) => d ?? -1) })));
    const sd = graph.metaGraph.signatureDef['serving_default'];
    inputs.forEach((i) => expect(sd.inputs[i.name].name).toBe(`serving_default_${i.name}:0`));
    outputs.forEach((o, k) => expect(sd.outputs[o.name].name).toBe(`StatefulPartitionedCall:${k}`));
  });

  it('keeps the binding rule and a consistent function library', async () => {
    const { graph } = await loadGraph(source);
    const mg = graph.metaGraph;
    const library = mg.graphDef!.library!.function as FunctionDef[];
    expect(libraryProblems(library, mg.metaInfoDef!.strippedOpList!.op)).toEqual([]);
    const names = Object.keys(graph.objectGraph!.concreteFunctions);
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) {
      const info = graph.concreteFunction(name)!;
      const def = graph.functionDef(name)!;
      expect(def, name).toBeDefined();
      const leaves = countTensorLeaves(info.inputSignature);
      expect(def.signature.inputArg.length, name).toBe(leaves + info.boundInputs.length);
      def.signature.inputArg.slice(leaves).forEach((a) => expect(a.type).toBe(DataType.RESOURCE));
      for (const id of info.boundInputs) expect(graph.node(id).kind).toBe('variable');
    }
    // every function node's traces exist; function-node children appear from TF 2.9
    for (const n of graph.nodes.filter((x) => x.kind === 'function')) {
      for (const f of n.concreteFunctions) expect(names).toContain(f);
      expect(n.children.length).toBe(layout.traceChildren ? n.concreteFunctions.length : 0);
    }
    if (options.withFunctions === false) {
      expect(graph.child(0, '__call__')).toBeUndefined();
      expect(graph.child(0, 'layer_with_weights-0', '__call__')).toBeUndefined();
    } else {
      expect(graph.functionsAt(0, 'call_and_return_all_conditional_losses').length).toBe(4);
      expect(graph.child(0, 'keras_api', 'call_and_return_conditional_losses')!.id).toBe(graph.childId(0, ['call_and_return_all_conditional_losses']));
    }
  });

  it('computes, through its saved serving function, what the reference forward pass computes', async () => {
    const { graph, ckpt } = await loadGraph(source);
    const sig = graph.signatures[0];
    const info = graph.concreteFunction(sig.functionName!)!;
    const batch = 3;
    const inputs: Record<string, Float32Array> = {};
    for (const i of model.inputs) {
      const per = i.shape.slice(1).reduce<number>((a, d) => a * (d as number), 1);
      inputs[i.name] = Float32Array.from({ length: batch * per }, (_, k) => Math.fround(Math.sin(k * 1.7 + i.name.length)));
    }
    const args = [
      ...sig.inputs.map((i) => ({ shape: [batch, ...i.shape!.slice(1)], data: Float64Array.from(inputs[i.name]) })),
      ...(await Promise.all(
        info.boundInputs.map(async (id) => {
          const v = graph.node(id).variable!;
          return { resource: { shape: v.shape!, data: Float64Array.from(f32(await ckpt.readRaw(v.checkpointKey!))) } };
        }),
      )),
    ];
    const outs = runFunction(graph.metaGraph.graphDef!.library!.function as FunctionDef[], sig.functionName!, args);
    const ref = referencePredict(spec, inputs);
    sig.outputs.forEach((o, k) => {
      expect(outs[k].shape).toEqual(ref[o.name].shape);
      outs[k].data.forEach((v, j) => expect(v).toBeCloseTo(ref[o.name].values[j], 12));
    });
  });
});

/** Tensor leaves of a decoded structure (the graph inputs a concrete function takes before its bound inputs). */
function countTensorLeaves(s: Structure): number {
  switch (s.kind) {
    case 'tensorSpec':
      return 1;
    case 'list':
    case 'tuple':
      return s.items.reduce((n, x) => n + countTensorLeaves(x), 0);
    case 'dict':
      return Object.values(s.fields).reduce((n, x) => n + countTensorLeaves(x), 0);
    case 'namedTuple':
      return s.fields.reduce((n, [, x]) => n + countTensorLeaves(x), 0);
    default:
      return 0;
  }
}

describe('spec checks', () => {
  it('refuses a Dense on a rank-3 input, a shared layer with two shapes, and unknown inputs', () => {
    expect(() =>
      resolveModel({ kind: 'Sequential', input: { shape: [2, 3] }, layers: [{ className: 'Dense', name: 'd', units: 2 }] }),
    ).toThrow(/rank-3/);
    expect(() =>
      resolveModel({
        kind: 'Functional',
        layers: [
          { className: 'InputLayer', name: 'a', shape: [2] },
          { className: 'InputLayer', name: 'b', shape: [3] },
          { className: 'Dense', name: 'd', units: 2, inbound: [['a'], ['b']] },
        ],
        inputs: ['a', 'b'],
        outputs: ['d'],
      }),
    ).toThrow(/different input shapes/);
    expect(() =>
      resolveModel({
        kind: 'Functional',
        layers: [{ className: 'InputLayer', name: 'a', shape: [2] }, { className: 'Dense', name: 'd', units: 2, inbound: [['nope']] }],
        inputs: ['a'],
        outputs: ['d'],
      }),
    ).toThrow(/nope/);
  });

  it('generates the same weights for the same seed and different ones for another seed', () => {
    const a = resolveModel(exampleMlp()).variables[0].values;
    const b = resolveModel(exampleMlp()).variables[0].values;
    const c = resolveModel({ ...exampleMlp(), seed: 8 }).variables[0].values;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
