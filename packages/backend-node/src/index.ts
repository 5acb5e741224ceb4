import { registerSourceRouter } from '@savedkeras/common';
import { nodeSourceRouter } from './router.js';
import { registerFileRouters } from './file-io.js';
import { registerNativeCrc32c } from './native-crc32c.js';

export { NodeFileSource } from './node-file-source.js';
export { registerNativeCrc32c } from './native-crc32c.js';
export { nodeSourceRouter } from './router.js';
export {
  fileLoadRouter,
  fileSaveRouter,
  layersModelFromFiles,
  layersModelToFiles,
  writeLayersModel,
  shardName,
  DEFAULT_SHARD_BYTES,
} from './file-io.js';
export {
  selectBackend,
  wasmFiles,
  BACKEND_NAMES,
  type BackendName,
  type BackendAttempt,
  type BackendChoice,
  type SelectBackendOptions,
} from './select-backend.js';
export { MAX_WASM_THREADS } from './wasm-threads.js';

// Importing this package lets loaders open plain paths and file:// URLs (as tf.io routers do).
registerSourceRouter(nodeSourceRouter);
// ... and lets tfjs save and load layers models with file:// URLs without tfjs-node:
// model.save('file://dir'), tf.loadLayersModel('file://dir/model.json').
registerFileRouters();
// ... and checks checkpoint bytes with the CPU's CRC32 instruction where @node-rs/crc32 has a binary.
registerNativeCrc32c();
