import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { SavedKerasError } from '@savedkeras/common';
import { registerAllLayers } from '@savedkeras/layers';
import { connectLayers } from '@savedkeras/revive';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';

// Functional configs whose graph is hostile while every layer is valid: inbound references to
// nothing, to themselves or in a cycle; a layer shared in a chain thousands of calls deep (tfjs-layers
// walks the graph recursively and overflowed the stack untyped); 10^5 calls; layers listed in
// reverse order (the fixed-point loop was quadratic); models nested in models. Files are made by
// the project's writer and their config.json edited.
type Json = Record<string, unknown>;

const ref = (name: string, node = 0, index = 0) => ({ class_name: '__keras_tensor__', config: { shape: [null, 5], dtype: 'float32', keras_history: [name, node, index] } });
const call = (r: Json) => ({ args: [r], kwargs: {} });
const layersOf = (c: Json) => (c['config'] as { layers: Json[] }).layers;
const byName = (c: Json, name: string) => layersOf(c).find((l) => l['name'] === name)!;

function withConfig(zip: Uint8Array, edit: (config: Json) => void): Uint8Array {
  const files = unzipSync(zip);
  const config = JSON.parse(strFromU8(files['config.json']!)) as Json;
  edit(config);
  files['config.json'] = strToU8(JSON.stringify(config));
  return zipSync(files, { level: 0 });
}

async function loadError(bytes: Uint8Array): Promise<SavedKerasError> {
  const before = tf.memory().numTensors;
  const e = await loadKerasFile(bytes, { fileName: 'hostile.keras', warn: () => undefined, compile: false }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'a SavedKerasError').toBeInstanceOf(SavedKerasError);
  expect(tf.memory().numTensors, 'tensors left by the failed load').toBe(before);
  return e as SavedKerasError;
}

describe('hostile functional graphs', () => {
  let base: Uint8Array;
  // The writer's weights, for a float64 reference of the shared-layer chain.
  let weights: Record<'sh' | 'hidden' | 'probs', [number[][], number[]]>;

  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
    const x = tfl.input({ shape: [5], name: 'x' });
    const dense = (units: number, name: string) => tfl.layers.dense({ units, name, activation: 'tanh' });
    const sh = dense(5, 'sh');
    const hidden = dense(8, 'hidden');
    const probs = dense(3, 'probs');
    const m = tfl.model({ inputs: x, outputs: probs.apply(hidden.apply(sh.apply(x))) as tfl.SymbolicTensor });
    const values = (l: tfl.layers.Layer) => l.getWeights().map((w) => w.arraySync()) as [number[][], number[]];
    weights = { sh: values(sh), hidden: values(hidden), probs: values(probs) };
    base = await encodeKerasFile(m, { warn: () => undefined });
    m.dispose();
  });

  it.each([
    ['a cycle', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('probs'))])],
    ['a layer fed by itself', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('hidden'))])],
    ['an unknown layer', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('nope'))])],
    ['call node 10^9', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('sh', 1e9))])],
    ['call node -1', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('sh', -1))])],
    ['call node 0.5', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('sh', 0.5))])],
    ['output tensor 10^9', (c: Json) => (byName(c, 'hidden')['inbound_nodes'] = [call(ref('sh', 0, 1e9))])],
  ])('an inbound reference to %s is FORMAT naming the file and the layers that cannot be called', async (_, edit) => {
    const e = await loadError(withConfig(base, edit));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/^hostile\.keras: config\.json: .*inputs never become available \(missing or cyclic references\): hidden, probs/);
  });

  it('a model output naming no layer output is FORMAT', async () => {
    const e = await loadError(withConfig(base, (c) => ((c['config'] as Json)['output_layers'] = [['probs', 7, 0]])));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/^hostile\.keras: .*model output \["probs",7,0\] names no layer output/);
  });

  /** `sh` called `n` times in a chain (its node i feeds its node i + 1), then hidden and probs. */
  const chain = (n: number) => (c: Json) => {
    byName(c, 'sh')['inbound_nodes'] = [call(ref('x')), ...Array.from({ length: n - 1 }, (_, i) => call(ref('sh', i)))];
    byName(c, 'hidden')['inbound_nodes'] = [call(ref('sh', n - 1))];
  };

  it('a layer shared 40 times in a chain loads and gives the float64 answer of its 40 calls', async () => {
    const { model } = await loadKerasFile(withConfig(base, chain(40)), { warn: () => undefined, compile: false });
    const input = [0.5, -1, 2, 0.25, 3];
    const y = model.predict(tf.tensor2d([input])) as tf.Tensor;
    const got = Array.from(await y.data());
    tf.dispose(y);
    model.dispose();
    const dense = (v: number[], [k, b]: [number[][], number[]]) => b.map((bj, j) => Math.tanh(v.reduce((s, vi, i) => s + vi * k[i]![j]!, 0) + bj));
    let v = input;
    for (let i = 0; i < 40; i++) v = dense(v, weights.sh);
    const want = dense(dense(v, weights.hidden), weights.probs);
    got.forEach((g, j) => expect(g).toBeCloseTo(want[j]!, 5));
  });

  it('a layer shared in a chain 3,000 calls deep is LIMIT before tfjs-layers overflows its stack on it', async () => {
    const e = await loadError(withConfig(base, chain(3000)));
    expect(e.code).toBe('LIMIT');
    expect(e.message).toMatch(/^hostile\.keras: config\.json: sh: calling layer sh makes the network 2049 layer calls deep, past the 2048/);
  });

  it('10^5 calls of one layer are LIMIT before any is made', async () => {
    const e = await loadError(
      withConfig(base, (c) => {
        byName(c, 'sh')['inbound_nodes'] = Array.from({ length: 100_001 }, () => call(ref('x')));
      }),
    );
    expect(e.code).toBe('LIMIT');
    expect(e.message).toMatch(/^hostile\.keras: config\.json: .*the network makes 100003 layer calls, past the 100000/);
  });

  it('models nested 100 deep are FORMAT naming the file', async () => {
    const e = await loadError(
      withConfig(base, (c) => {
        const input = layersOf(c)[0]!;
        const act = { module: 'keras.layers', class_name: 'Activation', config: { name: 'act', trainable: true, dtype: 'float32', activation: 'relu' }, registered_name: null, name: 'act', inbound_nodes: [call(ref('x'))] };
        let inner: Json = { module: 'keras', class_name: 'Functional', config: { name: 'm0', trainable: true, layers: [input, act], input_layers: [['x', 0, 0]], output_layers: [['act', 0, 0]] }, registered_name: 'Functional', name: 'm0' };
        for (let i = 1; i <= 100; i++) {
          inner['inbound_nodes'] = [call(ref('x'))];
          inner = { module: 'keras', class_name: 'Functional', config: { name: `m${i}`, trainable: true, layers: [input, inner], input_layers: [['x', 0, 0]], output_layers: [[`m${i - 1}`, 0, 0]] }, registered_name: 'Functional', name: `m${i}` };
        }
        c['config'] = inner['config'];
      }),
    );
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/^hostile\.keras: config\.json: .*networks nested deeper than 64/);
  });
});

describe('connectLayers (both load routes connect networks with it)', () => {
  type Call = string[]; // the names of the layers whose next output this call reads
  interface Fake {
    name: string;
    layer: tfl.layers.Layer;
    calls: Call[];
  }
  /** Layers whose apply records the order of calls; a call reads node 0 of each named layer. */
  function fakes(spec: [string, Call[]][], log: string[]): Fake[] {
    return spec.map(([name, calls]) => ({
      name,
      calls: [...calls],
      layer: { apply: () => (log.push(name), { from: name }) } as unknown as tfl.layers.Layer,
    }));
  }
  const resolver = (counter: { n: number }) => (call: Call, outputs: Map<string, tfl.SymbolicTensor[][]>) => {
    counter.n++;
    const inputs = call.map((n) => outputs.get(n)?.[0]?.[0]);
    return inputs.every((t) => t !== undefined) ? { inputs: inputs as tfl.SymbolicTensor[], kwargs: {} } : undefined;
  };
  const refuse = (what: string) => new Error(what);

  /** Keras' own loop (Functional.from_config): passes over the layers in order until none progresses. */
  function kerasOrder(pending: Fake[], outputs: Map<string, tfl.SymbolicTensor[][]>, log: string[]): void {
    const r = resolver({ n: 0 });
    for (let progress = true; progress; ) {
      progress = false;
      for (const p of pending) {
        while (p.calls.length > 0) {
          const c = r(p.calls[0]!, outputs);
          if (!c) break;
          p.calls.shift();
          log.push(p.name);
          outputs.set(p.name, [...(outputs.get(p.name) ?? []), [{ from: p.name } as unknown as tfl.SymbolicTensor]]);
          progress = true;
        }
      }
    }
  }

  it('a chain of 2,000 layers listed in reverse order costs a few resolve attempts per call, not one per pass', () => {
    const n = 2000;
    const spec: [string, Call[]][] = Array.from({ length: n }, (_, i) => [`l${i}`, [[i === 0 ? 'x' : `l${i - 1}`]]]);
    spec.reverse();
    const counter = { n: 0 };
    const log: string[] = [];
    const outputs = new Map([['x', [[{} as tfl.SymbolicTensor]]]]);
    expect(connectLayers(fakes(spec, log), outputs, resolver(counter), refuse)).toEqual([]);
    expect(log).toEqual(Array.from({ length: n }, (_, i) => `l${i}`));
    // Each layer fails once (listed before its input exists) and runs once: 2n. The pass loop made n^2 / 2 = 2,000,000.
    expect(counter.n).toBeLessThanOrEqual(2 * n);
  });

  it('calls layers in the order of Keras’ pass loop, on random graphs with shared layers, and leaves the same layers stuck', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let g = 0; g < 200; g++) {
      const n = 2 + Math.floor(rand() * 12);
      const names = ['x', ...Array.from({ length: n }, (_, i) => `l${i}`)];
      // Calls read any layer (earlier, later, itself, unknown): cycles and dangling references included.
      const spec: [string, Call[]][] = names.slice(1).map((name) => [
        name,
        Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Array.from({ length: 1 + Math.floor(rand() * 2) }, () => (rand() < 0.05 ? 'nope' : names[Math.floor(rand() * names.length)]!))),
      ]);
      const ours: string[] = [];
      const theirs: string[] = [];
      const start = () => new Map([['x', [[{} as tfl.SymbolicTensor]]]]);
      const stuck = connectLayers(fakes(spec, ours), start(), resolver({ n: 0 }), refuse);
      const reference = fakes(spec, []);
      kerasOrder(reference, start(), theirs);
      expect(ours, `graph ${g}: ${JSON.stringify(spec)}`).toEqual(theirs);
      expect(stuck).toEqual(reference.filter((p) => p.calls.length > 0).map((p) => p.name));
    }
  });
});
