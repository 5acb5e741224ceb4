import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@savedkeras/backend-node';
import { fixturesPath, requireFixtures } from '@savedkeras/fixtures';
import { loadKerasModel, loadKerasModelWithReport, UnsupportedLayerError } from '../src/index.js';

// loadKerasModel is the one entry point: a path to a .keras or .h5 file loads like a SavedModel
// folder, the format told from the bytes.
const here = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(here, '../../keras-file/test/data');

describe('loadKerasModel with Keras model files', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads .keras and .h5 paths, and an .h5 renamed .keras', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'savedkeras-'));
    copyFileSync(join(DATA, 'seq-mlp.h5'), join(dir, 'renamed.keras'));
    for (const path of [join(DATA, 'seq-mlp.keras'), join(DATA, 'seq-mlp.h5'), join(dir, 'renamed.keras')]) {
      const { model, report, kerasFile } = await loadKerasModelWithReport(path, { warn: () => undefined, compile: false });
      expect(model.outputs[0]!.shape).toEqual([null, 3]);
      expect(report.inputNames).toEqual(['features']);
      expect(kerasFile?.info.format).toBe(path.endsWith('seq-mlp.keras') ? 'keras-zip' : 'hdf5');
      expect(report.weights.length).toBe(model.weights.length);
      model.dispose();
    }
  });

  it.skipIf(!requireFixtures('the custom-object test', 'keras-files'))('names a custom layer nobody registered (demo>ScaledDense) in a typed error', async () => {
    const file = join(fixturesPath('keras-files'), 'custom-layer-scaled-dense/model.keras');
    const err = await loadKerasModel(file, { warn: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedLayerError);
    expect((err as Error).message).toContain('demo>ScaledDense');
  });
});
