import '@tensorflow/tfjs-backend-cpu';
import '@savedkeras/backend-node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, memorySource, writeKerasSavedModel } from '@savedkeras/testing';
import { encodeKerasFile, LimitError, loadKerasModel, loadSavedModel } from '../src/index.js';

// limits.maxOutputBytes bounds what a loaded model hands back, as it bounds the CLI's predict: refused from
// the output shapes and the input rows before the model runs, else from the output tensors (freed) before
// they are returned. Sizes are hand-computed: float32 outputs take 4 bytes per element.

async function kerasFileOf(m: tfl.LayersModel): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'savedkeras-output-bound-')), `${m.name}.keras`);
  writeFileSync(path, await encodeKerasFile(m, { warn: () => undefined }));
  m.dispose();
  return path;
}

function refusal(run: () => unknown): LimitError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(LimitError);
    return e as LimitError;
  }
  throw new Error('not refused');
}

describe('limits.maxOutputBytes bounds predict and predictOnBatch of a loaded Keras model', () => {
  let dense = '';
  let seq = '';
  let repeat = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const x = tfl.input({ shape: [5], name: 'x' });
    dense = await kerasFileOf(tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 3, name: 'scores' }).apply(x) as tfl.SymbolicTensor, name: 'scorer' }));
    const s = tfl.input({ shape: [null, 2], name: 'seq' });
    seq = await kerasFileOf(tfl.model({ inputs: s, outputs: tfl.layers.dense({ units: 3, name: 'proj' }).apply(s) as tfl.SymbolicTensor, name: 'tagger' }));
    const r = tfl.input({ shape: [1], name: 'r' });
    repeat = await kerasFileOf(tfl.model({ inputs: r, outputs: tfl.layers.repeatVector({ n: 2 ** 27, name: 'rep' }).apply(r) as tfl.SymbolicTensor, name: 'repeater' }));
  });

  it('known output shapes: refused before the model runs, naming the model, the output, its shape and bytes', async () => {
    const model = await loadKerasModel(dense, { limits: { maxOutputBytes: 100 }, warn: () => undefined });
    const x = tf.ones([9, 5]);
    const before = tf.memory().numTensors;
    for (const run of [() => model.predict(x), () => model.predictOnBatch(x)]) {
      const e = refusal(run);
      expect(e.message.split('\n')[0]).toBe('the outputs of model "scorer" hold 108 bytes (scores [9, 3] float32), above the limit of 100 bytes (limits.maxOutputBytes); refused before it runs');
      expect(e.hint).toMatch(/fewer rows/);
    }
    expect(tf.memory().numTensors).toBe(before);
    // 8 rows are 96 bytes: they run, and give what the unbounded model gives.
    const y = model.predict(tf.ones([8, 5])) as tf.Tensor;
    expect(y.shape).toEqual([8, 3]);
    const unbounded = await loadKerasModel(dense, { warn: () => undefined });
    const want = unbounded.predict(tf.ones([8, 5])) as tf.Tensor; // consistency check: the same model without the bound
    expect(Array.from(await y.data())).toEqual(Array.from(await want.data()));
    tf.dispose([x, y, want]);
    model.dispose();
    unbounded.dispose();
  });

  it('an output whose size is known only once it ran is freed and refused before it is returned', async () => {
    const model = await loadKerasModel(seq, { limits: { maxOutputBytes: 1000 }, warn: () => undefined });
    const x = tf.ones([2, 50, 2]);
    const before = tf.memory().numTensors;
    const e = refusal(() => model.predict(x));
    expect(e.message.split('\n')[0]).toBe('the outputs of model "tagger" hold 1200 bytes (proj [2, 50, 3] float32), above the limit of 1000 bytes (limits.maxOutputBytes); refused before they are returned');
    expect(tf.memory().numTensors, 'tensors left').toBe(before);
    const ok = model.predict(tf.ones([2, 41, 2])) as tf.Tensor; // 984 bytes
    expect(ok.shape).toEqual([2, 41, 3]);
    tf.dispose([x, ok]);
    model.dispose();
  });

  it('the default bound (1 GiB, as the CLI) refuses a 1.5 GiB output before allocating it', async () => {
    const model = await loadKerasModel(repeat, { warn: () => undefined });
    const x = tf.ones([3, 1]);
    const e = refusal(() => model.predict(x));
    expect(e.message).toContain(`hold ${3 * 2 ** 27 * 4} bytes (rep [3, ${2 ** 27}, 1] float32), above the limit of ${2 ** 30} bytes`);
    x.dispose();
    model.dispose();
  });
});

describe('limits.maxOutputBytes bounds signature calls of loadSavedModel', () => {
  it('outputs past the bound are freed and refused, naming the signature and its outputs', async () => {
    await tf.setBackend('cpu');
    // The writer's MLP: 4 features -> softmax over 3 classes (output `dense_1`).
    const files = writeKerasSavedModel(EXAMPLES.mlp.spec());
    const sm = await loadSavedModel(memorySource(files), { limits: { maxOutputBytes: 100 } });
    const sig = sm.signatures['serving_default']!;
    const before = tf.memory().numTensors;
    const x = tf.ones([9, 4]);
    const e = refusal(() => sig({ [sig.inputs[0]!.name]: x }));
    expect(e.message.split('\n')[0]).toMatch(/^the outputs of signature serving_default hold 108 bytes \(\w+ \[9, 3\] float32\), above the limit of 100 bytes \(limits\.maxOutputBytes\); refused before they are returned$/);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const out = sig({ [sig.inputs[0]!.name]: tf.ones([8, 4]) });
    expect(Object.values(out)[0]!.shape).toEqual([8, 3]);
    tf.dispose(Object.values(out));
    sm.dispose();
  });
});
