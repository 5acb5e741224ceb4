import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSource } from 'savedkeras';
import { loadCallableSavedModel } from './facade.js';
import { generateInputs, toTensor, type InputSpec } from './inputs.js';

export interface GraphCheck {
  /** Which comparison ran: the page's own (Keras predict vs the saved serving signature). */
  method: 'keras-vs-signature';
  signature: string;
  seed: number;
  outputs: Array<{ keras: string; signature: string; shape: number[]; maxAbsDiff: number }>;
  maxAbsDiff: number;
}

/**
 * The page's own check, used when the facade has loadSavedModel but no `check`: runs the revived
 * Keras model and the SavedModel's saved serving function (the graph TensorFlow traced) on the
 * same seeded input and reports how far apart they are. Loads the signatures only for this and
 * disposes them afterwards.
 */
export async function compareKerasWithSignature(model: tfl.LayersModel, specs: InputSpec[], source: ModelSource, seed: number): Promise<GraphCheck> {
  const saved = await loadCallableSavedModel(source);
  try {
    const signature = saved.signatureNames.includes('serving_default') ? 'serving_default' : saved.signatureNames[0];
    if (!signature) throw new Error('the SavedModel has no signature to compare with');
    const inputs = generateInputs(specs, seed);
    const kerasIn = specs.map((s) => toTensor(inputs[s.name]));
    const sigIn: Record<string, tf.Tensor> = {};
    specs.forEach((s, i) => (sigIn[s.name] = kerasIn[i]));
    const y = model.predict(kerasIn.length === 1 ? kerasIn[0] : kerasIn) as tf.Tensor | tf.Tensor[];
    const kerasOut = Array.isArray(y) ? y : [y];
    const sigOut = await saved.call(signature, sigIn);
    try {
      // Outputs pair up by name where the names agree, else in sorted-name order (signature outputs are sorted).
      const sigNames = Object.keys(sigOut).sort();
      const outputs = kerasOut.map((t, i) => {
        const kName = model.outputNames[i];
        const sName = kName in sigOut ? kName : sigNames[i];
        const s = sigOut[sName];
        if (!s) throw new Error(`the signature has no output to compare with Keras output ${kName}`);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(t, 'float32'), tf.reshape(tf.cast(s, 'float32'), t.shape)))));
        const maxAbsDiff = diff.dataSync()[0];
        diff.dispose();
        return { keras: kName, signature: sName, shape: t.shape, maxAbsDiff };
      });
      return { method: 'keras-vs-signature', signature, seed, outputs, maxAbsDiff: Math.max(...outputs.map((o) => o.maxAbsDiff)) };
    } finally {
      tf.dispose([...kerasIn, ...kerasOut, ...Object.values(sigOut)]);
    }
  } finally {
    (saved.raw as { dispose?: () => void }).dispose?.();
  }
}
