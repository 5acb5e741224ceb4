// What users need from @savedkeras/common, named one by one (its internals stay internal).
export {
  SavedKerasError,
  FormatError,
  ChecksumError,
  MissingFileError,
  PathEscapeError,
  LimitError,
  UnsupportedLayerError,
  UnsupportedOpError,
  UnsupportedFeatureError,
  InputMismatchError,
  NotSavedError,
  BackendError,
  SourceIOError,
  isSavedKerasError,
  type ErrorCode,
  type ErrorDetails,
  type ModelSource,
  MemorySource,
  registerSourceRouter,
  type SourceRouter,
  type ProgressEvent,
  type ProgressCallback,
  type Limits,
  DEFAULT_LIMITS,
  detectModelFormat,
  type ModelFormat,
} from '@savedkeras/common';
export { loadKerasModel, loadKerasModelWithReport, openSavedModel, readKerasModelFile, type LoadOptions, type LoadedKerasModel } from './load-keras-model.js';
export { loadKerasFile, saveKerasFile, encodeKerasFile, detectKerasFileFormat, inspectKerasFile, type KerasFileInspection, type KerasFileReport, type KerasFileInfo, type KerasFileTarget, type KerasFileLoadOptions } from '@savedkeras/keras-file';
export { registerLayer, type LayerClass, type ReviveReport } from '@savedkeras/revive';
export {
  registerKerasObject,
  registerActivation,
  type CustomObjects,
  type KerasObject,
  type KerasObjectKind,
  type LossOrMetricFn,
} from '@savedkeras/layers';
export { loadSavedModel, type LoadSavedModelOptions, type SavedModelHandle } from './load-saved-model.js';
export { registerOp, type Kernel, type SignatureFunction } from '@savedkeras/graph';
export { RevivedLayer } from '@savedkeras/revive';
