import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
// The facade comes from its sources by path: @savedkeras/testing cannot depend on it (its tests depend on testing).
import * as facade from '../../savedkeras/src/index.js';
import { EXAMPLES, writeKerasSavedModel } from '@savedkeras/savedmodel-writer';
import { checksumsVerify, fixChecksum, h5Edit, lookup3, parseH5 } from '../src/hostile/h5-grammar.js';
import { Prng } from '../src/fuzz/prng.js';
import { judgeStructural, runStructuralCase, structuralCase, type StructuralFacade, type StructuralTf } from '../src/fuzz/structural.js';

// The .h5 grammar of the structural fuzzer: model.weights.h5 of the writer's .keras walked as the
// HDF5 spec lays it out, one field set to a hostile value, the checksum of its block recomputed.

describe('the .h5 grammar', () => {
  let weights: Uint8Array;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const model = await facade.loadKerasModel(new facade.MemorySource(writeKerasSavedModel(EXAMPLES['mlp']!.spec()), 'mlp'), { compile: false, warn: () => {} });
    weights = unzipSync(await facade.encodeKerasFile(model as never, { warn: () => {} }))['model.weights.h5']!;
    model.dispose();
  });

  it('lookup3 is Jenkins’ hashlittle (his driver’s published values)', () => {
    // lookup3.c driver5: hashlittle("", 0, 0) = 0xdeadbeef; "Four score and seven years ago" with 0 = 0x17770551, with 1 = 0xcd628161.
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    const text = new TextEncoder().encode('Four score and seven years ago');
    expect(lookup3(text, 0)).toBe(0x17770551);
    expect(lookup3(text, 1)).toBe(0xcd628161);
  });

  it('walks every object header of the writer’s file, and HDF5’s own checksums verify with lookup3', () => {
    const layout = parseH5(weights);
    // root, layers, vars, 2 layer groups, their vars groups, 4 datasets: as h5py lists the file.
    expect(layout.headers.length).toBe(11);
    expect(layout.messages.filter((m) => m.type === 0x08)).toHaveLength(4); // 4 data layouts
    expect(checksumsVerify(weights, layout)).toBe(true);
    // A flipped byte inside a header no longer verifies; recomputing its block's checksum makes it verify again.
    const m = layout.messages.find((x) => x.type === 0x01)!;
    const b = weights.slice();
    b[m.data + 4] ^= 1;
    expect(checksumsVerify(b, layout)).toBe(false);
    fixChecksum(b, m.block);
    expect(checksumsVerify(b, layout)).toBe(true);
  });

  it('every edit is deterministic from (seed, index) and keeps the checksums of the blocks it edits valid', () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const e = h5Edit(new Prng(7, i, 1), weights);
      expect(h5Edit(new Prng(7, i, 1), weights).what).toBe(e.what);
      kinds.add(e.what.split(/ (?:of|in|at|=|->|declares)\b/)[0]!);
      const edited = e.apply(weights);
      expect(edited.length).toBe(weights.length);
      // Where the edited file still walks (links and continuations may now point anywhere), its checksums verify.
      let layout;
      try {
        layout = parseH5(edited);
      } catch {
        continue;
      }
      if (!/global heap/.test(e.what)) expect(checksumsVerify(edited, layout), e.what).toBe(true);
    }
    for (const k of ['.h5 dataspace dimension', '.h5 data address', '.h5 data size', '.h5 link', '.h5 continuation', '.h5 message', '.h5 datatype', '.h5 superblock', '.h5 global heap', '.h5 attribute']) {
      expect([...kinds].some((w) => w.startsWith(k)), `${k} among ${[...kinds].join('; ')}`).toBe(true);
    }
  });

  it('30 .h5 cases load in process to a typed error or an answer, leaving no tensor', { timeout: 600_000 }, async () => {
    const sk = facade as unknown as StructuralFacade;
    const cases = [];
    for (let i = 0; cases.length < 30 && i < 2000; i++) {
      const c = structuralCase(20261205, i);
      if (c.kerasFile?.h5) cases.push(c);
    }
    expect(cases).toHaveLength(30);
    const outcomes: Record<string, number> = {};
    for (const c of cases) {
      const out = await runStructuralCase(sk, tf as unknown as StructuralTf, c);
      outcomes[out.kind === 'typed' ? out.code! : out.kind] = (outcomes[out.kind === 'typed' ? out.code! : out.kind] ?? 0) + 1;
      expect(judgeStructural(c, out), `${c.index}: ${c.what}: ${out.message ?? ''}`).toBeUndefined();
    }
    console.log(`.h5 cases of seed 20261205: ${JSON.stringify(outcomes)}`);
    expect(outcomes['FORMAT'] ?? 0, JSON.stringify(outcomes)).toBeGreaterThan(3);
  });
});
