import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unzipSync } from 'fflate';
import { selectBackend } from '@savedkeras/backend-node';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, inspectKerasFile, loadKerasFile } from '../src/index.js';
import { float16Bits } from '../src/hdf5.js';
import { relError, toTensor, type ExpectedCase, type TensorJson } from './support.js';

// Layout details checked against references made outside savedkeras (scripts/make_layout_data.py,
// scripts/check_hard_sigmoid.py): a tf.keras 2 .h5 against a NumPy forward pass, float16 weights'
// sha256 against hashlib, and tfjs' hard_sigmoid written so that Keras 3 gives tfjs' predictions.
const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const bytes = (name: string) => new Uint8Array(readFileSync(join(DATA, name)));
const json = <T>(name: string) => JSON.parse(readFileSync(join(DATA, name), 'utf8')) as T;
const flat = (t: TensorJson) => (Array.isArray(t.value) ? (t.value as number[]).flat(Infinity as 1) : [t.value]) as number[];

beforeAll(async () => {
  registerAllLayers();
  await selectBackend('cpu');
});

describe('a tf.keras 2 .h5 (Keras 2 layout)', () => {
  const expected = json<{ cases: ExpectedCase[]; optimizer: { iterations: number; slots: Record<string, TensorJson> } }>('keras2-mlp.expected.json');

  it("reads Keras 2 names and weights; hard_sigmoid keeps Keras 2's meaning (clip(0.2x + 0.5, 0, 1))", async () => {
    const { model, report } = await loadKerasFile(bytes('keras2-mlp.h5'), { fileName: 'keras2-mlp.h5', warn: () => undefined });
    expect(report.info).toMatchObject({ format: 'hdf5', layout: 'keras-2', kerasVersion: '2.15.0' });
    for (const c of expected.cases) {
      const out = model.predict(toTensor(c.inputs['dense_input']!)) as tf.Tensor;
      expect(relError((await out.data()) as Float32Array, flat(c.outputs['out']!))).toBeLessThanOrEqual(1e-5);
      out.dispose();
    }
    model.dispose();
  });

  it('restores the Adam state saved under tf.keras 2 names (iter, <layer>/<weight>/m, v)', async () => {
    const { model, report } = await loadKerasFile(bytes('keras2-mlp.h5'), { warn: () => undefined });
    expect(report.optimizerState).toMatchObject({ restored: true, iterations: expected.optimizer.iterations, slots: 12 });
    const opt = model.optimizer as unknown as { getSlot(v: string, s: string): tf.Variable | undefined };
    for (const [key, want] of Object.entries(expected.optimizer.slots)) {
      const [layer, weight, slot] = key.split('/') as [string, string, string];
      const w = model.getLayer(layer).weights.find((x) => x.originalName.endsWith(`/${weight}`))!;
      const got = opt.getSlot((w.read() as tf.Variable).name, slot)!;
      expect(relError((await got.data()) as Float32Array, flat(want)), key).toBe(0);
    }
    model.dispose();
  });

  it('a written .keras of it keeps the predictions (tfjs hard_sigmoid written as an equal Keras 3 expression)', async () => {
    const { model } = await loadKerasFile(bytes('keras2-mlp.h5'), { warn: () => undefined, compile: false });
    const warnings: string[] = [];
    const again = (await loadKerasFile(await encodeKerasFile(model, { warn: (m) => warnings.push(m) }), { warn: () => undefined, compile: false })).model;
    expect(warnings.join('\n')).toMatch(/dense_1: tfjs' hard_sigmoid .* scaled by 1\.2/);
    for (const c of expected.cases) {
      const out = again.predict(toTensor(c.inputs['dense_input']!)) as tf.Tensor;
      expect(relError((await out.data()) as Float32Array, flat(c.outputs['out']!))).toBeLessThanOrEqual(1e-5);
      out.dispose();
    }
    model.dispose();
    again.dispose();
  });
});

describe('float16 weights', () => {
  const expected = json<Record<'keras' | 'h5', Record<string, { dtype: string; shape: number[]; sha256: string }>>>('f16-dense.expected.json');

  it('inspect gives the sha256 hashlib computes over the stored bytes (.h5 and .keras)', async () => {
    const h5 = await inspectKerasFile(bytes('f16-dense.h5'));
    expect(Object.fromEntries(h5.weights.map((w) => [w.path, { dtype: w.dtype, shape: w.shape, sha256: w.sha256 }]))).toEqual(expected.h5);
    const zip = await inspectKerasFile(bytes('f16-dense.keras'));
    expect(Object.fromEntries(zip.weights.map((w) => [w.path, { dtype: w.dtype, shape: w.shape, sha256: w.sha256 }]))).toEqual(expected.keras);
    expect(zip.weights.filter((w) => w.dtype === 'float16')).toHaveLength(2);
  });

  it('float16Bits is the IEEE half encoding (spot values from the standard)', () => {
    const cases: [number, number][] = [[0, 0], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [0.333251953125, 0x3555], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1e6, 0x7c00]];
    for (const [x, bits] of cases) expect(float16Bits(x), String(x)).toBe(bits);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
  });
});

/** A JS model whose activations are tfjs' hard_sigmoid in every place the writer can express exactly. */
export function hardSigmoidModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 3], name: 'seq' });
  const lstm = tfl.layers.lstm({ units: 4, returnSequences: true, recurrentInitializer: 'glorotUniform', name: 'lstm' }).apply(input) as tfl.SymbolicTensor;
  const gru = tfl.layers.bidirectional({ layer: tfl.layers.gru({ units: 3, recurrentInitializer: 'glorotUniform' }) as tfl.RNN, name: 'bigru' }).apply(lstm) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units: 4, activation: 'hardSigmoid', name: 'gate' }).apply(gru) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(dense) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out, name: 'hard_sigmoid_model' });
  let k = 1;
  for (const w of model.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    w.write(tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.9 * Math.sin(0.61 * (i + 1) * k + k)), w.shape));
    k++;
  }
  return model;
}

describe("tfjs' hard_sigmoid written for Keras 3", () => {
  const expected = json<{ cases: ExpectedCase[] }>('hard-sigmoid.expected.json');

  it('Keras 3 gave the JS model\'s predictions on the written file (stored), and savedkeras reads it back the same', async () => {
    const model = hardSigmoidModel();
    const written = await encodeKerasFile(model, { warn: () => undefined });
    const keep = process.env['SAVEDKERAS_WRITE_DIR'];
    if (keep) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, 'hard-sigmoid.keras'), written);
    }
    const again = (await loadKerasFile(written, { warn: () => undefined, compile: false })).model;
    for (const c of expected.cases) {
      const x = toTensor(c.inputs['seq']!);
      const want = model.predict(x) as tf.Tensor;
      const got = again.predict(x) as tf.Tensor;
      const mine = Array.from((await want.data()) as Float32Array);
      // Keras 3 on the written file (scripts/check_hard_sigmoid.py) against the JS model itself.
      expect(relError(mine, flat(c.outputs['out']!))).toBeLessThanOrEqual(1e-5);
      expect(relError((await got.data()) as Float32Array, mine)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, want, got]);
    }
    model.dispose();
    again.dispose();
  });

  it('writes Keras 3 hard_sigmoid with the pre-activation weights times 1.2 (LSTM gates i, f, o; GRU z, r)', async () => {
    const model = hardSigmoidModel();
    const written = await encodeKerasFile(model, { warn: () => undefined });
    const files = unzipSync(written);
    const config = JSON.stringify(JSON.parse(new TextDecoder().decode(files['config.json'])));
    expect(config.match(/"(recurrent_)?activation":"hard_sigmoid"/g)).toHaveLength(3); // lstm, the bidirectional gru (one config for both directions), gate
    const { model: again } = await loadKerasFile(written, { warn: () => undefined, compile: false });
    const kernel = async (m: tfl.LayersModel, layer: string, i: number) => Array.from((await m.getLayer(layer).weights[i]!.read().data()) as Float32Array);
    const [orig, scaled] = [await kernel(model, 'gate', 0), await kernel(again, 'gate', 0)];
    scaled.forEach((v, i) => expect(v).toBeCloseTo(orig[i]! * 1.2, 6));
    const units = 4;
    const [lo, ls] = [await kernel(model, 'lstm', 0), await kernel(again, 'lstm', 0)];
    ls.forEach((v, i) => {
      const gate = Math.floor((i % (4 * units)) / units);
      expect(v).toBeCloseTo(gate === 2 ? lo[i]! : lo[i]! * 1.2, 6);
    });
    model.dispose();
    again.dispose();
  });

  it('refuses a hard_sigmoid no Keras 3 activation equals (an Activation layer), naming the layer', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] }), tfl.layers.activation({ activation: 'hardSigmoid', name: 'hs' })] });
    await expect(encodeKerasFile(model)).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringMatching(/layer hs \(Activation\) uses tfjs' hard_sigmoid/) });
    model.dispose();
  });
});

describe('activity regularizers', () => {
  it('are kept through load and write (tfjs cannot apply them; Keras gets them back)', async () => {
    // seq-mlp's twin made by Keras is not regularized; build one from the Keras 3 config of the generated file.
    const src = unzipSync(bytes('seq-mlp.keras'));
    const cfg = JSON.parse(new TextDecoder().decode(src['config.json'])) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const dense = cfg.config.layers.find((l) => l.class_name === 'Dense')!;
    const reg = { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.03 }, registered_name: null };
    dense.config['activity_regularizer'] = reg;
    const { zipSync } = await import('fflate');
    const file = zipSync({ ...src, 'config.json': new TextEncoder().encode(JSON.stringify(cfg)) });
    const warnings: string[] = [];
    const { model } = await loadKerasFile(file, { warn: (m) => warnings.push(m), compile: false });
    expect(warnings.join('\n')).toMatch(/activity_regularizer not applied/);
    const written = unzipSync(await encodeKerasFile(model));
    const back = JSON.parse(new TextDecoder().decode(written['config.json'])) as typeof cfg;
    const entry = back.config.layers.find((l) => l.config['name'] === dense.config['name'])!;
    expect(entry.config['activity_regularizer']).toMatchObject({ class_name: 'L2', config: { l2: 0.03 } });
    model.dispose();
  });
});
