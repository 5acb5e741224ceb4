import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { MemorySource } from '@savedkeras/common';
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
