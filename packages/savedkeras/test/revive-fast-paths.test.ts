import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveKerasObject } from '@savedkeras/layers';
import { builtinClassName, metadataBuiltinClassName, reviveKerasModel } from '@savedkeras/revive';
import { NodeFileSource } from '@savedkeras/backend-node';
import { openSavedModel } from '../src/index.js';
import { fixtureDir, fixtureKerasMetadata, haveFixtures } from './fixtures.js';

/**
 * Issue 15 item 2 (no fixed cost), the revive side: each cheaper form of a per-layer step gives what the
 * plain form gives, held against the plain form (kept as the reference) on every real fixture and on
 * edge cases:
 * - the search for builtin class names over a load's metadata, each layer config shared with its
 *   network's config searched once = builtinClassName of each metadata on its own;
 * - a class name looked up as one string = the same name as a list;
 * - only lookup layers wait for a vocabulary restore: `afterRestore` still sees every layer revived from
 *   its config, and a TextVectorization still gets its saved vocabulary.
 */

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Md = Record<string, unknown>;

/** Layer metadata as the checkpoint route makes it from the model config: the very config objects of the root's metadata. */
function fromModelConfig(root: Md): Md[] {
  const config = root['config'] as Md | undefined;
  const layers = Array.isArray(config?.['layers']) ? (config!['layers'] as Md[]) : [];
  return layers
    .filter((e) => e && typeof e === 'object' && e['config'] && typeof e['config'] === 'object')
    .map((e) => {
      const cfg = e['config'] as Md;
      const md: Md = { name: cfg['name'], class_name: e['class_name'], config: cfg };
      if (typeof cfg['trainable'] === 'boolean') md['trainable'] = cfg['trainable'];
      if (cfg['dtype'] !== undefined) md['dtype'] = cfg['dtype'];
      return md;
    });
}

/** Each metadata searched in order with one shared set gives what builtinClassName gives it alone. */
function expectSameSearch(metadata: Md[]): void {
  const searched = new Set<object>();
  for (const md of metadata) expect(metadataBuiltinClassName(md, searched)).toBe(builtinClassName(md));
}

/** `{ config: <inner> }` nested `levels` objects deep. */
function nest(inner: unknown, levels: number): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = { wrap: v };
  return v;
}

describe('builtin class names: each shared layer config searched once = every metadata searched alone', () => {
  it('every keras_metadata.pb of the real fixtures (whole file, and the model-config route)', () => {
    let nodes = 0;
    const fixtures = fixtureKerasMetadata('keras_metadata.pb');
    if (fixtures === undefined) return;
    for (const { nodes: all } of fixtures) {
      const parsed = all as Md[];
      expectSameSearch(parsed);
      expectSameSearch([parsed[0]!, ...fromModelConfig(parsed[0]!)]);
      nodes += parsed.length;
    }
    expect(nodes).toBeGreaterThan(500);
  });

  const layer = (cfg: Md, extra: Md = {}) => ({ class_name: 'Dense', config: cfg, ...extra });
  const root = (...entries: Md[]): Md => ({ class_name: 'Functional', config: { name: 'm', layers: entries } });

  it('a builtin name inside a shared layer config: found at the network and at the layer', () => {
    const bad = { name: 'd', kernel_initializer: { class_name: 'constructor', config: {} } };
    const r = root(layer({ name: 'a' }), layer(bad));
    expectSameSearch([r, ...fromModelConfig(r)]);
    expect(metadataBuiltinClassName(fromModelConfig(r)[1]!, new Set())).toBe('constructor');
  });

  it("a builtin name in a layer's own field next to a searched config", () => {
    const r = root(layer({ name: 'a' }));
    const [md] = fromModelConfig(r);
    md!['dtype'] = { class_name: 'toString', config: { name: 'float32' } };
    md!['extra'] = [{ class_name: 'hasOwnProperty' }];
    const searched = new Set<object>();
    expect(metadataBuiltinClassName(r, searched)).toBeUndefined();
    expect(searched.has(md!['config'] as object)).toBe(true);
    expect(metadataBuiltinClassName(md!, searched)).toBe('toString');
    expect(builtinClassName(md!)).toBe('toString');
  });

  it('a config the network search cut off at depth 200 is searched again from the layer', () => {
    // From the root the bad name sits at depth 4 + 197 = 201 (past the cut-off); from the layer at 1 + 197 = 198.
    const deep = { name: 'deep', inner: nest({ class_name: '__proto__' }, 196) };
    const r = root(layer(deep));
    expect(builtinClassName(r)).toBeUndefined();
    const searched = new Set<object>();
    expect(metadataBuiltinClassName(r, searched)).toBeUndefined();
    expect(searched.has(deep)).toBe(false);
    const [md] = fromModelConfig(r);
    expect(builtinClassName(md!)).toBe('__proto__');
    expect(metadataBuiltinClassName(md!, searched)).toBe('__proto__');
  });

  it('nested networks: their layer configs count as searched once the outer config was', () => {
    const innerLayer = layer({ name: 'in', bias_initializer: { class_name: 'Zeros', config: {} } });
    const inner = { class_name: 'Functional', config: { name: 'inner', layers: [innerLayer] } };
    const r = root(inner as Md, layer({ name: 'out' }));
    const searched = new Set<object>();
    expect(metadataBuiltinClassName(r, searched)).toBeUndefined();
    const innerMd = fromModelConfig(r)[0]!;
    expect(metadataBuiltinClassName(innerMd, searched)).toBeUndefined();
    expect(searched.has(innerLayer.config)).toBe(true);
    expectSameSearch([r, innerMd, ...fromModelConfig(innerMd), ...fromModelConfig(r)]);
  });
});

describe('a class name looked up as one string = as a list', () => {
  class Mine extends tf.serialization.Serializable {
    static className = 'Mine';
    getConfig() {
      return {};
    }
  }
  const names = ['Dense', 'LSTM', 'Custom>Dense', 'pkg>Mine', 'Mine', '', 'NoSuchLayer', 'constructor', '__proto__', 'toString', '>'];
  for (const custom of [undefined, { Mine }, { 'pkg>Mine': Mine }]) {
    it(`customObjects ${custom ? Object.keys(custom).join(',') : 'none'}`, () => {
      for (const n of names) {
        const one = resolveKerasObject('layer', n, custom);
        const list = resolveKerasObject('layer', [n], custom);
        expect(one?.value).toBe(list?.value);
        expect(one?.origin).toBe(list?.origin);
        expect(one?.name).toBe(list?.name);
      }
    });
  }
});

describe('vocabulary restore only for lookup layers', () => {
  it('afterRestore sees every layer revived from its config; TextVectorization keeps its saved vocabulary', async () => {
    if (!haveFixtures('textvectorization-embedding-tf212')) return;
    const opened = await openSavedModel(new NodeFileSource(fixtureDir('textvectorization-embedding-tf212')));
    const seen: string[] = [];
    const { model, report } = await reviveKerasModel(opened.graph, opened.checkpoint!, {
      warn: () => {},
      afterRestore: (layer) => void seen.push(layer.name),
    });
    try {
      // Every layer revived from a config (no network, no input) is a weight owner: afterRestore saw each once.
      const leaves = report.objects.filter((o) => o.how !== 'network' && o.how !== 'savedFunctions').length;
      expect(seen.length).toBe(leaves);
      expect(new Set(seen).size).toBe(seen.length);
      const tv = model.layers.find((l) => l.getClassName() === 'TextVectorization') as unknown as { vocabularySize(): number } | undefined;
      expect(tv).toBeDefined();
      expect(tv!.vocabularySize()).toBeGreaterThan(2);
    } finally {
      model.dispose();
    }
  });
});
