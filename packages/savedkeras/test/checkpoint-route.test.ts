import '@tensorflow/tfjs-backend-cpu';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it, vi } from 'vitest';
import type { ModelSource } from '@savedkeras/common';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { KerasMetadataNeeded, SavedModelGraph } from '@savedkeras/object-graph';
import { decodeSavedMetadata, readSSTable } from '@savedkeras/proto';
import { editKerasJson, memorySource, renameClass, writeKerasSavedModel, writeSSTable, type FunctionalSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';
import { expected, fixtureDir, haveFixtures, type TensorJson } from './fixtures.js';

/**
 * Issue 15 items 1-2: a Keras SavedModel whose layers all rebuild from their configs is revived over
 * the checkpoint's own object graph and keras_metadata.pb (report.route 'checkpoint'), and saved_model.pb
 * is never read. Weights are found by the checkpoint's keys, so a mix-up between layers of the same
 * shapes would go unnoticed by any shape check: the model below has four same-shape Dense layers with
 * different weights, and its outputs are held against a float64 forward pass of the spec's own values.
 */

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.8);

/** x -> a (tanh) -> b; x -> c (relu) -> d; output concat(b, d): four 4x4 kernels and four 4-biases. */
const SPEC: FunctionalSpec = {
  kind: 'Functional',
  name: 'same_shapes',
  layers: [
    { className: 'InputLayer', name: 'x', shape: [4] },
    { className: 'Dense', name: 'a', units: 4, activation: 'tanh', kernel: values(16, 1), bias: values(4, 2), inbound: [['x']] },
    { className: 'Dense', name: 'b', units: 4, kernel: values(16, 3), bias: values(4, 4), inbound: [['a']] },
    { className: 'Dense', name: 'c', units: 4, activation: 'relu', kernel: values(16, 5), bias: values(4, 6), inbound: [['x']] },
    { className: 'Dense', name: 'd', units: 4, kernel: values(16, 7), bias: values(4, 8), inbound: [['c']] },
    { className: 'Concatenate', name: 'cat', inbound: [['b', 'd']] },
  ],
  inputs: ['x'],
  outputs: ['cat'],
  seed: 11,
};

/** Float64 forward pass of SPEC from the spec's own weight values (not read back through savedkeras). */
function reference(x: number[]): number[] {
  const dense = (name: string, v: number[], act: (z: number) => number) => {
    const l = SPEC.layers.find((s) => s.name === name) as { kernel: Float32Array; bias: Float32Array; units: number };
    return Array.from({ length: l.units }, (_, u) => act(l.bias[u]! + v.reduce((s, vi, i) => s + vi * l.kernel[i * l.units + u]!, 0)));
  };
  const id = (z: number) => z;
  const b = dense('b', dense('a', x, Math.tanh), id);
  const d = dense('d', dense('c', x, (z) => Math.max(0, z)), id);
  return [...b, ...d];
}

/** Counts the bytes read per file. */
class CountingSource implements ModelSource {
  readonly bytes = new Map<string, number>();
  readonly description: string;
  constructor(private readonly inner: ModelSource) {
    this.description = inner.description;
  }
  private count(path: string, n: number) {
    this.bytes.set(path, (this.bytes.get(path) ?? 0) + n);
  }
  /** Files read whole (not by ranges). */
  readonly whole = new Set<string>();
  async read(path: string): Promise<Uint8Array> {
    const b = await this.inner.read(path);
    this.whole.add(path);
    this.count(path, b.length);
    return b;
  }
  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const b = await this.inner.readRange(path, offset, length);
    this.count(path, b.length);
    return b;
  }
  size(path: string): Promise<number | undefined> {
    return this.inner.size(path);
  }
}

/** Where the first field of a protobuf message ends (tag and length varints, then the value), by the wire format. */
function firstFieldEnd(bytes: Uint8Array): number {
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[i++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  };
  expect(varint()).toBe((1 << 3) | 2); // field 1 (nodes), length-delimited
  const length = varint();
  return i + length;
}

const X = [
  [0.5, -1, 2, 0.25],
  [-0.3, 0.8, -1.5, 1],
];

function expectReference(model: tf.LayersModel) {
  const got = (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
  X.forEach((x, r) => {
    const want = reference(x);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[r]![i]! - want[i]!)).toBeLessThan(1e-5);
  });
}

describe('the checkpoint route', () => {
  const files = writeKerasSavedModel(SPEC);

  it('revives four same-shape layers with their own weights, without reading saved_model.pb', async () => {
    const source = new CountingSource(memorySource(files));
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(graph!.objectGraphFrom).toBe('checkpoint');
    expect(graph!.signatures).toEqual([]);
    expect(source.bytes.get('saved_model.pb') ?? 0).toBe(0);
    // Of keras_metadata.pb only the root's node (SavedMetadata field 1, the first): the layers' configs are in its model config.
    expect(graph!.layerMetadataFromModelConfig).toBe(true);
    expect(source.bytes.get('keras_metadata.pb')).toBe(firstFieldEnd(files.get('keras_metadata.pb')!));
    expect(source.bytes.get('keras_metadata.pb')).toBeLessThan(files.get('keras_metadata.pb')!.length);
    expect(report.fromConfig).toBeGreaterThan(0);
    expect(report.fromSavedFunctions).toBe(0);
    // Each layer's kernel came from its own checkpoint key (Keras numbers layers with weights in model.layers order).
    const keyOf = (layer: string) => report.weights.find((w) => w.layerPath === `root.layer_with_weights-${'abcd'.indexOf(layer)}` && w.checkpointKey.includes('/kernel/'))?.checkpointKey;
    expect(['a', 'b', 'c', 'd'].map(keyOf)).toEqual([0, 1, 2, 3].map((i) => `layer_with_weights-${i}/kernel/.ATTRIBUTES/VARIABLE_VALUE`));
    // After the load, fields only a layer's own node holds read undefined (the web page plans its inputs from the
    // graph: a KerasMetadataNeeded there sent every such load to the signatures fallback in Chromium).
    for (const n of graph!.nodes) if (n.keras) expect(() => n.keras!.metadata['build_input_shape']).not.toThrow();
    expectReference(model);
    model.dispose();
  });

  it('reads the data shard through readRangeInto when the source offers it (wasm: straight into the weights), on both routes', async () => {
    await selectBackend('wasm');
    // The load wraps its source (keras_metadata.pb's head kept for a second read); a wrapper that dropped the
    // optional readRangeInto sent every checkpoint piece through readRange: the 100 MB MLP's wasm load then
    // peaked at 1.41x its weights in RSS instead of 1.04x (pnpm bench, session 6).
    for (const tags of [undefined, ['serve']]) {
      const inner = memorySource(files);
      const into: string[] = [];
      const ranges: string[] = [];
      const source: ModelSource = {
        description: inner.description,
        read: (p) => inner.read(p),
        size: (p) => inner.size(p),
        readRange: (p, o, n) => {
          ranges.push(p);
          return inner.readRange(p, o, n);
        },
        readRangeInto: async (p, o, target) => {
          into.push(p);
          target.set(await inner.readRange(p, o, target.length));
        },
      };
      const { model, report } = await loadKerasModelWithReport(source, { warn: () => {}, tags });
      expect(report.route).toBe(tags ? 'savedModel' : 'checkpoint');
      expect(into.filter((p) => p.startsWith('variables/variables.data')).length).toBeGreaterThan(0);
      // (values that do not stream into a weight still take readRange: `ranges` is not asserted empty)
      expect(ranges.length).toBeGreaterThan(0); // keras_metadata.pb / saved_model.pb by ranges
      expectReference(model);
      model.dispose();
    }
    await selectBackend('cpu');
  });

  it('gives what the full route gives: same weights, keys and report', async () => {
    const fast = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    // An explicit tag set picks a meta graph of saved_model.pb: the full route.
    const full = await loadKerasModelWithReport(memorySource(files), { warn: () => {}, tags: ['serve'] });
    expect(full.report.route).toBe('savedModel');
    expect(full.graph).toBeDefined();
    const strip = (r: typeof fast.report) => ({ ...r, route: undefined, weights: r.weights.map((w) => [w.checkpointKey, w.variablePath, w.layerPath, w.weight.shape]) });
    expect(strip(fast.report)).toEqual(strip(full.report));
    fast.model.weights.forEach((w, i) => expect(Array.from(w.read().dataSync())).toEqual(Array.from(full.model.weights[i]!.read().dataSync())));
    fast.model.dispose();
    full.model.dispose();
  });

  it("a model config whose layer order is not the checkpoint's: the layers' own metadata is read, right numbers", async () => {
    // b and c swapped in the root's layer list only: mapping `layer-N` to the N-th entry would give layer b's
    // weights (same shapes) to c. The variables' names in the checkpoint graph (b/kernel) give it away.
    const swapped = editKerasJson(files, (json) => {
      const layers = (json['config'] as { layers?: { name: string }[] } | undefined)?.layers;
      if (!Array.isArray(layers) || layers.length !== 6) return false;
      [layers[2], layers[3]] = [layers[3]!, layers[2]!];
      return true;
    });
    const source = new CountingSource(memorySource(swapped));
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(graph!.layerMetadataFromModelConfig).toBe(false);
    // The root node first, then the rest of the file: every byte once.
    expect(source.bytes.get('keras_metadata.pb')).toBe(swapped.get('keras_metadata.pb')!.length);
    expectReference(model);
    model.dispose();
  });

  it('a layer class nobody registered needs its saved functions: the full route, same numbers', async () => {
    const renamed = renameClass(files, 'Dense', 'MyDense');
    const source = new CountingSource(memorySource(renamed));
    const { model, report } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('savedModel');
    expect(report.fromSavedFunctions).toBe(4);
    expect(source.bytes.get('saved_model.pb') ?? 0).toBeGreaterThan(0);
    expectReference(model);
    model.dispose();
  });

  it('a checkpoint missing a weight key is a typed error naming the key and the index', async () => {
    const index = 'variables/variables.index';
    const gone = 'layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE';
    const entries = readSSTable(files.get(index)!, index);
    expect(entries.some((e) => e.key === gone)).toBe(true);
    const cut = new Map(files);
    cut.set(index, writeSSTable(entries.filter((e) => e.key !== gone)));
    const err = await loadKerasModelWithReport(memorySource(cut), { warn: () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT', file: index });
    expect((err as Error).message).toContain(gone);
  });

  it('warnings of the checkpoint route reach the caller once', async () => {
    const warnings: string[] = [];
    const { model, report } = await loadKerasModelWithReport(memorySource(files), { warn: (m) => warnings.push(m) });
    expect(report.route).toBe('checkpoint');
    expect(warnings).toEqual(report.warnings);
    model.dispose();
  });
});

const have = haveFixtures('checkpoint route fixture tests');

function toTensor(t: TensorJson): tf.Tensor {
  return tf.tensor(t.value as number[], t.shape, t.dtype === 'int32' || t.dtype === 'int64' ? 'int32' : 'float32');
}

describe.skipIf(!have)('which route real fixtures take', () => {
  // TF 2.5-2.7 checkpoints leave the function nodes out of their object graph; TF 2.10+ keep them: both kinds here.
  const CHECKPOINT = ['seq-mlp-coinflip-ref', 'cnn-mnist-bn', 'seq-embedding-flatten-spam-tf25', 'timedistributed-lrcn-video-tf27', 'memnet-babi-multi-input'];
  // TF <= 2.4 kept the Keras metadata inside saved_model.pb: its root object is read by ranges, nothing else of the file;
  // the weights by their key names (TF 2.2-2.4: the LSTM's cells and the Bidirectional's by trainable_variables/<j>).
  const LEGACY = ['legacy-tf22-large-2shard-lstm', 'legacy-tf23-cnn-compiled', 'legacy-tf23-cnn-encoder', 'legacy-tf23-upsampling-decoder', 'legacy-tf23-bilstm-batchnorm'];
  const FULL: [slug: string, why: string][] = [
    ['legacy-tf24-intlookup-18-inputs', 'TF 2.4 lookup tables (resources of saved_model.pb)'],
    ['textvectorization-embedding-tf212', 'a lookup table (a resource of saved_model.pb)'],
    ['subclassed-gru-generator-emptyconfig', 'a model revived from its saved functions'],
  ];

  it.each([...CHECKPOINT, ...LEGACY])('%s: checkpoint route, saved_model.pb unread (TF <= 2.4: its root object only), outputs = TensorFlow', async (slug) => {
    const source = new CountingSource(new NodeFileSource(fixtureDir(slug)));
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    const pb = statSync(nodePath.join(fixtureDir(slug), 'saved_model.pb')).size;
    const metadata = existsSync(nodePath.join(fixtureDir(slug), 'keras_metadata.pb')) ? statSync(nodePath.join(fixtureDir(slug), 'keras_metadata.pb')).size : 0;
    if (LEGACY.includes(slug)) {
      expect(source.whole.has('saved_model.pb')).toBe(false);
      expect(source.bytes.get('saved_model.pb')).toBeLessThan(pb / 4);
      expect(graph!.layerMetadataFromModelConfig).toBe(true);
      expect(graph!.weightsByKeyNames).toBe(true);
      // The data shards are read for the weights only (not the checkpoint's object graph, nor optimizer slots).
      const weightBytes = report.weights.reduce((s, w) => s + w.weight.shape.reduce((a: number, d) => a * (d ?? 1), 1) * 4, 0);
      const shards = [...source.bytes].filter(([p]) => p.includes('.data-')).reduce((s, [, n]) => s + n, 0);
      expect(shards).toBeLessThanOrEqual(weightBytes + 64 * report.weights.length);
    } else {
      expect(source.bytes.get('saved_model.pb') ?? 0).toBe(0);
      // Never more than the file (memnet's nested Sequentials need their own nodes: the rest of it is read once).
      expect(source.bytes.get('keras_metadata.pb')).toBeLessThanOrEqual(metadata);
      if (slug !== 'memnet-babi-multi-input') expect(source.bytes.get('keras_metadata.pb')).toBeLessThan(metadata * 0.65);
    }
    const exp = expected(slug);
    for (const c of exp?.cases.slice(0, 1) ?? []) {
      const xs = report.inputNames.map((n) => toTensor(c.inputs[n]!));
      const out = model.predict(xs.length === 1 ? xs[0]! : xs);
      const outs = Array.isArray(out) ? out : [out];
      report.outputNames.forEach((name, i) => {
        const want = (c.outputs[name]!.value as number[]).flat(Infinity as 1) as number[];
        const got = outs[i]!.dataSync();
        const tol = c.tolerance ?? 1e-4;
        for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!)).toBeLessThanOrEqual(tol + tol * Math.abs(want[j]!));
      });
    }
    model.dispose();
  });

  it('memnet-babi-multi-input (an Embedding [38, 64] in two nested Sequentials, whose own nodes revival reads): by key names, revived once (no attempt stopped midway)', async () => {
    // The node paths of keras_metadata.pb (root.layer_with_weights-0, -1, ...) attest the order the layers were saved
    // in, which fixes the order of the keys `variables/<i>` the nested layers' weights have. Before, the key route
    // with the whole file was refused at bind (same-shape layers in two networks) and the load revived a third time
    // over the checkpoint's object graph.
    const slug = 'memnet-babi-multi-input';
    const fromObjectGraph = vi.spyOn(SavedModelGraph, 'fromCheckpoint');
    const byKeys = vi.spyOn(SavedModelGraph, 'fromCheckpointKeys');
    const denseBuild = vi.spyOn(tfl.layers.dense({ units: 1 }).constructor.prototype as tfl.layers.Layer, 'build');
    // keras_metadata.pb's root node as the file holds it (15 KB of JSON): the two attempts share its parse.
    const rootJson = decodeSavedMetadata(readFileSync(nodePath.join(fixtureDir(slug), 'keras_metadata.pb'))).nodes.find((n) => n.nodeId === 0)!.metadata;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const source = new CountingSource(new NodeFileSource(fixtureDir(slug)));
      const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
      expect(report.route).toBe('checkpoint');
      expect(graph!.weightsByKeyNames).toBe(true);
      expect(graph!.layerMetadataFromModelConfig).toBe(false);
      expect(fromObjectGraph).not.toHaveBeenCalled();
      // Its nested Sequentials' inputs have unknown lengths in the model config, so revival reads their own nodes: the
      // attempt with the root node alone stops before reviving anything, then the whole file is read.
      expect(byKeys.mock.calls.map((c) => c[2]?.kerasMetadata)).toEqual(['root', 'whole']);
      await expect(byKeys.mock.results[0]!.value).rejects.toBeInstanceOf(KerasMetadataNeeded);
      // The root node's JSON is parsed once: the 'whole' attempt takes the first attempt's parse of the same node.
      expect(parse.mock.calls.filter((c) => c[0] === rootJson)).toHaveLength(1);
      // Its one Dense layer is built once: one revival.
      expect(denseBuild).toHaveBeenCalledTimes(1);
      // keras_metadata.pb once in all; of the data shards the weights only (not the checkpoint's object graph).
      expect(source.bytes.get('keras_metadata.pb')).toBe(statSync(nodePath.join(fixtureDir(slug), 'keras_metadata.pb')).size);
      const weightBytes = report.weights.reduce((s, w) => s + w.weight.shape.reduce((a: number, d) => a * (d ?? 1), 1) * 4, 0);
      const shards = [...source.bytes].filter(([p]) => p.includes('.data-')).reduce((s, [, n]) => s + n, 0);
      expect(shards).toBeLessThanOrEqual(weightBytes + 64 * report.weights.length);
      // The two [38, 64] embeddings by the keys of their places in model.variables, each its own values (TensorFlow's outputs below).
      const embeddings = report.weights.filter((w) => w.weight.shape.join() === '38,64').map((w) => [w.layerPath, w.checkpointKey]);
      expect(embeddings).toEqual([
        ['root.layer_with_weights-0.layer_with_weights-0', 'variables/0/.ATTRIBUTES/VARIABLE_VALUE'],
        ['root.layer_with_weights-1.layer_with_weights-0', 'variables/1/.ATTRIBUTES/VARIABLE_VALUE'],
      ]);
      const exp = expected(slug)!;
      expect(exp.cases.length).toBeGreaterThan(0);
      for (const c of exp.cases) {
        const xs = report.inputNames.map((n) => toTensor(c.inputs[n]!));
        const out = model.predict(xs.length === 1 ? xs[0]! : xs);
        const outs = Array.isArray(out) ? out : [out];
        report.outputNames.forEach((name, i) => {
          const want = (c.outputs[name]!.value as number[]).flat(Infinity as 1) as number[];
          const got = outs[i]!.dataSync();
          const tol = c.tolerance ?? 1e-4;
          for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!)).toBeLessThanOrEqual(tol + tol * Math.abs(want[j]!));
        });
      }
      model.dispose();
    } finally {
      fromObjectGraph.mockRestore();
      byKeys.mockRestore();
      denseBuild.mockRestore();
      parse.mockRestore();
    }
  });

  it.each(FULL)('%s: full route (%s)', async (slug) => {
    const { model, report } = await loadKerasModelWithReport(new NodeFileSource(fixtureDir(slug)), { warn: () => {} });
    expect(report.route).toBe('savedModel');
    model.dispose();
  });
});
