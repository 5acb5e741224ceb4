import { registerSourceRouter } from '@savedkeras/common';
import { webSourceRouter } from './router.js';

export { UrlSource, parseContentRange, type UrlSourceOptions, type FetchLike } from './url-source.js';
export { FileListSource, findRoot, type FileWithPath, type FileListSourceOptions } from './file-list-source.js';
export { filesFromDataTransfer } from './data-transfer.js';
export { DirectoryHandleSource, type DirectoryHandleLike, type FileHandleLike } from './directory-handle-source.js';
export { webSourceRouter } from './router.js';
export {
  selectBackend,
  forgetBackendFailures,
  BACKEND_NAMES,
  type BackendName,
  type BackendAttempt,
  type BackendChoice,
  type SelectBackendOptions,
} from './select-backend.js';

// Importing this package lets loaders open http(s):// URLs (as tf.io routers do).
registerSourceRouter(webSourceRouter);
