// Real-data checks of the op layer on the 55 fixture SavedModels: every node's attrs read back
// through makeAttrs with the types our OpDef table declares, and every Const node decodes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSavedModel, type NodeDef } from '@savedkeras/proto';
import { getKernel, getOpDef, makeAttrs } from '../src/ops/index.js';
import { context, tf } from './ops-helpers.js';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';

const fixtures = fixturesPath();
const haveFixtures = requireFixtures('op layer on the fixture graphs');

function allNodes(): { slug: string; node: NodeDef }[] {
  const out: { slug: string; node: NodeDef }[] = [];
  for (const slug of fs.readdirSync(fixtures).sort()) {
    const file = path.join(fixtures, slug, 'saved_model.pb');
    if (!fs.existsSync(file)) continue;
    const sm = decodeSavedModel(new Uint8Array(fs.readFileSync(file)), file);
    for (const mg of sm.metaGraphs) {
      for (const node of mg.graphDef?.node ?? []) out.push({ slug, node });
      for (const fn of mg.graphDef?.library?.function ?? []) for (const node of fn.nodeDef) out.push({ slug, node });
    }
  }
  return out;
}

describe.skipIf(!haveFixtures)('op layer on the fixture graphs', () => {
  const nodes = haveFixtures ? allNodes() : [];

  it('reads every attr of every node with the type our OpDef declares', () => {
    expect(nodes.length).toBeGreaterThan(50_000);
    const problems = new Set<string>();
    let checked = 0;
    for (const { slug, node } of nodes) {
      const def = getOpDef(node.op);
      if (!def) continue;
      const a = makeAttrs(node.attr, def, node.name);
      for (const ad of def.attr) {
        if (!a.has(ad.name)) {
          problems.add(`${slug}: ${node.op}.${ad.name} missing with no default`);
          continue;
        }
        try {
          switch (ad.type) {
            case 'int': a.int(ad.name); break;
            case 'float': a.float(ad.name); break;
            case 'bool': a.bool(ad.name); break;
            case 'string': a.str(ad.name); break;
            case 'type': a.dtype(ad.name); break;
            case 'shape': a.shape(ad.name); break;
            case 'func': if (a.func(ad.name) === undefined) throw new Error('no function name'); break;
            case 'list(int)': a.ints(ad.name); break;
            case 'list(type)': a.types(ad.name); break;
            case 'list(string)': a.strs(ad.name); break;
            case 'list(float)': a.floats(ad.name); break;
            default: a.raw(ad.name);
          }
          checked++;
        } catch (e) {
          problems.add(`${slug}: ${node.op}.${ad.name} (${ad.type}): ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    expect([...problems]).toEqual([]);
    expect(checked).toBeGreaterThan(100_000);
  });

  it('decodes every Const node into a tensor of the declared shape', () => {
    const kernel = getKernel('Const')!;
    let count = 0;
    for (const { slug, node } of nodes) {
      if (node.op !== 'Const') continue;
      const t = kernel([], makeAttrs(node.attr, getOpDef('Const'), node.name), context('Const'))[0] as tf.Tensor;
      const dims = (node.attr.value?.tensor?.tensorShape?.dim ?? []).map((d) => Number(d.size));
      if (t.shape.join(',') !== dims.join(',')) throw new Error(`${slug}/${node.name}: shape [${t.shape}] != [${dims}]`);
      t.dispose();
      count++;
    }
    expect(count).toBeGreaterThan(20_000);
  });
});
