import { registerSourceRouter } from '@savedkeras/common';
import { nodeSourceRouter } from './router.js';

export { NodeFileSource } from './node-file-source.js';
export { nodeSourceRouter } from './router.js';
export {
  selectBackend,
  wasmFiles,
  BACKEND_NAMES,
  type BackendName,
  type BackendAttempt,
  type BackendChoice,
} from './select-backend.js';

// Importing this package lets loaders open plain paths and file:// URLs (as tf.io routers do).
registerSourceRouter(nodeSourceRouter);
