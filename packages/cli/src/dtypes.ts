import { carrierOf } from '@savedkeras/check';
import type { SavedModelGraph } from '@savedkeras/object-graph';

/**
 * A dtype as the model saved it, with the dtype tfjs computes in where they differ:
 * `float64 (float32 in JS)`, `int64 (int32 in JS)`; `float32` alone.
 */
export function describeDtype(saved: string): string {
  const js = carrierOf(saved);
  return js && js !== saved ? `${saved} (${js} in JS)` : saved;
}

/**
 * The dtypes a Keras model's serving signature declares for its inputs and outputs, by signature
 * key (the Keras input names and output layer names): what the model takes and gives in TensorFlow.
 */
export function servingDtypes(graph: SavedModelGraph): { inputs: Map<string, string>; outputs: Map<string, string> } {
  const sig = graph.signatures.find((s) => s.name === 'serving_default');
  return {
    inputs: new Map((sig?.inputs ?? []).map((t) => [t.name, t.dtype])),
    outputs: new Map((sig?.outputs ?? []).map((t) => [t.name, t.dtype])),
  };
}
