import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { InputMismatchError, MemorySource } from '@savedkeras/common';
import { SavedModelGraph } from '@savedkeras/object-graph';
import { CheckpointReader, decodeMessage, encodeMessage } from '@savedkeras/proto';
import { referencePredict, writeKerasSavedModel, type ModelSpec } from '@savedkeras/testing';
import { loadSignatures } from '../src/index.js';

await tf.setBackend('cpu');

/** A Keras model whose input name has capitals, as onnx2tf names its inputs after the ONNX graph. */
const spec: ModelSpec = {
  kind: 'Functional',
  name: 'onnx_export',
  layers: [
    { className: 'InputLayer', name: 'onnx____Flatten_0', shape: [3] },
    { className: 'Dense', name: 'dense', units: 2, activation: 'tanh', inbound: [['onnx____Flatten_0']] },
  ],
  inputs: ['onnx____Flatten_0'],
  outputs: ['dense'],
  seed: 5,
};

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The layout of a real onnx2tf export: the signature function's input dictionary and the
 * SignatureDef key the input `onnx____Flatten_0`, while its TensorSpec is named
 * `onnx____flatten_0`. Made by renaming the spec in a generated model's signature wrapper.
 */
function onnx2tfLayout(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const sm = decodeMessage<Msg>('SavedModel', files.get('saved_model.pb')!, 'saved_model.pb');
  const mg = sm['metaGraphs'][0];
  expect(Object.keys(mg['signatureDef']['serving_default']['inputs'])).toEqual(['onnx____Flatten_0']);
  let renamed = 0;
  for (const [name, fn] of Object.entries<Msg>(mg['objectGraphDef']['concreteFunctions'])) {
    if (!name.includes('signature_wrapper')) continue;
    const field = fn['canonicalizedInputSignature']['tupleValue']['values'][1]['dictValue']['fields']['onnx____Flatten_0'];
    field['tensorSpecValue']['name'] = 'onnx____flatten_0';
    renamed++;
  }
  expect(renamed).toBe(1);
  const out = new Map(files);
  out.set('saved_model.pb', encodeMessage('SavedModel', sm));
  return out;
}

async function open(files: Map<string, Uint8Array>) {
  const source = new MemorySource(files);
  const checkpoint = await CheckpointReader.open(source);
  const graph = await SavedModelGraph.load(source, { checkpointGraph: await checkpoint.readObjectGraph() });
  return { graph, checkpoint };
}

describe('signature inputs are named by the SignatureDef key', () => {
  test('a spec name that differs from the dictionary key (onnx2tf export) is not the input name', async () => {
    const { graph, checkpoint } = await open(onnx2tfLayout(writeKerasSavedModel(spec)));
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['serving_default']!;
    expect(sig.inputs.map((i) => i.name)).toEqual(['onnx____Flatten_0']);
    const x = [0.5, -1, 2, 1.5, 0, -0.25];
    const input = tf.tensor2d(x, [2, 3]);
    const out = sig({ onnx____Flatten_0: input });
    const want = referencePredict(spec, { onnx____Flatten_0: x })['dense']!;
    expect(out['dense']!.shape).toEqual(want.shape);
    const got = out['dense']!.dataSync();
    want.values.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    tf.dispose([input, out['dense']!]);
    m.dispose();
  });

  test('the unedited model keys its input the same way', async () => {
    const { graph, checkpoint } = await open(writeKerasSavedModel(spec));
    const m = await loadSignatures(graph, checkpoint);
    expect(m.signatures['serving_default']!.inputs.map((i) => i.name)).toEqual(['onnx____Flatten_0']);
    m.dispose();
  });
});

describe('inputs of another shape than the signature declares', () => {
  const dense: ModelSpec = {
    kind: 'Functional',
    layers: [
      { className: 'InputLayer', name: 'x', shape: [3] },
      { className: 'Dense', name: 'dense', units: 2, inbound: [['x']] },
    ],
    inputs: ['x'],
    outputs: ['dense'],
  };

  test('run when the graph accepts them; when it does not, INPUT_MISMATCH names the declared shape', async () => {
    const { graph, checkpoint } = await open(writeKerasSavedModel(dense));
    const m = await loadSignatures(graph, checkpoint);
    const sig = m.signatures['serving_default']!;
    const warnings: string[] = [];
    const warn = (w: string) => warnings.push(w);
    // Any batch size fits [None, 3]: no warning.
    const ok = tf.ones([5, 3]);
    const y = sig({ x: ok }, { warn });
    expect(y['dense']!.shape).toEqual([5, 2]);
    expect(warnings).toEqual([]);
    // MatMul cannot take 4 features (TensorFlow: "Matrix size-incompatible"), nor a vector.
    for (const shape of [[2, 4], [3]]) {
      const bad = tf.ones(shape);
      let err: unknown;
      try {
        sig({ x: bad }, { warn });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputMismatchError);
      expect((err as Error).message).toContain(`input x has shape [${shape.join(', ')}], the signature declares [None, 3], and the graph cannot run on it`);
      bad.dispose();
    }
    expect(warnings).toHaveLength(2);
    // A wrong dtype is refused before running, as TensorFlow's session refuses it.
    const ints = tf.ones([1, 3], 'int32');
    expect(() => sig({ x: ints })).toThrow(/must be a float32 tensor, got int32/);
    tf.dispose([ok, y['dense']!, ints]);
    m.dispose();
  });
});
