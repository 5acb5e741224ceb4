import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, fixtureDir, memorySource, requireFixtures, writeKerasSavedModel } from '@savedkeras/testing';
import { loadKerasModelWithReport } from 'savedkeras';
import { summarize } from '../src/summary/report.js';
import { renderSummary } from '../src/summary/render.js';

const id = (t: string) => t;
const plain = { bold: id, dim: id, yellow: id, red: id, green: id, cyan: id } as unknown as Parameters<typeof renderSummary>[1];

/** The example MLP (4 -> Dense 8 -> Dense 3) with its Dense class renamed to one nobody registered, call functions not saved. */
function unknownClassMlp(): Map<string, Uint8Array> {
  const files = writeKerasSavedModel(EXAMPLES.mlp.spec(), { withFunctions: false });
  const text = Buffer.from(files.get('keras_metadata.pb')!).toString('latin1').replaceAll('"class_name": "Dense"', '"class_name": "Dxnse"');
  const patched = new Map(files);
  patched.set('keras_metadata.pb', Uint8Array.from(Buffer.from(text, 'latin1')));
  return patched;
}

describe('summary of layers revived from saved functions', () => {
  it('counts the parameters their checkpoint holds, though no call reads them', async () => {
    const loaded = await loadKerasModelWithReport(memorySource(unknownClassMlp()), { compile: false, warn: () => {} });
    expect(loaded.report.fromSavedFunctions).toBe(2);
    const s = summarize(loaded, 'cpu');
    const rows = s.layers.map((l) => [l.name, l.className, l.params, l.revived]);
    // Dense(8) on 4 inputs: 4*8 + 8; Dense(3) on 8: 8*3 + 3 (the spec's shapes, as Keras counts them).
    expect(rows).toEqual([
      ['dense', 'Dxnse', 40, 'savedFunctions'],
      ['dense_1', 'Dxnse', 27, 'savedFunctions'],
    ]);
    expect(s.totals).toEqual({ total: 67, trainable: 67, nonTrainable: 0 });
    loaded.model.dispose();
  });
});

describe.skipIf(!requireFixtures('summary dtypes'))('summary reports dtypes as saved', () => {
  it('legacy-tf24-intlookup-18-inputs: int64 inputs, computed as int32', async () => {
    const { NodeFileSource } = await import('@savedkeras/backend-node');
    const loaded = await loadKerasModelWithReport(new NodeFileSource(fixtureDir('legacy-tf24-intlookup-18-inputs')), { compile: false, warn: () => {} });
    const s = summarize(loaded, 'cpu');
    // The serving signature declares day_of_week and hour int64, the rest float32 (fixture manifest).
    expect(s.inputs.find((i) => i.name === 'day_of_week')).toMatchObject({ dtype: 'int64', jsDtype: 'int32' });
    expect(s.inputs.find((i) => i.name === 'a0')).toMatchObject({ dtype: 'float32', jsDtype: 'float32' });
    expect(renderSummary(s, plain)).toContain('day_of_week int64 (int32 in JS) [None, 1]');
    loaded.model.dispose();
  });
});
