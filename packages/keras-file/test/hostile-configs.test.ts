import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { SavedKerasError } from '@savedkeras/common';
import { registerAllLayers } from '@savedkeras/layers';
import { decodeJsonUtils, normalizeConfig, pythonicToTs } from '@savedkeras/revive';
import { encodeKerasFile, keras3ToKeras2, loadKerasFile } from '../src/index.js';

// Structurally valid .keras / .h5 files whose config asks for what no stored byte backs: huge
// weights (tfjs-layers allocates zero-filled weights while connecting the network, before a value
// is read), huge layer outputs, huge lookup settings, vocabulary files outside the model. Each must
// end in a typed SavedKerasError before the memory exists, or give Keras' answer.
type Json = Record<string, unknown>;
const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** A Dense 5 -> 8 -> 3 model written by the project's writer. */
async function baseKeras(): Promise<Uint8Array> {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [5], units: 8, activation: 'relu', name: 'hidden' }), tfl.layers.dense({ units: 3, name: 'probs' })] });
  const bytes = await encodeKerasFile(model, { warn: () => undefined });
  model.dispose();
  return bytes;
}

/** The same zip with config.json edited (entries stored, as Keras writes them). */
function withConfig(zip: Uint8Array, edit: (config: Json) => void): Uint8Array {
  const files = unzipSync(zip);
  const config = JSON.parse(strFromU8(files['config.json']!)) as Json;
  edit(config);
  files['config.json'] = strToU8(JSON.stringify(config));
  return zipSync(files, { level: 0 });
}

const layersOf = (c: Json) => (c['config'] as { layers: Json[] }).layers;
const layer = (className: string, config: Json) => ({ module: 'keras.layers', class_name: className, config: { trainable: true, dtype: 'float32', ...config }, registered_name: null });
const input = (shape: (number | null)[], dtype = 'float32') => ({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape, dtype, sparse: false, name: 'x' }, registered_name: null });

async function loadError(bytes: Uint8Array, options: Parameters<typeof loadKerasFile>[1] = {}): Promise<SavedKerasError> {
  const before = tf.memory().numTensors;
  const e = await loadKerasFile(bytes, { fileName: 'hostile.keras', warn: () => undefined, compile: false, ...options }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'a SavedKerasError').toBeInstanceOf(SavedKerasError);
  expect(tf.memory().numTensors, 'tensors left by the failed load').toBe(before);
  return e as SavedKerasError;
}

describe('hostile Keras configs', () => {
  let base: Uint8Array;
  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
    base = await baseKeras();
  });

  it('a Dense with 10^6 units over a 5x8 kernel is refused before its weight is made', async () => {
    const e = await loadError(withConfig(base, (c) => ((layersOf(c)[1]!['config'] as Json)['units'] = 1_000_000)));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/hostile\.keras: config\.json.*weight kernel of shape \[5, 1000000\].*larger than any dataset of the weights file \(40 elements\)/);
  });

  it('an input of 10^9 features (a 10^9 x 8 kernel) is refused before its weight is made', async () => {
    const e = await loadError(withConfig(base, (c) => ((layersOf(c)[0]!['config'] as Json)['batch_shape'] = [null, 1e9])));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/\[1000000000, 8\]/);
  });

  it('many weights each below the per-weight bound but beyond what the file holds in total are refused', async () => {
    const dense = (i: number) => layer('Dense', { name: `d${i}`, units: 1000, activation: 'linear', use_bias: false });
    const e = await loadError(withConfig(base, (c) => layersOf(c).splice(2, 0, dense(0), dense(1), dense(2))));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/weight kernel of shape \[1000, 1000\].*past the 75 elements the weights file holds/);
  });

  it('a zip without weights allows no big weight either', async () => {
    const files = unzipSync(withConfig(base, (c) => ((layersOf(c)[1]!['config'] as Json)['units'] = 1_000_000)));
    delete files['model.weights.h5'];
    const e = await loadError(zipSync(files, { level: 0 }));
    expect(e.message).toMatch(/larger than any dataset of the weights file \(0 elements\)/);
  });

  it('a RepeatVector whose output would hold 5 x 10^8 values per sample is a LIMIT at load', async () => {
    const e = await loadError(withConfig(base, (c) => layersOf(c).push(layer('RepeatVector', { name: 'rv', n: 1e8 }))));
    expect(e.code).toBe('LIMIT');
    expect(e.message).toMatch(/hostile\.keras: config\.json.*rv.*\[None, 100000000, 3\].*maxComputedTensorElements/);
  });

  it('a Reshape whose target does not hold its input is FORMAT at load (tfjs-layers would fail only at predict)', async () => {
    const e = await loadError(withConfig(base, (c) => layersOf(c).push(layer('Reshape', { name: 'rs', target_shape: [7] }))));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/rs: Reshape of 3 values per sample to \[7\]/);
    const ok = withConfig(base, (c) => layersOf(c).push(layer('Reshape', { name: 'rs', target_shape: [-1, 1] })));
    const { model } = await loadKerasFile(ok, { warn: () => undefined, compile: false });
    expect(model.outputs[0]!.shape).toEqual([null, null, 1]); // tfjs leaves -1 unknown symbolically: not refused
    model.dispose();
  });

  it('layer outputs are held to limits.maxComputedTensorElements', async () => {
    const bytes = withConfig(base, (c) => layersOf(c).push(layer('RepeatVector', { name: 'rv', n: 400 })));
    const e = await loadError(bytes, { limits: { maxComputedTensorElements: 1000 } });
    expect(e.code).toBe('LIMIT');
    const { model } = await loadKerasFile(bytes, { warn: () => undefined, compile: false });
    expect(model.outputs[0]!.shape).toEqual([null, 400, 3]);
    model.dispose();
  });

  it('an IntegerLookup with 10^8 OOV indices answers as Keras does, without a 10^8-entry table', async () => {
    // Keras: with num_oov_indices n > 1, vocabulary terms take indices n, n+1, ...; an OOV integer x takes x mod n.
    const files = unzipSync(base);
    files['config.json'] = strToU8(
      JSON.stringify({
        module: 'keras', class_name: 'Sequential', registered_name: null,
        config: { name: 'lookup', trainable: true, layers: [input([null, 1], 'int64'), layer('IntegerLookup', { name: 'il', num_oov_indices: 1e8, vocabulary: [1, 2], mask_token: null, oov_token: -1, output_mode: 'int', vocabulary_dtype: 'int64', max_tokens: null })] },
      }),
    );
    delete files['model.weights.h5'];
    const { model } = await loadKerasFile(zipSync(files, { level: 0 }), { warn: () => undefined, compile: false });
    const x = tf.tensor2d([[1], [2], [5], [123456789]], [4, 1], 'int32');
    const y = model.predict(x) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([1e8, 1e8 + 1, 5, 123456789 % 1e8]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('a vocabulary file path in a lookup config is never read: typed error naming it when called', async () => {
    for (const path of ['../../../../etc/passwd', '/etc/hostname']) {
      const files = unzipSync(base);
      files['config.json'] = strToU8(
        JSON.stringify({
          module: 'keras', class_name: 'Sequential', registered_name: null,
          config: { name: 'lookup', trainable: true, layers: [input([null, 1], 'string'), layer('StringLookup', { name: 'sl', vocabulary: path, num_oov_indices: 1, mask_token: null, oov_token: '[UNK]', output_mode: 'int', max_tokens: null })] },
        }),
      );
      delete files['model.weights.h5'];
      const { model } = await loadKerasFile(zipSync(files, { level: 0 }), { warn: () => undefined, compile: false });
      const x = tf.tensor2d([['root'], ['a']], [2, 1], 'string');
      const before = tf.memory().numTensors;
      let err: unknown;
      try {
        model.predict(x);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SavedKerasError);
      expect((err as SavedKerasError).code).toBe('UNSUPPORTED_FEATURE');
      expect((err as Error).message).toContain(JSON.stringify(path));
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    }
  });

  it('a zip whose model.weights.h5 is a folder is FORMAT', async () => {
    const files = unzipSync(base);
    const weights = files['model.weights.h5']!;
    delete files['model.weights.h5'];
    const e = await loadError(zipSync({ ...files, 'model.weights.h5/': new Uint8Array(0), 'model.weights.h5/0': weights }, { level: 0 }));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/no model\.weights\.h5/);
  });

  it('a legacy .h5 whose model_config asks for 10^8 units is refused before the weight is made', async () => {
    // model_config rewritten in place (the same byte length: compact JSON padded with spaces).
    const h5 = new Uint8Array(readFileSync(join(DATA, 'seq-mlp.h5')));
    const text = new TextDecoder('latin1').decode(h5);
    const start = text.indexOf('{"class_name": "Sequential"');
    let end = start;
    for (let depth = 0; ; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    const config = JSON.parse(text.slice(start, end + 1)) as Json;
    ((layersOf(config).find((l) => l['class_name'] === 'Dense')!['config']) as Json)['units'] = 1e8;
    const compact = JSON.stringify(config);
    expect(compact.length).toBeLessThanOrEqual(end + 1 - start);
    const edited = h5.slice();
    edited.set(strToU8(compact.padEnd(end + 1 - start, ' ')), start);
    const e = await loadError(edited, { fileName: 'hostile.h5' });
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/hostile\.h5: model_config.*\[5, 100000000\].*larger than any dataset/);
  });

  it('config keys __proto__ / constructor stay plain keys through every config rewrite (no prototype set, no Object members read)', () => {
    const parsed = () => JSON.parse('{"class_name": "constructor", "config": {"__proto__": {"units": 7}, "constructor": 1, "activation": "toString"}}') as Json;
    for (const [what, f] of [['keras3ToKeras2', keras3ToKeras2], ['normalizeConfig', normalizeConfig], ['decodeJsonUtils', decodeJsonUtils]] as const) {
      const out = (f as (v: unknown) => Json)(parsed());
      expect(out['class_name'], what).toBe('constructor');
      const cfg = out['config'] as Json;
      expect(Object.getPrototypeOf(cfg), what).toBe(Object.prototype);
      expect(cfg['units'], what).toBeUndefined();
      expect(Object.hasOwn(cfg, '__proto__'), what).toBe(true);
    }
    const ts = pythonicToTs(parsed() as never) as Json;
    expect(Object.getPrototypeOf(ts['config'])).toBe(Object.prototype);
    expect((ts['config'] as Json)['units']).toBeUndefined();
  });

  it('a .keras whose configs carry __proto__ keys predicts as the unedited file', async () => {
    const x = tf.tensor2d([[0.5, -1, 2, 0.25, 3], [1, 1, -2, 0, 0.5]]);
    const predict = async (bytes: Uint8Array) => {
      const { model } = await loadKerasFile(bytes, { warn: () => undefined, compile: false });
      const y = model.predict(x) as tf.Tensor;
      const v = Array.from(await y.data());
      tf.dispose(y);
      model.dispose();
      return v;
    };
    const edited = withConfig(base, (c) => {
      for (const l of layersOf(c)) {
        Object.defineProperty(l['config'], '__proto__', { value: { units: 1000, activation: 'softmax', use_bias: false, batch_input_shape: [null, 9] }, enumerable: true });
      }
    });
    expect(strFromU8(unzipSync(edited)['config.json']!)).toContain('"__proto__":{"units":1000');
    expect(await predict(edited)).toEqual(await predict(base));
    x.dispose();
  });
});
