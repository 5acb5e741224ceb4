// Real Keras 2 LSTM exports hold two implementations of every LSTM layer: gpu_lstm_with_fallback (a
// CudnnRNN call on Keras' own cuDNN weight packing) and standard_lstm (a While loop), tied by the same
// api_implements id. TensorFlow's CPU build only ever runs the second; we run both on the same inputs
// and weights: the cuDNN kernel must give the loop's last output, sequence and states.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { requireFixtures, seededRandom } from '@savedkeras/testing';
import { isTensorValue } from '../src/index.js';
import { Executor } from '../src/executor/executor.js';
import { libraryOf } from '../src/executor/function-library.js';
import { openFixture } from './fixture-model.js';

await tf.setBackend('cpu');

// (legacy-tf22-large-2shard-lstm has them too, but as functions of variable handles)
const FIXTURES = ['seq2seq-lstm-encoder', 'memnet-babi-multi-input', 'functional-lstm-tfoplambda'];

interface Shape { dim: { size: number }[]; unknownRank?: boolean }
interface Fn {
  signature?: { name?: string; inputArg: { type: number }[] };
  nodeDef: { op: string }[];
  attr?: Record<string, { s?: Uint8Array }>;
  argAttr?: Record<number, { attr?: Record<string, { list?: { shape?: Shape[] } }> }>;
}

/** The static shape TensorFlow recorded for argument i, unknown dimensions filled from `fill`. */
function argShape(f: Fn, i: number, fill: number[]): number[] | undefined {
  const s = f.argAttr?.[i]?.attr?.['_output_shapes']?.list?.shape?.[0];
  if (!s || s.unknownRank) return undefined;
  return s.dim.map((d, k) => (Number(d.size) >= 0 ? Number(d.size) : fill[k]!));
}

const present = requireFixtures('CudnnRNN against the standard LSTM of real exports');
describe.skipIf(!present)('CudnnRNN against the standard LSTM of real Keras 2 exports', () => {
  test.each(FIXTURES)('%s', async (slug) => {
    const { graph } = await openFixture(slug);
    const lib = libraryOf(graph);
    const fns = [...(lib as unknown as { functions: Map<string, Fn> }).functions.entries()];
    const impl = (f: Fn) => (f.attr?.['api_implements']?.s ? new TextDecoder().decode(f.attr['api_implements'].s) : '');
    const gpu = fns.filter(([n, f]) => n.startsWith('__inference_gpu_lstm_with_fallback') && f.nodeDef.some((d) => d.op.startsWith('CudnnRNN')));
    expect(gpu.length).toBeGreaterThan(0);
    const random = seededRandom(3);
    const executor = new Executor(lib);
    let compared = 0;
    for (const [name, f] of gpu) {
      if (compared === 2) break; // two layers per model keep the test fast
      const twin = fns.find(([n, g]) => n.startsWith('__inference_standard_lstm') && impl(g) === impl(f));
      // (functions that take variable handles are called from a layer's own graph only)
      if (!twin || f.signature!.inputArg.length !== 6 || f.signature!.inputArg.some((a) => a.type === 20)) continue;
      // the shapes TF recorded for (inputs, init_h, init_c, kernel, recurrent_kernel, bias); unknown batch 2, time 5
      const shapes = [0, 1, 2, 3, 4, 5].map((i) => argShape(f, i, i === 0 ? [2, 5, 1] : [2, 1]));
      if (shapes.some((s) => !s)) continue;
      const r = (shape: number[], scale = 0.5) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale), shape);
      const inputs = shapes.map((s, i) => r(s!, i === 0 ? 1 : i === 5 ? 0.2 : 0.5));
      const a = executor.call(name, inputs);
      const b = executor.call(twin[0], inputs);
      // last_output, outputs, h, c (the fifth output names the implementation that ran)
      for (let k = 0; k < 4; k++) {
        const x = a[k];
        const y = b[k];
        if (!isTensorValue(x) || !isTensorValue(y)) throw new Error('not a tensor');
        expect(x.shape, `${name} output ${k}`).toEqual(y.shape);
        const d = tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!;
        expect(d, `${name} output ${k} max |diff|`).toBeLessThan(1e-5);
      }
      tf.dispose([...a.filter(isTensorValue), ...b.filter(isTensorValue), ...inputs]);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});
