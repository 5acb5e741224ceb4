import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, type ProgressCallback } from '@savedkeras/common';
import type { ObjectNode, SavedModelGraph } from '@savedkeras/object-graph';
import type { Checkpoint } from '@savedkeras/proto';
import { bindLayerWeights, restoreWeights, type WeightBinding } from './weights.js';

type Layer = tfl.layers.Layer;

/** One tfjs weight per object-graph variable that saved functions read (shared by every revived layer). */
export class FunctionVariables {
  private readonly byNode = new Map<number, tfl.LayerVariable>();
  readonly bindings: WeightBinding[] = [];

  constructor(private readonly ckpt: Checkpoint) {}

  /** Every weight made here (disposed when the load fails). */
  all(): tfl.LayerVariable[] {
    return [...this.byNode.values()];
  }

  /** The weight already made for a variable node, if any. */
  find(id: number): tfl.LayerVariable | undefined {
    return this.byNode.get(id);
  }

  /** The weight for a variable node, made (zero-filled until restore) on first use. */
  get(node: ObjectNode): tfl.LayerVariable {
    let v = this.byNode.get(node.id);
    if (!v) {
      const info = node.variable!;
      const dtype = (info.dtype === 'float32' || info.dtype === 'bool' ? info.dtype : info.dtype.startsWith('float') ? 'float32' : 'int32') as tf.DataType;
      const shape = (info.shape ?? []).map((d) => Math.max(d, 0));
      // The shape comes from saved_model.pb; the checkpoint entry (index only, no data read) says
      // what is stored. Check them before allocating, so a shape claiming 10^12 elements allocates nothing.
      if (!info.checkpointKey) {
        throw new FormatError(`variable ${node.path} has no value in the checkpoint`, { file: 'variables/variables.index', node: node.path });
      }
      this.ckpt.declaredEntry(info.checkpointKey, { dtype: info.dtype, shape, node: `variable ${node.path}` });
      // tf.variable shares the initial tensor's data and leaves the tensor itself alive: free it here
      // (it was the 4 tensors a saved-function model left after dispose()).
      const initial = tf.zeros(shape, dtype);
      v = new tfl.LayerVariable(initial, dtype, info.name || node.path, info.trainable);
      initial.dispose();
      this.byNode.set(node.id, v);
      this.bindings.push({ weight: v, node, layerPath: node.path });
    }
    return v;
  }
}

/**
 * Restores every weight of a revived model: each leaf layer revived from its config takes its
 * values through the object graph, then the variables that saved functions read.
 */
export async function restoreRevivedWeights(
  graph: SavedModelGraph,
  ckpt: Checkpoint,
  owners: readonly { id: number; layer: Layer }[],
  functionVariables: FunctionVariables,
  warn: (message: string) => void,
  onProgress?: ProgressCallback,
): Promise<WeightBinding[]> {
  const bindings: WeightBinding[] = [];
  for (const { id, layer } of owners) {
    const { bindings: b, unused } = bindLayerWeights(graph, id, layer.weights);
    bindings.push(...b);
    for (const u of unused) {
      if (u.variable?.trainable) {
        warn(`${graph.node(id).path}: saved variable ${u.path} has no weight in the revived layer; its value is not used`);
      }
    }
  }
  bindings.push(...functionVariables.bindings);
  const total = bindings.length;
  await restoreWeights(bindings, ckpt, (done) =>
    onProgress?.({ stage: 'weights', loadedBytes: done, totalBytes: total, fraction: total ? done / total : 1 }),
  );
  return bindings;
}
