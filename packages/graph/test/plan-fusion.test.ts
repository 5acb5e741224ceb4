import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySource } from '@savedkeras/common';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader } from '@savedkeras/proto';
import { EXAMPLES, referencePredict, requireFixtures, writeKerasSavedModel } from '@savedkeras/testing';
import { loadSignatures } from '../src/index.js';
import { Executor } from '../src/executor/executor.js';
import { FunctionLibrary, libraryOf } from '../src/executor/function-library.js';
import { setPlanFusion } from '../src/executor/fusion.js';
import type { FunctionPlan } from '../src/executor/plan.js';
import { A, DataType, constF, fn, node } from './function-defs.js';
import { caseTensor, compare, openFixture, readExpected } from './fixture-model.js';

afterEach(() => setPlanFusion(true));

const F = A.type(DataType.FLOAT);
const ops = (p: FunctionPlan) => p.nodes.map((n) => n.op);

/** x[1,4,4,2] -> Conv2D 3x3 SAME (2->3) -> BiasAdd -> FusedBatchNormV3 (inference) -> Relu6; and x[2,3] -> MatMul -> BiasAdd -> LeakyRelu. */
function library(extraConsumer: boolean) {
  const filter = Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => Math.sin(i) * 0.5);
  const conv = fn(
    'conv',
    [['x', DataType.FLOAT]],
    [['y', DataType.FLOAT], ...(extraConsumer ? [['pre', DataType.FLOAT] as [string, number]] : [])],
    [
      constF('w', filter, [3, 3, 2, 3]),
      constF('b', [0.1, -0.2, 0.3]),
      constF('gamma', [1.5, 0.5, -1]),
      constF('beta', [0.2, 0, -0.1]),
      constF('mean', [0.3, -0.1, 0.05]),
      constF('var', [0.8, 1.2, 0.4]),
      node('c', 'Conv2D', ['x', 'w:output:0'], { T: F, strides: A.ints([1, 1, 1, 1]), padding: A.s('SAME') }),
      node('ba', 'BiasAdd', ['c:output:0', 'b:output:0'], { T: F }),
      node('bn', 'FusedBatchNormV3', ['ba:output:0', 'gamma:output:0', 'beta:output:0', 'mean:output:0', 'var:output:0'], {
        T: F, U: F, epsilon: A.f(0.001), is_training: A.b(false),
      }),
      node('act', 'Relu6', ['bn:y:0'], { T: F }),
    ],
    { y: 'act:activations:0', ...(extraConsumer ? { pre: 'ba:output:0' } : {}) },
  );
  const dense = fn(
    'dense',
    [['x', DataType.FLOAT]],
    [['y', DataType.FLOAT]],
    [
      constF('w', [0.5, -1, 2, 0.25, 1, -0.5, 1.5, 0.75, -2], [3, 3]),
      constF('b', [0.1, -0.2, 0.3]),
      node('m', 'MatMul', ['x', 'w:output:0'], { T: F }),
      node('ba', 'BiasAdd', ['m:product:0', 'b:output:0'], { T: F }),
      node('act', 'LeakyRelu', ['ba:output:0'], { T: F, alpha: A.f(0.3) }),
    ],
    { y: 'act:activations:0' },
  );
  return new FunctionLibrary([conv, dense]);
}

/** Keras' formulas written out: conv (by tf.conv2d), + bias, batch norm with moving statistics, relu6. */
function byHand(x: tf.Tensor4D): tf.Tensor {
  const filter = tf.tensor4d(Array.from({ length: 54 }, (_, i) => Math.sin(i) * 0.5), [3, 3, 2, 3]);
  const z = tf.add(tf.conv2d(x, filter, 1, 'same'), tf.tensor1d([0.1, -0.2, 0.3]));
  const norm = tf.add(tf.mul(tf.div(tf.sub(z, tf.tensor1d([0.3, -0.1, 0.05])), tf.sqrt(tf.add(tf.tensor1d([0.8, 1.2, 0.4]), 0.001))), tf.tensor1d([1.5, 0.5, -1])), tf.tensor1d([0.2, 0, -0.1]));
  return tf.clipByValue(norm, 0, 6);
}

describe('plan-time fusion', () => {
  it('fuses Conv2D+BiasAdd+FusedBatchNorm+Relu6 and MatMul+BiasAdd+LeakyRelu into one node each', () => {
    const lib = library(false);
    expect(ops(lib.plan('conv')).filter((o) => o !== 'Const')).toEqual(['_FusedConv2D']);
    expect(lib.plan('conv').nodes.find((n) => n.fusion)!.fusion!.parts.map((p) => p.op)).toEqual(['Conv2D', 'BiasAdd', 'FusedBatchNormV3', 'Relu6']);
    expect(ops(lib.plan('dense')).filter((o) => o !== 'Const')).toEqual(['_FusedMatMul']);
  });

  it('leaves a chain alone where an intermediate has another consumer (here: a function output)', () => {
    const lib = library(true);
    // BiasAdd's output is returned, so only Conv2D+BiasAdd fuse; batch norm and Relu6 run on their own.
    expect(ops(lib.plan('conv')).filter((o) => o !== 'Const')).toEqual(['_FusedConv2D', 'FusedBatchNormV3', 'Relu6']);
  });

  it('fused and unfused plans compute the formulas of Keras (conv + bias, batch norm, activation)', () => {
    const x = tf.tensor4d(Array.from({ length: 32 }, (_, i) => Math.cos(i * 0.7)), [1, 4, 4, 2]);
    const want = byHand(x).dataSync();
    for (const fuse of [true, false]) {
      setPlanFusion(fuse);
      const lib = library(false);
      expect(lib.plan('conv').nodes.some((n) => n.fusion)).toBe(fuse);
      const ex = new Executor(lib);
      const before = tf.memory().numTensors;
      const [y] = ex.call('conv', [x]) as [tf.Tensor];
      expect(Array.from(y.dataSync()).map((v, i) => Math.abs(v - want[i]!)).every((d) => d < 1e-5)).toBe(true);
      y.dispose();
      // Again with the folded weights cached: same answer; then nothing is left behind after dispose().
      const [y2] = ex.call('conv', [x]) as [tf.Tensor];
      expect(Array.from(y2.dataSync()).map((v, i) => Math.abs(v - want[i]!)).every((d) => d < 1e-5)).toBe(true);
      y2.dispose();
      lib.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // Training mode runs the original kernels (gradients must reach the unfolded weights).
      const [y3] = new Executor(lib, { training: true }).call('conv', [x]) as [tf.Tensor];
      expect(Array.from(y3.dataSync()).map((v, i) => Math.abs(v - want[i]!)).every((d) => d < 1e-5)).toBe(true);
      y3.dispose();
      lib.dispose();
    }
    setPlanFusion(true);
    const [d] = new Executor(library(false)).call('dense', [tf.tensor2d([1, 2, 3, -1, 0.5, 2], [2, 3])]) as [tf.Tensor];
    // (x @ w + b) with LeakyRelu(0.3), computed by hand.
    const xw = [[1 * 0.5 + 2 * 0.25 + 3 * 1.5, 1 * -1 + 2 * 1 + 3 * 0.75, 1 * 2 + 2 * -0.5 + 3 * -2], [-1 * 0.5 + 0.5 * 0.25 + 2 * 1.5, -1 * -1 + 0.5 * 1 + 2 * 0.75, -1 * 2 + 0.5 * -0.5 + 2 * -2]];
    const want2 = xw.flatMap((r) => r.map((v, j) => v + [0.1, -0.2, 0.3][j]!)).map((v) => (v > 0 ? v : 0.3 * v));
    expect(Array.from(d.dataSync()).every((v, i) => Math.abs(v - want2[i]!) < 1e-5)).toBe(true);
  });

  it('generated CNN: Conv2D+BiasAdd+FusedBatchNormV3 folds, and fused and unfused match the float64 reference', async () => {
    const spec = EXAMPLES['cnn']!.spec();
    const files = writeKerasSavedModel(spec);
    const x = Array.from({ length: 2 * 12 * 12 * 3 }, (_, i) => Math.sin(i * 0.37));
    const want = referencePredict(spec, [x])['dense']!;
    for (const fuse of [true, false]) {
      setPlanFusion(fuse);
      const source = new MemorySource(files);
      const checkpoint = await CheckpointReader.open(source);
      const graph = await SavedModelGraph.load(source, { checkpointGraph: await checkpoint.readObjectGraph() });
      const model = await loadSignatures(graph, checkpoint);
      const out = model.signatures['serving_default']!({ conv2d_input: tf.tensor4d(x, [2, 12, 12, 3]) })['dense']!;
      const lib = libraryOf(graph);
      const chains = lib
        .reachableFunctions(lib.functionNames())
        .flatMap((f) => lib.plan(f).nodes.filter((n) => n.fusion).map((n) => n.fusion!.parts.map((p) => p.op).join('+')));
      // conv2d (relu) is followed by batch norm after its activation: no fold; conv2d_1 (linear) folds its batch norm.
      // (The training traces keep batch norm in training mode: there conv2d_1 fuses with its bias only.)
      if (fuse) expect([...new Set(chains)].sort()).toEqual(['Conv2D+BiasAdd', 'Conv2D+BiasAdd+FusedBatchNormV3', 'Conv2D+BiasAdd+Relu', 'MatMul+BiasAdd']);
      else expect(chains).toEqual([]);
      expect(out.shape).toEqual(want.shape);
      const got = out.dataSync();
      want.values.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-5));
      out.dispose();
      model.dispose();
    }
  });

  const present = requireFixtures('plan fusion on real fixtures');
  it.skipIf(!present)('cnn-mnist-bn: every conv/dense chain fuses; fused and unfused both match TensorFlow', async () => {
    const exp = readExpected('cnn-mnist-bn')!;
    const results: tf.Tensor[] = [];
    for (const fuse of [true, false]) {
      setPlanFusion(fuse);
      const { graph, checkpoint } = await openFixture('cnn-mnist-bn');
      const model = await loadSignatures(graph, checkpoint);
      const sig = model.signatures[exp.signature]!;
      const c = exp.cases[0]!;
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, caseTensor(v)]));
      const out = sig(inputs);
      const lib = libraryOf(graph);
      const fused = lib.reachableFunctions(lib.functionNames()).flatMap((f) => lib.plan(f).nodes.filter((n) => n.fusion));
      if (fuse) {
        // Its Conv2D layers (relu) are followed by BatchNormalization: conv, bias and relu fuse (the
        // batch norm after a relu cannot fold into the convolution).
        const chains = new Set(fused.map((n) => n.fusion!.parts.map((p) => p.op).join('+')));
        expect([...chains].sort()).toEqual(['Conv2D+BiasAdd+Relu', 'MatMul+BiasAdd', 'MatMul+BiasAdd+Relu']);
        const left = lib.reachableFunctions(lib.functionNames()).flatMap((f) => lib.plan(f).nodes.map((n) => n.op));
        expect(left.filter((o) => o === 'Conv2D' || o === 'MatMul' || o === 'BiasAdd')).toEqual([]);
        expect(fused.some((n) => n.op === '_FusedMatMul')).toBe(true);
      } else expect(fused).toEqual([]);
      for (const [k, e] of Object.entries(c.outputs)) {
        const r = compare(out[k]!, e, c.tolerance ?? 1e-4);
        expect(r.ok, `${k} (fusion ${fuse}): max |diff| ${r.maxAbs}`).toBe(true);
      }
      results.push(...Object.values(out));
      model.dispose();
    }
  });
});
