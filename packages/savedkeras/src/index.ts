export * from '@savedkeras/common';
export { loadKerasModel, loadKerasModelWithReport, openSavedModel, type LoadOptions, type LoadedKerasModel } from './load-keras-model.js';
export { registerLayer, type LayerClass, type ReviveReport } from '@savedkeras/revive';
