export { detectKerasFileFormat, hdf5SignatureOffset, type KerasFileFormat } from './detect.js';
export { loadKerasFile, type KerasFileLoadOptions, type KerasFileInfo, type KerasFileReport, type LoadedKerasFile } from './load.js';
export { H5File, type H5Array } from './hdf5.js';
export { readKerasArchive, type KerasArchive } from './zip.js';
export { saveKerasFile, encodeKerasFile, kerasConfigOf, WRITTEN_KERAS_VERSION, type KerasFileTarget } from './write.js';
export { ConfigBuilder, type BuiltLayer, type BuiltNetwork } from './build-model.js';
export { kerasSnakeCase, keras3ToKeras2 } from './keras3-config.js';
export type { AssignedWeight } from './weights.js';
export type { OptimizerStateResult } from './optimizer-state.js';
