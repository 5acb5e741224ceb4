import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { ModelSource } from '@savedkeras/common';
import { ObjectGraphNeeded, SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader, readSSTable } from '@savedkeras/proto';
import { reviveKerasModel } from '@savedkeras/revive';
import { editKerasJson, memorySource, writeKerasSavedModel, writeSSTable, type FunctionalSpec, type SequentialSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from '../src/index.js';

/**
 * Issue 15 items 1-2: weights by checkpoint key names alone. A Functional/Sequential model's weights are
 * found by the keys Keras gives them (`layer_with_weights-K/kernel`, `variables/<i>`), without reading or
 * decoding the checkpoint's object graph; the load falls back to the object graph whenever that mapping
 * does not check out (a key missing, left over, renamed, or two same-shape layers in no fixed order).
 */

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 5.1 + i * 1.3) * 0.7);
const INDEX = 'variables/variables.index';

/** x(4) -> a tanh(4) -> b (4) -> c tanh (3): a and b have the same shapes (a Sequential fixes their order). */
const SPEC: SequentialSpec = {
  kind: 'Sequential',
  name: 'chain',
  input: { shape: [4] },
  layers: [
    { className: 'Dense', name: 'a', units: 4, activation: 'tanh', kernel: values(16, 1), bias: values(4, 2) },
    { className: 'Dropout', name: 'drop', rate: 0.5 },
    { className: 'Dense', name: 'b', units: 4, kernel: values(16, 3), bias: values(4, 4) },
    { className: 'Dense', name: 'c', units: 3, activation: 'tanh', kernel: values(12, 5), bias: values(3, 6) },
  ],
  seed: 7,
};

/** Float64 forward pass of SPEC from its own values (Dropout is the identity at inference). */
function reference(x: number[]): number[] {
  const dense = (name: string, v: number[], act: (z: number) => number) => {
    const l = SPEC.layers.find((s) => s.name === name) as { kernel: Float32Array; bias: Float32Array; units: number };
    return Array.from({ length: l.units }, (_, u) => act(l.bias[u]! + v.reduce((s, vi, i) => s + vi * l.kernel[i * l.units + u]!, 0)));
  };
  return dense('c', dense('b', dense('a', x, Math.tanh), (z) => z), Math.tanh);
}

const X = [
  [0.5, -1, 2, 0.25],
  [-0.3, 0.8, -1.5, 1],
];

function expectReference(model: tf.LayersModel) {
  const got = (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
  X.forEach((x, r) => {
    const want = reference(x);
    expect(got[r]!.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[r]![i]! - want[i]!)).toBeLessThan(1e-5);
  });
}

/** Records every range read of the data shard. */
function recording(files: Map<string, Uint8Array>): { source: ModelSource; shardBytes: () => number } {
  const inner = memorySource(files);
  let bytes = 0;
  const source: ModelSource = {
    description: inner.description,
    read: async (p) => {
      const b = await inner.read(p);
      if (p.includes('.data-')) bytes += b.length;
      return b;
    },
    readRange: async (p, o, n) => {
      const b = await inner.readRange(p, o, n);
      if (p.includes('.data-')) bytes += b.length;
      return b;
    },
    size: (p) => inner.size(p),
  };
  return { source, shardBytes: () => bytes };
}

/** The index with its entries changed by `edit` (kept sorted, as an SSTable must be). */
function editIndex(files: Map<string, Uint8Array>, edit: (entries: { key: string; value: Uint8Array }[]) => { key: string; value: Uint8Array }[]): Map<string, Uint8Array> {
  const entries = readSSTable(files.get(INDEX)!, INDEX).map((e) => ({ key: e.key, value: e.value }));
  const out = edit(entries).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const copy = new Map(files);
  copy.set(INDEX, writeSSTable(out));
  return copy;
}

describe('weights by checkpoint key names', () => {
  const files = writeKerasSavedModel(SPEC);

  it("finds every weight by its key name, reads no byte of the checkpoint's object graph, right numbers", async () => {
    const { source, shardBytes } = recording(files);
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(graph!.weightsByKeyNames).toBe(true);
    // Keras' names: the layers with weights counted in model.layers order (the Dropout has none).
    expect(report.weights.map((w) => w.checkpointKey)).toEqual(
      [0, 1, 2].flatMap((k) => [`layer_with_weights-${k}/kernel/.ATTRIBUTES/VARIABLE_VALUE`, `layer_with_weights-${k}/bias/.ATTRIBUTES/VARIABLE_VALUE`]),
    );
    expect(new Set(report.objects.map((o) => o.path))).toEqual(new Set(['root', 'root.layer-1', 'root.layer_with_weights-0', 'root.layer_with_weights-1', 'root.layer_with_weights-2']));
    // The data shard is read for the weights only (the object graph is a string tensor of the same shard).
    const weightBytes = (16 + 4 + 16 + 4 + 12 + 3) * 4;
    expect(shardBytes()).toBeLessThanOrEqual(weightBytes + 64 * 6);
    expectReference(model);
    model.dispose();
  });

  // (The writer's `input.explicit` layout lists the InputLayer among a Sequential's layer-N children, as TF 2.1 did;
  // Keras' Sequential.layers leaves any first InputLayer out (the real seq-logistic-rmsprop, named input_1, agrees
  // in tools/perf/route-parity.mjs), so the key route names such a writer model's weightless layers one lower.)
  it.each([['an implicit input', files]])('gives what the object-graph route gives (report but the variable paths, weights, config): %s', async (_, model) => {
    const byKeys = await loadKerasModelWithReport(memorySource(model), { warn: () => {} });
    // The caller's own classes turn the key route off (their weight names need not be Keras').
    const byGraph = await loadKerasModelWithReport(memorySource(model), { warn: () => {}, customObjects: { Unused: class {} as never } });
    expect(byKeys.graph!.weightsByKeyNames).toBe(true);
    expect(byGraph.graph!.weightsByKeyNames).toBe(false);
    const strip = (r: typeof byKeys.report) => ({ ...r, weights: r.weights.map((w) => [w.checkpointKey, w.layerPath, w.weight.shape]) });
    expect(strip(byKeys.report)).toEqual(strip(byGraph.report));
    expect(byKeys.model.toJSON(null, false)).toEqual(byGraph.model.toJSON(null, false));
    byKeys.model.weights.forEach((w, i) => expect(Array.from(w.read().dataSync())).toEqual(Array.from(byGraph.model.weights[i]!.read().dataSync())));
    byKeys.model.dispose();
    byGraph.model.dispose();
  });

  it('a key no weight explains (an extra variable): the object graph, right numbers', async () => {
    const extra = editIndex(files, (entries) => {
      const bias = entries.find((e) => e.key === 'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE')!;
      return [...entries, { key: 'layer_with_weights-0/extra/.ATTRIBUTES/VARIABLE_VALUE', value: bias.value }];
    });
    const { model, graph } = await loadKerasModelWithReport(memorySource(extra), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    expectReference(model);
    model.dispose();
  });

  it('a renamed key (the name lies): refused by key names, a typed error from the object graph', async () => {
    const renamed = editIndex(files, (entries) =>
      entries.map((e) => (e.key === 'layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE' ? { ...e, key: 'layer_with_weights-1/biaz/.ATTRIBUTES/VARIABLE_VALUE' } : e)),
    );
    const err = await loadKerasModelWithReport(memorySource(renamed), { warn: () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT', file: INDEX });
    expect((err as Error).message).toContain('layer_with_weights-1/bias/');
  });

  it('a key of another shape (two layers swapped in the checkpoint): refused by key names, then a typed error', async () => {
    // c's kernel [4, 3] under b's name and b's [4, 4] under c's: every key is there, the shapes say no.
    const swapped = editIndex(files, (entries) => {
      const k1 = 'layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE';
      const k2 = 'layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE';
      const v1 = entries.find((e) => e.key === k1)!.value;
      const v2 = entries.find((e) => e.key === k2)!.value;
      return entries.map((e) => (e.key === k1 ? { key: k1, value: v2 } : e.key === k2 ? { key: k2, value: v1 } : e));
    });
    const err = await loadKerasModelWithReport(memorySource(swapped), { warn: () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT' });
  });

  it('same-shape layers: by key names only in an order the network itself fixes', async () => {
    // A Functional whose two same-shape layers have no order of their own (an edited config could swap them) takes the object graph.
    const spec: FunctionalSpec = {
      kind: 'Functional',
      name: 'branches',
      layers: [
        { className: 'InputLayer', name: 'x', shape: [4] },
        { className: 'Dense', name: 'p', units: 4, kernel: values(16, 8), bias: values(4, 9), inbound: [['x']] },
        { className: 'Dense', name: 'q', units: 4, kernel: values(16, 10), bias: values(4, 11), inbound: [['x']] },
        { className: 'Concatenate', name: 'cat', inbound: [['p', 'q']] },
      ],
      inputs: ['x'],
      outputs: ['cat'],
      seed: 3,
    };
    const branches = writeKerasSavedModel(spec);
    const { model, graph } = await loadKerasModelWithReport(memorySource(branches), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    model.dispose();
    // The same with q computed from p: their order is the network's own, so the key names are taken.
    const chained = writeKerasSavedModel({ ...spec, layers: spec.layers.map((l) => (l.name === 'q' ? { ...l, inbound: [['p']] } : l)) as FunctionalSpec['layers'] });
    const loaded = await loadKerasModelWithReport(memorySource(chained), { warn: () => {} });
    expect(loaded.graph!.weightsByKeyNames).toBe(true);
    loaded.model.dispose();
    // A config listing q (computed from p) before p is not Keras' order: the object graph.
    const reordered = editKerasJson(chained, (json) => {
      const layers = (json['config'] as { layers?: { name: string }[] } | undefined)?.layers;
      if (!Array.isArray(layers) || layers.length !== 4) return false;
      [layers[1], layers[2]] = [layers[2]!, layers[1]!];
      return true;
    });
    const r = await loadKerasModelWithReport(memorySource(reordered), { warn: () => {} });
    expect(r.graph!.weightsByKeyNames).toBe(false);
    r.model.dispose();
  });
});

/** Bytes read per file and which files were read whole. */
function counting(files: Map<string, Uint8Array>): { source: ModelSource; bytes: Map<string, number>; whole: Set<string> } {
  const inner = memorySource(files);
  const bytes = new Map<string, number>();
  const whole = new Set<string>();
  const count = (p: string, n: number) => bytes.set(p, (bytes.get(p) ?? 0) + n);
  const source: ModelSource = {
    description: inner.description,
    read: async (p) => {
      const b = await inner.read(p);
      whole.add(p);
      count(p, b.length);
      return b;
    },
    readRange: async (p, o, n) => {
      const b = await inner.readRange(p, o, n);
      count(p, b.length);
      return b;
    },
    size: (p) => inner.size(p),
  };
  return { source, bytes, whole };
}

const dataBytes = (bytes: Map<string, number>) => [...bytes].filter(([p]) => p.includes('.data-')).reduce((s, [, n]) => s + n, 0);

/**
 * TF 2.2-2.4 wrote no keras_metadata.pb: the root's Keras metadata (the model config) is saved_model.pb's root
 * object, read by ranges; the weights are then found by the same key names. TF 2.1 numbered a Sequential's
 * `layer-N` children from the InputLayer Keras made (the real legacy-tf21-discriminator-leakyrelu: 6 layers in its
 * config, 7 layer-N children), so the key route is taken only for the versions whose layout is known (the
 * meta graph's tensorflow_version), and the root's layer children the route names must be the root object's own.
 */
describe('weights by checkpoint key names, TF 2.2-2.4 (Keras metadata in saved_model.pb)', () => {
  const LEGACY: { tfVersion: string; legacy?: boolean }[] = [{ tfVersion: '2.2.0' }, { tfVersion: '2.3.0' }, { tfVersion: '2.4.0', legacy: true }];

  it.each(LEGACY)('TF $tfVersion: by key names, saved_model.pb read only for its root object, no object-graph bytes, right numbers', async (v) => {
    const files = writeKerasSavedModel(SPEC, v);
    expect(files.has('keras_metadata.pb')).toBe(false);
    const { source, bytes, whole } = counting(files);
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(report.route).toBe('checkpoint');
    expect(graph!.weightsByKeyNames).toBe(true);
    expect(graph!.kerasMetadataSource).toBe('object-graph');
    expect(report.weights.map((w) => w.checkpointKey)).toEqual(
      [0, 1, 2].flatMap((k) => [`layer_with_weights-${k}/kernel/.ATTRIBUTES/VARIABLE_VALUE`, `layer_with_weights-${k}/bias/.ATTRIBUTES/VARIABLE_VALUE`]),
    );
    expect(whole.has('saved_model.pb')).toBe(false);
    expect(bytes.get('saved_model.pb')).toBeLessThan(files.get('saved_model.pb')!.length / 2);
    const weightBytes = (16 + 4 + 16 + 4 + 12 + 3) * 4;
    expect(dataBytes(bytes)).toBeLessThanOrEqual(weightBytes + 64 * 6);
    expectReference(model);
    // What the checkpoint's object graph gives (a consistency check of savedkeras with itself).
    const byGraph = await loadKerasModelWithReport(memorySource(files), { warn: () => {}, customObjects: { Unused: class {} as never } });
    expect(byGraph.graph!.weightsByKeyNames).toBe(false);
    const strip = (r: typeof report) => ({ ...r, weights: r.weights.map((w) => [w.checkpointKey, w.layerPath, w.weight.shape]) });
    expect(strip(report)).toEqual(strip(byGraph.report));
    expect(model.toJSON(null, false)).toEqual(byGraph.model.toJSON(null, false));
    model.dispose();
    byGraph.model.dispose();
  });

  it.each([{ tfVersion: '2.0.0' }, { tfVersion: '2.1.0' }])('TF $tfVersion: not by key names (layer numbering of its own), right numbers', async (v) => {
    const { model, graph } = await loadKerasModelWithReport(memorySource(writeKerasSavedModel(SPEC, v)), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    expectReference(model);
    model.dispose();
  });

  it("an InputLayer among the root's layer-N children that the config does not list: refused, the input keeps its name", async () => {
    // The writer lists an explicit InputLayer among a Sequential's layer-N children (as TF 2.1 did for every input);
    // by the config alone the route would call the input `a_input` and number the layers one lower.
    const files = writeKerasSavedModel({ ...SPEC, input: { shape: [4], explicit: true } }, { tfVersion: '2.2.0' });
    const { model, report, graph } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    expect(report.inputNames).toEqual(['input_1']);
    expectReference(model);
    model.dispose();
  });

  it("a weight reached first through the root's trainable_variables (TF 2.2/2.3 listed them before variables): bound by its place in Keras' list", async () => {
    // An RNN cell's or nested layer's weights have such keys in real TF 2.2/2.3 files (legacy-tf22-large-2shard-lstm:
    // trainable_variables/3..8); here b's kernel and bias, 3rd and 4th of model.trainable_variables, are renamed so.
    const files = writeKerasSavedModel(SPEC, { tfVersion: '2.3.0' });
    const rename = (to: Record<string, string>) =>
      editIndex(files, (entries) => entries.map((e) => (to[e.key] ? { ...e, key: to[e.key]! } : e)));
    const k = (name: string) => `${name}/.ATTRIBUTES/VARIABLE_VALUE`;
    const listed = rename({ [k('layer_with_weights-1/kernel')]: k('trainable_variables/2'), [k('layer_with_weights-1/bias')]: k('trainable_variables/3') });
    const { model, report, graph } = await loadKerasModelWithReport(memorySource(listed), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(true);
    expect(report.weights.map((w) => w.checkpointKey).slice(2, 4)).toEqual([k('trainable_variables/2'), k('trainable_variables/3')]);
    expectReference(model);
    model.dispose();
    // At other places of the list (a's kernel is trainable_variables/0) the names do not check out: refused, and the
    // checkpoint's object graph, which still names layer_with_weights-1/kernel, gives a typed error naming it.
    const misplaced = rename({ [k('layer_with_weights-1/kernel')]: k('trainable_variables/0'), [k('layer_with_weights-1/bias')]: k('trainable_variables/1') });
    const err = await loadKerasModelWithReport(memorySource(misplaced), { warn: () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORMAT', file: INDEX });
    expect((err as Error).message).toContain('layer_with_weights-1/kernel/');
  });

  it('same-shape Functional branches in a TF 2.4 file: the object graph (no order of their own), right numbers', async () => {
    const spec: FunctionalSpec = {
      kind: 'Functional',
      name: 'branches',
      layers: [
        { className: 'InputLayer', name: 'x', shape: [4] },
        { className: 'Dense', name: 'p', units: 4, kernel: values(16, 8), bias: values(4, 9), inbound: [['x']] },
        { className: 'Dense', name: 'q', units: 4, activation: 'tanh', kernel: values(16, 10), bias: values(4, 11), inbound: [['x']] },
        { className: 'Concatenate', name: 'cat', inbound: [['p', 'q']] },
      ],
      inputs: ['x'],
      outputs: ['cat'],
      seed: 3,
    };
    const files = writeKerasSavedModel(spec, { legacy: true });
    const { model, graph } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    const dense = (name: string, x: number[], act: (z: number) => number) => {
      const l = spec.layers.find((s) => s.name === name) as { kernel: Float32Array; bias: Float32Array };
      return Array.from({ length: 4 }, (_, u) => act(l.bias[u]! + x.reduce((s, xi, i) => s + xi * l.kernel[i * 4 + u]!, 0)));
    };
    const got = (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
    X.forEach((x, r) => {
      const want = [...dense('p', x, (z) => z), ...dense('q', x, Math.tanh)];
      want.forEach((w, i) => expect(Math.abs(got[r]![i]! - w)).toBeLessThan(1e-5));
    });
    model.dispose();
    // q computed from p: the network fixes their order, so the key names are taken.
    const chained = writeKerasSavedModel({ ...spec, layers: spec.layers.map((l) => (l.name === 'q' ? { ...l, inbound: [['p']] } : l)) as FunctionalSpec['layers'] }, { legacy: true });
    const loaded = await loadKerasModelWithReport(memorySource(chained), { warn: () => {} });
    expect(loaded.graph!.weightsByKeyNames).toBe(true);
    loaded.model.dispose();
  });
});

/**
 * A layer field only its own keras_metadata.pb node holds (memnet-babi-multi-input's nested Sequentials and
 * seq-normalization-autompg's Normalization: `build_input_shape`, where the config leaves the input length
 * unknown): the whole file is read and each layer is given its own node, found by name among its network's layer
 * children, and the weights are still found by key names (the checkpoint's object graph stays unread).
 */
describe('weights by checkpoint key names with every layer node of keras_metadata.pb', () => {
  /** SPEC whose config leaves the input width unknown; only layer a's own node knows it ([null, 4]). */
  const unknownWidth = (files: Map<string, Uint8Array>) =>
    editKerasJson(files, (json) => {
      const layers = (json['config'] as { layers?: { class_name: string; config: Record<string, unknown> }[] } | undefined)?.layers;
      if (Array.isArray(layers)) {
        layers[0]!.config['batch_input_shape'] = [null, null];
        if (json['build_input_shape'] !== undefined) json['build_input_shape'] = null;
        return true;
      }
      if (json['name'] === 'a') {
        json['build_input_shape'] = [null, 4];
        return true;
      }
      return false;
    });

  it("a layer's build_input_shape: its own node, by key names, right numbers", async () => {
    const files = unknownWidth(writeKerasSavedModel(SPEC));
    const { source, bytes } = counting(files);
    const { model, report, graph } = await loadKerasModelWithReport(source, { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(true);
    expect(graph!.layerMetadataFromModelConfig).toBe(false);
    expect(model.inputs[0]!.shape).toEqual([null, 4]);
    // keras_metadata.pb read once in all (its head, then the rest); of the data shard only the weights.
    expect(bytes.get('keras_metadata.pb')).toBe(files.get('keras_metadata.pb')!.length);
    expect(dataBytes(bytes)).toBeLessThanOrEqual((16 + 4 + 16 + 4 + 12 + 3) * 4 + 64 * 6);
    expectReference(model);
    // What the checkpoint's object graph gives (a consistency check of savedkeras with itself).
    const byGraph = await loadKerasModelWithReport(memorySource(files), { warn: () => {}, customObjects: { Unused: class {} as never } });
    const strip = (r: typeof report) => ({ ...r, weights: r.weights.map((w) => [w.checkpointKey, w.layerPath, w.weight.shape]) });
    expect(strip(report)).toEqual(strip(byGraph.report));
    expect(model.toJSON(null, false)).toEqual(byGraph.model.toJSON(null, false));
    model.dispose();
    byGraph.model.dispose();
  });

  it("nodes that name themselves after another layer (their configs are the other's): refused, the object graph's right numbers", async () => {
    // Nodes a and b (same weight shapes; a is tanh, b linear) say they are each other: matched by name alone, each
    // would be built from the other's config and take its own weights by key, silently wrong.
    const files = editKerasJson(unknownWidth(writeKerasSavedModel(SPEC)), (json) => {
      if (json['class_name'] !== 'Dense' || (json['name'] !== 'a' && json['name'] !== 'b')) return false;
      json['name'] = json['name'] === 'a' ? 'b' : 'a';
      return true;
    });
    const { model, graph } = await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    expectReference(model);
    model.dispose();
  });
});

/**
 * With every layer node of keras_metadata.pb read, their node paths (`root.layer_with_weights-K`, written from the
 * object graph TensorFlow saved) attest the order the layers were saved in, which fixes model.variables' order: the
 * key route then needs no order of their own for same-shape layers (memnet-babi-multi-input: an Embedding [38, 64]
 * in two parallel nested Sequentials), and a config whose layer list was edited is refused.
 */
describe('same-shape layers with the saved order attested by keras_metadata.pb node paths', () => {
  const spec: FunctionalSpec = {
    kind: 'Functional',
    name: 'branches',
    layers: [
      { className: 'InputLayer', name: 'x', shape: [4] },
      { className: 'Dense', name: 'p', units: 4, kernel: values(16, 8), bias: values(4, 9), inbound: [['x']] },
      { className: 'Dense', name: 'q', units: 4, activation: 'tanh', kernel: values(16, 10), bias: values(4, 11), inbound: [['x']] },
      { className: 'Concatenate', name: 'cat', inbound: [['p', 'q']] },
    ],
    inputs: ['x'],
    outputs: ['cat'],
    seed: 3,
  };
  const want = (x: number[]) => {
    const dense = (name: string, act: (z: number) => number) => {
      const l = spec.layers.find((s) => s.name === name) as { kernel: Float32Array; bias: Float32Array };
      return Array.from({ length: 4 }, (_, u) => act(l.bias[u]! + x.reduce((s, xi, i) => s + xi * l.kernel[i * 4 + u]!, 0)));
    };
    return [...dense('p', (z) => z), ...dense('q', Math.tanh)];
  };
  const revive = async (files: Map<string, Uint8Array>) => {
    const source = memorySource(files);
    const ckpt = await CheckpointReader.open(source);
    const graph = (await SavedModelGraph.fromCheckpointKeys(source, ckpt, { kerasMetadata: 'whole' }))!;
    expect(graph.weightsByKeyNames).toBe(true);
    return reviveKerasModel(graph, ckpt, { warn: () => {} });
  };

  it('parallel same-shape layers: bound by key names in the attested order, right numbers', async () => {
    const { model, report } = await revive(writeKerasSavedModel(spec));
    expect(report.weights.map((w) => [w.layerPath, w.checkpointKey.split('/')[0]])).toEqual([
      ['root.layer_with_weights-0', 'layer_with_weights-0'],
      ['root.layer_with_weights-0', 'layer_with_weights-0'],
      ['root.layer_with_weights-1', 'layer_with_weights-1'],
      ['root.layer_with_weights-1', 'layer_with_weights-1'],
    ]);
    const got = (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
    X.forEach((x, r) => want(x).forEach((w, i) => expect(Math.abs(got[r]![i]! - w)).toBeLessThan(1e-5)));
    model.dispose();
  });

  it('the model config lists p and q the other way round (an edit the node paths do not follow): refused', async () => {
    // By the config's order q would take p's keys (layer_with_weights-0) and p q's: same shapes, silently swapped.
    const edited = editKerasJson(writeKerasSavedModel(spec), (json) => {
      const layers = (json['config'] as { layers?: { name: string }[] } | undefined)?.layers;
      if (!Array.isArray(layers)) return false;
      [layers[1], layers[2]] = [layers[2]!, layers[1]!];
      return true;
    });
    const err = await revive(edited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectGraphNeeded);
    expect((err as Error).message).toMatch(/layer q was saved as layer_with_weights-1/);
    // The loader then takes the checkpoint's object graph: each layer its own weights.
    const { model, graph } = await loadKerasModelWithReport(memorySource(edited), { warn: () => {} });
    expect(graph!.weightsByKeyNames).toBe(false);
    const got = (model.predict(tf.tensor2d(X)) as tf.Tensor).arraySync() as number[][];
    X.forEach((x, r) => want(x).forEach((w, i) => expect(Math.abs(got[r]![i]! - w)).toBeLessThan(1e-5)));
    model.dispose();
  });
});
