import { carrierOf } from '@savedkeras/check';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedKerasModel } from 'savedkeras';

/** A model input or output's dtype as the model saved it, and the dtype tfjs computes it in. */
export interface TensorDtype {
  name: string;
  /** As saved: the serving signature's dtype (float64, int64, ...); the JS dtype when nothing says otherwise. */
  dtype: string;
  jsDtype: string;
  /** `float64 (float32 in JS)` where they differ, else `float32`: the wording `savedkeras summary` uses. */
  label: string;
}

function dtypeLabel(saved: string, js: string | null = carrierOf(saved)): string {
  return js && js !== saved ? `${saved} (${js} in JS)` : saved;
}

const entry = (name: string, saved: string | undefined, js: string): TensorDtype => ({ name, dtype: saved ?? js, jsDtype: js, label: dtypeLabel(saved ?? js, js) });

/**
 * A Keras model's inputs and outputs: dtypes from its serving signature (keyed by the Keras input names
 * and output layer names, as `savedkeras summary` reads them), JS dtypes from the tfjs model.
 */
export function kerasDtypes(model: tfl.LayersModel, graph: LoadedKerasModel['graph']): { inputs: TensorDtype[]; outputs: TensorDtype[] } {
  const sig = graph?.signatures.find((s) => s.name === 'serving_default');
  const saved = (list: { name: string; dtype: string }[] | undefined) => new Map((list ?? []).map((t) => [t.name, t.dtype]));
  const ins = saved(sig?.inputs);
  const outs = saved(sig?.outputs);
  return {
    inputs: model.inputs.map((t, i) => entry(model.inputNames[i]!, ins.get(model.inputNames[i]!), t.dtype)),
    outputs: model.outputs.map((t, i) => entry(model.outputNames[i]!, outs.get(model.outputNames[i]!), t.dtype)),
  };
}

/** A signature's tensors: saved dtype from the signature, JS dtype as loadSavedModel feeds and returns it. */
export function signatureDtypes(tensors: { name: string; dtype: string; tfjsDtype?: string }[]): TensorDtype[] {
  return tensors.map((t) => entry(t.name, t.dtype, t.tfjsDtype ?? carrierOf(t.dtype) ?? t.dtype));
}
