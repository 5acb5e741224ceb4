export * from '@savedkeras/common';
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
