import * as proto from '@savedkeras/proto';

export interface CheckpointTensor {
  key: string;
  dtype: number;
  shape: number[];
  /** Little-endian element bytes. */
  bytes: Uint8Array;
}

type BundleWriter = (
  tensors: CheckpointTensor[],
  options: { numShards?: number; objectGraph?: Uint8Array },
) => Map<string, Uint8Array>;

/**
 * The SavedModel checkpoint (`variables/variables.index` + `variables.data-*`): the variables
 * plus `_CHECKPOINTABLE_OBJECT_GRAPH`, written by @savedkeras/proto's TensorBundle writer.
 * Returns file names relative to `variables/`.
 */
export function writeCheckpoint(tensors: CheckpointTensor[], objectGraph: Uint8Array, numShards: number): Map<string, Uint8Array> {
  // Looked up at run time: the writer lands in @savedkeras/proto separately from this package.
  const write = (proto as unknown as { writeTensorBundle?: BundleWriter }).writeTensorBundle;
  if (!write) throw new Error('@savedkeras/proto does not export writeTensorBundle yet: the checkpoint cannot be written');
  const files = write(tensors, { numShards, objectGraph });
  const out = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) out.set(path.replace(/^(\.\/)?variables\//, ''), bytes);
  if (!out.has('variables.index')) throw new Error(`TensorBundle writer returned ${[...out.keys()].join(', ')}, no variables.index`);
  return out;
}
