/**
 * Limits checked before any allocation. They bound what a hostile file can make the loader do;
 * real models sit far below each of them.
 */
export interface Limits {
  /** Largest single file the loader reads whole (saved_model.pb, keras_metadata.pb, variables.index). */
  maxProtoFileBytes: number;
  /** Largest Keras metadata JSON string. */
  maxMetadataJsonBytes: number;
  /** Deepest JSON / protobuf nesting accepted. */
  maxNestingDepth: number;
  /** Most objects in one object graph. */
  maxObjectGraphNodes: number;
  /** Most entries in one checkpoint index. */
  maxCheckpointEntries: number;
  /** Largest element count of one tensor. */
  maxTensorElements: number;
  /**
   * Largest tensor made from a few values rather than from stored bytes: a splat constant (one
   * value repeated over its shape), the output of Fill, Tile, Range, Pad, OneHot, random ops. No
   * file size bounds these, so this does: 2^28 elements is 1 GiB of float32.
   */
  maxComputedTensorElements: number;
  /** Most shards a checkpoint may claim. */
  maxShards: number;
  /** Deepest call chain when running saved functions (catches self-calling functions). */
  maxCallDepth: number;
  /** Most iterations of one While loop. */
  maxLoopIterations: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxProtoFileBytes: 2 ** 31 - 1, // protobuf's own 2 GiB limit
  maxMetadataJsonBytes: 256 * 1024 * 1024,
  maxNestingDepth: 100,
  maxObjectGraphNodes: 1_000_000,
  maxCheckpointEntries: 1_000_000,
  maxTensorElements: 2 ** 31 - 1,
  maxComputedTensorElements: 2 ** 28,
  maxShards: 10_000,
  maxCallDepth: 64,
  maxLoopIterations: 1_000_000,
});

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(overrides ?? {}) };
}
