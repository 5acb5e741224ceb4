import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { InputMismatchError, PathEscapeError } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import { requireFixtures } from '@savedkeras/testing';
import {
  Captures,
  ConcreteFunction,
  SavedFunction,
  loadSignatures,
  variableFromCheckpoint,
  type TableResource,
} from '../src/index.js';
import { storedKeys } from '../src/checkpoint-values.js';
import { libraryOf } from '../src/executor/function-library.js';
import { openFixture, type FixtureModel } from './fixture-model.js';

const present = requireFixtures('graph concrete functions');

/** Captures reading each variable once from the checkpoint, as revive would share them. */
async function capturesFor(m: FixtureModel): Promise<{ captures: Captures; variables: Map<number, tf.Variable> }> {
  const ckptGraph = await m.checkpoint!.readObjectGraph();
  const variables = new Map<number, tf.Variable>();
  const captures = new Captures(m.graph, {
    readVariable: async (node: ObjectNode) => {
      let v = variables.get(node.id);
      if (!v) variables.set(node.id, (v = await variableFromCheckpoint(node, m.checkpoint, ckptGraph)));
      return v;
    },
    checkpoint: m.checkpoint,
  });
  return { captures, variables };
}

function layerFunctionNode(graph: SavedModelGraph, className: string): ObjectNode {
  const layer = graph.nodes.find((n) => n.keras?.className === className)!;
  return graph.child(layer.id, 'keras_api', 'call_and_return_conditional_losses') ?? graph.child(layer.id, 'call_and_return_conditional_losses')!;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe.skipIf(!present)('Keras layer functions', () => {
  test('BatchNormalization (cnn-mnist-bn): training=False uses moving statistics, training=True batch statistics and updates them', async () => {
    const m = await openFixture('cnn-mnist-bn');
    const { captures, variables } = await capturesFor(m);
    const node = layerFunctionNode(m.graph, 'BatchNormalization');
    const layer = m.graph.nodes.find((n) => n.keras?.className === 'BatchNormalization')!;
    const cfg = layer.keras!.metadata['config'] as { momentum: number; epsilon: number };
    const fn = await SavedFunction.load(m.graph, node.id, captures);
    expect(fn.functions.length).toBe(2);
    const byName = (s: string) => [...variables.values()].find((v, i) => m.graph.node([...variables.keys()][i]!).variable!.name.endsWith(s))!;
    const [gamma, beta, mm, mv] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(byName) as tf.Variable[];
    const x = tf.randomUniform([2, 3, 3, 32], -2, 2, 'float32', 5);

    // Inference: the False trace is chosen without a training value.
    expect(fn.select(x).info.inputSignature).toEqual(fn.functions.find((f) => f.name.endsWith('303049'))!.info.inputSignature);
    const mm0 = mm!.clone();
    const mv0 = mv!.clone();
    const [y, losses] = fn.call(x) as [tf.Tensor, unknown[]];
    expect(losses).toEqual([]);
    const want = tf.tidy(() => tf.add(tf.mul(gamma!, tf.div(tf.sub(x, mm!), tf.sqrt(tf.add(mv!, cfg.epsilon)))), beta!));
    expect(maxDiff(y, want)).toBeLessThan(1e-5);
    expect(maxDiff(mm!, mm0)).toBe(0);

    // Training: batch moments; moving_mean <- mm - (mm - batch_mean) * (1 - momentum).
    const [yt] = fn.call(x, { training: true }) as [tf.Tensor];
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const wantT = tf.tidy(() => tf.add(tf.mul(gamma!, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, cfg.epsilon)))), beta!));
    expect(maxDiff(yt, wantT)).toBeLessThan(1e-4);
    const wantMM = tf.tidy(() => tf.sub(mm0, tf.mul(tf.sub(mm0, mean), 1 - cfg.momentum)));
    expect(maxDiff(mm!, wantMM)).toBeLessThan(1e-6);
    const n = 2 * 3 * 3;
    const wantMV = tf.tidy(() => tf.sub(mv0, tf.mul(tf.sub(mv0, tf.mul(variance, n / (n - 1))), 1 - cfg.momentum)));
    expect(maxDiff(mv!, wantMV)).toBeLessThan(1e-5);

    tf.dispose([x, y, yt, want, wantT, wantMM, wantMV, mean, variance, mm0, mv0, ...variables.values()]);
    captures.dispose();
    libraryOf(m.graph).dispose();
  });

  test('the model __call__ (cnn-mnist-bn): calling forms select the right trace; the False trace equals the serving signature', async () => {
    const m = await openFixture('cnn-mnist-bn');
    const { captures, variables } = await capturesFor(m);
    const call = m.graph.child(0, '__call__')!;
    const fn = await SavedFunction.load(m.graph, call.id, captures);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 9);
    const training = (f: ConcreteFunction) => (f.inputSignature as { items: { items: { value?: unknown }[] }[] }).items[0]!.items[1]!.value;
    expect(training(fn.select(x))).toBe(false);
    expect(training(fn.select([x]))).toBe(false);
    expect(training(fn.select([x, false]))).toBe(false);
    expect(training(fn.select([x, true]))).toBe(true);
    expect(training(fn.select(x, { training: true }))).toBe(true);

    const sigs = await loadSignatures(m.graph, m.checkpoint);
    const served = sigs.signatures['serving_default']!({ conv2d_input: x });
    const y = fn.call(x) as tf.Tensor;
    expect(maxDiff(y, served['dense_1']!)).toBe(0);

    // A wrong dtype matches no trace: the error lists every saved signature.
    const xi = tf.zeros([1, 28, 28, 1], 'int32');
    let err: Error | undefined;
    try {
      fn.call(xi);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(InputMismatchError);
    expect(err!.message).toContain('match none of the 4 saved signature(s)');
    expect(err!.message).toContain("((TensorSpec(shape=(-1, 28, 28, 1), float32, name='inputs'), True, None), {})");
    expect(err!.message).toContain('expected float32 (a float32 tensor in tfjs), got int32');

    tf.dispose([x, xi, y, ...Object.values(served), ...variables.values()]);
    sigs.dispose();
    captures.dispose();
  });

  test('gradients reach the captured variables (seq-logistic-rmsprop Dense, sigmoid): d sum(y)/dW = x^T s(1-s)', async () => {
    const m = await openFixture('seq-logistic-rmsprop');
    const layer = m.graph.nodes.find((n) => n.keras?.className === 'Dense')!;
    expect((layer.keras!.metadata['config'] as { activation: string }).activation).toBe('sigmoid');
    const { captures, variables } = await capturesFor(m);
    const fn = await SavedFunction.load(m.graph, layerFunctionNode(m.graph, 'Dense').id, captures);
    const [kernel, bias] = [...variables.values()].sort((a, b) => b.rank - a.rank) as [tf.Variable, tf.Variable];
    const x = tf.randomUniform([3, 20], -1, 1, 'float32', 4);
    const { value, grads } = tf.variableGrads(() => tf.sum((fn.call(x, { training: true }) as tf.Tensor[])[0]!) as tf.Scalar, [kernel, bias]);
    const want = tf.tidy(() => {
      const s = tf.sigmoid(tf.add(tf.matMul(x, kernel), bias));
      return tf.matMul(x, tf.mul(s, tf.sub(1, s)), true, false);
    });
    expect(maxDiff(grads[kernel.name]!, want)).toBeLessThan(1e-6);
    tf.dispose([value, x, want, ...Object.values(grads), ...variables.values()]);
    captures.dispose();
    libraryOf(m.graph).dispose();
  });
});

describe.skipIf(!present)('lookup tables bound as captures', () => {
  test('TF 2.4 MutableHashTable (legacy-tf24-textvectorization): filled from the checkpoint <key>-keys / <key>-values', async () => {
    const m = await openFixture('legacy-tf24-textvectorization');
    const { captures, variables } = await capturesFor(m);
    const node = m.graph.nodes.find((n) => n.kind === 'resource')!;
    await captures.prepare([node.id]);
    const table = captures.resolve(node.id) as TableResource;
    expect(table.kind).toBe('table');
    const ckptGraph = await m.checkpoint!.readObjectGraph();
    const key = ckptGraph!.nodes[node.id]!.attributes[0]!.checkpointKey;
    const stored = await m.checkpoint!.readTable(key);
    const keys = storedKeys(stored.keys);
    const values = storedKeys(stored.values);
    expect(keys.length).toBeGreaterThan(1000);
    expect(table.map.size).toBe(keys.length);
    for (const i of [0, 1, 500, keys.length - 1]) expect(table.map.get(keys[i]!)).toBe(values[i]);
    tf.dispose([...variables.values()]);
    captures.dispose();
  });

  test('TF 2.12 StaticHashTable (textvectorization-embedding-tf212): filled by running its _initialize function on captured constants', async () => {
    const m = await openFixture('textvectorization-embedding-tf212');
    const { captures, variables } = await capturesFor(m);
    const node = m.graph.nodes.find((n) => n.kind === 'resource' && n.path.endsWith('lookup_table'))!;
    await captures.prepare([node.id]);
    const table = captures.resolve(node.id) as TableResource;
    // The initializer imports the vocabulary Consts of the main graph (998 tokens, manifest facts).
    expect(table.map.size).toBe(998);
    const sigs = await loadSignatures(m.graph, m.checkpoint);
    const sig = sigs.signatures['serving_default']!;
    const s = tf.tensor2d([['deep learning for graphs'], ['quantum field theory of strings']], [2, 1], 'string');
    const out = Object.values(sig({ [sig.inputs[0]!.name]: s }))[0]!;
    expect(out.shape).toEqual([2, 30]);
    const rows = Array.from(tf.tidy(() => tf.sum(out, 1)).dataSync());
    for (const r of rows) expect(Math.abs(r - 1)).toBeLessThan(1e-5); // softmax over 30 classes
    expect(maxDiff(tf.slice(out, [0, 0], [1, 30]), tf.slice(out, [1, 0], [1, 30]))).toBeGreaterThan(1e-4);
    tf.dispose([s, out, ...variables.values()]);
    sigs.dispose();
    captures.dispose();
  });
  test('asset and constant captures: assets bind as their path inside the model folder, never outside it', async () => {
    const m = await openFixture('seq-normalization-autompg');
    const sigFn = m.graph.concreteFunction(m.graph.signatures[0]!.functionName!)!;
    const constantId = sigFn.boundInputs.find((id) => m.graph.node(id).kind === 'constant')!;
    const { captures, variables } = await capturesFor(m);
    await captures.prepare([constantId]);
    const c = captures.resolve(constantId) as tf.Tensor;
    const op = m.graph.node(constantId).proto.constant!.operation;
    const constNode = m.graph.metaGraph.graphDef!.node.find((n) => n.name === op)!;
    expect(c.shape).toEqual(constNode.attr['value']!.tensor!.tensorShape!.dim.map((d) => Number(d.size)));
    // No fixture binds an asset: turn two nodes into assets of this graph.
    m.graph.metaGraph.assetFileDef.push({ filename: 'vocab.txt' }, { filename: '../../secret.txt' });
    const [a, b] = m.graph.nodes.filter((n) => n.kind === 'userObject').slice(-2);
    Object.assign(a!, { kind: 'asset', proto: { ...a!.proto, kind: 'asset', asset: { assetFileDefIndex: 0 } } });
    Object.assign(b!, { kind: 'asset', proto: { ...b!.proto, kind: 'asset', asset: { assetFileDefIndex: 1 } } });
    await captures.prepare([a!.id]);
    expect((captures.resolve(a!.id) as tf.Tensor).dataSync()).toEqual(['assets/vocab.txt']);
    await expect(captures.prepare([b!.id])).rejects.toBeInstanceOf(PathEscapeError);
    tf.dispose([...variables.values()]);
    captures.dispose();
    expect(c.isDisposed).toBe(true);
  });
});
