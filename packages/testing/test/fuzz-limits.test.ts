import { beforeAll, describe, expect, it } from 'vitest';
import { LimitError } from '@savedkeras/common';
import { decodeSavedModel, type FunctionDef, type NodeDef, type SavedModel, type TensorProto } from '@savedkeras/proto';
import { generatedCorpus } from '../src/fuzz/corpus.js';
import { appendToMetaGraph, concat, editKerasMetadata, editSavedModel, field, fixture, peakGrowth, run, useCpu } from './fuzz-helpers.js';

/**
 * Limits checked before allocation, end to end through the facade on a MemorySource: hostile
 * shapes and sizes inside saved functions, deep nesting, cycles, self-calls. Each must end in a
 * typed error without the process allocating more than a small multiple of the model's size.
 */
const MB = 1024 * 1024;
/** Growth of peak RSS any of these may cause (the models are < 1 MB; tfjs' first kernels cost some). */
const BOUND = 200 * MB;

beforeAll(useCpu);

function fnOf(sm: SavedModel, prefix: string): FunctionDef {
  return sm.metaGraphs[0]!.graphDef!.library!.function.find((f) => f.signature.name.startsWith(prefix))!;
}
const typeAttr = (type: number) => ({ value: 'type' as const, type });
function constNode(name: string, tensor: Partial<TensorProto> & { dtype: number }): NodeDef {
  return { name, op: 'Const', input: [], device: '', attr: { dtype: typeAttr(tensor.dtype), value: { value: 'tensor', tensor: tensor as TensorProto } } };
}
const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size, name: '' })), unknownRank: false });

/**
 * tfmodule-x-plus-one's `predict` is `x + Const` on an int32 scalar. `extra` nodes are added to its
 * function and the Add reads `addInput` instead of the Const.
 */
function xPlusOne(extra: NodeDef[], addInput: string): Map<string, Uint8Array> | undefined {
  const files = fixture('tfmodule-x-plus-one');
  if (!files) return undefined;
  return editSavedModel(files, (sm) => {
    const fn = fnOf(sm, '__inference_func_');
    fn.nodeDef.push(...extra);
    fn.nodeDef.find((n) => n.op === 'Add')!.input[1] = addInput;
  });
}

async function expectLimited(files: Map<string, Uint8Array> | undefined, codes: string[], mode: 'keras' | 'savedmodel' = 'savedmodel') {
  if (!files) return;
  const { value: o, growth } = await peakGrowth(() => run(files, mode));
  expect(o.kind, `${o.name}: ${o.message}`).toBe('typed');
  expect(codes).toContain(o.code);
  expect(growth).toBeLessThan(BOUND);
  return o;
}

describe('limits before allocation (end to end)', () => {
  it('a Const whose TensorShape claims 2^40 elements', async () => {
    const files = fixture('tfmodule-x-plus-one');
    if (!files) return;
    const mutated = editSavedModel(files, (sm) => {
      const c = fnOf(sm, '__inference_func_').nodeDef.find((n) => n.op === 'Const')!;
      c.attr['value']!.tensor!.tensorShape = shape(2 ** 20, 2 ** 20);
    });
    await expectLimited(mutated, ['LIMIT', 'FORMAT']);
  });

  it('Fill with dims [2^20, 2^20] inside a saved function', async () => {
    const files = xPlusOne(
      [
        constNode('dims', { dtype: 3, tensorShape: shape(2), intVal: [2 ** 20, 2 ** 20] }),
        { name: 'F', op: 'Fill', input: ['dims:output:0', 'Const:output:0'], device: '', attr: { T: typeAttr(3), index_type: typeAttr(3) } },
      ],
      'F:output:0',
    );
    const o = await expectLimited(files, ['LIMIT']);
    if (o) expect(o.message).toContain('1048576,1048576');
  });

  it('Tile with multiples [2^20, 2^20] inside a saved function', async () => {
    const files = xPlusOne(
      [
        constNode('one', { dtype: 3, tensorShape: shape(1, 1), intVal: [1] }),
        constNode('mult', { dtype: 3, tensorShape: shape(2), intVal: [2 ** 20, 2 ** 20] }),
        { name: 'T', op: 'Tile', input: ['one:output:0', 'mult:output:0'], device: '', attr: { T: typeAttr(3), Tmultiples: typeAttr(3) } },
      ],
      'T:output:0',
    );
    await expectLimited(files, ['LIMIT']);
  });

  it('Range from 0 to 2^40 inside a saved function', async () => {
    const files = xPlusOne(
      [
        constNode('start', { dtype: 9, tensorShape: shape(), int64Val: [0] }),
        constNode('limit', { dtype: 9, tensorShape: shape(), int64Val: [2 ** 40] }),
        constNode('delta', { dtype: 9, tensorShape: shape(), int64Val: [1] }),
        { name: 'R', op: 'Range', input: ['start:output:0', 'limit:output:0', 'delta:output:0'], device: '', attr: { Tidx: typeAttr(9) } },
        { name: 'RC', op: 'Cast', input: ['R:output:0'], device: '', attr: { SrcT: typeAttr(9), DstT: typeAttr(3) } },
      ],
      'RC:y:0',
    );
    await expectLimited(files, ['LIMIT']);
  });

  it('a function that calls itself stops at limits.maxCallDepth', async () => {
    const files = fixture('tfmodule-x-plus-one');
    if (!files) return;
    const mutated = editSavedModel(files, (sm) => {
      const wrapper = fnOf(sm, '__inference_signature_wrapper_');
      wrapper.nodeDef.find((n) => n.op === 'PartitionedCall')!.attr['f'] = { value: 'func', func: { name: wrapper.signature.name, attr: {} } };
    });
    const o = await expectLimited(mutated, ['LIMIT']);
    if (o) expect(o.message).toContain('maxCallDepth');
  });

  it('a graph input that reads its own output (a cycle inside one function)', async () => {
    const files = fixture('tfmodule-x-plus-one');
    if (!files) return;
    const mutated = editSavedModel(files, (sm) => {
      const add = fnOf(sm, '__inference_func_').nodeDef.find((n) => n.op === 'Add')!;
      add.input[1] = 'Add:z:0';
    });
    await expectLimited(mutated, ['FORMAT', 'LIMIT']);
  });

  it('protobuf nesting: a StructuredValue 5,000 levels deep in saved_model.pb', async () => {
    const files = generatedCorpus()[0]!.files;
    let sv = field(1, new Uint8Array(0)); // none_value
    for (let i = 0; i < 5000; i++) sv = field(51, field(1, sv)); // list_value { values: sv }
    // object_graph_def { concrete_functions { key: "deep" value { output_signature: sv } } }
    const mutated = appendToMetaGraph(files, field(7, field(2, concat(field(1, 'deep'), field(2, field(4, sv))))));
    // Function specs are decoded on first use (proto's lazy object graph): nothing reads "deep" while
    // loading, so a load may succeed; it must never crash, hang or fail untyped, and stays bounded.
    for (const mode of ['keras', 'savedmodel'] as const) {
      const { value: o, growth } = await peakGrowth(() => run(mutated, mode));
      expect(o.kind === 'ok' || (o.kind === 'typed' && o.code === 'LIMIT'), `${mode}: ${o.kind} ${o.name} ${o.message}`).toBe(true);
      expect(growth).toBeLessThan(BOUND);
    }
    // Reading the spec is where the bound holds: a typed LimitError, not a stack overflow.
    const graph = decodeSavedModel(mutated.get('saved_model.pb')!, 'saved_model.pb').metaGraphs[0]!.objectGraphDef!;
    let thrown: unknown;
    try {
      void graph.concreteFunctions['deep']!.outputSignature;
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LimitError);
    expect((thrown as Error).message).toMatch(/nest/);
  });

  it('Keras metadata JSON nested 100,000 levels deep', async () => {
    const files = generatedCorpus()[0]!.files;
    const deep = `{"class_name": "Sequential", "config": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const mutated = editKerasMetadata(files, (j) => (j.includes('"class_name": "Sequential"') ? deep : j));
    for (const mode of ['keras', 'savedmodel'] as const) {
      const o = await expectLimited(mutated, ['LIMIT'], mode);
      if (o) expect(o.message).toContain('limits.maxNestingDepth');
    }
  });

  it('an object graph whose children point back up (child -> root) loads or fails typed, without hanging', async () => {
    const files = generatedCorpus()[0]!.files;
    const mutated = editSavedModel(files, (sm) => {
      const nodes = sm.metaGraphs[0]!.objectGraphDef!.nodes;
      for (const n of nodes.slice(1)) n.children.push({ nodeId: 0, localName: 'back_to_root' });
      nodes[0]!.children.push({ nodeId: 0, localName: 'self' });
    });
    for (const mode of ['keras', 'savedmodel'] as const) {
      const { value: o, growth } = await peakGrowth(() => run(mutated, mode));
      expect(o.kind, `${mode}: ${o.name} ${o.message}`).not.toBe('untyped');
      expect(growth).toBeLessThan(BOUND);
    }
  });

  it('size limits from options: object graph nodes, metadata JSON bytes, proto file bytes', async () => {
    const files = generatedCorpus()[0]!.files;
    const { sk } = await import('./fuzz-helpers.js');
    const source = () => new sk.MemorySource(files);
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: string; message: string }) => e);
    // maxObjectGraphNodes: this small model takes the checkpoint-key route (session 7), which decodes no object graph
    // and counts the nodes it makes for the model's layers (3 here, within a limit of 3); under that count it falls
    // back to the object-graph route, whose checkpoint object graph is over the limit: LIMIT.
    for (const limits of [{ maxObjectGraphNodes: 2 }, { maxMetadataJsonBytes: 100 }, { maxProtoFileBytes: 1000 }]) {
      const e = await err(sk.loadKerasModelWithReport(source(), { compile: false, warn: () => {}, limits }));
      expect(e?.code, JSON.stringify(limits)).toBe('LIMIT');
    }
  });
});
