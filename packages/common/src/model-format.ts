import { MissingFileError, SavedKerasError, UnsupportedFeatureError } from './errors.js';
import { SubfolderSource, type ModelSource } from './source.js';

/**
 * What a user handed us, told apart from the bytes and file names alone (never from the file
 * extension only: a `.h5` renamed `.keras` is still HDF5). One place, so every loader and the CLI
 * recognise the same things and say the same about them.
 */
export type ModelFormat =
  /** saved_model.pb (+ variables/): what savedkeras loads. */
  | { kind: 'savedmodel' }
  /** saved_model.pbtxt: the text form TF can write, which savedkeras does not read. */
  | { kind: 'savedmodel-text' }
  /** A Keras 3 `.keras` file (a zip: config.json, metadata.json, model.weights.h5). */
  | { kind: 'keras-zip'; file: string }
  /** A Keras HDF5 file (`model.save('x.h5')`, or weights only). */
  | { kind: 'keras-hdf5'; file: string }
  /** A TensorFlow.js model folder (model.json + shards): already tfjs, load it with tf.loadLayersModel / tf.loadGraphModel. */
  | { kind: 'tfjs'; file: string; tfjsFormat: 'layers-model' | 'graph-model' | string }
  /** A TF Serving base folder: numbered version folders each holding a SavedModel. */
  | { kind: 'tf-serving'; versions: number[] }
  /** Nothing we recognise; `file` when a single file was given. */
  | { kind: 'unknown'; file?: string };

/** Zip local-file header, or an empty archive's end-of-central-directory record. */
const ZIP_MAGIC = [[0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06]];
/** The HDF5 format signature (`\x89HDF\r\n\x1a\n`), found at offset 0 or a power of two >= 512 (a user block before it). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bytes of a file's start that sniffFileBytes needs to see (the HDF5 signature may sit after a user block). */
export const SNIFF_BYTES = 2048 + HDF5_SIGNATURE.length;

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  return magic.every((b, i) => bytes[at + i] === b);
}

/** 'zip' (a .keras file), 'hdf5' (a .h5 file) or undefined, from the first SNIFF_BYTES of a file. */
export function sniffFileBytes(head: Uint8Array): 'zip' | 'hdf5' | undefined {
  if (ZIP_MAGIC.some((m) => startsWith(head, m))) return 'zip';
  for (const at of [0, 512, 1024, 2048]) if (startsWith(head, HDF5_SIGNATURE, at)) return 'hdf5';
  return undefined;
}

/** Largest TF Serving version folder name we accept (TF Serving reads an int64; beyond 2^53 JS cannot order them). */
const VERSION_FOLDER = /^(\d{1,15})\/saved_model\.pbt?x?t?$/;

/**
 * The format of what `source` points at. A source opened on a single file (see ModelSource.file)
 * is sniffed from its first bytes; a folder is told apart by the files it holds.
 */
export async function detectModelFormat(source: ModelSource): Promise<ModelFormat> {
  if (source.file !== undefined) {
    const size = (await source.size(source.file)) ?? 0;
    const head = await source.readRange(source.file, 0, Math.min(size, SNIFF_BYTES));
    const sniffed = sniffFileBytes(head);
    if (sniffed === 'zip') return { kind: 'keras-zip', file: source.file };
    if (sniffed === 'hdf5') return { kind: 'keras-hdf5', file: source.file };
    if (source.file === 'model.json' || /\.json$/i.test(source.file)) return tfjsFormat(source, source.file);
    // saved_model.pb itself: its folder is the SavedModel.
    if (source.file === 'saved_model.pb') return { kind: 'savedmodel' };
    return { kind: 'unknown', file: source.file };
  }
  if ((await source.size('saved_model.pb')) !== undefined) return { kind: 'savedmodel' };
  if ((await source.size('saved_model.pbtxt')) !== undefined) return { kind: 'savedmodel-text' };
  if ((await source.size('model.json')) !== undefined) return tfjsFormat(source, 'model.json');
  const files = source.list ? await source.list() : undefined;
  if (files) {
    const versions = [...new Set(files.map((f) => VERSION_FOLDER.exec(f)?.[1]).filter((v): v is string => v !== undefined))]
      .map(Number)
      .sort((a, b) => a - b);
    if (versions.length > 0) return { kind: 'tf-serving', versions };
  }
  return { kind: 'unknown' };
}

async function tfjsFormat(source: ModelSource, file: string): Promise<ModelFormat> {
  let format = 'layers-model';
  try {
    const size = (await source.size(file)) ?? 0;
    // model.json puts "format" first; 64 KiB is plenty to find it without reading a huge topology.
    const text = new TextDecoder().decode(await source.readRange(file, 0, Math.min(size, 65_536)));
    format = /"format"\s*:\s*"([^"]{1,64})"/.exec(text)?.[1] ?? (/"modelTopology"\s*:\s*\{\s*"node"/.test(text) ? 'graph-model' : 'layers-model');
  } catch {
    // unreadable: still a tfjs folder by its name
  }
  return { kind: 'tfjs', file, tfjsFormat: format };
}

/** What to tell a user whose input is not a SavedModel folder, as a typed error (undefined for a SavedModel). */
export function unsupportedFormatError(format: ModelFormat, description: string): SavedKerasError | undefined {
  switch (format.kind) {
    case 'savedmodel':
    case 'tf-serving':
      return undefined;
    case 'savedmodel-text':
      return new UnsupportedFeatureError(`${description} holds saved_model.pbtxt, the text form of a SavedModel, which savedkeras does not read`, {
        file: 'saved_model.pbtxt',
        hint: 're-save it in binary form (saved_model.pb), e.g. with tf.saved_model.save',
      });
    case 'keras-zip':
      return new UnsupportedFeatureError(`${format.file} is a Keras 3 .keras file (a zip archive), not a SavedModel: it has no saved graph or signatures`, {
        file: format.file,
        hint: 'load it with loadKerasModel (a tf.LayersModel); for signatures, export a SavedModel in Python: model.export("dir")',
      });
    case 'keras-hdf5':
      return new UnsupportedFeatureError(`${format.file} is a Keras HDF5 (.h5) file, not a SavedModel: it has no saved graph or signatures`, {
        file: format.file,
        hint: 'load it with loadKerasModel (a tf.LayersModel); for signatures, save a SavedModel in Python: model.export("dir")',
      });
    case 'tfjs':
      return new UnsupportedFeatureError(`${description} is a TensorFlow.js ${format.tfjsFormat} (${format.file}), already in tfjs' own format`, {
        file: format.file,
        hint:
          format.tfjsFormat === 'graph-model'
            ? "load it with tf.loadGraphModel('file://.../model.json') (or its URL); savedkeras reads SavedModels"
            : "load it with tf.loadLayersModel('file://.../model.json') (or its URL); savedkeras reads SavedModels",
      });
    case 'unknown':
      if (format.file === undefined) return undefined;
      return new MissingFileError(`${format.file} is a file, not a SavedModel folder, a Keras file or a TensorFlow.js model.json`, {
        file: format.file,
        hint: 'pass the folder that model.save() / tf.saved_model.save() wrote (it holds saved_model.pb)',
      });
  }
}

export interface LocateOptions {
  /** Told when the SavedModel is not at the top of what was given (a TF Serving version folder). */
  warn?: (message: string) => void;
}

/**
 * The SavedModel inside what the user gave: the source itself for a SavedModel folder, the highest
 * numbered version for a TF Serving layout (`model/1/`, `model/2/`: TF Serving serves the highest
 * by default), and a typed error naming the format for a `.keras`/`.h5` file, a tfjs model folder or
 * a text SavedModel. Anything unrecognised is returned as is: the SavedModel reader then says what
 * is missing.
 */
export async function locateSavedModel(source: ModelSource, options: LocateOptions = {}): Promise<ModelSource> {
  const format = await detectModelFormat(source);
  const error = unsupportedFormatError(format, source.description);
  if (error) throw error;
  if (format.kind !== 'tf-serving') return source;
  const version = format.versions[format.versions.length - 1]!;
  const chosen = new SubfolderSource(source, String(version));
  options.warn?.(
    `${source.description} is a TF Serving model folder (versions ${format.versions.join(', ')}); loading the highest version, ${version}, as TF Serving does`,
  );
  return chosen;
}
