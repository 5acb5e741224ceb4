// Shared by the tests of small SavedModels kept in this folder with TensorFlow's answers
// (<name>/model + <name>/expected.json, written by <name>/generate.py): each case runs one signature.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { fsSource } from '@savedkeras/testing';
import { loadSignatures } from '../src/index.js';

await tf.setBackend('cpu');

interface Values { dtype: string; shape: number[]; values: (number | string | boolean)[] }
interface Case { inputs: Record<string, Values>; outputs: Record<string, Values> }

const tensorOf = (v: Values): tf.Tensor =>
  v.dtype === 'string' ? tf.tensor(v.values as string[], v.shape, 'string')
  : v.dtype === 'bool' ? tf.tensor(v.values as boolean[], v.shape, 'bool')
  : tf.tensor(v.values as number[], v.shape, v.dtype.startsWith('int') ? 'int32' : 'float32');

/** One test per case of `<folder>/expected.json`: the signature of that name on the inputs gives the outputs (strings exact, numbers within 1e-5). */
export function describeSavedModelCases(title: string, folder: URL): void {
  const dir = fileURLToPath(folder);
  const expected = (JSON.parse(readFileSync(dir + 'expected.json', 'utf8')) as { cases: Record<string, Case> }).cases;
  describe(title, () => {
    for (const [name, c] of Object.entries(expected)) {
      it(name, async () => {
        const source = fsSource(dir + 'model');
        const checkpoint = await CheckpointReader.open(source);
        const graph = await SavedModelGraph.load(source, { checkpointGraph: await checkpoint.readObjectGraph() });
        const model = await loadSignatures(graph, checkpoint);
        try {
          const sig = model.signatures[name]!;
          expect(sig.unsupportedOps().map((u) => u.op).join(' ')).toBe('');
          const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tensorOf(v)]));
          const out = sig(inputs);
          expect(Object.keys(out).sort()).toEqual(Object.keys(c.outputs).sort());
          for (const [k, want] of Object.entries(c.outputs)) {
            const got = out[k]!;
            expect(got.shape, k).toEqual(want.shape);
            if (want.dtype === 'string') expect(Array.from(got.dataSync() as unknown as string[]), k).toEqual(want.values);
            else {
              const g = Array.from(got.dataSync());
              want.values.forEach((e, i) => expect(Math.abs(g[i]! - (e as number)), `${k}[${i}]`).toBeLessThan(1e-5));
            }
          }
          tf.dispose([...Object.values(out), ...Object.values(inputs)]);
        } finally {
          model.dispose();
        }
      });
    }
  });
}
