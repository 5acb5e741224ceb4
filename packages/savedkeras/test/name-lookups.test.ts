import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseKerasJson } from '@savedkeras/object-graph';
import { DataType, decodeMessage, encodeMessage, type SavedModel } from '@savedkeras/proto';
import { grammar as g, memorySource, writeModuleSavedModel } from '@savedkeras/testing';
import { SavedKerasError, loadSavedModel } from '../src/index.js';

// Issue 14 item 5: names that come from files (function names, signature keys, input and output
// names, structured-value dict keys, function return keys, Keras JSON keys) are looked up as own
// properties: `constructor`, `toString`, `hasOwnProperty`, `valueOf`, `__proto__` are names like
// any other, and a name the file does not define is not found on Object.prototype.

const F = DataType.FLOAT;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * serving_default(valueOf: float32[-1]) -> {__proto__: 2 * valueOf}, through a signature wrapper
 * named `toString` that calls a function named `constructor` whose output is `hasOwnProperty`.
 */
function protoNamedModule(edit?: (functions: Record<string, unknown>[]) => void): Map<string, Uint8Array> {
  const inner = new g.Fn('constructor', [['valueOf', F]]);
  const doubled = inner.op('AddV2', ['valueOf', 'valueOf'], { T: { type: F } })();
  const wrapper = new g.Fn('toString', [['valueOf', F]]);
  const called = wrapper.call('constructor', ['valueOf'], [F], [F])();
  const functions = [
    inner.build([['hasOwnProperty', F, doubled]]),
    wrapper.build([['__proto__', F, wrapper.op('Identity', [called], { T: { type: F } })()]]),
  ] as Record<string, unknown>[];
  edit?.(functions);
  return writeModuleSavedModel({
    functions,
    signature: { fn: 'toString', inputs: [{ name: 'valueOf', dtype: F, shape: [-1] }], outputs: [{ name: '__proto__', dtype: F, shape: [-1] }] },
  });
}

async function typedFailure(files: Map<string, Uint8Array>): Promise<SavedKerasError> {
  const before = tf.memory().numTensors;
  let err: unknown;
  try {
    const m = await loadSavedModel(memorySource(files));
    try {
      const x = tf.tensor1d([1, 2]);
      try {
        tf.dispose(Object.values(m.signatures['serving_default']!({ valueOf: x })));
      } finally {
        x.dispose();
      }
    } finally {
      m.dispose();
    }
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SavedKerasError);
  expect(tf.memory().numTensors).toBe(before);
  return err as SavedKerasError;
}

describe('names from files that are Object.prototype members', () => {
  test('functions named constructor / toString, input valueOf, outputs __proto__ / hasOwnProperty load and run right', async () => {
    const m = await loadSavedModel(memorySource(protoNamedModule()));
    expect(Object.keys(m.signatures)).toEqual(['serving_default']);
    // Signature names the file does not define are not found on Object.prototype.
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect((m.signatures as Record<string, unknown>)[name], name).toBeUndefined();
      expect((m.unsupportedSignatures as Record<string, unknown>)[name], name).toBeUndefined();
    }
    const sig = m.signatures['serving_default']!;
    expect(sig.inputs.map((i) => i.name)).toEqual(['valueOf']);
    expect(sig.outputs.map((o) => o.name)).toEqual(['__proto__']);
    const x = tf.tensor1d([1.5, -2]);
    const out = sig({ valueOf: x });
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Array.from(out['__proto__']!.dataSync())).toEqual([3, -4]); // 2x, by hand
    tf.dispose([x, ...Object.values(out)]);
    m.dispose();
  });

  test('an output arg (toString) with no return value is FORMAT, not Object.prototype.toString', async () => {
    const e = await typedFailure(
      protoNamedModule((fns) => {
        const inner = fns[0] as { signature: { outputArg: { name: string }[] }; ret: Record<string, string> };
        inner.signature.outputArg[0]!.name = 'toString';
        inner.ret = {};
      }),
    );
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/output "toString" has no return value/);
  });

  test('a concrete function name (constructor) missing from the object graph is a typed error, not Object', async () => {
    const files = protoNamedModule();
    const sm = decodeMessage<SavedModel>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
    const og = sm.metaGraphs[0]!.objectGraphDef!;
    // The signature's function node now names `constructor`, which has no concrete function entry.
    (og.nodes[2] as unknown as { bareConcreteFunction: { concreteFunctionName: string } }).bareConcreteFunction.concreteFunctionName = 'constructor';
    files.set('saved_model.pb', encodeMessage('SavedModel', sm as unknown as Record<string, unknown>));
    const e = await typedFailure(files);
    expect(e.message).toMatch(/constructor/);
  });

  test('Keras JSON keys: __proto__ stays an own key (also when NaN forces the rewrite), and sets no prototype', () => {
    for (const text of ['{"__proto__": {"polluted": 1}, "a": 1}', '{"__proto__": {"polluted": 1}, "a": NaN}']) {
      const v = parseKerasJson(text, { file: 'keras_metadata.pb' }, 1e6) as Record<string, unknown>;
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.hasOwn(v, '__proto__')).toBe(true);
      expect((v as { polluted?: unknown }).polluted).toBeUndefined();
      expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    }
  });
});
