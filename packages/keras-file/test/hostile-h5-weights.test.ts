import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@savedkeras/backend-node';
import { SavedKerasError } from '@savedkeras/common';
import { registerAllLayers } from '@savedkeras/layers';
import { encodeKerasFile, loadKerasFile } from '../src/index.js';

// model.weights.h5 files whose datasets lie about the weights the config builds: another dtype,
// another shape, a compressed dataset declaring far more values than the file's bytes. Written with
// h5wasm (HDF5's own library) into the writer's .keras of a Dense 5 -> 8 -> 3 model.

interface H5Dataset {
  name: string;
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: string;
  chunks?: number[];
  compression?: number;
}
interface H5File {
  create_group(name: string): unknown;
  create_dataset(args: H5Dataset): unknown;
  close(): void;
}
interface H5 {
  ready: Promise<{ FS: { readFile(p: string): Uint8Array; unlink(p: string): void } }>;
  File: new (name: string, mode: string) => H5File;
}

let h5: H5;
let counter = 0;
async function weightsFile(datasets: H5Dataset[]): Promise<Uint8Array> {
  const { FS } = await h5.ready;
  const name = `/hostile-${counter++}.weights.h5`;
  const f = new h5.File(name, 'w');
  for (const g of ['layers', 'layers/dense', 'layers/dense/vars', 'layers/dense_1', 'layers/dense_1/vars']) f.create_group(g);
  for (const d of datasets) f.create_dataset(d);
  f.close();
  const bytes = FS.readFile(name);
  FS.unlink(name);
  return bytes;
}

describe('model.weights.h5 datasets that lie about their weights', () => {
  let base: Uint8Array;
  let kernel: number[][];
  let rest: H5Dataset[];
  const x = [0.5, -1, 2, 0.25, 3];

  beforeAll(async () => {
    registerAllLayers();
    await selectBackend('cpu');
    h5 = ((await import('h5wasm/node' as string)) as { default: H5 }).default;
    const hidden = tfl.layers.dense({ inputShape: [5], units: 8, name: 'hidden' });
    const probs = tfl.layers.dense({ units: 3, name: 'probs' });
    const model = tfl.sequential({ layers: [hidden, probs] });
    base = await encodeKerasFile(model, { warn: () => undefined });
    kernel = hidden.getWeights()[0]!.arraySync() as number[][];
    const w = [...hidden.getWeights().slice(1), ...probs.getWeights()];
    rest = [
      { name: 'layers/dense/vars/1', data: w[0]!.dataSync() as Float32Array, shape: w[0]!.shape, dtype: '<f4' },
      { name: 'layers/dense_1/vars/0', data: w[1]!.dataSync() as Float32Array, shape: w[1]!.shape, dtype: '<f4' },
      { name: 'layers/dense_1/vars/1', data: w[2]!.dataSync() as Float32Array, shape: w[2]!.shape, dtype: '<f4' },
    ];
    model.dispose();
  });

  /** The .keras with the hidden kernel written as `dataset`. */
  async function withKernel(dataset: Omit<H5Dataset, 'name'>): Promise<Uint8Array> {
    const files = unzipSync(base);
    files['model.weights.h5'] = await weightsFile([{ name: 'layers/dense/vars/0', ...dataset }, ...rest]);
    return zipSync(files, { level: 0 });
  }

  async function predictWith(bytes: Uint8Array): Promise<number[]> {
    const { model } = await loadKerasFile(bytes, { fileName: 'lying.keras', warn: () => undefined, compile: false });
    const y = model.predict(tf.tensor2d([x])) as tf.Tensor;
    const v = Array.from(await y.data());
    model.dispose();
    tf.dispose(y);
    return v;
  }

  async function loadError(bytes: Uint8Array): Promise<SavedKerasError> {
    const before = tf.memory().numTensors;
    const e = await loadKerasFile(bytes, { fileName: 'lying.keras', warn: () => undefined, compile: false }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e, 'a SavedKerasError').toBeInstanceOf(SavedKerasError);
    expect(tf.memory().numTensors, 'tensors left by the failed load').toBe(before);
    return e as SavedKerasError;
  }

  it('the rewritten file with the true kernel predicts as the writer’s file (the baseline)', async () => {
    const same = await withKernel({ data: Float32Array.from(kernel.flat()), shape: [5, 8], dtype: '<f4' });
    expect(await predictWith(same)).toEqual(await predictWith(base));
  });

  it('a float64 or int32 kernel is cast to the float32 weight, as Keras assigns it', async () => {
    const reference = async (k: number[]) => predictWith(await withKernel({ data: Float32Array.from(k), shape: [5, 8], dtype: '<f4' }));
    const wide = kernel.flat().map((v) => v + 1e-12);
    expect(await predictWith(await withKernel({ data: Float64Array.from(wide), shape: [5, 8], dtype: '<f8' }))).toEqual(await reference(wide));
    const ints = kernel.flat().map((_, i) => (i % 5) - 2);
    expect(await predictWith(await withKernel({ data: Int32Array.from(ints), shape: [5, 8], dtype: '<i4' }))).toEqual(await reference(ints));
  });

  it('a kernel of another shape (transposed, or one value short) is FORMAT naming the file and the weight', async () => {
    for (const shape of [[8, 5], [39]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const e = await loadError(await withKernel({ data: Float32Array.from(kernel.flat().slice(0, n)), shape, dtype: '<f4' }));
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(new RegExp(`^lying\\.keras: model\\.weights\\.h5: .*hidden/kernel is \\[5, 8\\] in the layer but \\[${shape.join(', ')}\\] in the file`));
    }
  });

  it('a gzip-compressed dataset declaring 2^22 values in a file of a few KB is FORMAT before it is inflated', async () => {
    const n = 2 ** 22;
    const bytes = await withKernel({ data: new Float32Array(n), shape: [n], dtype: '<f4', chunks: [n / 4], compression: 9 });
    expect(unzipSync(bytes)['model.weights.h5']!.length).toBeLessThan(200_000);
    const e = await loadError(bytes);
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/^lying\.keras: model\.weights\.h5: .*claims 16777216 bytes, more than the \d+-byte file can hold/);
  });

  it('a string dataset as a kernel is typed', async () => {
    const files = unzipSync(base);
    const { FS } = await h5.ready;
    const name = `/hostile-${counter++}.weights.h5`;
    const f = new h5.File(name, 'w') as H5File & { create_dataset(a: { name: string; data: string[]; shape: number[] }): unknown };
    for (const g of ['layers', 'layers/dense', 'layers/dense/vars', 'layers/dense_1', 'layers/dense_1/vars']) f.create_group(g);
    f.create_dataset({ name: 'layers/dense/vars/0', data: Array.from({ length: 40 }, () => 'w'), shape: [5, 8] });
    for (const d of rest) f.create_dataset(d);
    f.close();
    files['model.weights.h5'] = FS.readFile(name);
    FS.unlink(name);
    files['config.json'] = files['config.json'] ?? strToU8('{}');
    const e = await loadError(zipSync(files, { level: 0 }));
    expect(['FORMAT', 'UNSUPPORTED_FEATURE']).toContain(e.code);
    expect(e.message).toMatch(/^lying\.keras: model\.weights\.h5: /);
  });
});
