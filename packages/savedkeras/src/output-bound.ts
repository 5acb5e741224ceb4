import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkOutputBytes } from '@savedkeras/common';
import type { SignatureFunction } from '@savedkeras/graph';

type Outputs = tf.Tensor | tf.Tensor[];

/**
 * Bounds what `predict` and `predictOnBatch` of a loaded model hand back by limits.maxOutputBytes, as the CLI's
 * predict does: refused from the model's output shapes and the input rows before it runs (when every other
 * dimension is known), else from the output tensors before they are returned (freed first). LimitError names
 * the model, each output, its shape and bytes. The methods are replaced on this instance only.
 */
export function boundModelOutputs(model: tfl.LayersModel, maxBytes: number): void {
  const subject = `the outputs of model "${model.name}"`;
  const bound = <A extends unknown[]>(run: (x: Outputs, ...rest: A) => Outputs) => (x: Outputs, ...rest: A): Outputs => {
    const rows = (Array.isArray(x) ? x[0] : x)?.shape[0];
    if (rows !== undefined) {
      const names = model.outputNames;
      checkOutputBytes(
        model.outputs.map((o, i) => [names[i] ?? o.name, [rows, ...o.shape.slice(1)], o.dtype] as const),
        maxBytes,
        subject,
        'before it runs',
      );
    }
    const out = run(x, ...rest);
    const list = Array.isArray(out) ? out : [out];
    try {
      checkOutputBytes(list.map((t, i) => [model.outputNames[i] ?? `output ${i}`, t.shape, t.dtype] as const), maxBytes, subject, 'before they are returned');
    } catch (e) {
      for (const t of list) t.dispose();
      throw e;
    }
    return out;
  };
  const predict = model.predict.bind(model);
  const predictOnBatch = model.predictOnBatch.bind(model);
  model.predict = bound((x, args?: Parameters<tfl.LayersModel['predict']>[1]) => predict(x, args));
  model.predictOnBatch = bound((x) => predictOnBatch(x));
}

/**
 * A signature whose outputs are bounded by limits.maxOutputBytes: checked on the output tensors once it ran
 * (the executor's maxLiveBytes already refuses any single step past its own bound before it allocates);
 * outputs past the bound are freed and LimitError names the signature, each output, its shape and bytes.
 */
export function boundSignatureOutputs(sig: SignatureFunction, maxBytes: number): SignatureFunction {
  const call = (inputs: Record<string, tf.Tensor>, options?: Parameters<SignatureFunction>[1]) => {
    const outs = sig(inputs, options);
    try {
      checkOutputBytes(
        Object.entries(outs).map(([name, t]) => [name, t.shape, t.dtype] as const),
        maxBytes,
        `the outputs of signature ${sig.signatureName}`,
        'before they are returned',
      );
    } catch (e) {
      for (const t of Object.values(outs)) t.dispose();
      throw e;
    }
    return outs;
  };
  return Object.assign(call, {
    signatureName: sig.signatureName,
    functionName: sig.functionName,
    inputs: sig.inputs,
    outputs: sig.outputs,
    unsupportedOps: () => sig.unsupportedOps(),
    reducedPrecisionOps: () => sig.reducedPrecisionOps(),
  });
}
