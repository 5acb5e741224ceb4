import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseKerasJson } from '@savedkeras/object-graph';
import { decodeAndNormalize, decodeAndNormalizeNetwork, decodeJsonUtils, normalizeConfig } from '@savedkeras/revive';
import { editKerasJson, memorySource, writeKerasSavedModel, type SequentialSpec } from '@savedkeras/testing';
import { isSavedKerasError, loadKerasModelWithReport } from '../src/index.js';
import { fixtureKerasMetadata } from './fixtures.js';

/**
 * Issue 15 item 2 (no fixed cost): the load path's cheaper forms must give exactly what the plain
 * forms gave. Each fast path is held against an independent or reference computation:
 * - one walk that decodes json_utils and normalizes a config = decodeJsonUtils then normalizeConfig
 *   (both still used by the .keras/.h5 path), on every config of the real fixtures and on edge cases;
 * - the nesting-depth bound of Keras JSON (string literals jumped over natively) = the depth of the
 *   value JSON.parse builds;
 * - a long Sequential, whose inner model tfjs now builds on first use as tf.loadLayersModel leaves it,
 *   predicts what a float64 forward pass of the spec's own weights gives, and a layer name used twice
 *   is still refused at load.
 */

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const plain = (v: unknown) => normalizeConfig(decodeJsonUtils(v));

/** Same own keys in the same order, same prototypes, same values (vitest's equality trips on own `__proto__` keys). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.getOwnPropertyNames(a);
  const kb = Object.getOwnPropertyNames(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe('decodeAndNormalize = normalizeConfig(decodeJsonUtils(v))', () => {
  const cases: [string, unknown][] = [
    ['tuples and TensorShape', { kernel_size: { class_name: '__tuple__', items: [3, { class_name: '__tuple__', items: [1, 2] }] }, shape: { class_name: 'TensorShape', items: [null, 4] }, bad: { class_name: 'TensorShape', items: 5 } }],
    ['ellipsis and bytes', { a: { class_name: '__ellipsis__' }, b: { class_name: '__bytes__', value: 'xyz' }, c: { class_name: '__bytes__', value: 3 } }],
    ['dtype policies', { dtype: { class_name: 'Policy', config: { name: 'mixed_float16' } }, inner: { dtype: 'float64' }, i: { dtype: 'int64' }, p: { dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'bfloat16' } } } }],
    ['batch_shape', { batch_shape: { class_name: '__tuple__', items: [null, 3] }, nested: { batch_shape: [null, 2], batch_input_shape: [null, 5] } }],
    ['dropped keys and class names', { module: 'keras.layers', registered_name: 'x', build_config: { a: 1 }, compile_config: {}, shared_object_id: 3, class_name: 'Custom>MyLayer', reg: { class_name: 'l1_l2', config: { l1: 0.1 } }, k: { class_name: 7 } }],
    ['own keys', JSON.parse('{"__proto__": {"x": 1}, "constructor": [1, {"__proto__": 2}], "toString": null}')],
    ['scalars and arrays', [1, 'a', null, true, [[{ class_name: '__tuple__', items: [] }]]]],
    ['depth beyond 200', (() => {
      let v: unknown = { leaf: 1 };
      for (let i = 0; i < 210; i++) v = i % 2 ? { a: v } : [v];
      return v;
    })()],
  ];
  for (const [name, v] of cases) {
    it(name, () => {
      expect(sameValue(decodeAndNormalize(v), plain(v))).toBe(true);
      expect(JSON.stringify(decodeAndNormalize(v))).toBe(JSON.stringify(plain(v)));
    });
  }

  it('network configs: every layer entry reads as the plain form, key order included', () => {
    const net = {
      name: 'model',
      layers: [
        { class_name: 'InputLayer', name: 'x', config: { batch_shape: { class_name: '__tuple__', items: [null, 4] }, dtype: 'float64', name: 'x' }, inbound_nodes: [] },
        { module: 'keras.layers', class_name: 'Custom>Dense', config: { name: 'd', units: 3, dtype: { class_name: 'Policy', config: { name: 'float32' } } }, name: 'd', inbound_nodes: [[['x', 0, 0, {}]]] },
        { class_name: '__tuple__', items: [1, 2] },
        { class_name: 'Dense', name: 'no_config' },
        'not an object',
      ],
      input_layers: { class_name: '__tuple__', items: [['x', 0, 0]] },
      output_layers: [['d', 0, 0]],
    };
    const lazy = decodeAndNormalizeNetwork(net);
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(plain(net)));
    expect(sameValue(lazy, plain(net))).toBe(true);
    // Written before read (a caller may replace a config): the written value stays.
    const again = decodeAndNormalizeNetwork(net) as { layers: { config: unknown }[] };
    again.layers[1]!.config = { replaced: true };
    expect(again.layers[1]!.config).toEqual({ replaced: true });
  });

  it('every keras_metadata.pb config of the real fixtures', () => {
    let configs = 0;
    const fixtures = fixtureKerasMetadata('keras_metadata.pb configs');
    if (fixtures === undefined) return;
    for (const { nodes } of fixtures) {
      for (const node of nodes) {
        const md = node as { config?: unknown };
        if (md?.config === undefined) continue;
        expect(sameValue(decodeAndNormalize(md.config), plain(md.config))).toBe(true);
        expect(JSON.stringify(decodeAndNormalizeNetwork(md.config))).toBe(JSON.stringify(plain(md.config)));
        configs++;
      }
    }
    expect(configs).toBeGreaterThan(500);
  });
});

describe('Keras JSON nesting bound', () => {
  /** Depth of a parsed value: the reference the text scan must agree with. */
  const depthOf = (v: unknown): number => (v && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0);
  const tricky = ['a', '[{', '\\"[', '\\\\', '\\\\\\"{{', '}]\\"', 'q\\\\\\\\', '\\u005b', '\\n]'];

  /** Random JSON text with strings full of brackets, escaped quotes and escaped backslashes. */
  function randomText(seed: number): string {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const str = () => `"${tricky[Math.floor(rnd() * tricky.length)]}${tricky[Math.floor(rnd() * tricky.length)]}"`;
    const value = (d: number): string => {
      const r = rnd();
      if (d > 12 || r < 0.3) return r < 0.15 ? str() : String(Math.floor(r * 100));
      const n = Math.floor(rnd() * 3);
      const items = Array.from({ length: n }, () => value(d + 1));
      return rnd() < 0.5 ? `[${items.join(',')}]` : `{${items.map((x) => `${str()}:${x}`).join(',')}}`;
    };
    return value(0);
  }

  it('agrees with the depth of the parsed value (limit met vs exceeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomText(seed);
      const depth = depthOf(JSON.parse(text));
      expect(() => parseKerasJson(text, {}, 1e6, depth)).not.toThrow();
      if (depth > 0) {
        let err: unknown;
        try {
          parseKerasJson(text, { file: 'keras_metadata.pb' }, 1e6, depth - 1);
        } catch (e) {
          err = e;
        }
        expect(isSavedKerasError(err) && err.code).toBe('LIMIT');
        expect((err as Error).message).toContain(`nests ${depth} levels deep`);
      }
    }
  });

  it('an unterminated string is left to JSON.parse (FORMAT, not a hang)', () => {
    let err: unknown;
    try {
      parseKerasJson('{"a": [1, "b\\"]]}', { file: 'keras_metadata.pb' }, 1e6, 100);
    } catch (e) {
      err = e;
    }
    expect(isSavedKerasError(err) && err.code).toBe('FORMAT');
  });
});

describe('a long Sequential', () => {
  const LAYERS = 40;
  const weights = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 3.1 + i * 0.7) * 0.6);
  const spec: SequentialSpec = {
    kind: 'Sequential',
    name: 'long_chain',
    input: { shape: [3] },
    layers: Array.from({ length: LAYERS }, (_, i) => ({ className: 'Dense' as const, name: `d${i}`, units: 3, activation: 'tanh' as const, kernel: weights(9, 2 * i + 1), bias: weights(3, 2 * i + 2) })),
    seed: 7,
  };

  /** Float64 forward pass of the spec's own values. */
  const reference = (x: number[]) =>
    spec.layers.reduce((v, l) => {
      const d = l as { kernel: Float32Array; bias: Float32Array };
      return [0, 1, 2].map((u) => Math.tanh(d.bias[u]! + v.reduce((s, vi, i) => s + vi * d.kernel[i * 3 + u]!, 0)));
    }, x);

  it('predicts the float64 reference, each layer with its own weights, on both routes', async () => {
    const files = writeKerasSavedModel(spec);
    const x = [
      [0.5, -1, 2],
      [-0.3, 0.8, -1.5],
    ];
    for (const opts of [{}, { tags: ['serve'] }]) {
      const { model, report } = await loadKerasModelWithReport(memorySource(files), { warn: () => {}, ...opts });
      expect(report.route).toBe(opts.tags ? 'savedModel' : 'checkpoint');
      expect(model.layers.map((l) => l.name)).toEqual(['d0_input', ...spec.layers.map((l) => l.name)]);
      const y = (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][];
      x.forEach((row, r) => reference(row).forEach((v, u) => expect(y[r]![u]).toBeCloseTo(v, 5)));
      model.dispose();
    }
  });

  it('a layer name used twice is refused at load (FORMAT), before any predict', async () => {
    // Renamed in the layer's own node and in the model config's layer list (a load may read either).
    const files = editKerasJson(writeKerasSavedModel(spec), (json) => {
      const cfg = json['config'] as Record<string, unknown> | undefined;
      const entry = Array.isArray(cfg?.['layers']) ? (cfg['layers'] as { config?: Record<string, unknown> }[]).find((l) => l.config?.['name'] === 'd7') : undefined;
      if (entry) {
        entry.config!['name'] = 'd3';
        return true;
      }
      if (json['class_name'] === 'Dense' && cfg?.['name'] === 'd7') {
        json['name'] = 'd3';
        cfg['name'] = 'd3';
        return true;
      }
      return false;
    });
    let err: unknown;
    try {
      await loadKerasModelWithReport(memorySource(files), { warn: () => {} });
    } catch (e) {
      err = e;
    }
    expect(isSavedKerasError(err) && err.code).toBe('FORMAT');
    expect((err as Error).message).toContain('The name "d3" is used 2 times in the model');
  });
});
