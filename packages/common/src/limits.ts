import { LimitError } from './errors.js';
import { formatShape } from './shape-text.js';

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
  /**
   * Most graph nodes one call of a saved function may execute, counted across every loop
   * iteration, nested call and branch it makes: the per-loop and per-depth limits alone do not
   * bound total work (a While inside a While, functions that each call the next twice).
   */
  maxKernelLaunches: number;
  /** Most tensor elements one call of a saved function may produce in total (its work budget in data). */
  maxElementsProduced: number;
  /**
   * Most bytes of tensors alive at once during one call of a saved function, checked before each
   * kernel runs against the size its output will have (from its input shapes): an outer-product
   * MatMul, a broadcast, a Concat that doubles in a loop or a splat string constant are refused
   * before they allocate. String elements count with their per-element overhead.
   */
  maxLiveBytes: number;
  /** Most bytes of keys a checkpoint index may expand to (SSTable prefix sharing counted before the keys are built). */
  maxIndexKeyBytes: number;
  /** Largest input file the CLI reads (`--input`), counted while reading: devices and pipes have no size up front. */
  maxInputFileBytes: number;
  /**
   * Most bytes of outputs one `predict` / `predictOnBatch` of a loaded Keras model (and one case of the
   * CLI's `predict`) may return, checked from the model's output shapes and the input rows before it
   * runs and from the output tensors before they are handed back: on the wasm backend the outputs live
   * in the wasm heap and reading them copies them out once, so a read costs twice this.
   */
  maxOutputBytes: number;
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
  maxKernelLaunches: 250_000,
  maxElementsProduced: 2 ** 33,
  maxLiveBytes: 2 ** 30,
  maxIndexKeyBytes: 64 * 1024 * 1024,
  maxInputFileBytes: 512 * 1024 * 1024,
  maxOutputBytes: 2 ** 30,
});

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...(overrides ?? {}) };
}

/** Bytes per element of an output as read out of a backend (strings: a pointer-sized estimate before their text is read). */
const OUTPUT_ELEMENT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 16 };

/**
 * Refuses outputs that together hold more than `maxBytes` (limits.maxOutputBytes) with a LimitError naming
 * each output, its shape and dtype. Returns without a verdict when a dimension is unknown (null or < 0):
 * the check on the output tensors themselves holds then. `subject` says whose outputs they are ("the
 * outputs of this case", `the outputs of model "m"`), `when` what is refused ("before it runs").
 */
export function checkOutputBytes(
  outputs: readonly (readonly [name: string, shape: readonly (number | null)[], dtype: string])[],
  maxBytes: number,
  subject: string,
  when: string,
): void {
  let total = 0;
  for (const [, shape, dtype] of outputs) {
    if (shape.some((d) => d === null || d < 0)) return;
    total += shape.reduce<number>((a, b) => a * b!, 1) * (OUTPUT_ELEMENT_BYTES[dtype] ?? 8);
  }
  if (total <= maxBytes) return;
  const list = outputs.map(([name, shape, dtype]) => `${name} ${formatShape(shape)} ${dtype}`).join(', ');
  throw new LimitError(`${subject} hold ${total} bytes (${list}), above the limit of ${maxBytes} bytes (limits.maxOutputBytes); refused ${when}`, {
    hint: 'feed fewer rows at a time (or split the input), or lift the limit if the machine has the memory',
  });
}
