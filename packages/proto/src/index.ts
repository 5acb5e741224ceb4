export * from './messages.js';
export * from './crc32c.js';
export * from './dtypes.js';
export type * from './types.js';
export * from './tensor-values.js';
export { ByteCursor } from './checkpoint/varint.js';
export { readSSTable, type SSTableEntry, type BlockHandle } from './checkpoint/sstable.js';
// Format pieces the checkpoint writers (@savedkeras/savedmodel-writer) and their tests build on: one encoding of
// the SSTable framing and of string tensors, shared by reader and writer.
export {
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  TABLE_MAGIC_HI,
  TABLE_MAGIC_LO,
  compareBytes,
  parseBlock,
} from './checkpoint/sstable.js';
export { pushVarint, uint32leBytes } from './checkpoint/varint.js';
export { encodeStringTensor } from './checkpoint/string-tensor.js';
export {
  CheckpointReader,
  OBJECT_GRAPH_KEY,
  type Checkpoint,
  type DeclaredTensor,
  READ_PIECE_BYTES,
  STREAM_PIECE_BYTES,
  type CheckpointEntry,
  type CheckpointTensor,
  type RangeIntoSource,
  type ReadIntoItem,
  type ReadManyOptions,
} from './checkpoint/tensor-bundle.js';
export {
  readKerasMetadataHead,
  readSavedModelParts,
  readSavedModelRootObject,
  type ByteRange,
  type KerasMetadataHead,
  type RangeRead,
  type SavedModelParts,
} from './saved-model-parts.js';
