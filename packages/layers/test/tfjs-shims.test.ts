// The chained tensor methods tfjs-layers calls are installed by one explicit call, never by an import.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { installChainedOps } from '../src/tfjs-shims.js';

const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;

describe('installChainedOps', () => {
  it('importing the module patches nothing; the call defines what tfjs-layers needs', async () => {
    await tf.setBackend('cpu');
    expect(proto['flatten']).toBeUndefined(); // tfjs-core alone has none of them
    expect(() => tfl.initializers.orthogonal({ seed: 1 }).apply([4, 4])).toThrow();

    installChainedOps();
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    expect(Array.from((x as unknown as { flatten(): tf.Tensor }).flatten().dataSync())).toEqual([1, 2, 3, 4]);
    expect((x as unknown as { asType(d: string): tf.Tensor }).asType('int32').dtype).toBe('int32');
    // tfjs-layers' Orthogonal initializer (built on chained methods) now works: Q^T Q = I.
    const q = tfl.initializers.orthogonal({ seed: 1 }).apply([4, 4]) as tf.Tensor2D;
    const qtq = tf.matMul(q, q, true, false).arraySync();
    qtq.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 5)));
  });
});
