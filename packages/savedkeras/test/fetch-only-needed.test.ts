import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { ModelSource } from '@savedkeras/common';
import { NodeFileSource } from '@savedkeras/backend-node';
import { CheckpointReader } from '@savedkeras/proto';
import { memorySource, writeKerasSavedModel, type SequentialSpec } from '@savedkeras/testing';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { loadKerasModelWithReport } from '../src/index.js';
import { expected, fixtureDir, haveFixtures, type TensorJson } from './fixtures.js';

/**
 * Issue 15 item 1: reviving a Keras model from its configs reads what it uses and nothing more.
 * saved_model.pb is read by ranges that never touch its GraphDef (main graph + function library),
 * unless a layer is revived from its saved functions; the checkpoint's optimizer slots (and the
 * optimizer's other variables) are read only when `loadOptimizerState` asks for them.
 */

interface Read {
  path: string;
  offset: number;
  length: number;
}

/** Records every byte range read through it (whole-file reads as [0, size)). */
class RecordingSource implements ModelSource {
  readonly reads: Read[] = [];
  readonly description: string;
  readonly readRangeInto?: (path: string, offset: number, target: Uint8Array) => Promise<void>;

  constructor(private readonly inner: ModelSource) {
    this.description = inner.description;
    if (inner.readRangeInto) {
      const into = inner.readRangeInto.bind(inner);
      this.readRangeInto = async (path, offset, target) => {
        await into(path, offset, target);
        this.reads.push({ path, offset, length: target.length });
      };
    }
  }
  async read(path: string): Promise<Uint8Array> {
    const b = await this.inner.read(path);
    this.reads.push({ path, offset: 0, length: b.length });
    return b;
  }
  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const b = await this.inner.readRange(path, offset, length);
    this.reads.push({ path, offset, length });
    return b;
  }
  size(path: string): Promise<number | undefined> {
    return this.inner.size(path);
  }
  list(dir?: string): Promise<string[] | undefined> {
    return this.inner.list ? this.inner.list(dir) : Promise.resolve(undefined);
  }
  of(path: string): Read[] {
    return this.reads.filter((r) => r.path === path);
  }
  bytes(path?: string): number {
    return this.reads.filter((r) => path === undefined || r.path === path).reduce((s, r) => s + r.length, 0);
  }
}

const overlaps = (r: { offset: number; length: number }, a: number, b: number) => r.length > 0 && r.offset < b && a < r.offset + r.length;

function varint(b: Uint8Array, pos: { i: number }): number {
  let v = 0;
  let scale = 1;
  for (;;) {
    const x = b[pos.i++]!;
    v += (x & 0x7f) * scale;
    if (x < 0x80) return v;
    scale *= 128;
  }
}

/**
 * [start, end) of each meta graph's graph_def value in a whole saved_model.pb, by the protobuf
 * wire format (SavedModel.meta_graphs = 2, MetaGraphDef.graph_def = 2), read straight through.
 */
function graphDefSpans(pb: Uint8Array): [number, number][] {
  const spans: [number, number][] = [];
  const walk = (start: number, end: number, inner: boolean) => {
    const pos = { i: start };
    while (pos.i < end) {
      const tag = varint(pb, pos);
      const wire = tag & 7;
      if (wire === 0) {
        varint(pb, pos);
        continue;
      }
      if (wire === 1 || wire === 5) {
        pos.i += wire === 1 ? 8 : 4;
        continue;
      }
      const len = varint(pb, pos);
      if (tag >>> 3 === 2 && !inner) walk(pos.i, pos.i + len, true);
      else if (tag >>> 3 === 2 && inner) spans.push([pos.i, pos.i + len]);
      pos.i += len;
    }
  };
  walk(0, pb.length, false);
  return spans;
}

/** A trained Sequential Dense(3 -> 2) compiled with Adam: the checkpoint holds m and v for kernel and bias. */
const TRAINED: SequentialSpec = {
  kind: 'Sequential',
  name: 'sequential',
  input: { shape: [3] },
  layers: [{ className: 'Dense', name: 'dense', units: 2 }],
  compile: { optimizer: { className: 'Adam', iterations: 10, slotScale: 1e-3 }, loss: 'mse', metrics: [], trained: true },
  seed: 3,
};

const isOptimizerKey = (k: string) => k.startsWith('optimizer/') || k.includes('.OPTIMIZER_SLOT');

describe('reviving from config reads only what it uses', () => {
  const files = writeKerasSavedModel(TRAINED);

  it('the checkpoint route reads no byte of saved_model.pb', async () => {
    const source = new RecordingSource(memorySource(files));
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(source.of('saved_model.pb')).toEqual([]);
    model.dispose();
  });

  it('saved_model.pb by ranges outside its GraphDef (full route); no optimizer variable read; outputs = x W + b from the checkpoint', async () => {
    const source = new RecordingSource(memorySource(files));
    // An explicit tag set needs saved_model.pb's meta graphs: the full route.
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {}, tags: ['serve'] });
    expect(report.route).toBe('savedModel');
    expect(report.fromSavedFunctions).toBe(0);

    const whole = await memorySource(files).read('saved_model.pb');
    const spans = graphDefSpans(whole);
    expect(spans).toHaveLength(1);
    const [gdStart, gdEnd] = spans[0]!;
    // The GraphDef is most of the file (a function per traced call), so skipping it is the point.
    expect(gdEnd - gdStart).toBeGreaterThan(whole.length / 2);
    const pbReads = source.of('saved_model.pb');
    expect(pbReads.length).toBeGreaterThan(0);
    for (const r of pbReads) expect(r.length).toBeLessThan(whole.length);
    // At most the 1 KiB lookahead of a read may run into the GraphDef; none reads it.
    const intoGraphDef = pbReads.reduce((s, r) => s + Math.max(0, Math.min(r.offset + r.length, gdEnd) - Math.max(r.offset, gdStart)), 0);
    expect(intoGraphDef).toBeLessThanOrEqual(1024);
    expect(source.bytes('saved_model.pb')).toBeLessThan(whole.length - (gdEnd - gdStart) + 1024 + 1);

    // No byte of an optimizer variable (iterations, hyper-parameters, Adam's m and v).
    const ckpt = await CheckpointReader.open(memorySource(files));
    const optimizerEntries = ckpt.keys().filter(isOptimizerKey).map((k) => ckpt.entry(k)!);
    expect(optimizerEntries.filter((e) => e.key.includes('.OPTIMIZER_SLOT'))).toHaveLength(4);
    const dataReads = source.reads.filter((r) => r.path.startsWith('variables/variables.data'));
    expect(dataReads.length).toBeGreaterThan(0);
    for (const e of optimizerEntries) {
      for (const r of dataReads) expect(overlaps(r, e.offset, e.offset + e.size), `${e.key} was read`).toBe(false);
    }

    // Compiled, with a fresh optimizer.
    expect(report.compile.compiled).toBe(true);
    expect(report.compile.optimizerState).toBeUndefined();

    // Same outputs as the checkpoint's weights give by hand.
    const kernel = (await ckpt.readTensor('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE')).values as Float32Array;
    const bias = (await ckpt.readTensor('layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE')).values as Float32Array;
    const x = [0.5, -1, 2];
    const want = [0, 1].map((u) => bias[u]! + x.reduce((s, xi, i) => s + xi * kernel[i * 2 + u]!, 0));
    const got = (model.predict(tf.tensor2d([x])) as tf.Tensor).dataSync();
    for (let u = 0; u < 2; u++) expect(Math.abs(got[u]! - want[u]!)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('loadOptimizerState reads the optimizer variables and restores them', async () => {
    const source = new RecordingSource(memorySource(files));
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {}, loadOptimizerState: true });
    expect(report.compile.optimizerState).toEqual({ iterations: 10, slots: 4 });
    const ckpt = await CheckpointReader.open(memorySource(files));
    const dataReads = source.reads.filter((r) => r.path.startsWith('variables/variables.data'));
    for (const k of ckpt.keys().filter((key) => key.includes('.OPTIMIZER_SLOT'))) {
      const e = ckpt.entry(k)!;
      expect(dataReads.some((r) => overlaps(r, e.offset, e.offset + e.size)), `${k} was not read`).toBe(true);
    }
    model.dispose();
  });
});

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** The top-level fields of the message in pb[start, end), as whole encoded fields (tag, length, value). */
function fieldsOf(pb: Uint8Array, start: number, end: number): { field: number; bytes: Uint8Array; value: Uint8Array }[] {
  const out: { field: number; bytes: Uint8Array; value: Uint8Array }[] = [];
  const pos = { i: start };
  while (pos.i < end) {
    const at = pos.i;
    const tag = varint(pb, pos);
    let valueStart = pos.i;
    if ((tag & 7) === 0) varint(pb, pos);
    else {
      const len = varint(pb, pos);
      valueStart = pos.i;
      pos.i += len;
    }
    out.push({ field: tag >>> 3, bytes: pb.subarray(at, pos.i), value: pb.subarray(valueStart, pos.i) });
  }
  return out;
}

const concat = (parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

describe('saved_model.pb by ranges: any field order, and a corrupt file still named', () => {
  const files = writeKerasSavedModel(TRAINED);
  const pb = files.get('saved_model.pb')!;

  it('meta graph fields in reverse order (object graph first, GraphDef last) give the same graph', async () => {
    const top = fieldsOf(pb, 0, pb.length);
    const parts = top.map((f) => {
      if (f.field !== 2) return f.bytes;
      const start = f.value.byteOffset - pb.byteOffset;
      const reversed = concat(fieldsOf(pb, start, start + f.value.length).reverse().map((g) => g.bytes));
      return concat([[0x12], encodeVarint(reversed.length), reversed]);
    });
    const reordered = new Map(files);
    reordered.set('saved_model.pb', concat(parts));
    const eager = await SavedModelGraph.load(memorySource(reordered));
    const source = new RecordingSource(memorySource(reordered));
    const lazy = await SavedModelGraph.load(source, { functionLibrary: 'onDemand' });
    expect(lazy.functionLibraryLoaded).toBe(false);
    expect(lazy.nodes.map((n) => [n.path, n.kind, n.keras?.className ?? null])).toEqual(eager.nodes.map((n) => [n.path, n.kind, n.keras?.className ?? null]));
    expect(lazy.signatures).toEqual(eager.signatures);
    expect(() => lazy.metaGraph.graphDef).toThrow(/loadFunctionLibrary/);
    const before = source.bytes('saved_model.pb');
    expect(before).toBeLessThan(pb.length / 2);
    await lazy.loadFunctionLibrary();
    expect(lazy.functionLibraryLoaded).toBe(true);
    expect(lazy.metaGraph.graphDef!.library!.function.map((f) => f.signature.name).sort()).toEqual(
      eager.metaGraph.graphDef!.library!.function.map((f) => f.signature.name).sort(),
    );
  });

  it('a truncated saved_model.pb is the same FormatError naming the file as with a whole read', async () => {
    const cut = new Map(files);
    cut.set('saved_model.pb', pb.subarray(0, Math.floor(pb.length * 0.6)));
    const err = await SavedModelGraph.load(memorySource(cut), { functionLibrary: 'onDemand' }).catch((e: unknown) => e);
    const whole = await SavedModelGraph.load(memorySource(cut)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT', file: 'saved_model.pb' });
    expect((err as Error).message).toBe((whole as Error).message);
  });
});

const have = haveFixtures('range-read fixture tests');

function toTensor(t: TensorJson): tf.Tensor {
  return tf.tensor(t.value as number[], t.shape, t.dtype === 'int32' || t.dtype === 'int64' ? 'int32' : 'float32');
}

describe.skipIf(!have)('range reads on real fixtures', () => {
  it('unet-denoise-autoencoder: reads no byte of saved_model.pb and none of the 1.6 MB of Adam slots', async () => {
    const dir = fixtureDir('unet-denoise-autoencoder');
    const source = new RecordingSource(new NodeFileSource(dir));
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(source.of('saved_model.pb')).toEqual([]);

    const ckpt = await CheckpointReader.open(new NodeFileSource(dir));
    const entries = ckpt.keys().map((k) => ckpt.entry(k)!);
    const optimizer = entries.filter((e) => isOptimizerKey(e.key));
    const optimizerBytes = optimizer.reduce((s, e) => s + e.size, 0);
    expect(optimizerBytes).toBeGreaterThan(1.5e6);
    const dataReads = source.reads.filter((r) => r.path.startsWith('variables/variables.data'));
    for (const e of optimizer) for (const r of dataReads) expect(overlaps(r, e.offset, e.offset + e.size), `${e.key} was read`).toBe(false);
    // What the data shard gave is the weights, nothing else: the weights are found by their checkpoint key
    // names, so not even the checkpoint's own object graph (55 KB) is read.
    const weightBytes = report.weights.reduce((s, w) => s + w.weight.shape.reduce<number>((a, d) => a * (d ?? 0), 1) * 4, 0);
    expect(source.bytes('variables/variables.data-00000-of-00001')).toBe(weightBytes);

    const exp = expected('unet-denoise-autoencoder');
    if (exp) {
      const c = exp.cases[0]!;
      const out = model.predict(report.inputNames.map((n) => toTensor(c.inputs[n]!))) as tf.Tensor;
      const want = (c.outputs[report.outputNames[0]!]!.value as number[]).flat(Infinity as 1) as number[];
      const got = out.dataSync();
      const tol = c.tolerance ?? 1e-4;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol + tol * Math.abs(want[i]!));
    }
    model.dispose();
  });

  // TF <= 2.4 models that cannot take the checkpoint route: the root attempt read saved_model.pb's root object by
  // ranges, then the full route read the meta graph's object graph, which starts with it (+2-36 KB per load, session 6).
  it.each(['legacy-tf24-intlookup-18-inputs', 'legacy-tf22-conv1d-l1l2-regularizer', 'legacy-tf24-textvectorization'])(
    '%s: the full route after the root attempt reads no byte of saved_model.pb twice',
    async (slug) => {
      const source = new RecordingSource(new NodeFileSource(fixtureDir(slug)));
      const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
      expect(report.route).toBe('savedModel');
      const reads = source.reads.filter((r) => r.path === 'saved_model.pb');
      expect(reads.length).toBeGreaterThan(1);
      const seen = new Set<number>();
      for (const r of reads) {
        for (let b = r.offset; b < r.offset + r.length; b++) {
          expect(seen.has(b), `byte ${b} of saved_model.pb read twice`).toBe(false);
          seen.add(b);
        }
      }
      model.dispose();
    },
  );

  it('subclassed-gru-generator-emptyconfig: a layer revived from saved functions fetches the GraphDef once, by its range', async () => {
    const dir = fixtureDir('subclassed-gru-generator-emptyconfig');
    const source = new RecordingSource(new NodeFileSource(dir));
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.fromSavedFunctions).toBeGreaterThan(0);
    const whole = await new NodeFileSource(dir).read('saved_model.pb');
    const [[gdStart, gdEnd]] = graphDefSpans(whole) as [[number, number]];
    // One read fetches the GraphDef up to its end: from its start, or from where the bytes already read of the
    // file (the scan for the meta graph's parts, kept by the load) stop; no byte of the file is read twice.
    const reads = source.of('saved_model.pb');
    const last = reads.filter((r) => r.offset + r.length === gdEnd && r.offset >= gdStart);
    expect(last).toHaveLength(1);
    const before = reads.filter((r) => r !== last[0] && r.offset < last[0]!.offset + last[0]!.length && r.offset + r.length > gdStart);
    for (const r of before) expect(r.offset + r.length).toBeLessThanOrEqual(last[0]!.offset);
    expect(last[0]!.offset - gdStart).toBeLessThan(64 * 1024);
    expect(source.of('saved_model.pb').every((r) => r.length < whole.length)).toBe(true);
    expect(graph!.functionLibraryLoaded).toBe(true);
    // The revived model runs its saved call function.
    const out = model.predict(tf.zeros([1, ...model.inputs[0]!.shape.slice(1).map((d) => d ?? 4)])) as tf.Tensor;
    expect(out.shape[0]).toBe(1);
    model.dispose();
  });
});
