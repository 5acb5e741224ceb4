import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSource } from '@savedkeras/backend-node';
import { exampleMlp, fixtureDir, memorySource, referencePredict, requireFixtures, writeKerasSavedModel, writeToDirectory } from '@savedkeras/testing';
import { loadKerasModel, loadSavedModel } from '../src/index.js';

// What users hand the loaders besides a SavedModel folder: each is recognised and either loaded
// (TF Serving version folders) or refused with a typed error naming its format.
describe('loaders recognise what users have', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-formats-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a TF Serving folder (model/1, model/2, model/10) loads the highest version and says so', async () => {
    const base = nodePath.join(dir, 'serving');
    for (const v of [1, 2, 10]) await writeToDirectory(writeKerasSavedModel({ ...exampleMlp(), seed: v }), nodePath.join(base, String(v)));
    const notes: string[] = [];
    const model = await loadKerasModel(new NodeFileSource(base), { warn: (m) => notes.push(m) });
    expect(notes.join('\n')).toContain('loading the highest version, 10, as TF Serving does');
    const x = Float32Array.from([0.5, -1, 2, 0.25]);
    const want = referencePredict({ ...exampleMlp(), seed: 10 }, [x]);
    const got = await (model.predict(tf.tensor2d(x, [1, 4])) as tf.Tensor).data();
    const ref = Object.values(want)[0]!.values;
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-5);
    // loadSavedModel resolves the same way (a plain path works: backend-node's router).
    const sm = await loadSavedModel(base, { warn: () => {} });
    expect(Object.keys(sm.signatures)).toContain('serving_default');
  });

  it('a tfjs model.json folder points to tf.loadLayersModel', async () => {
    const out = nodePath.join(dir, 'tfjs');
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    await m.save(`file://${out}`);
    await expect(loadKerasModel(out)).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('tf.loadLayersModel') });
    await expect(loadSavedModel(nodePath.join(out, 'model.json'))).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE' });
  });

  it('meta graphs are chosen by their exact tag set', async () => {
    const files = writeKerasSavedModel(exampleMlp());
    const sm = await loadSavedModel(memorySource(files), { tags: ['serve'] });
    expect(sm.graph.metaGraphTags).toEqual([['serve']]);
    await expect(loadSavedModel(memorySource(files), { tags: ['serve', 'gpu'] })).rejects.toMatchObject({
      code: 'INPUT_MISMATCH',
      message: expect.stringContaining('the SavedModel has {serve}'),
    });
  });

  it.skipIf(!requireFixtures('.keras files through the facade', 'keras-files'))('.keras files load as Keras models; loadSavedModel on a .h5 says what the file is', async () => {
    const keras = fixtureDir('seq-mlp-adam', 'keras-files');
    // (What the .keras loader computes is @savedkeras/keras-file's tests' business.)
    expect(await loadKerasModel(nodePath.join(keras, 'model.keras'))).toBeInstanceOf(tfl.LayersModel);
    await expect(loadSavedModel(nodePath.join(keras, 'model.h5'))).rejects.toMatchObject({
      code: 'UNSUPPORTED_FEATURE',
      message: expect.stringContaining('model.h5 is a Keras HDF5 (.h5) file'),
    });
  });
});
