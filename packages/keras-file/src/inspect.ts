import { FormatError, resolveLimits, UnsupportedFeatureError, type Limits } from '@savedkeras/common';
import { isObject, type Json, type JsonObject } from '@savedkeras/revive';
import { detectKerasFileFormat, type KerasFileFormat } from './detect.js';
import { H5File } from './hdf5.js';
import { registeredName } from './keras3-config.js';
import { parseJson, readKerasArchive } from './zip.js';

/** What `inspect` shows of a Keras model file, read without building the model (no tfjs backend). */
export interface KerasFileInspection {
  format: KerasFileFormat;
  layout: 'keras-3' | 'keras-2';
  kerasVersion: string | null;
  backend: string | null;
  dateSaved: string | null;
  modelClass: string;
  /** Every layer of the config, nested ones as `outer/inner`, with its class (registered name for custom ones). */
  layers: { path: string; className: string }[];
  /** Every stored array: the model's weights, then the optimizer's. */
  weights: { path: string; dtype: string; shape: number[]; sha256: string; optimizer: boolean }[];
  /** The saved compile config (loss, metrics, optimizer class), when there is one. */
  optimizer: string | null;
  assets: string[];
}

/**
 * Reads a `.keras` or `.h5` file's versions, layer table and stored arrays (dtype, shape, sha256
 * of the values as stored, little-endian), as `inspect` shows them.
 */
export async function inspectKerasFile(bytes: Uint8Array, options: { fileName?: string; limits?: Partial<Limits> } = {}): Promise<KerasFileInspection> {
  const limits = resolveLimits(options.limits);
  const format = detectKerasFileFormat(bytes);
  if (!format) throw new FormatError('neither a .keras zip nor an HDF5 file', { file: options.fileName });
  let config: JsonObject;
  let h5: H5File | undefined;
  let kerasVersion: string | null = null;
  let backend: string | null = null;
  let dateSaved: string | null = null;
  let assets: string[] = [];
  let optimizer: string | null = null;
  if (format === 'keras-zip') {
    const file = options.fileName ?? 'model.keras';
    const a = readKerasArchive(bytes, file, limits);
    if (!isObject(a.config as Json)) throw new FormatError('config.json is not a JSON object', { file: `${file}: config.json` });
    config = a.config as JsonObject;
    if (a.weights) h5 = new H5File(a.weights, `${file}: model.weights.h5`, limits);
    kerasVersion = typeof a.metadata['keras_version'] === 'string' ? a.metadata['keras_version'] : null;
    dateSaved = typeof a.metadata['date_saved'] === 'string' ? a.metadata['date_saved'] : null;
    assets = [...a.assets.keys()].sort();
    const cc = config['compile_config'];
    optimizer = isObject(cc) && isObject(cc['optimizer'] ?? null) ? String((cc['optimizer'] as JsonObject)['class_name']) : null;
  } else {
    const file = options.fileName ?? 'model.h5';
    h5 = new H5File(bytes, file, limits);
    const text = h5.stringAttr('', 'model_config');
    if (text === undefined) {
      throw new UnsupportedFeatureError('this HDF5 file has no model_config attribute: it holds weights only (save_weights) or is not a Keras model file', {
        file,
        hint: 'pass a file Keras wrote with model.save("x.h5") or model.save("x.keras")',
      });
    }
    config = parseJson(text, `${file}: model_config`) as JsonObject;
    kerasVersion = h5.stringAttr('', 'keras_version') ?? h5.stringAttr('model_weights', 'keras_version') ?? null;
    backend = h5.stringAttr('', 'backend') ?? null;
    const tc = h5.stringAttr('', 'training_config');
    const t = tc !== undefined ? (parseJson(tc, `${file}: training_config`) as JsonObject) : undefined;
    optimizer = t && isObject(t['optimizer_config'] ?? null) ? String((t['optimizer_config'] as JsonObject)['class_name']) : null;
  }
  const layers: KerasFileInspection['layers'] = [];
  const walk = (entry: JsonObject, prefix: string, depth: number) => {
    if (depth > 64) return;
    const cfg = isObject(entry['config']) ? entry['config'] : {};
    for (const l of (Array.isArray(cfg['layers']) ? cfg['layers'] : []).filter(isObject)) {
      const lc = isObject(l['config']) ? l['config'] : {};
      const name = String(l['name'] ?? lc['name'] ?? '?');
      const path = prefix ? `${prefix}/${name}` : name;
      layers.push({ path, className: registeredName(l) });
      if (Array.isArray(lc['layers'])) walk(l, path, depth + 1);
    }
  };
  walk(config, '', 0);
  const weights: KerasFileInspection['weights'] = [];
  if (h5) {
    for (const path of h5.datasetsUnder('')) {
      const { dtype, shape } = h5.describe(path);
      const arr = h5.readRaw(path);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', arr));
      weights.push({
        path,
        dtype,
        shape,
        sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
        optimizer: path.startsWith('optimizer'),
      });
    }
  }
  return {
    format,
    layout: format === 'keras-zip' || (kerasVersion ?? '').startsWith('3.') ? 'keras-3' : 'keras-2',
    kerasVersion,
    backend,
    dateSaved,
    modelClass: String(config['registered_name'] ?? config['class_name'] ?? '?'),
    layers,
    weights,
    optimizer,
    assets,
  };
}
