import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, memorySource, writeKerasSavedModel } from '@savedkeras/testing';
import { loadKerasModelWithReport } from 'savedkeras';
import { summarize } from '../src/summary/report.js';

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
