import type { ModelSource } from '@savedkeras/common';
import * as proto from '@savedkeras/proto';
import type { BundleEntryProto, TrackableObjectGraph } from '@savedkeras/proto';

/** The part of @savedkeras/proto's CheckpointReader that inspect uses. */
export interface CheckpointView {
  keys(): string[];
  entry(key: string): BundleEntryProto | undefined;
  /** The tensor's bytes exactly as stored, crc32c-verified. */
  readRaw(key: string): Promise<Uint8Array>;
  readObjectGraph(): Promise<TrackableObjectGraph | null>;
}

export async function openCheckpoint(source: ModelSource): Promise<CheckpointView> {
  // PARTIAL: CheckpointReader is being written in packages/proto/src/checkpoint/; until it is
  // exported this fails loudly instead of pretending the model has no checkpoint.
  const reader = (proto as unknown as { CheckpointReader?: { open(s: ModelSource): Promise<CheckpointView> } }).CheckpointReader;
  if (!reader) throw new Error('@savedkeras/proto does not export CheckpointReader yet');
  return reader.open(source);
}
