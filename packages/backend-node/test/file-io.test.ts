import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathEscapeError } from '@savedkeras/common';
import { selectBackend } from '../src/index.js';

// y = x . [1, 2] + 0.5, by hand: [3, 4] -> 11.5, [1, -1] -> -0.5.
function handModel(): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2], name: 'd' })] });
  m.layers[0]!.setWeights([tf.tensor2d([[1], [2]]), tf.tensor1d([0.5])]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

describe('file:// save and load handlers (no tfjs-node)', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('cpu');
    dir = await mkdtemp(nodePath.join(tmpdir(), 'savedkeras-file-io-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('model.save("file://dir") writes model.json and weights; tf.loadLayersModel reads them back', async () => {
    const out = nodePath.join(dir, 'saved');
    const result = await handModel().save(`file://${out}`);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(12); // 2x1 kernel + 1 bias, float32
    expect((await readdir(out)).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(await readFile(nodePath.join(out, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(['d/kernel', 'd/bias']);
    await handModel().save(`file://${out}-opt`, { includeOptimizer: true });
    const withOptimizer = JSON.parse(await readFile(`${out}-opt/model.json`, 'utf8'));
    expect(withOptimizer.trainingConfig.loss).toBe('mean_squared_error');

    for (const url of [`file://${out}/model.json`, pathToFileURL(nodePath.join(out, 'model.json')).href, `file://${out}`]) {
      const loaded = await tfl.loadLayersModel(url);
      const y = loaded.predict(tf.tensor2d([[3, 4], [1, -1]])) as tf.Tensor;
      expect(Array.from(await y.data())).toEqual([11.5, -0.5]);
    }
  });

  it('a reloaded model trains like the original (one SGD step on the same batch)', async () => {
    const out = nodePath.join(dir, 'train');
    const original = handModel();
    await original.save(`file://${out}`);
    const reloaded = await tfl.loadLayersModel(`file://${out}/model.json`);
    reloaded.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d([[3, 4]]);
    const yTrue = tf.tensor2d([[10.5]]);
    await original.fit(x, yTrue, { epochs: 1, verbose: 0 });
    await reloaded.fit(x, yTrue, { epochs: 1, verbose: 0 });
    // By hand: error 1, dL/dw = 2*1*x, lr 0.01 -> kernel [1 - 0.06, 2 - 0.08], bias 0.5 - 0.02.
    const [k, b] = reloaded.getWeights();
    expect(Array.from(await k!.data())).toEqual(Array.from(new Float32Array([0.94, 1.92])));
    expect(Array.from(await b!.data())).toEqual(Array.from(new Float32Array([0.48])));
    expect(Array.from(await original.getWeights()[0]!.data())).toEqual(Array.from(await k!.data()));
  });

  it('refuses a weight path that leaves the model folder', async () => {
    const out = nodePath.join(dir, 'escape');
    await handModel().save(`file://${out}`);
    const jsonPath = nodePath.join(out, 'model.json');
    const json = JSON.parse(await readFile(jsonPath, 'utf8'));
    json.weightsManifest[0].paths = ['../train/group1-shard1of1.bin'];
    await writeFile(jsonPath, JSON.stringify(json));
    await expect(tfl.loadLayersModel(`file://${jsonPath}`)).rejects.toBeInstanceOf(PathEscapeError);
  });
});
