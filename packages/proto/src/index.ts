export * from './messages.js';
export * from './crc32c.js';
export * from './dtypes.js';
export type * from './types.js';
export * from './tensor-values.js';
export { ByteCursor } from './checkpoint/varint.js';
export { readSSTable, type SSTableEntry, type BlockHandle } from './checkpoint/sstable.js';
export { writeSSTable, type SSTableWriteOptions } from './checkpoint/sstable-writer.js';
export {
  CheckpointReader,
  OBJECT_GRAPH_KEY,
  type Checkpoint,
  type DeclaredTensor,
  READ_PIECE_BYTES,
  type CheckpointEntry,
  type CheckpointTensor,
  type RangeIntoSource,
  type ReadIntoItem,
  type ReadManyOptions,
} from './checkpoint/tensor-bundle.js';
export { writeTensorBundle, type BundleTensor, type BundleWriteOptions } from './checkpoint/bundle-writer.js';
export { readSavedModelParts, type ByteRange, type RangeRead, type SavedModelParts } from './saved-model-parts.js';
