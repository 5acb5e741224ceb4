import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { FormatError, InputMismatchError, MissingFileError, UnsupportedFeatureError } from '@savedkeras/common';
import { requireFixtures } from '@savedkeras/testing';
import { loadSignatures } from '../src/index.js';
import { storedToTensor } from '../src/checkpoint-values.js';
import { openFixture } from './fixture-model.js';

const present = requireFixtures('graph signature behaviour');

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe.skipIf(!present)('signature functions', () => {
  test('uint8 input (tfmodule-uint8-input-ref): described, carried as int32, range-checked, dtype-checked', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-uint8-input-ref');
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['serving_default']!;
    expect(sig.inputs).toEqual([{ name: 'x', dtype: 'uint8', tfjsDtype: 'int32', shape: [1] }]);
    expect(sig.outputs).toEqual([{ name: 'output_0', dtype: 'int32', tfjsDtype: 'int32', shape: [1] }]);
    expect(sig.functionName).toMatch(/^__inference_signature_wrapper_/);

    const ok = tf.tensor1d([7], 'int32');
    const out = sig({ x: ok });
    expect(Array.from(out['output_0']!.dataSync())).toEqual([42]); // v1 * v2 * x = 3 * 2 * 7
    tf.dispose([ok, out['output_0']!]);

    const big = tf.tensor1d([256], 'int32');
    expect(errorOf(() => sig({ x: big }))).toBeInstanceOf(InputMismatchError);
    expect(errorOf(() => sig({ x: big })).message).toMatch(/x is uint8: value 256 .* outside 0\.\.255/);
    const f = tf.tensor1d([3], 'float32');
    const e = errorOf(() => sig({ x: f })) as InputMismatchError;
    expect(e).toBeInstanceOf(InputMismatchError);
    expect(e.message).toMatch(/must be a int32 tensor \(tfjs carries uint8 as int32\), got float32/);
    expect(e.hint).toMatch(/tf\.cast/);
    tf.dispose([big, f]);
    m.dispose();
  });

  test('names and shapes are validated, listing what the signature takes (tfmodule-x-plus-one)', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-x-plus-one');
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['predict']!;
    const x = tf.scalar(1, 'int32');
    const v = tf.tensor1d([1, 2], 'int32');
    expect(errorOf(() => sig({})).message).toMatch(/takes \{x: int32\[\]\}; missing x/);
    expect(errorOf(() => sig({ x, y: x })).message).toMatch(/unknown y/);
    // Asked to, shapes the signature does not declare are refused before running.
    expect(errorOf(() => sig({ x: v }, { checkShapes: true }))).toBeInstanceOf(InputMismatchError);
    expect(errorOf(() => sig({ x: v }, { checkShapes: true })).message).toMatch(/input x must have shape \[\], got \[2\]/);
    // By default the element-wise graph runs on any shape, as TensorFlow's session runs it, with one warning per shape.
    const warnings: string[] = [];
    const out = sig({ x: v }, { warn: (m) => warnings.push(m) });
    expect(Array.from(out['result']!.dataSync())).toEqual([2, 3]);
    const again = sig({ x: v }, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(['signature predict: input x has shape [2], the signature declares []; running it as TensorFlow would']);
    const quiet = sig({ x: v }, { checkShapes: false, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    tf.dispose([x, v, out['result']!, again['result']!, quiet['result']!]);
    m.dispose();
  });

  test('variables are readable by path and equal the checkpoint values; two signatures share them', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-two-signatures-ref');
    const m = await loadSignatures(graph, checkpoint);
    expect(Object.keys(m.signatures).sort()).toEqual(['serving_default', 'timestwo']);
    expect([...m.variables.keys()].sort()).toEqual(['root.two', 'root.v']);
    expect(m.variables.get('root.v')!.dataSync()[0]).toBe(3);
    // Writing the shared variable changes what the signature computes.
    m.variables.get('root.v')!.assign(tf.scalar(10));
    const x = tf.scalar(2);
    const out = m.signatures['serving_default']!({ x });
    expect(out['output_0']!.dataSync()[0]).toBe(20);
    tf.dispose([x, out['output_0']!]);
    m.dispose();
    expect(m.variables.get('root.v')!.isDisposed).toBe(true);
  });

  test('a model without signatures loads, with every variable read from the checkpoint', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-variables-only-no-signature');
    const m = await loadSignatures(graph, checkpoint);
    expect(m.signatures).toEqual({});
    expect([...m.variables.keys()].sort()).toEqual(['root.b1', 'root.b2', 'root.b3', 'root.w1', 'root.w2', 'root.w3']);
    for (const [path, v] of m.variables) {
      const key = `${path.slice('root.'.length)}/.ATTRIBUTES/VARIABLE_VALUE`;
      const want = storedToTensor(await checkpoint!.readTensor(key), key);
      expect(v.shape).toEqual(want.shape);
      expect(Array.from(v.dataSync())).toEqual(Array.from(want.dataSync()));
      want.dispose();
    }
    m.dispose();
  });

  test('readVariable shares the caller\'s variables, which dispose() leaves alone', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-uint8-input-ref');
    const mine = new Map<string, tf.Variable>();
    const m = await loadSignatures(graph, checkpoint, {
      readVariable: (node) => {
        const v = tf.variable(tf.scalar(node.path === 'root.v1' ? 5 : 1, 'int32'), false);
        mine.set(node.path, v);
        return v;
      },
    });
    expect([...mine.keys()].sort()).toEqual(['root.v1', 'root.v2']);
    expect(m.variables.get('root.v1')).toBe(mine.get('root.v1'));
    const x = tf.tensor1d([3], 'int32');
    const out = m.signatures['serving_default']!({ x });
    expect(out['output_0']!.dataSync()[0]).toBe(15); // 5 * 1 * 3
    tf.dispose([x, out['output_0']!]);
    m.dispose();
    expect(mine.get('root.v1')!.isDisposed).toBe(false);
    tf.dispose([...mine.values()]);
  });

  test('TF1-style export (no object graph): the serve meta graph runs from its Placeholders', async () => {
    const { graph, checkpoint } = await openFixture('tf20beta-export-saved-model-assets');
    expect(graph.objectGraph).toBeNull();
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['serving_default']!;
    expect(sig.functionName).toBeNull();
    expect(sig.inputs).toEqual([{ name: 'digits', dtype: 'float32', tfjsDtype: 'float32', shape: [-1, 784] }]);
    expect([...m.variables.keys()].sort()).toEqual(['dense_1/bias', 'dense_1/kernel', 'dense_2/bias', 'dense_2/kernel', 'predictions/bias', 'predictions/kernel']);
    // The saver maps graph variables to object-based checkpoint keys.
    const k = storedToTensor(await checkpoint!.readTensor('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'), 'k');
    expect(Array.from(m.variables.get('dense_1/kernel')!.dataSync().slice(0, 5))).toEqual(Array.from(k.dataSync().slice(0, 5)));
    k.dispose();
    const x = tf.zeros([3, 784]);
    const out = sig({ digits: x });
    expect(out['predictions']!.shape).toEqual([3, 10]);
    const sums = tf.sum(out['predictions']!, 1);
    for (const s of sums.dataSync()) expect(Math.abs(s - 1)).toBeLessThan(1e-5); // softmax rows
    tf.dispose([x, out['predictions']!, sums]);
    m.dispose();
  });

  test('a bad serialized tf.Example is a FormatError, and the failed call leaks nothing', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-regress-example');
    const before = tf.memory().numTensors;
    const m = await loadSignatures(graph, checkpoint);
    const bad = tf.tensor1d(['not a protobuf'], 'string');
    expect(() => m.signatures['regress_signature']!({ inputs: bad })).toThrow(FormatError);
    bad.dispose();
    m.dispose();
    // Everything the model made (variables, cached constants) is gone, and the failed call left nothing.
    expect(tf.memory().numTensors).toBe(before);
  });
  test('variables without a checkpoint: MissingFileError naming variables/variables.index', async () => {
    const { graph } = await openFixture('tfmodule-two-signatures-ref');
    const err = await loadSignatures(graph, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect((err as MissingFileError).file).toBe('variables/variables.index');
  });

  test('a signature with a composite-tensor input is reported unsupported; the other signatures still load', async () => {
    const { graph, checkpoint } = await openFixture('tfmodule-two-signatures-ref');
    const info = graph.concreteFunction(graph.signatures.find((s) => s.name === 'timestwo')!.functionName!)!;
    const sig = info.inputSignature as { kind: 'tuple'; items: [unknown, { kind: 'dict'; fields: Record<string, unknown> }] };
    sig.items[1].fields['x'] = { kind: 'typeSpec', className: 'RaggedTensorSpec', typeSpecClass: 3, numFlatComponents: 1 };
    const m = await loadSignatures(graph, checkpoint);
    expect(Object.keys(m.signatures)).toEqual(['serving_default']);
    expect(m.unsupportedSignatures['timestwo']).toBeInstanceOf(UnsupportedFeatureError);
    expect(m.unsupportedSignatures['timestwo']!.message).toMatch(/input x is not a plain tensor/);
    m.dispose();
  });
});
