import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadKerasModel } from 'savedkeras';
import { FileListSource, UrlSource } from '../src/index.js';
import { startServer } from './http-fixture-server.js';

// A .keras or .h5 file given as a URL or as one dropped file loads like a SavedModel folder; the
// format is told from the bytes (an .h5 served under a .keras name still loads).
const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../keras-file/test/data');
const keras = new Uint8Array(readFileSync(join(DATA, 'seq-mlp.keras')));
const h5 = new Uint8Array(readFileSync(join(DATA, 'seq-mlp.h5')));
const expected = JSON.parse(readFileSync(join(DATA, 'seq-mlp.expected.json'), 'utf8')) as {
  cases: { inputs: Record<string, { shape: number[]; value: number[][] }>; outputs: Record<string, { value: number[][] }> }[];
};

async function check(model: import('@tensorflow/tfjs-layers').LayersModel): Promise<void> {
  const c = expected.cases[0]!;
  const x = tf.tensor(c.inputs['features']!.value, c.inputs['features']!.shape);
  const y = model.predict(x) as tf.Tensor;
  const want = Object.values(c.outputs)[0]!.value.flat();
  const got = Array.from(await y.data());
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]!))));
  tf.dispose([x, y]);
}

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

describe('Keras model files through the browser sources', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads a .keras and an .h5 from their URLs (the .h5 served under a .keras name too)', async () => {
    const s = await startServer(new Map([['m/model.keras', keras], ['m/model.h5', h5], ['m/renamed.keras', h5]]));
    closers.push(s.close);
    for (const name of ['model.keras', 'model.h5', 'renamed.keras']) {
      const source = new UrlSource(`${s.base}m/${name}`);
      expect(source.file).toBe(name);
      await check(await loadKerasModel(source, { warn: () => undefined, compile: false }));
    }
  });

  it('loads one dropped .keras or .h5 file', async () => {
    for (const [name, data] of [['model.keras', keras], ['model.h5', h5]] as const) {
      const source = new FileListSource([new File([data], name)]);
      expect(source.file).toBe(name);
      await check(await loadKerasModel(source, { warn: () => undefined, compile: false }));
    }
  });
});
