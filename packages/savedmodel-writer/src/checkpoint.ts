import { writeTensorBundle, type BundleTensor } from './bundle-writer.js';

/**
 * The SavedModel checkpoint (`variables/variables.index` + `variables.data-*`): the variables
 * plus `_CHECKPOINTABLE_OBJECT_GRAPH` (in shard 0), written by the TensorBundle
 * writer. Returns file names relative to `variables/`.
 */
export function writeCheckpoint(tensors: readonly BundleTensor[], objectGraph: Uint8Array, numShards: number): Map<string, Uint8Array> {
  const files = writeTensorBundle(tensors, { numShards, objectGraph, prefix: 'variables' });
  if (!files.has('variables.index')) throw new Error(`TensorBundle writer returned ${[...files.keys()].join(', ')}, no variables.index`);
  return files;
}
