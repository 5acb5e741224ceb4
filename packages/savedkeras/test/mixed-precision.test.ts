// A model Keras computes in float16 (the "mixed_float16" dtype policy) computes in float32 here: tfjs has no
// float16 arithmetic. The answers then match TensorFlow's float32 computation, not Keras' float16 one, so the
// load says so. Models and TensorFlow's numbers: mixed-precision/generate.py (TF 2.21, Keras 3.15).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@savedkeras/backend-node';
import { parseStoredJson, readTestBytes } from '@savedkeras/fixtures';
import { collectReducedPrecisionLayers, reducedPrecisionWarning } from '@savedkeras/revive';
import { EXAMPLES, memorySource, writeKerasSavedModel } from '@savedkeras/testing';
import { loadKerasModelWithReport, loadSavedModel } from '../src/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'mixed-precision');
interface Stored {
  dtype: string;
  shape: number[];
  values: number[];
}
const expected = parseStoredJson<{ tensorflow: string; keras: string; inputs: { series: Stored }; mixed_float16: Stored; mixed_float16_export: Stored; float32: Stored; serving_output: string }>(
  readFileSync(join(DIR, 'expected.json'), 'utf8'),
);

function maxAbsDiff(got: ArrayLike<number>, want: Stored): number {
  expect(got.length).toBe(want.values.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want.values[i]!));
  return m;
}

/** The .keras / .h5 Keras wrote (stored gzipped), as a file on disk: loadKerasModel takes a path. */
function kerasFile(ext: 'keras' | 'h5'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'savedkeras-mixed-')), `mixed-lstm.${ext}`);
  writeFileSync(path, readTestBytes(join(DIR, `mixed-lstm.${ext}`)));
  return path;
}

describe(`the stored TensorFlow numbers (TF ${expected.tensorflow}, Keras ${expected.keras})`, () => {
  it('Keras float16 outputs differ from the float32 computation far above float32 rounding, within float16 rounding', () => {
    for (const keras of [expected.mixed_float16, expected.mixed_float16_export]) {
      const d = maxAbsDiff(keras.values, expected.float32);
      expect(d).toBeGreaterThan(1e-4);
      expect(d).toBeLessThan(5e-3);
    }
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`mixed_float16 models on ${backend}: float32 answers, and a load warning that says so`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    for (const ext of ['keras', 'h5'] as const) {
      it(`.${ext}: warns naming the policy and its layers; outputs are TensorFlow's float32 ones`, async () => {
        const warnings: string[] = [];
        const { model, report } = await loadKerasModelWithReport(kerasFile(ext), { warn: (m) => warnings.push(m), compile: false });
        const precision = warnings.filter((w) => w.includes('float16'));
        expect(precision).toHaveLength(1);
        expect(precision[0]).toMatch(/dtype policy "mixed_float16" \(lstm, hidden\)/);
        expect(precision[0]).toMatch(/computes them in float32/);
        expect(precision[0]).toMatch(/1e-3 relative/);
        expect(precision[0]).not.toMatch(/head/); // the float32 Dense is not named
        expect(report.warnings).toContain(warnings.find((w) => w.includes('float16')));
        const x = tf.tensor(expected.inputs.series.values, expected.inputs.series.shape);
        const y = model.predict(x) as tf.Tensor;
        const got = await y.data();
        expect(maxAbsDiff(got, expected.float32)).toBeLessThan(1e-5);
        expect(maxAbsDiff(got, expected.mixed_float16)).toBeLessThan(5e-3);
        tf.dispose([x, y]);
        model.dispose();
      });
    }

    it('model.export() SavedModel: the signature warns that its graph computes in float16; outputs are float32 ones', async () => {
      const warnings: string[] = [];
      const sm = await loadSavedModel(join(DIR, 'export'), { warn: (m) => warnings.push(m) });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/signatures? .*serving_default.* computes in float16 \(\d+ ops: /);
      expect(warnings[0]).toMatch(/computes them in float32/);
      const sig = sm.signatures['serving_default']!;
      expect(sig.reducedPrecisionOps().length).toBeGreaterThan(0);
      expect(sig.reducedPrecisionOps().every((o) => o.dtype === 'float16')).toBe(true);
      const x = tf.tensor(expected.inputs.series.values, expected.inputs.series.shape);
      const out = sig({ series: x });
      const got = await out[expected.serving_output]!.data();
      expect(maxAbsDiff(got, expected.float32)).toBeLessThan(1e-5);
      expect(maxAbsDiff(got, expected.mixed_float16_export)).toBeLessThan(5e-3);
      tf.dispose([x, ...Object.values(out)]);
      sm.dispose();
    });
  });
}

describe('a tf.keras SavedModel (keras_metadata.pb) with float16 layers', () => {
  it('warns from the revived layers\' configs (the writer\'s MLP with its layer dtypes edited to float16)', async () => {
    await selectBackend('cpu');
    const files = writeKerasSavedModel(EXAMPLES.mlp.spec(), { withFunctions: false });
    const text = Buffer.from(files.get('keras_metadata.pb')!).toString('latin1');
    // Same length, so the protobuf framing stays valid: what tf.keras writes for Dense(..., dtype='float16').
    const edited = text.replaceAll('"dtype": "float32"', '"dtype": "float16"');
    expect(edited).not.toBe(text);
    const patched = new Map(files);
    patched.set('keras_metadata.pb', Uint8Array.from(Buffer.from(edited, 'latin1')));
    const warnings: string[] = [];
    const { model, report } = await loadKerasModelWithReport(memorySource(patched), { warn: (m) => warnings.push(m), compile: false });
    const precision = warnings.filter((w) => w.includes('float16'));
    expect(precision).toHaveLength(1);
    expect(precision[0]).toMatch(/dtype policy "float16" \([^)]*dense, dense_1/);
    expect(report.warnings).toContain(precision[0]);
    model.dispose();
    // The same model as written (float32): no such warning.
    const plain: string[] = [];
    (await loadKerasModelWithReport(memorySource(files), { warn: (m) => plain.push(m), compile: false })).model.dispose();
    expect(plain.filter((w) => w.includes('float16'))).toEqual([]);
  });
});

describe('which Keras configs compute in reduced precision (collectReducedPrecisionLayers)', () => {
  const layers = (config: unknown) => {
    const found = new Map<string, Set<string>>();
    collectReducedPrecisionLayers(config, found);
    return Object.fromEntries([...found].map(([k, v]) => [k, [...v]]));
  };
  it("tf.keras 2's Policy objects (keras_metadata.pb, .h5), Keras 3's DTypePolicy, plain dtypes, nested models", () => {
    const config = {
      class_name: 'Functional',
      config: {
        name: 'm',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in', dtype: 'float32' } },
          { class_name: 'Dense', config: { name: 'd1', dtype: { class_name: 'Policy', config: { name: 'mixed_float16' } } } },
          { class_name: 'Dense', config: { name: 'd2', dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_bfloat16' }, registered_name: null } } },
          { class_name: 'Dense', config: { name: 'd3', dtype: 'float16' } },
          { class_name: 'Dense', config: { name: 'd4', dtype: { class_name: 'Policy', config: { name: 'float32' } } } },
          // Keras 3 records the tensors a layer was called on with their dtype: not a policy.
          { class_name: 'Dense', config: { name: 'd5', dtype: 'float32' }, inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 3], dtype: 'float16', keras_history: ['d1', 0, 0] } }] }] },
          { class_name: 'Sequential', config: { name: 'inner', layers: [{ class_name: 'Conv2D', config: { name: 'c', dtype: { class_name: 'Policy', config: { name: 'mixed_float16' } } } }] } },
          { class_name: 'Bidirectional', config: { name: 'bi', dtype: 'float32', layer: { class_name: 'LSTM', config: { name: 'fw', dtype: 'mixed_float16' } } } },
        ],
      },
    };
    expect(layers(config)).toEqual({ mixed_float16: ['d1', 'c', 'fw'], mixed_bfloat16: ['d2'], float16: ['d3'] });
    expect(layers({ class_name: 'Dense', config: { name: 'd', dtype: 'float64' } })).toEqual({});
  });
  it('the warning names every policy; bfloat16 gets its own size', () => {
    const found = new Map([
      ['mixed_float16', new Set(['a', 'b', 'c', 'd', 'e'])],
      ['mixed_bfloat16', new Set(['f'])],
    ]);
    const w = reducedPrecisionWarning(found)!;
    expect(w).toContain('policies "mixed_float16" (a, b, c, d, ... (5 layers)); "mixed_bfloat16" (f)');
    expect(w).toContain('1e-2 for bfloat16');
    expect(reducedPrecisionWarning(new Map())).toBeUndefined();
  });
});
