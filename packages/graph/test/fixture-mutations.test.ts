import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { LimitError, UnsupportedOpError } from '@savedkeras/common';
import type { FunctionDef } from '@savedkeras/proto';
import { requireFixtures } from '@savedkeras/testing';
import { loadSignatures, registerOp, unregisterKernel } from '../src/index.js';
import { FunctionLibrary } from '../src/executor/function-library.js';
import { openFixture, type FixtureModel } from './fixture-model.js';
import { constB } from './function-defs.js';

/**
 * Real fixture graphs, decoded and then changed in memory before loading, to drive the executor
 * into a self-calling function, an endless While and an unknown op.
 */
const present = requireFixtures('graph fixture mutations');

function functions(m: FixtureModel): FunctionDef[] {
  return m.graph.metaGraph.graphDef!.library!.function;
}
function fnDef(m: FixtureModel, name: string): FunctionDef {
  return functions(m).find((f) => f.signature.name === name)!;
}

describe.skipIf(!present)('limits and unsupported ops on mutated fixtures', () => {
  test('a signature function made to call itself ends with LimitError naming the chain; nothing leaks', async () => {
    const m = await openFixture('tfmodule-x-plus-one');
    const sigFn = m.graph.signatures.find((s) => s.name === 'predict')!.functionName!;
    const call = fnDef(m, sigFn).nodeDef.find((n) => n.op.endsWith('PartitionedCall'))!;
    call.attr['f'] = { value: 'func', func: { name: sigFn, attr: {} } };
    const before = tf.memory().numTensors;
    const model = await loadSignatures(m.graph, m.checkpoint, { limits: { maxCallDepth: 12 } });
    const x = tf.scalar(1, 'int32');
    let err: unknown;
    try {
      model.signatures['predict']!({ x });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    expect(String(err)).toContain(`deeper than maxCallDepth=12: ${sigFn} -> ${sigFn} -> ${sigFn} -> ...`);
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('an RNN While whose condition is made always true ends with LimitError at maxLoopIterations; nothing leaks', async () => {
    // 20 time steps: the real loop runs 20 iterations, within maxLoopIterations=20.
    const limits = { maxLoopIterations: 20 };
    const x = tf.zeros([1, 20, 1]);
    const clean = await openFixture('seq-simplernn-coinflip');
    const ok = await loadSignatures(clean.graph, clean.checkpoint, { limits });
    const okSig = ok.signatures['serving_default']!;
    tf.dispose(Object.values(okSig({ [okSig.inputs[0]!.name]: x })));
    ok.dispose();

    const m = await openFixture('seq-simplernn-coinflip');
    const reachable = new Set(FunctionLibrary.fromMetaGraph(m.graph.metaGraph).reachableFunctions([m.graph.signatures[0]!.functionName!]));
    const loop = functions(m)
      .filter((f) => reachable.has(f.signature.name))
      .flatMap((f) => f.nodeDef)
      .find((n) => n.op === 'While' || n.op === 'StatelessWhile')!;
    const cond = fnDef(m, loop.attr['cond']!.func!.name);
    cond.nodeDef.push(constB('always_true', true));
    cond.ret[cond.signature.outputArg[0]!.name] = 'always_true:output:0';
    const before = tf.memory().numTensors;
    const model = await loadSignatures(m.graph, m.checkpoint, { limits });
    const sig = model.signatures['serving_default']!;
    let err: unknown;
    try {
      sig({ [sig.inputs[0]!.name]: x });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    expect(String(err)).toContain(`While loop ${loop.name} ran more than maxLoopIterations=20`);
    expect(String(err)).toContain(`the loop condition ${cond.signature.name} never became false`);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  test('an unknown op is listed before anything runs, fails with the registerOp hint, and runs once registered', async () => {
    const clean = await openFixture('seq-mlp-coinflip-ref');
    const ref = await loadSignatures(clean.graph, clean.checkpoint);
    const m = await openFixture('seq-mlp-coinflip-ref');
    // A Relu the serving signature runs (layer functions hold Relus the signature never reaches).
    const reachable = new Set(FunctionLibrary.fromMetaGraph(m.graph.metaGraph).reachableFunctions([m.graph.signatures[0]!.functionName!]));
    const fn = functions(m).find((f) => reachable.has(f.signature.name) && f.nodeDef.some((n) => n.op === 'Relu'))!;
    const node = fn.nodeDef.find((n) => n.op === 'Relu')!;
    node.op = 'MyRelu';
    const model = await loadSignatures(m.graph, m.checkpoint);
    const sig = model.signatures['serving_default']!;
    expect(sig.unsupportedOps()).toEqual([{ op: 'MyRelu', node: node.name, function: fn.signature.name }]);
    const x = tf.randomUniform([1, 20], 0, 1, 'float32', 3);
    const feed = { [sig.inputs[0]!.name]: x };
    let err: UnsupportedOpError | undefined;
    try {
      sig(feed);
    } catch (e) {
      err = e as UnsupportedOpError;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err!.message).toContain(`${fn.signature.name}/${node.name}: MyRelu`);
    expect(err!.hint).toBe("registerOp('MyRelu', kernel)");
    registerOp('MyRelu', (inputs) => [tf.relu(inputs[0] as tf.Tensor)]);
    try {
      const got = sig(feed);
      const want = ref.signatures['serving_default']!(feed);
      const k = Object.keys(want)[0]!;
      expect(Array.from(got[k]!.dataSync())).toEqual(Array.from(want[k]!.dataSync()));
      tf.dispose([...Object.values(got), ...Object.values(want)]);
    } finally {
      unregisterKernel('MyRelu');
    }
    x.dispose();
    model.dispose();
    ref.dispose();
  });
});
