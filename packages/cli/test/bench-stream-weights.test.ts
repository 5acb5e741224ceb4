import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodeFileSource, selectBackend } from '@savedkeras/backend-node';
import { ChecksumError } from '@savedkeras/common';
import { CheckpointReader, READ_PIECE_BYTES } from '@savedkeras/proto';
import { referencePredict, resolveModel, writeKerasSavedModel, writeToDirectory, type ModelSpec } from '@savedkeras/testing';
import { loadKerasModelWithReport } from 'savedkeras';

/**
 * The load path the benchmark's memory numbers depend on: on the wasm backend, weights are
 * streamed from the checkpoint straight into their heap storage (revive's stream-weights.ts,
 * CheckpointReader.readManyInto). The values must be exactly the saved ones, and a corrupt
 * checkpoint must still fail.
 */

// The first kernel (2.2 M floats, 8.8 MB) is larger than one read piece: it arrives in two.
const spec: ModelSpec = {
  kind: 'Sequential',
  input: { shape: [1100] },
  layers: [
    { className: 'Dense', name: 'wide', units: 2000, activation: 'tanh' },
    { className: 'Dense', name: 'out', units: 3 },
  ],
  seed: 13,
};

let tmp: string;
beforeAll(async () => {
  await selectBackend('wasm');
  tmp = await mkdtemp(path.join(tmpdir(), 'savedkeras-stream-test-'));
  await writeToDirectory(writeKerasSavedModel(spec), path.join(tmp, 'model'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('weights streamed into the wasm heap', () => {
  it('hold exactly the saved values, and the model predicts the reference', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(1100 * 2000 * 4).toBeGreaterThan(READ_PIECE_BYTES);
    const spy = vi.spyOn(CheckpointReader.prototype, 'readManyInto');
    const { model, report } = await loadKerasModelWithReport(new NodeFileSource(path.join(tmp, 'model')), { warn: () => {} });
    try {
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0].map((i) => i.key).sort()).toEqual(report.weights.map((w) => w.checkpointKey).sort());
      const resolved = resolveModel(spec);
      for (const w of report.weights) {
        const want = resolved.variables.find((v) => w.variablePath.endsWith(`${v.layer}.${v.attr}`) || w.weight.originalName === v.name);
        expect(want, w.variablePath).toBeDefined();
        expect(Buffer.from((w.weight.read().dataSync() as Float32Array).buffer).equals(Buffer.from(want!.values.buffer)), w.variablePath).toBe(true);
      }
      const x = Float32Array.from({ length: 2 * 1100 }, (_, i) => Math.cos(i));
      const got = (model.predict(tf.tensor(x, [2, 1100])) as tf.Tensor).dataSync();
      const ref = referencePredict(spec, [x]).out.values;
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-4);
    } finally {
      spy.mockRestore();
      model.dispose();
    }
  });

  it('a flipped byte in the streamed kernel fails the load with ChecksumError', async () => {
    const dir = path.join(tmp, 'corrupt');
    await writeToDirectory(writeKerasSavedModel(spec), dir);
    const shard = path.join(dir, 'variables/variables.data-00000-of-00001');
    const ckpt = await CheckpointReader.open(new NodeFileSource(dir));
    const kernel = ckpt.keys().map((k) => ckpt.entry(k)!).find((e) => e.size > READ_PIECE_BYTES)!;
    const bytes = readFileSync(shard);
    bytes[kernel.offset + READ_PIECE_BYTES + 1000] ^= 0x10; // inside the big kernel's second piece
    await writeFile(shard, bytes);
    await expect(loadKerasModelWithReport(new NodeFileSource(dir), { warn: () => {} })).rejects.toThrow(ChecksumError);
    await expect(loadKerasModelWithReport(new NodeFileSource(dir), { warn: () => {} })).rejects.toThrow(new RegExp(kernel.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });
});
